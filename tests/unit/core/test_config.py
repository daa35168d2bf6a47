"""Settings: every one documented, typos refused, defaults that put data under the data dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from safeguard.config import SETTINGS_DOC, load_settings
from safeguard.errors import ConfigError

DOCS = Path(__file__).parents[3] / "docs" / "configuration.md"


def test_every_setting_is_documented() -> None:
    text = DOCS.read_text()
    missing = [name for name in SETTINGS_DOC if f"`{name}`" not in text]
    assert missing == []


def test_defaults_put_the_database_under_the_data_dir(tmp_path: Path) -> None:
    s = load_settings({"SAFEGUARD_DATA_DIR": str(tmp_path)})
    assert s.url == f"sqlite:///{tmp_path.resolve() / 'safeguard.db'}"
    assert s.pdq_max_distance == 31 and s.pdq_min_quality == 50
    assert s.evidence_dir == tmp_path / "evidence"


def test_database_url_overrides_the_default() -> None:
    s = load_settings({"SAFEGUARD_DATABASE_URL": "postgresql://u@127.0.0.1:5/db"})
    assert s.url == "postgresql://u@127.0.0.1:5/db"


def test_a_misspelt_setting_is_refused_not_ignored() -> None:
    with pytest.raises(ConfigError, match="SAFEGUARD_PDQ_MAX_DISTANC"):
        load_settings({"SAFEGUARD_PDQ_MAX_DISTANC": "20"})


def test_numbers_must_be_numbers() -> None:
    with pytest.raises(ConfigError, match="SAFEGUARD_PDQ_MIN_QUALITY must be an integer"):
        load_settings({"SAFEGUARD_PDQ_MIN_QUALITY": "high"})
