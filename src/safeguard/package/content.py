"""The content of one intelligence package: the facts about one subject, as a JSON document.

``drafts`` yields one :class:`PackageDraft` per assessed UK subject; its ``content`` holds only
facts (no reference, version, recipient choice or times), so ``facts_sha256`` changes exactly
when the facts under a package change. The document a recipient receives is
:func:`document`: the schema version, reference, version, recipient and issuing details
around those facts (``docs/packages.md``, ``docs/package.schema.json``).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safeguard.package import facts
from safeguard.package.recipients import Recipient, suggest
from safeguard.package.timescales import timescale
from safeguard.refdata import uk
from safeguard.store.models import (
    Assessment,
    Attribution,
    Subject,
    SubjectAccount,
    SubjectNetwork,
)

__all__ = [
    "CLASSIFICATION",
    "HANDLING_NOTE",
    "SCHEMA_VERSION",
    "PackageDraft",
    "canonical_json",
    "document",
    "drafts",
]

CLASSIFICATION = "OFFICIAL-SENSITIVE"
SCHEMA_VERSION = "safeguard-package/1"
HANDLING_NOTE = (
    "Intelligence to prioritise human review. It is not evidence and not a decision about any "
    "person: verify and develop before any executive action. Hashes and metadata only."
)


def canonical_json(doc: object) -> bytes:
    """Compact, key-sorted UTF-8 JSON: the same document always gives the same bytes."""
    return orjson.dumps(doc, default=str, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)


@dataclass(frozen=True)
class PackageDraft:
    subject_id: int
    label: str
    force_id: str
    tier: str
    grading: str
    suggested: Recipient
    content: dict[str, Any]

    @property
    def facts_sha256(self) -> str:
        return hashlib.sha256(canonical_json(self.content)).hexdigest()

    @property
    def account_ids(self) -> set[tuple[str, str]]:
        return {(a["platform"], a["account_id"]) for a in self.content["subject"]["accounts"]}


def _sum(items: list[dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for item in items:
        for k, v in item.items():
            total[k] += v
    return {k: total[k] for k in facts.MATERIAL_KEYS}


class _Facts:
    """Whole-operation lookups, read once per package run."""

    def __init__(self, conn: Session, op: int) -> None:
        self.grading = facts.grading(conn, op)
        self.accounts = facts.accounts(conn, op)
        self.material = facts.material(conn, op)
        self.annex = facts.annex(conn, op)
        self.checks = facts.checks(conn, op)
        self.members: dict[int, list[int]] = defaultdict(list)
        q = select(SubjectAccount.subject_id, SubjectAccount.account_id).join(Subject)
        for sid, aid in conn.execute(q.where(Subject.operation_id == op)):
            self.members[sid].append(aid)
        self.networks = {
            n.subject_id: n
            for n in conn.scalars(select(SubjectNetwork).where(SubjectNetwork.operation_id == op))
        }

    def material_doc(self, members: list[int]) -> dict[str, Any]:
        unique = {(h["sha256"], h["md5"]): h for a in members for h in self.annex.get(a, [])}
        hashes = [unique[k] for k in sorted(unique, key=lambda k: (k[0] or "", k[1] or ""))]
        by_category: dict[str, int] = defaultdict(int)
        for h in hashes:
            by_category[h["category"]] += 1
        return {
            "counts": _sum([self.material[a] for a in members if a in self.material]),
            "matched_files_by_category": dict(sorted(by_category.items())),
            "series": sorted({h["series"] for h in hashes if h["series"]}),
            "hashes": hashes,
        }

    def checks_doc(self, accs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for acc in accs:
            for ident in acc["identifiers"]:
                for f in self.checks.get((ident["kind"], ident["value"]), []):
                    if f not in out:
                        out.append(f)
        return out


def _platform_ids(evidence: list[Any], accounts: dict[int, dict[str, Any]]) -> list[Any]:
    """Evidence with internal account ids replaced by platform account ids."""
    out: list[Any] = []
    for e in evidence or []:
        if isinstance(e, dict) and isinstance(e.get("account_id"), int):
            acc = accounts.get(e["account_id"])
            out.append({**e, "account_id": acc["account_id"] if acc else None})
        else:
            out.append(e)
    return out


def _attribution_doc(
    attribution: Attribution, accounts: dict[int, dict[str, Any]]
) -> dict[str, Any]:
    force = uk.forces().get(attribution.force_id or "")
    return {
        "country": attribution.country,
        "force_id": attribution.force_id,
        "force_name": force.name if force else None,
        "rocu": attribution.rocu,
        "confidence": attribution.confidence,
        "alternatives": attribution.alternatives,
        "evidence": _platform_ids(attribution.evidence, accounts),
    }


def _summary(label: str, tier: str, n_accounts: int, material: dict[str, Any], where: str) -> str:
    counts = material["counts"]
    return (
        f"Subject {label}: {n_accounts} platform account(s) attributed to {where}; "
        f"risk tier {tier}. Known material: {counts['files_a']} category A, "
        f"{counts['files_b']} category B, {counts['files_c']} category C file(s); "
        f"{counts['uploads']} upload(s), {counts['shares']} share(s)."
    )


def _content(
    f: _Facts,
    subject: Subject,
    assessment: Assessment,
    attribution: Attribution,
    suggested: Recipient,
) -> dict[str, Any]:
    members = sorted(f.members[subject.id])
    accs = [f.accounts[a] for a in members]
    material = f.material_doc(members)
    attr = _attribution_doc(attribution, f.accounts)
    net = f.networks.get(subject.id)
    tier = assessment.tier_in_force
    scale = timescale(tier)
    return {
        "classification": CLASSIFICATION,
        "grading": f.grading.to_json(),
        "handling": HANDLING_NOTE,
        "summary": _summary(
            subject.label,
            tier,
            len(accs),
            material,
            attr["force_name"] or str(attr["force_id"]),
        ),
        "subject": {"label": subject.label, "accounts": accs},
        "priority": {
            "tier": tier,
            "computed_tier": assessment.tier,
            "score": assessment.score,
            "ruleset": assessment.ruleset_version,
            "reasons": assessment.reasons,
        },
        "attribution": attr,
        "material": material,
        "network": {"degree": net.degree, "counterparts": net.counterparts, "roles": net.roles}
        if net
        else None,
        "checks": f.checks_doc(accs),
        "deconfliction": assessment.deconfliction,
        "recommended_action": {
            "action": scale.action,
            "disseminate_within_hours": scale.disseminate.total_seconds() / 3600,
            "acknowledge_within_hours": scale.acknowledge.total_seconds() / 3600,
        },
        "suggested_recipient": {**suggested.to_json(), "reason": suggested.reason},
    }


def drafts(conn: Session, op: int, max_tier: int) -> Iterator[PackageDraft]:
    """One draft per assessed UK subject with a force and a tier up to ``max_tier``."""
    f = _Facts(conn, op)
    in_force = func.coalesce(Assessment.override_tier, Assessment.tier)  # an override wins
    q = (
        select(Subject, Assessment, Attribution)
        .join(Assessment, Assessment.subject_id == Subject.id)
        .join(Attribution, Attribution.subject_id == Subject.id)
        .where(
            Subject.operation_id == op,
            Attribution.force_id.is_not(None),
            Attribution.confidence != "none",
            in_force <= str(max_tier),
        )
        .order_by(in_force, Assessment.score.desc(), Subject.label)
    )
    for subject, assessment, attribution in conn.execute(q):
        force_id = attribution.force_id
        if int(assessment.tier_in_force) > max_tier or force_id is None:
            continue
        suggested = suggest(
            _attribution_doc(attribution, f.accounts), assessment.deconfliction or []
        )
        content = _content(f, subject, assessment, attribution, suggested)
        yield PackageDraft(
            subject.id,
            subject.label,
            force_id,
            assessment.tier_in_force,
            f.grading.code,
            suggested,
            content,
        )


def document(
    content: dict[str, Any],
    *,
    reference: str,
    version: int,
    supersedes: str | None,
    recipient: Recipient,
    issued: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The package document: the facts with what identifies and addresses this version."""
    return {
        "schema": SCHEMA_VERSION,
        "reference": reference,
        "version": version,
        "supersedes": supersedes,
        "recipient": recipient.to_json(),
        "issued": issued,
        **content,
    }
