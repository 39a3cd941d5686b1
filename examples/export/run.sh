#!/usr/bin/env bash
# Exports the kernels (Python, once), then builds and runs the C program (no Python).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/build}"
python="${PYTHON:-python3}"
"$python" "$here/export_kernels.py" "$build"
"${CC:-cc}" -std=c11 -O2 -I"$build" "$here/main.c" -L"$build" -lrow_softmax -llogistic_grad \
    -Wl,-rpath,"$build" -lm -o "$build/main"
echo "ldd: $(ldd "$build/main" | grep -c -i python) Python libraries linked"
env -i PATH="$PATH" "$build/main"
