"""A configured GeoIP database that cannot be opened stops every command that attributes
(and resolution's VPN/Tor exclusion); an unset one is a visible warning."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from safeguard import resolve
from safeguard.attribute import run
from safeguard.config import Settings
from safeguard.errors import ConfigError, DeliveryRejected, NotFoundError
from safeguard.store.db import Store
from safeguard.store.models import Attribution, LinkEvidence, StageWarning
from tests.integration.attribute.conftest import Acct, build

ACCOUNTS = [Acct("a", postcode="OX1 2JD", logins=[("2.125.160.216", 12, 30)])]


def _count(store: Store, model: type) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize("field", ["geoip_city", "geoip_anonymous"])
def test_unopenable_database_stops_attribution(
    store: Store, settings: Settings, tmp_path: Path, field: str
) -> None:
    build(store, "op", ACCOUNTS)
    (tmp_path / "garbage.mmdb").write_bytes(b"not a maxmind database")
    for path in (tmp_path / "missing.mmdb", tmp_path / "garbage.mmdb"):
        broken = Settings(**{**dataclasses.asdict(settings), field: path})
        with pytest.raises(ConfigError, match=f"SAFEGUARD_{field.upper()}.*{path.name}"):
            run(store, broken, "op")
    assert _count(store, Attribution) == 0


def test_unopenable_anonymous_database_stops_resolution(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    build(store, "op", ACCOUNTS)
    broken = dataclasses.replace(settings, geoip_anonymous=tmp_path / "Anon-IP.mmdb")
    with pytest.raises(ConfigError, match="SAFEGUARD_GEOIP_ANONYMOUS"):
        resolve.run(store, broken, "op")
    assert _count(store, LinkEvidence) == 0
    resolve.run(store, settings, "op")
    with store.session() as s:
        kinds = set(s.scalars(select(StageWarning.kind)))
    assert "anonymous-ip-unavailable" in kinds


def _cli(store: Store, monkeypatch: pytest.MonkeyPatch, cfg: Settings) -> typer.Typer:
    from safeguard.cli import referrals as verbs

    monkeypatch.setattr(verbs, "open_store", lambda cfg=None: store)
    monkeypatch.setattr(verbs, "settings", lambda: cfg)
    app = typer.Typer()
    verbs.register(app)
    return app


def test_cli_error_is_one_line_and_unset_is_a_warning(
    store: Store, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(store, "op", ACCOUNTS)
    broken = dataclasses.replace(settings, geoip_city=tmp_path / "City.mmdb")
    out = CliRunner().invoke(_cli(store, monkeypatch, broken), ["attribution", "run", "-o", "op"])
    assert out.exit_code == ConfigError.exit_code != 0
    text = "".join(out.output.split())  # the console may wrap a long line anywhere
    assert text.count("error:") == 1 and "Traceback" not in text
    assert "error:SAFEGUARD_GEOIP_CITY:nosuchfile" in text and "City.mmdb" in text
    out = CliRunner().invoke(_cli(store, monkeypatch, settings), ["attribution", "run", "-o", "op"])
    assert out.exit_code == 0
    text = "".join(out.output.split())
    assert "warning:SAFEGUARD_GEOIP_CITYisnotset" in text
    assert "warning:SAFEGUARD_GEOIP_ANONYMOUSisnotset" in text


def test_pipeline_checks_geoip_before_ingesting(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    from safeguard.pipeline import PipelineInputs, run_pipeline

    broken = dataclasses.replace(settings, geoip_anonymous=tmp_path / "Anon.mmdb")
    with pytest.raises(ConfigError, match="SAFEGUARD_GEOIP_ANONYMOUS"):
        run_pipeline(store, broken, "op", PipelineInputs(delivery=tmp_path / "d"), user="t")
    with pytest.raises(NotFoundError):
        store.operation_id("op")  # nothing was ingested
    warnings: list[str] = []
    with pytest.raises(DeliveryRejected):  # the unset databases only warn, then ingest runs
        run_pipeline(
            store, settings, "op", PipelineInputs(delivery=tmp_path / "d"), user="t",
            on_warning=warnings.append,
        )  # fmt: skip
    assert [w.split()[0] for w in warnings] == ["SAFEGUARD_GEOIP_CITY", "SAFEGUARD_GEOIP_ANONYMOUS"]
