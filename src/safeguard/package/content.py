"""The content of one intelligence package: a canonical JSON document about one subject."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguard.refdata import uk
from safeguard.store.models import (
    Account,
    AccountMaterial,
    Assessment,
    Attribution,
    Delivery,
    Identifier,
    Subject,
    SubjectAccount,
    SubjectNetwork,
)

__all__ = ["CLASSIFICATION", "HANDLING_NOTE", "PackageDraft", "drafts"]

CLASSIFICATION = "OFFICIAL-SENSITIVE"
HANDLING_NOTE = (
    "Intelligence to prioritise human review. It is not evidence and not a decision about any "
    "person: verify and develop before any executive action. Hashes and metadata only."
)
_MATERIAL_KEYS = (
    "files_a",
    "files_b",
    "files_c",
    "files_unknown",
    "uploads",
    "downloads",
    "shares",
    "first_uploads_unknown",
)


@dataclass(frozen=True)
class PackageDraft:
    subject_id: int
    label: str
    force_id: str
    tier: str
    grading: str
    content: dict[str, Any]


def _grading(conn: Session, op: int) -> str:
    """The most cautious 3x5x2 grading among the operation's deliveries."""
    rows = conn.execute(
        select(
            Delivery.grading_source, Delivery.grading_intelligence, Delivery.grading_handling
        ).where(Delivery.operation_id == op)
    ).all()
    if not rows:
        return "3/E/C"
    src = max((r[0] or "3") for r in rows)
    intel = max((r[1] or "E") for r in rows)
    handling = "C" if any((r[2] or "C") == "C" for r in rows) else "P"
    return f"{src}/{intel}/{handling}"


def _accounts(conn: Session, op: int) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    q = select(
        Account.id,
        Account.platform,
        Account.platform_account_id,
        Account.username,
        Account.declared_country,
        Account.declared_postcode,
    )
    for aid, platform, platform_id, username, country, postcode in conn.execute(
        q.where(Account.operation_id == op)
    ):
        out[aid] = {
            "platform": platform,
            "account_id": platform_id,
            "username": username,
            "declared_country": country,
            "declared_postcode": postcode,
            "identifiers": [],
        }
    q2 = (
        select(Identifier.account_id, Identifier.kind, Identifier.norm)
        .join(Account, Account.id == Identifier.account_id)
        .where(Account.operation_id == op)
    )
    for account_id, kind, norm in conn.execute(q2):
        entry = {"kind": kind, "value": norm}
        if entry not in out[account_id]["identifiers"]:
            out[account_id]["identifiers"].append(entry)
    return out


def _material(conn: Session, op: int) -> dict[int, dict[str, int]]:
    cols = [getattr(AccountMaterial, k) for k in _MATERIAL_KEYS]
    q = select(AccountMaterial.account_id, *cols).where(AccountMaterial.operation_id == op)
    return {aid: dict(zip(_MATERIAL_KEYS, vals, strict=True)) for aid, *vals in conn.execute(q)}


def _sum(items: list[dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for item in items:
        for k, v in item.items():
            total[k] += v
    return {k: total[k] for k in _MATERIAL_KEYS}


def drafts(conn: Session, op: int, max_tier: int) -> Iterator[PackageDraft]:
    """One draft per assessed UK subject with a force and a tier up to ``max_tier``."""
    grading = _grading(conn, op)
    accounts, material = _accounts(conn, op), _material(conn, op)
    members: dict[int, list[int]] = defaultdict(list)
    for sid, aid in conn.execute(
        select(SubjectAccount.subject_id, SubjectAccount.account_id)
        .join(Subject)
        .where(Subject.operation_id == op)
    ):
        members[sid].append(aid)
    networks = {
        n.subject_id: n
        for n in conn.scalars(select(SubjectNetwork).where(SubjectNetwork.operation_id == op))
    }
    q = (
        select(Subject, Assessment, Attribution)
        .join(Assessment, Assessment.subject_id == Subject.id)
        .join(Attribution, Attribution.subject_id == Subject.id)
        .where(
            Subject.operation_id == op,
            Attribution.force_id.is_not(None),
            Attribution.confidence != "none",
            Assessment.tier <= str(max_tier),
        )
        .order_by(Assessment.tier, Assessment.score.desc(), Subject.label)
    )
    for subject, assessment, attribution in conn.execute(q):
        force_id = attribution.force_id
        if int(assessment.tier) > max_tier or force_id is None:
            continue
        force = uk.forces().get(force_id)
        accs = [accounts[a] for a in sorted(members[subject.id])]
        net = networks.get(subject.id)
        content = {
            "classification": CLASSIFICATION,
            "grading": grading,
            "handling": HANDLING_NOTE,
            "subject": {"label": subject.label, "accounts": accs},
            "priority": {
                "tier": assessment.tier,
                "score": assessment.score,
                "ruleset": assessment.ruleset_version,
                "reasons": assessment.reasons,
            },
            "attribution": {
                "country": attribution.country,
                "force_id": attribution.force_id,
                "force_name": force.name if force else None,
                "rocu": attribution.rocu,
                "confidence": attribution.confidence,
                "alternatives": attribution.alternatives,
                "evidence": attribution.evidence,
            },
            "material": _sum([material[a] for a in members[subject.id] if a in material]),
            "network": {"degree": net.degree, "counterparts": net.counterparts, "roles": net.roles}
            if net
            else None,
            "deconfliction": assessment.deconfliction,
        }
        yield PackageDraft(subject.id, subject.label, force_id, assessment.tier, grading, content)
