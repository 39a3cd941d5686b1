"""The committed dtype tables are exactly what the installed NumPy answers."""

import gen_dtype_tables as gen


def test_committed_tables_match_numpy():
    for file, text in gen.tables().items():
        committed = (gen.OUT / file).read_text()
        assert gen.strip_version(committed) == gen.strip_version(text), (
            f"{file} differs from NumPy's answers; run `make bless` and review the diff"
        )
