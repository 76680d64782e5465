"""Both backends implement the whole `Backend` protocol, method for method, with the same parameters."""

from __future__ import annotations

import inspect

import pytest

from wheeld.cli.backend import Backend
from wheeld.cli.direct_backend import DirectBackend
from wheeld.cli.http_backend import HttpBackend

METHODS = sorted(
    name for name, value in vars(Backend).items() if inspect.iscoroutinefunction(value) and not name.startswith("_")
)


def test_the_protocol_is_documented() -> None:
    assert len(METHODS) > 30
    for name in METHODS:
        assert (getattr(Backend, name).__doc__ or "").strip(), f"Backend.{name} has no docstring"


@pytest.mark.parametrize("implementation", [HttpBackend, DirectBackend])
@pytest.mark.parametrize("name", METHODS)
def test_each_backend_has_every_method_with_its_signature(implementation: type, name: str) -> None:
    method = getattr(implementation, name, None)
    assert inspect.iscoroutinefunction(method), f"{implementation.__name__}.{name} is missing or not async"
    assert inspect.signature(method) == inspect.signature(getattr(Backend, name))
    assert (method.__doc__ or "").strip()
