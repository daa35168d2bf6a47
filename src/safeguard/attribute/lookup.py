"""Finding one account's or subject's attribution for display (`attribution show`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from safeguard.attribute.record import unlocated_of
from safeguard.errors import NotFoundError
from safeguard.store.db import Store
from safeguard.store.models import Account, Attribution, Subject

__all__ = ["show_attribution"]


def _as_doc(attr: Attribution, kind: str, reference: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "reference": reference,
        "country": attr.country,
        "region": attr.region,
        "force_id": attr.force_id,
        "pfa_code": attr.pfa_code,
        "rocu": attr.rocu,
        "confidence": attr.confidence,
        "score": attr.score,
        "alternatives": attr.alternatives,
        "unlocated": unlocated_of(attr.evidence),
        "evidence": attr.evidence,
    }


def _subjects(s: Session, op_id: int, ref: str) -> list[dict[str, Any]]:
    query = (
        select(Attribution, Subject.label)
        .join(Subject, Subject.id == Attribution.subject_id)
        .where(Attribution.operation_id == op_id, Subject.label == ref)
    )
    return [_as_doc(a, "subject", label) for a, label in s.execute(query)]


def _accounts(s: Session, op_id: int, ref: str) -> list[dict[str, Any]]:
    platform, _, platform_id = ref.rpartition(":")
    match = or_(
        Account.platform_account_id == ref,
        (Account.platform == platform) & (Account.platform_account_id == platform_id),
    )
    if ref.isdigit():
        match = or_(match, Account.id == int(ref))
    query = (
        select(Attribution, Account.platform, Account.platform_account_id)
        .join(Account, Account.id == Attribution.account_id)
        .where(Attribution.operation_id == op_id, Attribution.subject_id.is_(None), match)
    )
    return [_as_doc(a, "account", f"{p}:{pid}") for a, p, pid in s.execute(query)]


def show_attribution(store: Store, operation: str, ref: str) -> list[dict[str, Any]]:
    """Attributions of the subject labelled ``ref`` or the account(s) it names.

    ``ref`` is a subject label, a platform account id (``u123`` or ``platform:u123``) or the
    store's numeric account id.
    """
    op_id = store.operation_id(operation)
    with store.session() as s:
        found = _subjects(s, op_id, ref) + _accounts(s, op_id, ref)
    if not found:
        raise NotFoundError(
            f"no attribution for {ref!r} in operation {operation!r} (run the attribute stage?)"
        )
    return found
