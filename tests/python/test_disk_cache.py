"""The on-disk kernel cache across processes: a second process compiles nothing; processes
started together share one directory safely; LAZYFUSE_CACHE=0 switches it off; a
corrupted entry is compiled again. (Entry-level checks: codegen/tests/disk_cache.rs.)"""

import json
import os
import subprocess
import sys

PROGRAM = r"""
import json, sys
import numpy as np
import lazyfuse as lf, lazyfuse.numpy as lnp
x = np.linspace(-3, 3, 6000).reshape(300, 20)
def softmax(v):
    e = lnp.exp(v - v.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
y = lf.jit(softmax)(x)
want = np.exp(x - x.max(1, keepdims=True)); want /= want.sum(1, keepdims=True)
z = np.asarray(lnp.sin(lnp.asarray(x)) * 2 + 1)
ok = bool(np.allclose(y, want) and np.allclose(z, np.sin(x) * 2 + 1))
print(json.dumps(dict(lf.cache_info(), ok=ok)))
"""


def run(cache_dir, **env):
    full = dict(os.environ, LAZYFUSE_CACHE_DIR=str(cache_dir))
    full.pop("LAZYFUSE_CACHE", None)
    full.update(env)
    out = subprocess.run([sys.executable, "-c", PROGRAM], env=full, check=True,
                         capture_output=True, text=True, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_second_process_compiles_nothing(tmp_path):
    first = run(tmp_path)
    assert first["ok"] and first["compiles"] >= 2 and first["disk_hits"] == 0
    assert first["disk_cache"] == str(tmp_path / "kernels")
    second = run(tmp_path)
    assert second["ok"] and second["compiles"] == 0
    assert second["disk_hits"] == first["compiles"]
    # sin's code, shared by kernels, is on disk too.
    assert first["vector_math_compiles"] >= 2 and first["vector_math_disk_hits"] == 0
    assert second["vector_math_compiles"] == 0
    assert second["vector_math_disk_hits"] == first["vector_math_compiles"]
    mode = (tmp_path / "kernels").stat().st_mode & 0o777
    assert mode == 0o700


def test_processes_started_together_share_the_directory(tmp_path):
    env = dict(os.environ, LAZYFUSE_CACHE_DIR=str(tmp_path))
    env.pop("LAZYFUSE_CACHE", None)
    procs = [subprocess.Popen([sys.executable, "-c", PROGRAM], env=env, stdout=subprocess.PIPE,
                              text=True) for _ in range(3)]
    results = [json.loads(p.communicate(timeout=120)[0].strip().splitlines()[-1]) for p in procs]
    assert all(r["ok"] for r in results)
    assert not [p for p in (tmp_path / "kernels").rglob(".tmp*")]
    assert run(tmp_path)["compiles"] == 0


def test_switched_off_and_corrupt_entries(tmp_path):
    off = run(tmp_path, LAZYFUSE_CACHE="0")
    assert off["ok"] and off["disk_cache"] is None and off["compiles"] >= 2
    assert off["vector_math_compiles"] >= 2 and off["vector_math_disk_hits"] == 0
    assert not (tmp_path / "kernels").exists()
    first = run(tmp_path)
    entries = list((tmp_path / "kernels").glob("*/*.kernel"))
    assert entries
    for entry in entries:
        data = bytearray(entry.read_bytes())
        data[len(data) // 2] ^= 0xFF
        entry.write_bytes(bytes(data))
    again = run(tmp_path)
    assert again["ok"] and again["compiles"] == first["compiles"] and again["disk_hits"] == 0
    assert again["vector_math_compiles"] == first["vector_math_compiles"]
    assert run(tmp_path)["disk_hits"] == first["compiles"]  # the entries were rewritten
