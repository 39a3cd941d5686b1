"""Writing one benchmark's section of BENCHMARKS.md, shared by the scripts here."""

import pathlib


def replace_section(path, name, text, heading):
    """Replaces the text between `<!-- name:begin -->` and `<!-- name:end -->` in the
    file at `path` with `text`; appends `heading` and a new marked section when the
    markers are missing."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    path = pathlib.Path(path)
    doc = path.read_text() if path.exists() else ""
    block = f"{begin}\n{text}\n{end}"
    if begin in doc and end in doc:
        doc = doc[:doc.index(begin)] + block + doc[doc.index(end) + len(end):]
    else:
        doc += f"\n{heading}\n\n{block}\n"
    path.write_text(doc)
