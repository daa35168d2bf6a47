"""Each public module declares its API in ``__all__``, and everything listed exists."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import safeguard

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(safeguard.__path__, "safeguard.")
    if ".migrations" not in m.name and not m.name.rsplit(".", 1)[-1].startswith("_")
)


@pytest.mark.parametrize("name", MODULES)
def test_all_names_exist(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    if exported is None:
        assert not [
            n
            for n in vars(module)
            if not n.startswith("_")
            and callable(vars(module)[n])
            and getattr(vars(module)[n], "__module__", "") == name
        ], f"{name} defines public callables but no __all__"
        return
    assert len(set(exported)) == len(exported)
    assert [n for n in exported if not hasattr(module, n)] == []
