from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from safeguard.config import Settings
from safeguard.hashsets.importer import import_hash_set
from safeguard.store.db import Store
from tests.support.devices import Device, make_device


@pytest.fixture(scope="module")
def device(tmp_path_factory: pytest.TempPathFactory) -> Device:
    return make_device(tmp_path_factory.mktemp("scan"))


def import_sets(store: Store, device: Device) -> None:
    import_hash_set(store, device.hashsets[0], name="known", fmt="safeguard-csv", scheme="uk")
    import_hash_set(store, device.hashsets[1], name="te", fmt="threatexchange-csv", scheme="uk")


@pytest.fixture
def scan_store(tmp_path: Path, device: Device) -> Iterator[tuple[Store, Settings]]:
    """A SQLite store with the device's hash sets imported, and settings for it."""
    settings = Settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{tmp_path}/s.db")
    store = Store.open(settings)
    import_sets(store, device)
    try:
        yield store, settings
    finally:
        store.dispose()


def body(report: dict[str, Any]) -> dict[str, Any]:
    """A report without its header (ids, device label, times): what must be reproducible."""
    return {k: v for k, v in report.items() if k != "scan"}
