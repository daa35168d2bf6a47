"""One small synthetic operation shared by the synth tests (generated once per session)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from safeguard.synth import generate

ACCOUNTS = 800
SEED = 11


@pytest.fixture(scope="session")
def operation(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "op"
    generate(out, accounts=ACCOUNTS, seed=SEED, events_per_account=40, bad_rows=0.005)
    return out


@pytest.fixture(scope="session")
def truth(operation: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((operation / "ground_truth.json").read_text())
    return data


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="session")
def tables(operation: Path) -> dict[str, list[dict[str, str]]]:
    names = ("accounts", "logins", "files", "messages", "identifiers")
    return {n: read_csv(operation / "delivery" / f"{n}.csv") for n in names}
