# lazyfuse: `make demo` runs the main job, `make test` runs every test suite.
# Both install what is missing first (scripts/setup.sh: LLVM 19 via apt, .venv via pip).

SHELL := /bin/bash
export LLVM_SYS_191_PREFIX ?= /usr/lib/llvm-19
export LAZYFUSE_PYTHON ?= $(CURDIR)/.venv/bin/python
PYTHON := $(CURDIR)/.venv/bin/python

# The random suites (proptest, hypothesis) draw the same cases on every run, so a test
# run's outcome depends on the code alone; LAZYFUSE_FRESH_SEEDS=1 draws new cases each
# run (with the longer runs' example counts: see README, "Tests").
ifeq ($(LAZYFUSE_FRESH_SEEDS),)
export PROPTEST_RNG_SEED ?= 20261208
export LAZYFUSE_FIXED_SEEDS := 1
endif

.PHONY: setup demo demo-rust example-export bench test test-rust test-python python-module lint fmt bless

setup:
	@bash scripts/setup.sh

# The NumPy user's story (examples/python/demo.py); the Rust API's: `make demo-rust`.
demo: python-module
	$(PYTHON) examples/python/demo.py

demo-rust: setup
	cargo run --release --example demo

# A C program calling an exported row softmax and an exported gradient (no Python at
# run time): examples/export/.
example-export: python-module
	PYTHON=$(PYTHON) bash examples/export/run.sh

# lazyfuse against NumPy, NumExpr, Numba and JAX: installs the peers into .venv (once per
# change of requirements-bench.txt), then writes BENCHMARKS.md and benchmarks.png; then
# the loops over small arrays, the corpus of NumPy programs and value_and_grad against
# JAX and hand-written NumPy gradients, exported kernels against hand-written C (their
# sections of it).
bench: python-module
	@want=$$(sha256sum requirements-bench.txt | cut -d' ' -f1); \
	if [ "$$want" != "$$(cat .venv/.bench.sha256 2>/dev/null)" ]; then \
		$(PYTHON) -m pip install -q -r requirements-bench.txt && echo "$$want" > .venv/.bench.sha256; \
	fi
	$(PYTHON) benches/python/compare.py
	$(PYTHON) benches/python/loops.py --markdown BENCHMARKS.md
	$(PYTHON) benches/programs/runner.py --markdown BENCHMARKS.md
	$(PYTHON) benches/python/gradients.py --markdown BENCHMARKS.md
	$(PYTHON) benches/python/blas2.py --markdown BENCHMARKS.md
	$(PYTHON) benches/python/axis_reductions.py --markdown BENCHMARKS.md
	$(PYTHON) benches/python/vector_math.py --markdown BENCHMARKS.md
	$(PYTHON) benches/python/first_call.py --markdown BENCHMARKS.md
	$(PYTHON) benches/export/bench.py --markdown BENCHMARKS.md
	$(PYTHON) benches/dask/bench.py --markdown BENCHMARKS.md

test: setup test-rust test-python

# The compiled-kernel differential suites run twice: the second time with storage that
# starts uninitialised filled with 0xFF bytes (a kernel reading it early shows).
test-rust:
	LAZYFUSE_REQUIRE_PTXAS=1 cargo test --workspace
	LAZYFUSE_POISON_TEMPS=1 cargo test -p lazyfuse --test cpu_differential --test cpu_gather

# The Python package (maturin, release build) installed into .venv, editable.
python-module: setup
	VIRTUAL_ENV=$(CURDIR)/.venv $(CURDIR)/.venv/bin/maturin develop --release -q

test-python: python-module
	$(PYTHON) -m pytest -q tests/python

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p lazyfuse-frontend --features python -- -D warnings

fmt:
	cargo fmt --all

# Regenerates every golden file: NumPy's dtype tables (promotion, op result dtypes), the
# optimiser's golden programs and plans (optimizer/tests/golden/) and the Python op
# tables generated from ir/src/op.rs. Review the diff like code.
bless: setup
	$(PYTHON) tests/python/gen_dtype_tables.py
	LAZYFUSE_BLESS=1 cargo test -q -p lazyfuse-optimizer --test golden --test rules
	LAZYFUSE_BLESS=1 cargo test -q --test op_tables
