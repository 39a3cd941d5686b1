#!/usr/bin/env bash
# Runs the public Array API test suite (github.com/data-apis/array-api-tests, with its
# array-api submodule checked out) against lazyfuse.numpy:
#   bash scripts/array_api_tests.sh PATH_TO_ARRAY_API_TESTS [pytest arguments...]
# e.g. `... array_api_tests/test_linalg.py array_api_tests/test_fft.py --max-examples=200`.
# It needs the project's environment (make test sets it up) plus the suite's own
# requirements (hypothesis, ndindex, pytest-json-report), which it installs into that environment if missing.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
suite="${1:?usage: scripts/array_api_tests.sh PATH_TO_ARRAY_API_TESTS [pytest args...]}"
shift
python="$here/.venv/bin/python"
"$python" -c "import ndindex" 2>/dev/null || "$python" -m pip install -q ndindex
"$python" -c "import pytest_jsonreport" 2>/dev/null || "$python" -m pip install -q pytest-json-report
cd "$suite"
ARRAY_API_TESTS_MODULE=lazyfuse.numpy exec "$python" -m pytest -p no:cacheprovider "$@"
