"""The triage queue: the one query behind ``safeguard subjects list``, the web queue page and
``/api/v1/operations/{name}/queue``.

Priority is the tier in force (the analyst's override, else the computed tier), then the
score (higher first), then the label: the same input always gives the same order. A subject
takes its place in the queue once it is assessed (the CLI's unfiltered list adds the others
after it, without a tier). Every filter is answered in SQL, and a page
is a walk along ``ix_assessment_queue_in_force`` (migration 0003) that reads the assessment's
compact queue columns (label, accounts, flags, top reasons, written by the assess stage), not
its reasons document; only the page's rows are then joined to their attribution.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ScalarSelect, Select, Text, and_, cast, exists, func, or_, select
from sqlalchemy.orm import Session

from safeguard import authz
from safeguard.assess.ruleset import Ruleset
from safeguard.authz import Actor
from safeguard.store.models import (
    Account,
    AccountMaterial,
    Assessment,
    Attribution,
    Subject,
    SubjectAccount,
    SubjectNetwork,
)

__all__ = [
    "QUEUE_COLUMNS",
    "SORTS",
    "QueueEntry",
    "QueueFilter",
    "queue",
    "queue_columns",
    "queue_entries",
    "queue_query",
]

#: An operation's id, or a scalar subquery that finds it (saves a round trip).
OpRef = int | ScalarSelect[int]
#: How many reason texts a queue row shows.
TOP_REASONS = 3
#: The assessment's columns :func:`queue_columns` gives values for.
QUEUE_COLUMNS = ("subject_label", "accounts", "flags", "top_reasons")


@dataclass(frozen=True)
class QueueFilter:
    """What an analyst narrows the queue to (every field optional, all must hold)."""

    tiers: tuple[str, ...] = ()  # tier codes, of the tier in force
    force: str | None = None
    rocu: str | None = None
    confidence: str | None = None  # "none": no attribution, or one without confidence
    role: str | None = None  # a network role (distributor, hub, first-uploader...)
    flag: str | None = None  # a reason flag (position-of-trust, category-a...)
    position_of_trust: bool | None = None
    deconfliction: bool | None = None  # True: known to a force's register
    overridden: bool | None = None
    facts_changed: bool | None = None
    label: str | None = None  # one subject

    @property
    def needs_attribution(self) -> bool:
        return bool(self.force or self.rocu or self.confidence)


@dataclass(frozen=True)
class QueueEntry:
    """One row of the queue, as the page, the API and the CLI show it."""

    subject_id: int
    label: str
    tier: str  # in force
    computed_tier: str
    override_tier: str | None
    facts_changed: bool
    score: float
    accounts: int
    reasons: list[str]  # the texts of the weightiest reasons
    deconfliction: list[dict[str, Any]]
    country: str | None
    force_id: str | None
    rocu: str | None
    confidence: str | None


def queue_columns(label: str, accounts: int, reasons: list[dict[str, Any]]) -> tuple[Any, ...]:
    """``(subject_label, accounts, flags, top_reasons)`` of an assessment row, from its reasons
    (as :meth:`Reason.to_json` gives them)."""
    flags = sorted({str(f) for r in reasons for f in r.get("flags", ())})
    ranked = sorted(reasons, key=lambda r: -float(r.get("points", 0)))
    top = [str(r.get("text", "")) for r in ranked[:TOP_REASONS]]
    return label, accounts, "".join(f" {f} " for f in flags), top


def tier_in_force() -> Any:
    """The expression ``ix_assessment_queue_in_force`` is built on (it must match exactly)."""
    return func.coalesce(Assessment.override_tier, Assessment.tier)


def _literal(text: str) -> str:
    """``text`` with LIKE's wildcards escaped (a filter value matches itself only)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _has_flag(flag: str) -> Any:
    return Assessment.flags.like(f"% {_literal(flag)} %", escape="\\")


def _yes_no(clause: Any, wanted: bool | None) -> list[Any]:
    return [] if wanted is None else [clause if wanted else ~clause]


def _assessment_terms(f: QueueFilter) -> list[Any]:
    terms: list[Any] = []
    if f.tiers:
        terms.append(tier_in_force().in_(sorted(set(f.tiers))))
    if f.label is not None:
        terms.append(Assessment.subject_label == f.label)
    if f.flag:
        terms.append(_has_flag(f.flag))
    terms += _yes_no(_has_flag("position-of-trust"), f.position_of_trust)
    empty = cast(Assessment.deconfliction, Text).in_(["[]", ""])
    terms += _yes_no(~empty, f.deconfliction)
    terms += _yes_no(Assessment.override_tier.is_not(None), f.overridden)
    terms += _yes_no(Assessment.facts_changed.is_(True), f.facts_changed)
    if f.role:
        roles = cast(SubjectNetwork.roles, Text).like(f'%"{_literal(f.role)}"%', escape="\\")
        terms.append(exists().where(SubjectNetwork.subject_id == Assessment.subject_id, roles))
    return terms


def _attribution_terms(f: QueueFilter) -> list[Any]:
    terms: list[Any] = []
    if f.force:
        terms.append(Attribution.force_id == f.force)
    if f.rocu:
        terms.append(func.lower(Attribution.rocu) == f.rocu.casefold())
    if f.confidence == "none":
        terms.append(or_(Attribution.id.is_(None), Attribution.confidence == "none"))
    elif f.confidence:
        terms.append(Attribution.confidence == f.confidence)
    return terms


def _attribution_of_assessed() -> Any:
    """The join onto an assessed subject's attribution along ``ix_attribution_op_subject``."""
    return and_(
        Attribution.operation_id == Assessment.operation_id,
        Attribution.subject_id == Assessment.subject_id,
    )


#: The queue's orders: priority (the default), score (higher first) or label; each is a
#: walk along its own index, and the label breaks every tie.
SORTS = ("priority", "score", "label")


def _order(sort: str, tier: Any, score: Any, label: Any) -> tuple[Any, ...]:
    if sort == "score":
        return (score.desc(), label)
    if sort == "label":
        return (label,)
    if sort != "priority":
        raise ValueError(f"sort is one of {', '.join(SORTS)}, not {sort!r}")
    return (tier, score.desc(), label)


def _page(op_id: OpRef, f: QueueFilter, actor: Actor | None, sort: str) -> Select[Any]:
    """The page's assessment ids in order (limit and offset applied by the caller)."""
    q = select(
        Assessment.id.label("assessment_id"),
        tier_in_force().label("tier"),
        Assessment.score,
        Assessment.subject_label,
    ).where(Assessment.operation_id == op_id, *_assessment_terms(f))
    if actor is not None:
        q = q.where(authz.subject_filter(actor, Assessment.subject_id))
    if f.needs_attribution:
        outer = f.confidence == "none"
        q = q.join(Attribution, _attribution_of_assessed(), isouter=outer)
        q = q.where(*_attribution_terms(f))
    order = _order(sort, tier_in_force(), Assessment.score, Assessment.subject_label)
    if sort == "priority" and len(set(f.tiers)) == 1:
        # One tier: SQLite does not see that the tier term is then constant and would sort
        # the whole tier instead of walking the index; without the term it walks it.
        order = order[1:]
    return q.order_by(*order)


def queue_query(
    op_id: OpRef,
    where: QueueFilter,
    *,
    actor: Actor | None = None,
    limit: int | None = None,
    offset: int = 0,
    sort: str = "priority",
) -> Select[Any]:
    """One statement: the page found along the index, then its rows and their attribution."""
    page = _page(op_id, where, actor, sort).limit(limit).offset(offset or None).subquery("page")
    return (
        select(
            Assessment.subject_id,
            Assessment.subject_label,
            page.c.tier,
            Assessment.tier,
            Assessment.override_tier,
            Assessment.facts_changed,
            Assessment.score,
            Assessment.accounts,
            Assessment.top_reasons,
            Assessment.deconfliction,
            Attribution.country,
            Attribution.force_id,
            Attribution.rocu,
            Attribution.confidence,
        )
        .select_from(page)
        .join(Assessment, Assessment.id == page.c.assessment_id)
        .outerjoin(Attribution, _attribution_of_assessed())
        .order_by(*_order(sort, page.c.tier, page.c.score, page.c.subject_label))
    )


def _entry(row: Any) -> QueueEntry:
    sid, label, tier, computed, override, changed, score, n, top, decon, *attr = row
    country, force_id, rocu, confidence = attr
    return QueueEntry(
        subject_id=int(sid),
        label=label,
        tier=tier,
        computed_tier=computed,
        override_tier=override,
        facts_changed=bool(changed),
        score=float(score),
        accounts=int(n),
        reasons=[str(t) for t in top or []],
        deconfliction=list(decon or []),
        country=country,
        force_id=force_id,
        rocu=rocu,
        confidence=confidence,
    )


def queue_entries(
    session: Session,
    op_id: OpRef,
    where: QueueFilter = QueueFilter(),
    *,
    actor: Actor | None = None,
    limit: int | None = None,
    offset: int = 0,
    sort: str = "priority",
) -> list[QueueEntry]:
    """The queue's rows the filter keeps (and ``actor``, when given, may see), in priority
    order: all of them, or one page."""
    q = queue_query(op_id, where, actor=actor, limit=limit, offset=offset, sort=sort)
    return [_entry(r) for r in session.execute(q)]


def _chunks(ids: list[int], size: int = 500) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


@dataclass
class _Details:
    """What ``safeguard subjects list --json`` adds to the queue's rows, by subject id."""

    assessments: dict[int, Assessment]
    roles: dict[int, list[str]]
    files: dict[int, tuple[int, int, int]]
    account_ids: dict[int, list[str]]


def _details(session: Session, op_id: int, ids: list[int]) -> _Details:
    d = _Details({}, {}, {}, defaultdict(list))
    for part in _chunks(ids):
        for a in session.scalars(select(Assessment).where(Assessment.subject_id.in_(part))):
            d.assessments[a.subject_id] = a
        net = select(SubjectNetwork.subject_id, SubjectNetwork.roles)
        for sid, roles in session.execute(net.where(SubjectNetwork.subject_id.in_(part))):
            d.roles[int(sid)] = list(roles or [])
        sums = [func.sum(getattr(AccountMaterial, f"files_{c}")) for c in "abc"]
        material = (
            select(SubjectAccount.subject_id, *sums)
            .join(AccountMaterial, AccountMaterial.account_id == SubjectAccount.account_id)
            .where(AccountMaterial.operation_id == op_id, SubjectAccount.subject_id.in_(part))
            .group_by(SubjectAccount.subject_id)
        )
        for sid, a, b, c in session.execute(material):
            d.files[int(sid)] = (int(a or 0), int(b or 0), int(c or 0))
        accounts = (
            select(SubjectAccount.subject_id, Account.platform_account_id)
            .join(Account, Account.id == SubjectAccount.account_id)
            .where(SubjectAccount.subject_id.in_(part))
        )
        for sid, pid in session.execute(accounts):
            d.account_ids[int(sid)].append(str(pid))
    return d


def _doc(e: QueueEntry, d: _Details, ruleset: Ruleset) -> dict[str, Any]:
    a = d.assessments[e.subject_id]
    reasons = list(a.reasons or [])
    files = d.files.get(e.subject_id, (0, 0, 0))
    account_ids = sorted(d.account_ids.get(e.subject_id, []))
    return {
        "id": e.subject_id,
        "label": e.label,
        "tier": e.tier,
        "tier_name": ruleset.tier_name(e.tier),
        "computed_tier": e.computed_tier,
        "computed_tier_name": ruleset.tier_name(e.computed_tier),
        "override_tier": e.override_tier,
        "override_justification": a.override_justification,
        "override_author": a.override_author,
        "facts_changed": e.facts_changed,
        "score": e.score,
        "reasons": reasons,
        "country": e.country,
        "force_id": e.force_id,
        "rocu": e.rocu,
        "confidence": e.confidence or "none",
        "attribution_status": None,
        "roles": d.roles.get(e.subject_id, []),
        "position_of_trust": " position-of-trust " in (a.flags or ""),
        "deconfliction": e.deconfliction,
        "ruleset": a.ruleset_version,
        "files": {"A": files[0], "B": files[1], "C": files[2]},
        "platform_account_ids": account_ids,
        "accounts": len(account_ids),
    }


def _unassessed(
    session: Session, op_id: int, label: str | None, limit: int | None
) -> list[dict[str, Any]]:
    """The CLI lists subjects not yet assessed after the queue, by label, without a tier
    (only when nothing is filtered: they have no tier, reasons or flags to filter on)."""
    if limit == 0:
        return []
    q = (
        select(Subject.id, Subject.label)
        .outerjoin(Assessment, Assessment.subject_id == Subject.id)
        .where(Subject.operation_id == op_id, Assessment.id.is_(None))
        .order_by(Subject.label)
        .limit(limit)
    )
    if label is not None:
        q = q.where(Subject.label == label)
    rows = session.execute(q).all()
    d = _details(session, op_id, [int(sid) for sid, _ in rows])
    docs = []
    for sid, name in rows:
        ids = sorted(d.account_ids.get(int(sid), []))
        files = d.files.get(int(sid), (0, 0, 0))
        docs.append({
            "id": int(sid), "label": name, "tier": "", "tier_name": "not assessed",
            "computed_tier": "", "computed_tier_name": "not assessed", "override_tier": None,
            "override_justification": None, "override_author": None, "facts_changed": False,
            "score": 0.0, "reasons": [], "country": None, "force_id": None, "rocu": None,
            "confidence": "none", "attribution_status": None,
            "roles": d.roles.get(int(sid), []), "position_of_trust": False,
            "deconfliction": [], "ruleset": "",
            "files": {"A": files[0], "B": files[1], "C": files[2]},
            "platform_account_ids": ids, "accounts": len(ids),
        })  # fmt: skip
    return docs


def queue(
    session: Session,
    op_id: int,
    ruleset: Ruleset,
    where: QueueFilter = QueueFilter(),
    *,
    limit: int | None = None,
    sort: str = "priority",
) -> list[dict[str, Any]]:
    """Every subject the filter keeps, in priority order, as ``safeguard subjects list
    --json`` gives them: the queue's rows with every reason, A/B/C file counts, network
    roles and platform account ids, and a rank (none when one label is asked for)."""
    entries = queue_entries(session, op_id, where, limit=limit, sort=sort)
    details = _details(session, op_id, [e.subject_id for e in entries])
    docs = [_doc(e, details, ruleset) for e in entries]
    if where in (QueueFilter(), QueueFilter(label=where.label)):
        room = None if limit is None else max(0, limit - len(docs))
        docs += _unassessed(session, op_id, where.label, room)
    for rank, doc in enumerate(docs, 1):
        doc["rank"] = rank if where.label is None else None
    return docs
