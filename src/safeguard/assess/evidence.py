"""Evidence references in reasons, resolved to the record they name.

``message:ID`` (platform message id), ``check:N`` (checks row), ``account:ID`` (platform
account id, with its material summary), ``network:LABEL`` (the subject's place in the
sharing network), ``login:N`` (login event), ``logins:ID@IP`` (an account's logins from one
address), ``link:N`` (link evidence), ``match:N`` (a file event's match against a hash set).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguard.errors import NotFoundError
from safeguard.store.models import (
    Account,
    AccountMaterial,
    CheckFinding,
    CheckMatch,
    FileEvent,
    FileMatch,
    LinkEvidence,
    LoginEvent,
    Message,
    Subject,
    SubjectNetwork,
)

__all__ = ["REF_KINDS", "resolve_ref"]


def _platform_id(session: Session, account_id: int | None) -> str | None:
    if account_id is None:
        return None
    return session.scalar(select(Account.platform_account_id).where(Account.id == account_id))


def _message(session: Session, op_id: int, key: str) -> dict[str, Any] | None:
    m = session.scalar(
        select(Message)
        .join(Account, Account.id == Message.sender_account_id)
        .where(Account.operation_id == op_id, Message.platform_message_id == key)
    )
    if m is None:
        return None
    return {
        "message_id": m.platform_message_id,
        "at": m.ts,
        "sender": _platform_id(session, m.sender_account_id),
        "recipients": m.recipient_platform_ids.split(),
        "text": m.text,
    }


def _check(session: Session, op_id: int, key: str) -> dict[str, Any] | None:
    c = session.get(CheckFinding, int(key)) if key.isdigit() else None
    if c is None or c.operation_id != op_id:
        return None
    matches = session.execute(
        select(CheckMatch, Subject.label)
        .join(Subject, Subject.id == CheckMatch.subject_id)
        .where(CheckMatch.check_id == c.id)
    ).all()
    names = ("kind", "value", "source", "finding", "detail", "date", "force_id", "line")
    return {
        **{n: getattr(c, n) for n in names},
        "met": [{"subject": label, "status": m.status, "score": m.score, "agreed": m.fields}
                for m, label in matches],
    }  # fmt: skip


def _account(session: Session, op_id: int, key: str) -> dict[str, Any] | None:
    a = session.scalar(
        select(Account).where(Account.operation_id == op_id, Account.platform_account_id == key)
    )
    if a is None:
        return None
    m = session.get(AccountMaterial, a.id)
    fields = ("files_a", "files_b", "files_c", "files_unknown", "uploads", "downloads", "shares")
    return {
        "platform_account_id": a.platform_account_id,
        "username": a.username,
        "material": {f: getattr(m, f) for f in fields} if m else {},
    }


def _network(session: Session, op_id: int, key: str) -> dict[str, Any] | None:
    row = session.execute(
        select(SubjectNetwork)
        .join(Subject, Subject.id == SubjectNetwork.subject_id)
        .where(Subject.operation_id == op_id, Subject.label == key)
    ).scalar()
    if row is None:
        return None
    names = ("degree", "counterparts", "sent", "received", "community", "roles")
    return {"subject": key, **{n: getattr(row, n) for n in names}}


def _login(session: Session, op_id: int, key: str) -> dict[str, Any] | None:
    e = session.get(LoginEvent, int(key)) if key.isdigit() else None
    if e is None:
        return None
    account = session.get(Account, e.account_id)
    if account is None or account.operation_id != op_id:
        return None
    return {"account": account.platform_account_id, "at": e.ts, "ip": e.ip, "kind": e.kind}


def _logins(session: Session, op_id: int, key: str) -> dict[str, Any] | None:
    platform_id, _, ip = key.rpartition("@")
    account = session.scalar(
        select(Account).where(
            Account.operation_id == op_id, Account.platform_account_id == platform_id
        )
    )
    if account is None or not ip:
        return None
    events = session.scalars(
        select(LoginEvent)
        .where(LoginEvent.account_id == account.id, LoginEvent.ip == ip)
        .order_by(LoginEvent.ts)
    ).all()
    if not events:
        return None
    return {
        "account": platform_id, "ip": ip, "logins": len(events), "first": events[0].ts,
        "last": events[-1].ts, "events": [f"login:{e.id}" for e in events[:50]],
    }  # fmt: skip


def _link(session: Session, op_id: int, key: str) -> dict[str, Any] | None:
    link = session.get(LinkEvidence, int(key)) if key.isdigit() else None
    if link is None or link.operation_id != op_id:
        return None
    return {
        "account_a": _platform_id(session, link.account_a),
        "account_b": _platform_id(session, link.account_b),
        "linker": link.linker,
        "strength": link.strength,
        "score": link.score,
        "accepted": link.accepted,
        "evidence": link.evidence,
    }


def _match(session: Session, op_id: int, key: str) -> dict[str, Any] | None:
    m = session.get(FileMatch, int(key)) if key.isdigit() else None
    if m is None or m.operation_id != op_id:
        return None
    event = session.get(FileEvent, m.file_event_id)
    return {
        "event": event.platform_event_id if event else None,
        "account": _platform_id(session, event.account_id if event else None),
        "at": event.ts if event else None,
        "method": m.method,
        "distance": m.distance,
        "category": m.category,
    }


REF_KINDS: dict[str, Callable[[Session, int, str], dict[str, Any] | None]] = {
    "message": _message,
    "check": _check,
    "account": _account,
    "network": _network,
    "login": _login,
    "logins": _logins,
    "link": _link,
    "match": _match,
}


def resolve_ref(session: Session, op_id: int, ref: str) -> dict[str, Any]:
    """The record an evidence reference names; :class:`NotFoundError` if it names none."""
    kind, _, key = ref.partition(":")
    resolver = REF_KINDS.get(kind)
    if resolver is None or not key:
        raise NotFoundError(f"evidence {ref!r}: references are {', '.join(REF_KINDS)}:KEY")
    found = resolver(session, op_id, key)
    if found is None:
        raise NotFoundError(f"evidence {ref!r}: no such {kind} in the operation")
    return {"ref": ref, "kind": kind, **found}
