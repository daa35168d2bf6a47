"""Each public module declares its API in ``__all__``, and everything listed exists.

One test over every module (not one case a module): it guards a convention, and 149
parametrised cases of it would be counted as 149 tests of behaviour.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import safeguard

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(safeguard.__path__, "safeguard.")
    if ".migrations" not in m.name and not m.name.rsplit(".", 1)[-1].startswith("_")
)


def _problems(name: str, module: ModuleType) -> list[str]:
    exported = getattr(module, "__all__", None)
    if exported is None:
        own = [
            n
            for n, value in vars(module).items()
            if not n.startswith("_")
            and callable(value)
            and getattr(value, "__module__", "") == name
        ]
        return [f"{name} defines public callables but no __all__: {own}"] if own else []
    problems = [f"{name}.__all__ lists {n!r}, which does not exist" for n in exported]
    problems = [p for p, n in zip(problems, exported, strict=True) if not hasattr(module, n)]
    if len(set(exported)) != len(exported):
        problems.append(f"{name}.__all__ lists a name twice")
    return problems


def test_every_public_module_declares_names_that_exist() -> None:
    assert len(MODULES) > 100  # the walk found the package
    problems = [p for name in MODULES for p in _problems(name, importlib.import_module(name))]
    assert problems == []
