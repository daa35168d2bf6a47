"""Reading every subject's facts for an operation from the store, in a few bulk queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, Text, cast, literal, select

from safeguard.assess.checkmatch import load_subject_keys, match_row
from safeguard.assess.facts import (
    Finding,
    IndicatorHit,
    LoginPlace,
    MaterialFacts,
    SubjectFacts,
)
from safeguard.assess.lexicon import Scanner
from safeguard.store.bulk import json_text
from safeguard.store.models import (
    Account,
    AccountMaterial,
    Attribution,
    CheckFinding,
    Identifier,
    Message,
    RegisterEntry,
    Subject,
    SubjectAccount,
    SubjectNetwork,
)

__all__ = ["RegisterHit", "SubjectInputs", "load_inputs"]

_MATERIAL_FIELDS = tuple(MaterialFacts.__dataclass_fields__)


@dataclass(frozen=True)
class RegisterHit:
    force_id: str
    reference: str
    status: str
    contact: str
    matched_kind: str


@dataclass
class SubjectInputs:
    """Everything assess needs, keyed by subject id."""

    labels: dict[int, str] = field(default_factory=dict)
    accounts: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    platform_ids: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    material: dict[int, MaterialFacts] = field(default_factory=dict)
    network: dict[int, tuple[tuple[str, ...], int]] = field(default_factory=dict)
    findings: dict[int, list[Finding]] = field(default_factory=lambda: defaultdict(list))
    indicators: dict[int, list[IndicatorHit]] = field(default_factory=lambda: defaultdict(list))
    register: dict[int, list[RegisterHit]] = field(default_factory=lambda: defaultdict(list))
    place: dict[int, tuple[str | None, str | None]] = field(default_factory=dict)
    logins: dict[int, list[LoginPlace]] = field(default_factory=lambda: defaultdict(list))
    #: (check id, subject id, status, score, fields as JSON) of every checks row that met one
    check_matches: list[tuple[int, int, str, float, str]] = field(default_factory=list)

    def facts(self) -> Iterator[SubjectFacts]:
        for sid, label in sorted(self.labels.items()):
            roles, counterparts = self.network.get(sid, ((), 0))
            country, force_id = self.place.get(sid, (None, None))
            yield SubjectFacts(
                subject_id=sid,
                label=label,
                account_ids=tuple(self.accounts[sid]),
                platform_ids=tuple(sorted(self.platform_ids[sid])),
                material=self.material.get(sid, MaterialFacts()),
                roles=roles,
                counterparts=counterparts,
                findings=tuple(self.findings[sid]),
                indicators=tuple(self.indicators[sid]),
                country=country,
                force_id=force_id,
                logins=tuple(self.logins.get(sid, ())),
            )


def load_inputs(conn: Connection, operation_id: int, scanner: Scanner) -> SubjectInputs:
    inputs = SubjectInputs()
    owner = _subjects(conn, operation_id, inputs)
    _material(conn, operation_id, owner, inputs)
    _network(conn, operation_id, inputs)
    _register_hits(conn, operation_id, owner, inputs)
    _check_hits(conn, operation_id, inputs)
    _messages(conn, operation_id, owner, scanner, inputs)
    _places(conn, operation_id, inputs)
    _logins(conn, operation_id, owner, inputs)
    return inputs


def _subjects(conn: Connection, op: int, inputs: SubjectInputs) -> dict[int, int]:
    owner: dict[int, int] = {}
    q = (
        select(Subject.id, Subject.label, SubjectAccount.account_id, Account.platform_account_id)
        .join(SubjectAccount, SubjectAccount.subject_id == Subject.id)
        .join(Account, Account.id == SubjectAccount.account_id)
        .where(Subject.operation_id == op)
    )
    for sid, label, account_id, platform_id in conn.execute(q):
        inputs.labels[sid] = label
        inputs.accounts[sid].append(account_id)
        inputs.platform_ids[sid].append(str(platform_id))
        owner[account_id] = sid
    return owner


def _material(conn: Connection, op: int, owner: dict[int, int], inputs: SubjectInputs) -> None:
    cols = [getattr(AccountMaterial, f) for f in _MATERIAL_FIELDS]
    q = select(AccountMaterial.account_id, *cols).where(AccountMaterial.operation_id == op)
    for account_id, *values in conn.execute(q):
        sid = owner.get(account_id)
        if sid is None:
            continue
        facts = MaterialFacts(**dict(zip(_MATERIAL_FIELDS, values, strict=True)))
        inputs.material[sid] = inputs.material.get(sid, MaterialFacts()) + facts


def _network(conn: Connection, op: int, inputs: SubjectInputs) -> None:
    q = select(SubjectNetwork.subject_id, SubjectNetwork.roles, SubjectNetwork.counterparts)
    for sid, roles, counterparts in conn.execute(q.where(SubjectNetwork.operation_id == op)):
        inputs.network[sid] = (tuple(str(r) for r in roles or ()), int(counterparts or 0))


def _register_hits(conn: Connection, op: int, owner: dict[int, int], inputs: SubjectInputs) -> None:
    """Register rows meeting an account's identifier (e-mails also by canonical mailbox) or
    platform account id. The register is small: its keys are looked up, not every account."""
    table = RegisterEntry.__table__
    register: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for r in conn.execute(select(table).where(table.c.operation_id == op)):
        register[(r.kind, r.norm)].append(r)
    if not register:
        return
    for kind in sorted({k for k, _ in register} - {"account_id"}):
        norms = sorted({n for k, n in register if k == kind})
        for column in (Identifier.norm, Identifier.alt_norm):  # both indexed with the kind
            q = (
                select(Identifier.account_id, Identifier.kind, column)
                .join(Account, Account.id == Identifier.account_id)
                .where(Account.operation_id == op, Identifier.kind == kind, column.in_(norms))
            )
            _add_register_hits(conn.execute(q), register, owner, inputs)
    norms = sorted({n for k, n in register if k == "account_id"})
    q2 = select(Account.id, literal("account_id"), Account.platform_account_id).where(
        Account.operation_id == op, Account.platform_account_id.in_(norms)
    )
    _add_register_hits(conn.execute(q2), register, owner, inputs)


def _add_register_hits(
    rows: Any, register: dict[tuple[str, str], list[Any]], owner: dict[int, int],
    inputs: SubjectInputs,
) -> None:  # fmt: skip
    for account_id, kind, norm in rows:
        sid = owner.get(account_id)
        if sid is None:
            continue
        for r in register.get((kind, norm), ()):
            hit = RegisterHit(r.force_id, r.reference, r.status, r.contact, kind)
            if hit not in inputs.register[sid]:
                inputs.register[sid].append(hit)


def _check_hits(conn: Connection, op: int, inputs: SubjectInputs) -> None:
    """Every checks row matched to subjects; findings of the ``matched`` ones go to facts."""
    table = CheckFinding.__table__
    rows = conn.execute(select(table).where(table.c.operation_id == op)).all()
    if not rows:
        return
    keys = load_subject_keys(conn, op, rows)
    for c in rows:
        for m in match_row(keys, c):
            inputs.check_matches.append(
                (c.id, m.subject_id, m.status, m.score, json_text(list(m.fields)))
            )
            if m.status == "matched" and c.finding != "no_trace":
                inputs.findings[m.subject_id].append(
                    Finding(
                        c.id, c.source, c.finding, c.detail, c.date, c.force_id, c.kind, c.value
                    )
                )


def _messages(
    conn: Connection, op: int, owner: dict[int, int], scanner: Scanner, inputs: SubjectInputs
) -> None:
    q = (
        select(Message.platform_message_id, Message.sender_account_id, Message.text)
        .join(Account, Account.id == Message.sender_account_id)
        .where(Account.operation_id == op, Message.text.is_not(None))
    )
    for message_id, sender, text in conn.execute(q.execution_options(yield_per=20_000)):
        sid = owner.get(sender)
        if sid is None:
            continue
        for category, phrase in scanner.scan(text):
            inputs.indicators[sid].append(IndicatorHit(category, phrase, message_id))


def _places(conn: Connection, op: int, inputs: SubjectInputs) -> None:
    q = select(Attribution.subject_id, Attribution.country, Attribution.force_id).where(
        Attribution.operation_id == op, Attribution.subject_id.is_not(None)
    )
    for sid, country, force_id in conn.execute(q):
        if sid is not None:
            inputs.place[sid] = (country, force_id)


def _login_place(platform_id: str, item: dict[str, Any]) -> LoginPlace | None:
    detail = item.get("detail") or {}
    if item.get("family") != "ip" or not detail.get("ip"):
        return None
    return LoginPlace(
        account=platform_id,
        ip=str(detail["ip"]),
        country=item.get("country"),
        logins=int(item.get("observations") or 1),
        first=str(item.get("first") or "")[:10],
        last=str(item.get("last") or "")[:10],
        anonymity=tuple(str(f) for f in detail.get("anonymity") or ())
        if item.get("anonymous")
        else (),
    )


def _logins(conn: Connection, op: int, owner: dict[int, int], inputs: SubjectInputs) -> None:
    """Each account's login places, from its attribution evidence (travel, anonymisation)."""
    # The evidence as text, decoded with orjson: several times faster than the ORM's json.
    raw = cast(Attribution.evidence, Text)
    q = (
        select(Attribution.account_id, Account.platform_account_id, raw)
        .join(Account, Account.id == Attribution.account_id)
        .where(Attribution.operation_id == op, Attribution.account_id.is_not(None))
    )
    for account_id, platform_id, text in conn.execute(q.execution_options(yield_per=20_000)):
        sid = owner.get(int(account_id or 0))
        if sid is None or not text:
            continue
        for item in orjson.loads(text):
            found = _login_place(str(platform_id), item)
            if found is not None:
                inputs.logins[sid].append(found)
