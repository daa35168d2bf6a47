"""The triage queue: subjects in priority order, with filters, as analysts work it.

Priority is the tier in force (the analyst's override, else the computed tier), then the
score (higher first), then the label: the same input always gives the same order.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safeguard.assess.ruleset import Ruleset
from safeguard.store.models import (
    Account,
    AccountMaterial,
    Assessment,
    Attribution,
    Subject,
    SubjectAccount,
    SubjectNetwork,
)

__all__ = ["QueueFilter", "queue"]


@dataclass(frozen=True)
class QueueFilter:
    tiers: tuple[str, ...] = ()  # tier codes, of the tier in force
    force: str | None = None
    rocu: str | None = None
    confidence: str | None = None
    role: str | None = None
    position_of_trust: bool | None = None
    deconfliction: bool | None = None
    overridden: bool | None = None
    facts_changed: bool | None = None
    label: str | None = None  # one subject (no rank then)

    def keeps(self, doc: dict[str, Any]) -> bool:
        wanted = (
            (not self.tiers or doc["tier"] in self.tiers),
            self.force is None or doc["force_id"] == self.force,
            self.rocu is None or (doc["rocu"] or "").casefold() == self.rocu.casefold(),
            self.confidence is None or doc["confidence"] == self.confidence,
            self.role is None or self.role in doc["roles"],
            _same(self.position_of_trust, doc["position_of_trust"]),
            _same(self.deconfliction, bool(doc["deconfliction"])),
            _same(self.overridden, doc["override_tier"] is not None),
            _same(self.facts_changed, doc["facts_changed"]),
        )
        return all(wanted)


def _same(wanted: bool | None, value: bool) -> bool:
    return wanted is None or wanted == value


def _accounts(session: Session, op_id: int) -> dict[int, list[str]]:
    q = (
        select(SubjectAccount.subject_id, Account.platform_account_id)
        .join(Account, Account.id == SubjectAccount.account_id)
        .where(Account.operation_id == op_id)
    )
    out: dict[int, list[str]] = defaultdict(list)
    for sid, pid in session.execute(q):
        out[int(sid)].append(str(pid))
    return out


def _material(session: Session, op_id: int) -> dict[int, tuple[int, int, int]]:
    q = (
        select(
            SubjectAccount.subject_id,
            func.sum(AccountMaterial.files_a),
            func.sum(AccountMaterial.files_b),
            func.sum(AccountMaterial.files_c),
        )
        .join(AccountMaterial, AccountMaterial.account_id == SubjectAccount.account_id)
        .where(AccountMaterial.operation_id == op_id)
        .group_by(SubjectAccount.subject_id)
    )
    return {int(s): (int(a or 0), int(b or 0), int(c or 0)) for s, a, b, c in session.execute(q)}


def _doc(
    subject: Subject,
    a: Assessment | None,
    attr: Attribution | None,
    net: SubjectNetwork | None,
    ruleset: Ruleset,
) -> dict[str, Any]:
    if a is None:  # resolved but not assessed yet: listed last, without a tier
        a = Assessment(tier="", score=0.0, reasons=[], deconfliction=[], ruleset_version="")
    tier = a.override_tier or a.tier
    reasons = list(a.reasons or [])
    return {
        "id": subject.id,
        "label": subject.label,
        "tier": tier,
        "tier_name": ruleset.tier_name(tier) if tier else "not assessed",
        "computed_tier": a.tier,
        "computed_tier_name": ruleset.tier_name(a.tier) if a.tier else "not assessed",
        "override_tier": a.override_tier,
        "override_justification": a.override_justification,
        "override_author": a.override_author,
        "facts_changed": bool(a.facts_changed),
        "score": a.score,
        "reasons": reasons,
        "country": attr.country if attr else None,
        "force_id": attr.force_id if attr else None,
        "rocu": attr.rocu if attr else None,
        "confidence": attr.confidence if attr else "none",
        "attribution_status": getattr(attr, "status", None),
        "roles": list(net.roles or []) if net else [],
        "position_of_trust": any(r.get("factor") == "position-of-trust" for r in reasons),
        "deconfliction": list(a.deconfliction or []),
        "ruleset": a.ruleset_version,
    }


def queue(
    session: Session, op_id: int, ruleset: Ruleset, where: QueueFilter = QueueFilter()
) -> list[dict[str, Any]]:
    """Every subject the filter keeps, in priority order (not yet assessed ones last)."""
    q = (
        select(Subject, Assessment, Attribution, SubjectNetwork)
        .outerjoin(Assessment, Assessment.subject_id == Subject.id)
        .outerjoin(
            Attribution,
            (Attribution.subject_id == Subject.id) & (Attribution.operation_id == op_id),
        )
        .outerjoin(SubjectNetwork, SubjectNetwork.subject_id == Subject.id)
        .where(Subject.operation_id == op_id)
    )
    if where.label is not None:
        q = q.where(Subject.label == where.label)
    accounts, material = _accounts(session, op_id), _material(session, op_id)
    docs = []
    for subject, a, attr, net in session.execute(q):
        doc = _doc(subject, a, attr, net, ruleset)
        if not where.keeps(doc):
            continue
        files = material.get(subject.id, (0, 0, 0))
        doc["files"] = {"A": files[0], "B": files[1], "C": files[2]}
        doc["platform_account_ids"] = sorted(accounts.get(subject.id, []))
        doc["accounts"] = len(doc["platform_account_ids"])
        docs.append(doc)
    docs.sort(key=lambda d: (int(d["tier"] or 9), -float(d["score"]), d["label"]))
    for rank, doc in enumerate(docs, 1):
        doc["rank"] = rank if where.label is None else None
    return docs
