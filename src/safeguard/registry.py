"""Plugin registries: explicit lists keyed by each plugin's stable name, checked at import.

Every registry (delivery formats, hash-set formats, geolocators, linkers, risk factors) is
built with :func:`by_name`, so a duplicate name fails loudly the moment the package loads.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

from safeguard.errors import PluginError

__all__ = ["Named", "by_name"]


class Named(Protocol):
    @property
    def name(self) -> str: ...


T = TypeVar("T", bound=Named)


def by_name(kind: str, plugins: Iterable[T]) -> dict[str, T]:
    """``{plugin.name: plugin}`` in the given order; two plugins of one name are an error."""
    out: dict[str, T] = {}
    for plugin in plugins:
        if plugin.name in out:
            raise PluginError(f"two {kind}s are named {plugin.name!r}")
        out[plugin.name] = plugin
    return out
