"""The package stage: draft packages from the current assessments, never touching sent ones.

Each subject's packages form a lineage: version 1 is ``<operation>-<label>``, later versions
``<operation>-<label>-v<N>``. On every run, for each subject that qualifies:

* no lineage yet -> a new draft (version 1);
* the latest version is still a draft -> that draft is brought up to date in place;
* the latest version has left draft (approved, sent, ...) and its facts are unchanged ->
  nothing is written;
* ... and the facts changed -> a supplementary draft (version N+1) is created, linked to it.

A subject is matched to its lineage by label, else by a shared platform account (resolve
gives a changed subject a new label). Drafts no subject qualifies for any more are removed;
a package that has left draft is never rewritten or removed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguard.config import Settings
from safeguard.package.content import CLASSIFICATION, PackageDraft, canonical_json, document, drafts
from safeguard.package.files import sha256_hex, write_atomic
from safeguard.package.recipients import Recipient, parse
from safeguard.progress import NULL_PROGRESS, Progress
from safeguard.records import Stage
from safeguard.store.db import Store
from safeguard.store.models import IntelPackage
from safeguard.store.runs import record_run

__all__ = ["PackageResult", "draft_dir", "run"]


@dataclass(frozen=True)
class PackageResult:
    packages: int
    by_force: dict[str, int] = field(default_factory=dict)
    directory: Path | None = None
    supplementary: int = 0
    unchanged_sent: int = 0


def draft_dir(settings: Settings, operation: str) -> Path:
    return settings.data_dir / "packages" / operation


def root_of(p: IntelPackage) -> str:
    return p.reference if p.version == 1 else p.reference.rsplit("-v", 1)[0]


class _Lineages:
    """The operation's packages grouped by lineage, with the two ways to find one."""

    def __init__(self, packages: list[IntelPackage]) -> None:
        self.latest: dict[str, IntelPackage] = {}
        self.by_label: dict[str, str] = {}
        self.by_account: dict[tuple[str, str], str] = {}
        for p in sorted(packages, key=lambda p: (root_of(p), p.version)):
            root = root_of(p)
            self.latest[root] = p
            self.by_label[p.content["subject"]["label"]] = root
            for a in p.content["subject"]["accounts"]:
                self.by_account.setdefault((a["platform"], a["account_id"]), root)
        self.claimed: set[str] = set()

    def find(self, d: PackageDraft) -> IntelPackage | None:
        root = self.by_label.get(d.label)
        if root is None or root in self.claimed:
            shared = sorted({self.by_account[a] for a in d.account_ids if a in self.by_account})
            root = next((r for r in shared if r not in self.claimed), None)
        if root is None or root in self.claimed:
            return None
        self.claimed.add(root)
        return self.latest[root]


def _recipient(p: IntelPackage | None, d: PackageDraft) -> Recipient:
    if p is not None and p.status == "draft" and p.recipient_chosen_by:
        return parse(p.recipient_id)
    return d.suggested


def _write(p: IntelPackage, d: PackageDraft, out_dir: Path, supersedes: str | None) -> None:
    recipient = _recipient(p, d)
    body = canonical_json(
        document(
            d.content,
            reference=p.reference,
            version=p.version,
            supersedes=supersedes,
            recipient=recipient,
        )
    )
    path = out_dir / recipient.recipient_id.replace(":", "-") / f"{p.reference}.json"
    sha = sha256_hex(body)
    if sha != p.sha256 or p.path != str(path) or not path.exists():
        write_atomic(path, body)
    p.subject_id, p.force_id, p.tier, p.grading = d.subject_id, d.force_id, d.tier, d.grading
    p.recipient_kind, p.recipient_id = recipient.kind, recipient.recipient_id
    p.suggested_recipient = d.suggested.recipient_id
    p.classification, p.content, p.facts_sha256 = CLASSIFICATION, d.content, d.facts_sha256
    p.path, p.sha256 = str(path), sha


def _new(
    s: Session, op_id: int, ref: str, *, version: int, user: str, supersedes: IntelPackage | None
) -> IntelPackage:
    p = IntelPackage(
        operation_id=op_id,
        reference=ref,
        version=version,
        status="draft",
        drafted_by=user,
        supersedes_id=supersedes.id if supersedes else None,
    )
    s.add(p)
    return p


def _place(
    s: Session, op_id: int, operation: str, d: PackageDraft, lineages: _Lineages, *, user: str
) -> tuple[IntelPackage, IntelPackage | None, str]:
    """The row this draft goes into, the package it supplements, and what happened."""
    latest = lineages.find(d)
    if latest is None:
        return (
            _new(s, op_id, f"{operation}-{d.label}", version=1, user=user, supersedes=None),
            None,
            "new",
        )
    if latest.status == "draft":
        prior = s.get(IntelPackage, latest.supersedes_id) if latest.supersedes_id else None
        return latest, prior, "draft"
    if latest.facts_sha256 == d.facts_sha256:
        return latest, None, "unchanged"
    ref = f"{root_of(latest)}-v{latest.version + 1}"
    return (
        _new(s, op_id, ref, version=latest.version + 1, user=user, supersedes=latest),
        latest,
        "supplementary",
    )


def run(
    store: Store,
    settings: Settings,
    operation: str,
    *,
    max_tier: int = 3,
    progress: Progress = NULL_PROGRESS,
) -> PackageResult:
    """Bring the operation's drafts up to date (module docstring); return what was drafted."""
    op_id = store.operation_id(operation)
    out_dir = draft_dir(settings, operation)
    with record_run(store, op_id, Stage.PACKAGE, {"max_tier": max_tier}) as rec:
        stale: list[str] = []
        happened: Counter[str] = Counter()
        by_force: Counter[str] = Counter()
        with store.session() as s:
            items = list(drafts(s, op_id, max_tier))
            existing = list(
                s.scalars(select(IntelPackage).where(IntelPackage.operation_id == op_id))
            )
            lineages = _Lineages(existing)
            touched: set[int] = set()
            with progress.task("write packages", total=len(items)) as task:
                for d in items:
                    row, prior, what = _place(s, op_id, operation, d, lineages, user=settings.user)
                    happened[what] += 1
                    if what != "unchanged":
                        old_path = row.path
                        _write(row, d, out_dir, prior.reference if prior else None)
                        if old_path and old_path != row.path:
                            stale.append(old_path)
                        s.flush()
                        by_force[d.force_id] += 1
                    touched.add(row.id)
                    task.advance()
            for p in existing:
                if p.status == "draft" and p.id not in touched:
                    stale.append(p.path)
                    s.delete(p)
        for path in stale:
            Path(path).unlink(missing_ok=True)
        drafted = happened["new"] + happened["draft"] + happened["supplementary"]
        rec.counts.update(
            packages=drafted,
            supplementary=happened["supplementary"],
            unchanged_sent=happened["unchanged"],
            by_force=dict(by_force),
        )
    return PackageResult(
        drafted, dict(by_force), out_dir, happened["supplementary"], happened["unchanged"]
    )
