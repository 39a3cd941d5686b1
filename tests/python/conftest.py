import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))

import pytest

import lazyfuse

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
