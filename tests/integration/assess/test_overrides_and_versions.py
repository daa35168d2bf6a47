"""Assess against a real store: ruleset provenance, overrides that last, what changed, the
queue, one subject in full and every evidence reference resolving."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from safeguard import assess
from safeguard.assess.enrichment import load_checks
from safeguard.assess.ruleset import read_ruleset
from safeguard.cli.main import app
from safeguard.pipeline import run_pipeline, synth_inputs
from safeguard.store import audit
from safeguard.store.models import Assessment, Identifier, Subject, SubjectAccount
from tests.support.operation import SmallOperation, build_small_operation


@pytest.fixture(scope="module")
def op(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmallOperation]:
    built = build_small_operation(tmp_path_factory.mktemp("assess-op"), accounts=300, seed=5)
    yield built
    built.store.dispose()


@pytest.fixture
def cli(op: SmallOperation, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SAFEGUARD_DATABASE_URL", op.settings.url)
    monkeypatch.setenv("SAFEGUARD_DATA_DIR", str(op.settings.data_dir))
    monkeypatch.setenv("SAFEGUARD_OPERATION", op.name)
    monkeypatch.setenv("SAFEGUARD_USER", "analyst1")
    return CliRunner()


def run_json(cli: CliRunner, *args: str) -> Any:
    result = cli.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def lowest_subject(op: SmallOperation) -> tuple[str, str]:
    """The label and tier of a low-priority subject that has an e-mail identifier."""
    with op.store.session() as s:
        row = s.execute(
            select(Subject.label, Assessment.tier, Identifier.value)
            .join(Assessment, Assessment.subject_id == Subject.id)
            .join(SubjectAccount, SubjectAccount.subject_id == Subject.id)
            .join(Identifier, Identifier.account_id == SubjectAccount.account_id)
            .where(Assessment.tier == "4", Identifier.kind == "email")
            .order_by(Subject.label)
        ).first()
    assert row is not None
    return str(row[0]), str(row[2])


def test_every_assessment_names_its_ruleset(op: SmallOperation) -> None:
    built_in = read_ruleset()
    with op.store.session() as s:
        rows = s.scalars(select(Assessment)).all()
    assert rows
    assert {(a.ruleset_name, a.ruleset_version, a.ruleset_hash) for a in rows} == {
        ("kirat-lite", "kirat-lite/3", built_in.sha256)
    }


def test_override_is_audited_lasts_and_flags_changed_facts(
    op: SmallOperation, cli: CliRunner, tmp_path: Path
) -> None:
    label, email = lowest_subject(op)
    refused = cli.invoke(app, ["subjects", "override", label, "--tier", "high", "--why", " "])
    assert refused.exit_code == 5
    done = run_json(cli, "subjects", "override", label, "--tier", "high", "--why", "met at trial")
    assert done["old_tier"] == "4" and done["new_tier"] == "2"
    with op.store.session() as s:
        assert audit.verify(s) is None
    # A re-assessment and a whole re-run of the pipeline keep the override.
    assess.run(op.store, op.settings, op.name)
    run_pipeline(op.store, op.settings, op.name, synth_inputs(op.synth_dir), user="tester")
    queue = run_json(cli, "subjects", "list", "--overridden", "yes")
    assert [(d["label"], d["tier"], d["computed_tier"]) for d in queue] == [(label, "2", "4")]
    assert queue[0]["facts_changed"] is False
    # New facts under the override: flagged for review, never reverted.
    checks = tmp_path / "checks.csv"
    checks.write_text(f"kind,value,source,finding\nemail,{email},DBS,position_of_trust\n")
    load_checks(op.store, op.store.operation_id(op.name), checks)
    assess.run(op.store, op.settings, op.name)
    doc = run_json(cli, "subjects", "show", label)
    a = doc["assessment"]
    assert (a["tier"], a["override_tier"], a["facts_changed"]) == ("2", "2", True)
    assert "position-of-trust" in {r["code"] for r in a["reasons"]}
    # What changed says which reason arrived, and that a checks return was new data.
    diff = run_json(cli, "assess", "diff")
    change = next(c for c in diff["changes"] if c["label"] == label)
    assert [r["code"] for r in change["added"]] == ["position-of-trust"]
    assert diff["new_data"]["checks_loads"]
    cleared = run_json(cli, "subjects", "override", label, "--clear", "--why", "reviewed")
    assert cleared["new_tier"] == cleared["computed_tier"]
    assert len(doc["overrides"]) == 1


def test_queue_is_in_priority_order_and_every_evidence_reference_resolves(
    op: SmallOperation, cli: CliRunner
) -> None:
    queue = run_json(cli, "subjects", "list")
    assert isinstance(queue, list) and queue
    keys = [(int(d["tier"]), -d["score"], d["label"]) for d in queue]
    assert keys == sorted(keys)
    top = queue[0]
    assert top["platform_account_ids"] and top["reasons"]
    assert {"A", "B", "C"} == set(top["files"])
    refs = {ref for d in queue[:15] for r in d["reasons"] for ref in r["evidence"]}
    assert any(ref.startswith("message:") for ref in refs)
    for ref in sorted(refs):
        found = run_json(cli, "evidence", "show", ref)
        assert found["ref"] == ref
    missing = cli.invoke(app, ["evidence", "show", "message:nope"])
    assert missing.exit_code == 3


def test_subject_show_names_accounts_by_platform_id(op: SmallOperation, cli: CliRunner) -> None:
    queue = run_json(cli, "subjects", "list", "--json")
    multi = next(d for d in queue if len(d["platform_account_ids"]) > 1)
    doc = run_json(cli, "subjects", "show", multi["label"])
    ids = set(multi["platform_account_ids"])
    assert doc["links"]
    for link in doc["links"]:
        assert link["account_a"] in ids or link["account_b"] in ids
    assert {a["platform_account_id"] for a in doc["accounts"]} == ids


def test_checks_request_and_enrich_counts(
    op: SmallOperation, cli: CliRunner, tmp_path: Path
) -> None:
    rows = run_json(cli, "checks", "request", "--tier", "very-high", "--tier", "high")
    assert rows, "the top two tiers hold UK subjects to check"
    assert all(r["tier"] in ("1", "2") and r["reference"].endswith(r["subject"]) for r in rows)
    assert any(r["emails"] for r in rows)
    first = rows[0]
    # A return quoting the request reference meets that subject; a misspelt finding is
    # quarantined; an unknown e-mail meets nobody.
    returns = tmp_path / "returns.csv"
    returns.write_text(
        "kind,value,source,finding\n"
        f"reference,{first['reference']},PNC,prior_other_offence\n"
        "reference,SG1-S-999999,PNC,prior_sexual_offense\n"
        "email,nobody-here@example.org,PND,no_trace\n",
        encoding="utf-8",
    )
    doc = run_json(cli, "enrich", "--checks", str(returns))
    checks = doc["checks"]
    assert (checks["rows"], checks["quarantined"]) == (2, 1)
    assert (checks["matched"], checks["possible"], checks["nobody"]) == (1, 0, 1)
    assert checks["quarantine"][0]["line"] == 3
    quarantine = run_json(cli, "checks", "quarantine")
    assert [q["reason"] for q in quarantine] == ["unknown_finding"]


def _analyst(op: SmallOperation, name: str) -> Any:
    """A web client holding an analyst's API token."""
    from fastapi.testclient import TestClient

    from safeguard.access import add_user, issue_token
    from safeguard.web import create_app

    with op.store.session() as s:
        add_user(s, name, "analyst", by="test")
        token = issue_token(s, name, by="test").token
    client = TestClient(create_app(op.settings, op.store))
    client.headers["authorization"] = f"Bearer {token}"
    return client


def _api_queue(op: SmallOperation, query: str) -> list[dict[str, Any]]:
    """Every page of ``/api/v1/operations/{name}/queue`` as an analyst's token reads it."""
    client = _analyst(op, f"queue-analyst-{len(query)}")
    rows: list[dict[str, Any]] = []
    while True:
        url = f"/api/v1/operations/{op.name}/queue?limit=100&offset={len(rows)}&{query}"
        page = client.get(url).json()
        rows += page
        if len(page) < 100:
            return rows


def test_cli_and_api_give_one_queue_with_the_tier_in_force(
    op: SmallOperation, cli: CliRunner
) -> None:
    before = run_json(cli, "subjects", "list", "--tier", "3")
    label, computed = before[-1]["label"], before[-1]["computed_tier"]
    run_json(cli, "subjects", "override", label, "--tier", "1", "--why", "works with children")
    for args, query in (((), ""), (("--overridden", "yes"), "overridden=yes"),
                        (("--tier", "1", "--sort", "score"), "tier=1&sort=score")):  # fmt: skip
        listed = run_json(cli, "subjects", "list", *args)
        served = _api_queue(op, query)
        assert listed and [
            (d["label"], d["tier"], d["computed_tier"], d["override_tier"], d["score"])
            for d in listed
        ] == [(q["label"], q["tier"], q["computed_tier"], q["override_tier"], q["score"])
              for q in served]  # fmt: skip
    queue = run_json(cli, "subjects", "list")
    keys = [(d["tier"], -d["score"], d["label"]) for d in queue]
    assert keys == sorted(keys)
    mine = next(d for d in queue if d["label"] == label)
    assert (mine["tier"], mine["computed_tier"], mine["override_tier"]) == ("1", computed, "1")
    assert label not in [d["label"] for d in before[:-1]]
    page = _analyst(op, "queue-page-analyst").get(f"/operations/{op.name}/queue?overridden=yes")
    row = re.search(rf'<tr class="tier-1" data-label="{label}">(.*?)</tr>', page.text, re.S)
    assert row is not None, page.text
    assert "(override)" in row.group(1)
    assert f'<td class="computed-tier">{computed}</td>' in row.group(1)
