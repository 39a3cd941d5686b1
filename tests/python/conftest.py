import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))

import atexit
import os
import shutil
import tempfile

import pytest
from hypothesis import settings

# `make test` fixes the random suites' cases (see the Makefile): hypothesis derives each
# test's examples from its name instead of fresh entropy.
if os.environ.get("LAZYFUSE_FIXED_SEEDS"):
    settings.register_profile("fixed-seeds", derandomize=True)
    settings.load_profile("fixed-seeds")

# Kernels compiled by the tests go to a cache directory of this session's own (removed at
# exit), not the user's: test counts of compiles start from an empty cache every run.
if "LAZYFUSE_CACHE_DIR" not in os.environ:
    os.environ["LAZYFUSE_CACHE_DIR"] = tempfile.mkdtemp(prefix="lazyfuse-test-cache-")
    atexit.register(shutil.rmtree, os.environ["LAZYFUSE_CACHE_DIR"], True)

import lazyfuse  # noqa: E402

# The suites test the compiler: operations on tiny arrays in memory, which lazyfuse
# hands to NumPy by default (lazyfuse.set_eager_limit), are lazy here unless a test is
# marked `eager` (the corpus, the eager variants of the stateful machine and the fuzz).
EAGER_DEFAULT = lazyfuse.set_eager_limit(0)
lazyfuse.set_eager_limit(EAGER_DEFAULT)


def pytest_configure(config):
    config.addinivalue_line("markers", "eager: run with lazyfuse's default eager limit")


@pytest.fixture(autouse=True)
def _lazy_unless_marked_eager(request):
    eager = request.node.get_closest_marker("eager") is not None
    previous = lazyfuse.set_eager_limit(EAGER_DEFAULT if eager else 0)
    yield
    lazyfuse.set_eager_limit(previous)
