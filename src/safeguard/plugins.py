"""Every plugin registry in one place, for `safeguard plugins` and the contract tests.

Each registry is an explicit list in its own package, checked at import (duplicate names
fail loudly); this module only gathers them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["PluginInfo", "registries"]


@dataclass(frozen=True)
class PluginInfo:
    kind: str
    name: str
    description: str


def _describe(plugin: object) -> str:
    text = (
        getattr(plugin, "description", None)
        or getattr(plugin, "summary", None)
        or type(plugin).__doc__
        or ""
    )
    return " ".join(str(text).strip().split("\n")[0].split())


def _infos(kind: str, plugins: Iterable[object]) -> list[PluginInfo]:
    return [PluginInfo(kind, str(getattr(p, "name")), _describe(p)) for p in plugins]  # noqa: B009


def registries() -> dict[str, list[PluginInfo]]:
    """Registry kind → its plugins, in registration order."""
    from safeguard.assess.factors import FACTORS
    from safeguard.attribute.geolocators import GEOLOCATORS
    from safeguard.hashsets.formats import FORMATS as HASH_SET_FORMATS
    from safeguard.ingest.formats import FORMATS as DELIVERY_FORMATS
    from safeguard.resolve.linkers import LINKERS

    return {
        "delivery-format": _infos("delivery-format", DELIVERY_FORMATS),
        "hash-set-format": _infos("hash-set-format", HASH_SET_FORMATS),
        "geolocator": _infos("geolocator", GEOLOCATORS.values()),
        "linker": _infos("linker", LINKERS),
        "risk-factor": _infos("risk-factor", FACTORS.values()),
    }
