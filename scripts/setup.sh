#!/usr/bin/env bash
# Installs what lazyfuse needs on a fresh Debian 12 machine, idempotently:
#   - LLVM 19 (headers, libraries, Polly) for llvm-sys/inkwell, from Debian's apt;
#   - a Python venv in .venv with the packages the tests use (requirements-dev.txt).
# Fast when everything is already there: it only checks dpkg and a stamp file.
set -euo pipefail
cd "$(dirname "$0")/.."

# graphviz: explain()'s pictures (optional for users; installed so the tests draw them).
# gcc, libc6-dev, binutils: lf.export compiles and links C libraries (the tests also
# build C programs against them, with AddressSanitizer: libasan comes with gcc).
APT_PACKAGES=(llvm-19-dev libpolly-19-dev libzstd-dev zlib1g-dev libxml2-dev libopenblas-dev graphviz
              gcc libc6-dev binutils)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]} with apt-get"
    SUDO=""
    if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PYTHON="${PYTHON:-python3}"
REQ=requirements-dev.txt
want="$(sha256sum "$REQ" | cut -d' ' -f1)"
have="$(cat .venv/.requirements.sha256 2>/dev/null || true)"
if [ ! -x .venv/bin/python ] || [ "$want" != "$have" ]; then
    echo "setup: preparing .venv from $REQ"
    [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -r "$REQ"
    echo "$want" > .venv/.requirements.sha256
fi
