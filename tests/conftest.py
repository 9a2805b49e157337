"""``pytest --stag-backend torch``: every test runs inside ``stag.default_backend``.

The op test modules then make their tensors with PyTorch (``stag.tensor`` of host data,
the creation functions) and check the same values and gradients there; CI runs them so
(``.ci/run``).  Without the option, the default, every test runs on numpy.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--stag-backend",
        default="numpy",
        help="run every test inside stag.default_backend(NAME) (numpy, torch, array_api_strict)",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    backend = item.config.getoption("--stag-backend")
    if backend == "numpy":
        return (yield)
    import stag

    with stag.default_backend(backend):
        return (yield)
