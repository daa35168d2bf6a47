"""Every registry lists plugins with unique, stable, documented names."""

from __future__ import annotations

import re

from safeguard.plugins import registries


def test_names_are_unique_and_slug_shaped_within_each_registry() -> None:
    for kind, plugins in registries().items():
        names = [p.name for p in plugins]
        assert len(names) == len(set(names)), kind
        assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", n) for n in names), names


def test_every_plugin_says_what_it_does() -> None:
    for plugins in registries().values():
        assert all(len(p.description) > 10 for p in plugins), plugins


def test_the_registries_hold_the_built_ins() -> None:
    regs = {kind: {p.name for p in plugins} for kind, plugins in registries().items()}
    assert "safeguard-platform-export" in regs["delivery-format"]
    assert {"vics", "safeguard-csv", "nsrl-rds2", "hashdeep"} <= regs["hash-set-format"]
    assert {"maxmind-city", "postcode", "phone"} <= regs["geolocator"]
    assert {"email", "phone", "device-id", "shared-ip"} <= regs["linker"]
    assert {"material-severity", "position-of-trust"} <= regs["risk-factor"]
