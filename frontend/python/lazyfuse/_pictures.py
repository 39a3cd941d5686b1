"""Pictures of programs for notebooks and files: Graphviz renders the DOT text lazyfuse
writes (SVG, PNG, PDF) where its ``dot`` program is installed; without it, notebooks
show the program as text and ``visualize`` can still write ``.dot`` files."""

import html
import shutil
import subprocess

# Graphviz's time on a program of thousands of nodes; a picture is never worth a hang.
_RENDER_TIMEOUT_S = 30


def graphviz_available():
    """Whether Graphviz's ``dot`` program is on the PATH."""
    return shutil.which("dot") is not None


def render(dot_text, fmt):
    """``dot_text`` rendered by Graphviz as ``fmt`` (``svg``, ``png``, ``pdf`` ...): bytes,
    or None without Graphviz or if it fails."""
    dot = shutil.which("dot")
    if dot is None:
        return None
    try:
        done = subprocess.run([dot, f"-T{fmt}"], input=dot_text.encode(), capture_output=True,
                              timeout=_RENDER_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 and done.stdout else None


def html_picture(dot_text, text):
    """HTML for a notebook: the SVG picture, with the text under it, or the text alone."""
    pre = f"<pre>{html.escape(text)}</pre>"
    svg = render(dot_text, "svg")
    if svg is None:
        return pre
    return (f"<div>{svg.decode('utf-8', 'replace')}</div>"
            f"<details><summary>as text</summary>{pre}</details>")


def write(dot_text, filename):
    """Writes the picture to ``filename``: DOT text for ``.dot``/``.gv``, else rendered
    in the format its extension names."""
    name = str(filename)
    fmt = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if fmt in ("dot", "gv"):
        with open(name, "w", encoding="utf-8") as f:
            f.write(dot_text)
        return
    if not fmt:
        raise ValueError(f"visualize: {name!r} has no extension (.dot, .svg, .png, .pdf ...)")
    if not graphviz_available():
        raise RuntimeError(f"visualize: writing {name!r} needs Graphviz's `dot` program "
                           "(install graphviz), or use a .dot filename")
    data = render(dot_text, fmt)
    if data is None:
        raise RuntimeError(f"visualize: Graphviz could not render {name!r} as {fmt}")
    with open(name, "wb") as f:
        f.write(data)
