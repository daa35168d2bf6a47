"""The triage queue: the one query behind ``safeguard subjects list``, the web queue page and
``/api/v1/operations/{name}/queue``.

Priority is the tier in force (the analyst's override, else the computed tier), then the
score (higher first), then the label: the same input always gives the same order. A subject
takes its place in the queue once it is assessed (the CLI's unfiltered list adds the others
after it, without a tier). Every filter is answered in SQL, and a page
is a walk along ``ix_assessment_queue_in_force`` (migration 0003) that reads the assessment's
compact queue columns (label, accounts, flags, top reasons, written by the assess stage), not
its reasons document; only the page's rows are then joined to their attribution. A filter by
force, ROCU or confidence reads the assessment's copies of the attribution (migration 0004,
:func:`copy_attribution`), and a force's page walks ``ix_assessment_queue_force``; a filter by
network role reads its copy of the roles (migration 0007, :func:`copy_roles`).

A statement is built once per shape (which filters are given, the order, whether there is a
limit and an offset) with the filter's values as bound parameters: building and keying a
statement cost more than SQLite took to run it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    String,
    Text,
    and_,
    bindparam,
    cast,
    false,
    func,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from safeguard import authz
from safeguard.assess.ruleset import Ruleset
from safeguard.authz import Actor
from safeguard.store.models import (
    Account,
    AccountMaterial,
    Assessment,
    Attribution,
    Operation,
    Subject,
    SubjectAccount,
    SubjectNetwork,
)

__all__ = [
    "QUEUE_COLUMNS",
    "SORTS",
    "QueueEntry",
    "QueueFilter",
    "copy_attribution",
    "copy_roles",
    "queue",
    "queue_columns",
    "queue_entries",
    "queue_query",
]

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


def _text(name: str) -> Any:
    """A bound text parameter (its value given when the statement is run)."""
    return bindparam(name, type_=String())


def _has(pattern: Any) -> Any:
    return Assessment.flags.like(pattern, escape="\\")


def _yes_no(clause: Any, wanted: bool | None) -> list[Any]:
    return [] if wanted is None else [clause if wanted else ~clause]


@dataclass(frozen=True)
class _Shape:
    """What a statement's text depends on; the filter's values are bound parameters."""

    tiers: int  # distinct tiers: 0 (any), 1 (one: walked without the tier term), 2 (more)
    given: frozenset[str]  # the text fields given: label, flag, role, force, rocu, confidence
    yes_no: tuple[bool | None, ...]  # position_of_trust, deconfliction, overridden, facts_changed
    no_confidence: bool  # confidence "none": no attribution, or one without confidence
    may_view: bool  # the actor may see subjects (a force officer's statement is not cached)
    limited: bool
    offset: bool
    sort: str
    by_name: bool  # the operation is given by name (looked up in the statement), not id


_TEXT = ("label", "flag", "role", "force", "rocu", "confidence")


def _shape(
    f: QueueFilter, may_view: bool, limited: bool, offset: bool, *, sort: str, by_name: bool
) -> _Shape:
    if sort not in SORTS:
        raise ValueError(f"sort is one of {', '.join(SORTS)}, not {sort!r}")
    return _Shape(
        tiers=min(len(set(f.tiers)), 2),  # the list of several is one expanding parameter
        given=frozenset(n for n in _TEXT if getattr(f, n) or (n == "label" and f.label == "")),
        yes_no=(f.position_of_trust, f.deconfliction, f.overridden, f.facts_changed),
        no_confidence=f.confidence == "none",
        may_view=may_view,
        limited=limited,
        offset=offset,
        sort=sort,
        by_name=by_name,
    )


def _params(f: QueueFilter, op: int | str, limit: int | None, offset: int) -> dict[str, Any]:
    """The bound values of :func:`_statement`'s parameters for ``f``."""
    values: dict[str, Any] = {"op": op, "limit": limit, "offset": offset}
    if f.tiers:
        values["tiers"] = sorted(set(f.tiers))
    values["label"] = f.label
    values["flag"] = f"% {_literal(f.flag)} %" if f.flag else None
    values["role"] = f'%"{_literal(f.role)}"%' if f.role else None
    values["force"] = f.force
    values["rocu"] = f.rocu.casefold() if f.rocu else None
    values["confidence"] = f.confidence
    return {k: v for k, v in values.items() if v is not None}


def _assessment_terms(s: _Shape) -> list[Any]:
    terms: list[Any] = []
    if s.tiers:
        terms.append(tier_in_force().in_(bindparam("tiers", expanding=True)))
    if "label" in s.given:
        terms.append(Assessment.subject_label == _text("label"))
    if "flag" in s.given:
        terms.append(_has(_text("flag")))
    trust, deconfliction, overridden, facts_changed = s.yes_no
    terms += _yes_no(_has("% position-of-trust %"), trust)
    terms += _yes_no(_has_deconfliction(), deconfliction)
    terms += _yes_no(Assessment.override_tier.is_not(None), overridden)
    terms += _yes_no(Assessment.facts_changed.is_(True), facts_changed)
    if "role" in s.given:
        terms.append(Assessment.queue_roles.like(_text("role"), escape="\\"))
    return terms


#: The deconfliction of a subject no register knows, written into the statement (not bound):
#: PostgreSQL then estimates the term from the column's statistics (it took the default
#: 0.5 % for the old text cast, and sorted 95,000 rows for a 50-row page), and both
#: databases can match it to ``ix_assessment_queue_deconflicted``.
_NO_DECONFLICTION: Any = literal_column("'[]'")


def _has_deconfliction() -> Any:
    return Assessment.deconfliction != _NO_DECONFLICTION


def _attribution_terms(s: _Shape) -> list[Any]:
    """Terms on the assessment's copies of the attribution (:func:`copy_attribution`)."""
    terms: list[Any] = []
    if "force" in s.given:
        terms.append(Assessment.queue_force_id == _text("force"))
    if "rocu" in s.given:
        terms.append(Assessment.queue_rocu == _text("rocu"))
    if s.no_confidence:
        confidence = Assessment.queue_confidence
        terms.append(or_(confidence.is_(None), confidence == "none"))
    elif "confidence" in s.given:
        terms.append(Assessment.queue_confidence == _text("confidence"))
    return terms


def copy_attribution(conn: Connection | Session, op_id: int) -> None:
    """Copy each assessed subject's force, ROCU (lower case) and confidence onto its
    assessment row, for the queue's filters: after the subjects' attribution is replaced
    and after the assessments are. A subject without an attribution gets none."""

    def of_subject(column: Any) -> Any:
        return select(column).where(_attribution_of_assessed()).scalar_subquery()

    conn.execute(
        update(Assessment)
        .where(Assessment.operation_id == op_id)
        .values(
            queue_force_id=of_subject(Attribution.force_id),
            queue_rocu=of_subject(func.lower(Attribution.rocu)),
            queue_confidence=of_subject(Attribution.confidence),
        )
    )


def copy_roles(conn: Connection | Session, op_id: int) -> None:
    """Copy each assessed subject's network roles (their JSON text) onto its assessment row,
    for the queue's role filter: after the network is rebuilt and after the assessments are
    replaced. A subject outside the network gets none."""
    roles = select(cast(SubjectNetwork.roles, Text)).where(
        SubjectNetwork.subject_id == Assessment.subject_id
    )
    conn.execute(
        update(Assessment)
        .where(Assessment.operation_id == op_id)
        .values(queue_roles=roles.scalar_subquery())
    )


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
    return (tier, score.desc(), label)


def _operation(s: _Shape) -> Any:
    """The operation's id: bound, or looked up by its bound name (one round trip fewer)."""
    if not s.by_name:
        return bindparam("op", type_=Integer())
    return select(Operation.id).where(Operation.name == _text("op")).scalar_subquery()


def _page(s: _Shape, actor: Actor | None) -> Select[Any]:
    """The page's assessment ids in order (limit and offset are bound parameters)."""
    q = select(
        Assessment.id.label("assessment_id"),
        tier_in_force().label("tier"),
        Assessment.score,
        Assessment.subject_label,
    ).where(Assessment.operation_id == _operation(s), *_assessment_terms(s))
    if actor is not None:
        q = q.where(authz.subject_filter(actor, Assessment.subject_id))
    elif not s.may_view:
        q = q.where(false())
    q = q.where(*_attribution_terms(s))
    order = _order(s.sort, tier_in_force(), Assessment.score, Assessment.subject_label)
    if s.sort == "priority" and s.tiers == 1:
        # One tier: SQLite does not see that the tier term is then constant and would sort
        # the whole tier instead of walking the index; without the term it walks it.
        order = order[1:]
    q = q.order_by(*order)
    if s.limited:
        q = q.limit(bindparam("limit", type_=Integer()))
    if s.offset:
        q = q.offset(bindparam("offset", type_=Integer()))
    return q


def _build(s: _Shape, actor: Actor | None) -> Select[Any]:
    """One statement: the page found along the index, then its rows and their attribution."""
    page = _page(s, actor).subquery("page")
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
        .order_by(*_order(s.sort, page.c.tier, page.c.score, page.c.subject_label))
    )


@lru_cache(maxsize=1024)
def _cached(shape: _Shape) -> Select[Any]:
    """The statement of a shape, built once: building one (and its cache key) cost more than
    running it (a page of the unfiltered queue: 3.5 ms built each time, 1.5 ms cached)."""
    return _build(shape, None)


def _statement(
    op: int | str, where: QueueFilter, actor: Actor | None, limit: int | None, *, offset: int,
    sort: str,
) -> Select[Any]:  # fmt: skip
    """The statement for this filter, order and page (parameters unbound). Statements are
    built once per shape; a force officer's, whose need-to-know clause names their force,
    is built for the request."""
    may_view = actor is None or authz.may(actor, "subjects.view")
    by_name = isinstance(op, str)
    shape = _shape(where, may_view, limit is not None, bool(offset), sort=sort, by_name=by_name)
    if actor is not None and may_view and actor.is_force_bound:
        return _build(shape, actor)
    return _cached(shape)


def queue_query(
    op: int | str,
    where: QueueFilter,
    *,
    actor: Actor | None = None,
    limit: int | None = None,
    offset: int = 0,
    sort: str = "priority",
) -> Select[Any]:
    """The queue's statement with its values bound (to show or explain it)."""
    stmt = _statement(op, where, actor, limit, offset=offset, sort=sort)
    return stmt.params(_params(where, op, limit, offset))


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
    op: int | str,
    where: QueueFilter = QueueFilter(),
    *,
    actor: Actor | None = None,
    limit: int | None = None,
    offset: int = 0,
    sort: str = "priority",
) -> list[QueueEntry]:
    """The queue's rows the filter keeps (and ``actor``, when given, may see), in priority
    order: all of them, or one page. ``op`` is the operation's id or its name (none when
    there is no operation of that name)."""
    stmt = _statement(op, where, actor, limit, offset=offset, sort=sort)
    rows = session.connection().execute(stmt, _params(where, op, limit, offset))
    return [_entry(r) for r in rows]


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
