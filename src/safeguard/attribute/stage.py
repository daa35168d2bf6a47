"""The attribute stage: accounts (``run``) and, after resolve, subjects (``attribute_subjects``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, select

from safeguard.assess.queue import copy_attribution
from safeguard.attribute.combine import HALF_LIFE_DAYS
from safeguard.attribute.geolocators import GEOLOCATORS, Geolocator
from safeguard.attribute.load import load_facts
from safeguard.attribute.locate import locate_all
from safeguard.attribute.peers import Preparing
from safeguard.attribute.record import Attributed, json_doc
from safeguard.attribute.subjects import load_account_attributions, pool_accounts, single_account
from safeguard.config import Settings
from safeguard.errors import NotConfigured, PipelineError
from safeguard.gcpause import gc_paused
from safeguard.progress import NULL_PROGRESS, Progress
from safeguard.records import Confidence, Stage
from safeguard.store.bulk import bulk_insert
from safeguard.store.db import Store
from safeguard.store.models import Attribution, Subject, SubjectAccount
from safeguard.store.runs import RunRecorder, record_run

__all__ = [
    "AttributionResult",
    "attribute_subjects",
    "build_geolocators",
    "geoip_warnings",
    "run",
]

_COLUMNS = (
    "operation_id",
    "account_id",
    "subject_id",
    "country",
    "region",
    "force_id",
    "pfa_code",
    "rocu",
    "confidence",
    "score",
    "alternatives",
    "evidence",
)


@dataclass(frozen=True)
class AttributionResult:
    """What one run attributed: counts by confidence and by country, geolocators skipped, and
    the unlocated (no country: ``anonymous-only`` or ``no-evidence``) by reason."""

    operation_id: int
    run_id: int
    attributed: int
    by_confidence: dict[str, int] = field(default_factory=dict)
    by_country: dict[str, int] = field(default_factory=dict)
    skipped: tuple[str, ...] = ()
    unlocated: dict[str, int] = field(default_factory=dict)


def build_geolocators(
    settings: Settings, run: RunRecorder | None = None
) -> tuple[list[Geolocator], tuple[str, ...]]:
    """Every registered geolocator that can run with ``settings``, and the names skipped.

    A geolocator whose database is not configured is skipped with a
    ``geolocator-unavailable`` warning on the run; one whose configured database cannot be
    opened raises :class:`safeguard.errors.ConfigError` (nothing is attributed).
    """
    out, skipped = [], []
    for spec in GEOLOCATORS.values():
        try:
            out.append(spec.build(settings))
        except NotConfigured as exc:
            skipped.append(spec.name)
            if run is not None:
                run.warn("geolocator-unavailable", f"{spec.name} skipped: {exc}", spec.name)
    return out, tuple(skipped)


def geoip_warnings(settings: Settings) -> list[str]:
    """Check the GeoIP settings before work starts: a configured database that cannot be
    opened raises :class:`safeguard.errors.ConfigError`; each unset one gives a warning."""
    _, skipped = build_geolocators(settings)
    return [f"{_UNSET[name]} is not set: {_EFFECT[name]}" for name in skipped if name in _UNSET]


_UNSET = {"maxmind-city": "SAFEGUARD_GEOIP_CITY", "maxmind-anonymous": "SAFEGUARD_GEOIP_ANONYMOUS"}
_EFFECT = {
    "maxmind-city": "login IPs place nobody (attribution uses only the other evidence)",
    "maxmind-anonymous": "VPN, Tor, proxy and hosting IPs are not recognised as anonymous",
}


def _row(op_id: int, account: int | None, subject: int | None, a: Attributed) -> tuple[Any, ...]:
    return (
        op_id,
        account,
        subject,
        a.country,
        a.region,
        a.force_id,
        a.pfa_code,
        a.rocu,
        a.confidence,
        a.score,
        json_doc(a.alternatives),
        json_doc(a.evidence),
    )


_Found = tuple[str, str | None, Sequence[str], str | None]
_WHY = {"anonymous-only": " (only anonymous IPs: Tor, VPN, proxy or hosting)"}


def _note(rec: RunRecorder, ref: str, found: _Found, tally: dict[str, Counter[str]]) -> None:
    confidence, country, conflicting, unlocated = found
    tally["confidence"][confidence] += 1
    tally["country"][country or "unknown"] += 1
    if unlocated:
        tally["unlocated"][unlocated] += 1
    if confidence == Confidence.NONE:
        why = _WHY.get(unlocated or "", "")
        rec.warn("unattributable", f"{ref}: no usable location evidence{why}", ref)
    elif conflicting:
        families = ", ".join(conflicting)
        rec.warn("conflicting-evidence", f"{ref}: strong evidence disagrees ({families})", ref)


def _conflicting(a: Attributed) -> _Found:
    rule = a.evidence[0] if a.evidence else {}
    return (a.confidence, a.country, rule.get("conflicting_strong") or [], rule.get("unlocated"))


def _tally() -> dict[str, Counter[str]]:
    return {"confidence": Counter(), "country": Counter(), "unlocated": Counter()}


def _replace(conn: Connection, op_id: int, subjects: bool, rows: Iterable[Any]) -> int:
    scope = Attribution.subject_id.is_not(None) if subjects else Attribution.subject_id.is_(None)
    conn.execute(delete(Attribution).where(Attribution.operation_id == op_id, scope))
    return bulk_insert(conn, Attribution.__tablename__, _COLUMNS, rows)


def _result(
    op_id: int, rec: RunRecorder, n: int, tally: dict[str, Counter[str]], skipped: tuple[str, ...]
) -> AttributionResult:
    rec.counts.update(
        attributed=n,
        by_confidence=dict(tally["confidence"]),
        by_country=dict(tally["country"].most_common(20)),
        unlocated=dict(tally["unlocated"]),
    )
    return AttributionResult(
        operation_id=op_id,
        run_id=rec.run_id,
        attributed=n,
        by_confidence=dict(tally["confidence"]),
        by_country=dict(tally["country"]),
        skipped=skipped,
        unlocated=dict(tally["unlocated"]),
    )


def _config(settings: Settings, scope: str) -> dict[str, Any]:
    return {
        "scope": scope,
        "geoip_city": settings.geoip_city,
        "geoip_anonymous": settings.geoip_anonymous,
        "half_life_days": HALF_LIFE_DAYS,
        "geolocators": list(GEOLOCATORS),
    }


def run(
    store: Store, settings: Settings, operation: str, *, progress: Progress = NULL_PROGRESS
) -> AttributionResult:
    """Attribute every account of ``operation``, replacing its previous account attributions."""
    op_id = store.operation_id(operation)
    config = _config(settings, "accounts")
    with gc_paused(), record_run(store, op_id, Stage.ATTRIBUTE, config) as rec:
        locators, skipped = build_geolocators(settings, rec)
        with rec.timed("load"), store.transaction() as conn:
            facts, reference = load_facts(conn, op_id)
        if not facts:
            raise PipelineError(f"operation {operation!r} has no accounts: ingest a delivery first")
        with rec.timed("learn"):
            for locator in locators:
                if isinstance(locator, Preparing):
                    locator.prepare(facts, locators)
        tally = _tally()
        rows = []
        with rec.timed("locate"), progress.task("Attributing accounts", len(facts)) as task:
            for part in locate_all(facts, locators, reference):
                for found in part:
                    note = (found.confidence, found.country, found.conflicting, found.unlocated)
                    _note(rec, f"account:{found.account_id}", note, tally)
                    rows.append((op_id, found.account_id, None, *found.row))
                task.advance(len(part))
        with rec.timed("write"), store.transaction() as conn:
            _replace(conn, op_id, False, rows)
        rec.counts["reference_time"] = reference.isoformat() if reference else None
        return _result(op_id, rec, len(rows), tally, skipped)


def _members(conn: Connection, op_id: int) -> dict[int, list[int]]:
    query = (
        select(SubjectAccount.subject_id, SubjectAccount.account_id)
        .join(Subject, Subject.id == SubjectAccount.subject_id)
        .where(Subject.operation_id == op_id)
        .order_by(SubjectAccount.subject_id, SubjectAccount.account_id)
    )
    out: dict[int, list[int]] = {}
    for subject_id, account_id in conn.execute(query):
        out.setdefault(subject_id, []).append(account_id)
    return out


def _subject(accounts: Sequence[int], stored: dict[int, Attributed]) -> Attributed:
    if len(accounts) == 1 and accounts[0] in stored:
        return single_account(accounts[0], stored[accounts[0]])
    entries = (
        (account_id, doc) for account_id in accounts for doc in _evidence(stored, account_id)
    )
    return pool_accounts(entries)


def _evidence(stored: dict[int, Attributed], account_id: int) -> list[Any]:
    found = stored.get(account_id)
    return found.evidence if found is not None else []


def attribute_subjects(
    store: Store, settings: Settings, operation: str, *, progress: Progress = NULL_PROGRESS
) -> AttributionResult:
    """Attribute every subject from its accounts' pooled evidence (run after resolve)."""
    op_id = store.operation_id(operation)
    config = _config(settings, "subjects")
    with gc_paused(), record_run(store, op_id, Stage.ATTRIBUTE, config) as rec:
        with rec.timed("load"), store.transaction() as conn:
            members = _members(conn, op_id)
            stored = load_account_attributions(conn, op_id)
        if members and not stored:
            raise PipelineError(f"operation {operation!r}: run account attribution first")
        tally = _tally()
        rows = []
        with rec.timed("combine"), progress.task("Attributing subjects", len(members)) as task:
            for subject_id, accounts in members.items():
                missing = [a for a in accounts if a not in stored]
                if missing:
                    rec.warn("account-not-attributed", f"subject:{subject_id}: {missing}")
                attributed = _subject(accounts, stored)
                _note(rec, f"subject:{subject_id}", _conflicting(attributed), tally)
                rows.append(_row(op_id, None, subject_id, attributed))
                task.advance()
        with rec.timed("write"), store.transaction() as conn:
            _replace(conn, op_id, True, rows)
            copy_attribution(conn, op_id)  # the queue filters on the assessments' copies
        return _result(op_id, rec, len(rows), tally, ())
