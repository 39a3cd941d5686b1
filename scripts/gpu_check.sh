#!/usr/bin/env bash
# The GPU check in one run, on a machine with an NVIDIA GPU (issue 14's Deliver 5):
# builds lazyfuse (or takes a prebuilt bundle, see below), runs the random-program
# differential test of the CUDA target against the interpreter, checks every layout
# against NumPy, and times the benchmark workloads against CuPy and JAX on the GPU with
# the device's copy bandwidth measured in the same run, then times each workload's first
# call in fresh processes over an empty kernel cache and over the one that run filled
# (PTX loaded from disk, no LLVM). Results go to $OUT (or
# ./gpu-check): gpu_check.json, gpu_check.md and the logs.
#
# A GPU machine without a Rust toolchain takes a bundle made here by
# `bash scripts/gpu_check.sh --bundle` (in .gpu/: the native module, the differential
# test binary, libdevice, and the shared libraries they link that such a machine may
# lack), carried to it with the working tree.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-$PWD/gpu-check}"
mkdir -p "$out"

if [ "${1:-}" = "--bundle" ]; then
    make python-module
    test_bin=$(LAZYFUSE_PYTHON=$PWD/.venv/bin/python cargo test -p lazyfuse --test nvptx --no-run 2>&1 \
        | sed -n 's/.*Executable tests\/nvptx.rs (\(.*\))/\1/p' | tail -1)
    rm -rf .gpu && mkdir -p .gpu/lib .gpu/cuda/nvvm/libdevice
    cp frontend/python/lazyfuse/_native.abi3.so .gpu/
    cp "$test_bin" .gpu/nvptx-test
    strip .gpu/nvptx-test .gpu/_native.abi3.so
    cp .venv/lib/python3*/site-packages/nvidia/cuda_nvcc/nvvm/libdevice/libdevice.10.bc .gpu/cuda/nvvm/libdevice/
    # Every shared library the two link, but the C and C++ runtimes every machine has.
    { ldd .gpu/_native.abi3.so; ldd .gpu/nvptx-test; ldd "$(ldd .gpu/_native.abi3.so | awk '/libLLVM/ {print $3}')"; } \
        | awk '/=> \// {print $3}' | sort -u \
        | grep -v -E '/(libc|libm|libdl|libpthread|librt|libstdc\+\+|libgcc_s|ld-linux[^/]*)\.so' \
        | while read -r lib; do cp -L "$lib" .gpu/lib/; done
    # One archive (the limit on what travels is on bytes).
    XZ_OPT="-9 -T2" tar -C .gpu -cJf bundle.tar.xz lib _native.abi3.so nvptx-test cuda
    rm -rf .gpu/lib .gpu/cuda .gpu/_native.abi3.so .gpu/nvptx-test && mv bundle.tar.xz .gpu/
    du -sh .gpu
    exit 0
fi

if [ -f .gpu/bundle.tar.xz ]; then
    # The bundle: libraries this machine lacks from it (by soname), the module in place.
    b=/tmp/lazyfuse-bundle
    mkdir -p $b/use
    tar -C $b -xJf .gpu/bundle.tar.xz
    for lib in $b/lib/*; do
        name=$(basename "$lib")
        ldconfig -p | grep -q " $name " || ln -sf "$lib" $b/use/"$name"
    done
    echo "carried libraries used: $(ls $b/use | tr '\n' ' ')"
    export LD_LIBRARY_PATH=$b/use${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    cp $b/_native.abi3.so frontend/python/lazyfuse/_native.abi3.so
    export LAZYFUSE_CUDA_HOME=$b/cuda
    python=python3
    test_bin=$b/nvptx-test
else
    make python-module
    python=$PWD/.venv/bin/python
    test_bin=$(LAZYFUSE_PYTHON=$python cargo test -p lazyfuse --test nvptx --no-run 2>&1 \
        | sed -n 's/.*Executable tests\/nvptx.rs (\(.*\))/\1/p' | tail -1)
fi
export PYTHONPATH=$PWD/frontend/python${PYTHONPATH:+:$PYTHONPATH}
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/nvidia-smi.txt" || true

status=0
echo "== random programs on the GPU against the interpreter"
LAZYFUSE_REQUIRE_GPU=1 timeout 300 "$test_bin" gpu_ --test-threads=1 2>&1 | tee "$out/differential.log" || status=1
echo "== layouts, workloads, CuPy and JAX"
timeout 300 "$python" scripts/gpu_check.py --out "$out" 2>&1 | tee "$out/gpu_check.log" || status=1
echo "== first calls in fresh processes: an empty kernel cache, then the one it filled"
cache=$(mktemp -d)
for label in cold warm; do
    LAZYFUSE_CACHE_DIR=$cache timeout 120 "$python" scripts/gpu_check.py --out "$out" \
        --first-calls $label 2>&1 | tee "$out/first_calls_$label.log" || status=1
done
rm -rf "$cache"
exit $status
