"""The resolve stage: link accounts into subjects with evidence, then build the network."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass

from sqlalchemy import Connection, text

from safeguard.config import Settings
from safeguard.errors import PipelineError
from safeguard.gcpause import gc_paused
from safeguard.progress import NULL_PROGRESS, Progress
from safeguard.resolve.facts import Link
from safeguard.resolve.linkers import WEAK_THRESHOLD
from safeguard.resolve.linking import candidate_pairs, partition, strong_links, weak_links
from safeguard.resolve.load import (
    anonymous_ip_checker,
    load_account_facts,
    load_account_ids,
    load_identifier_groups,
    load_ip_windows,
)
from safeguard.resolve.netstore import rebuild_network
from safeguard.resolve.subjects import (
    SubjectChanges,
    load_accepted_pairs,
    load_actions,
    write_subjects,
)
from safeguard.store.bulk import bulk_insert, json_text
from safeguard.store.db import Store
from safeguard.store.runs import RunRecorder, record_run

__all__ = [
    "Rebuilt",
    "ResolveConfig",
    "ResolveResult",
    "rebuild_subjects",
    "resolve_operation_id",
    "run",
]


@dataclass(frozen=True)
class ResolveConfig:
    """Limits that keep junk from merging people (documented in ``docs/resolution.md``)."""

    #: An identifier value shared by more accounts than this is junk (placeholder email...).
    max_identifier_accounts: int = 20
    #: An IP used by more accounts than this is shared infrastructure (NAT, VPN, Tor...).
    max_ip_accounts: int = 6
    #: A (postcode, name) block with more accounts than this is not paired up.
    max_block: int = 12
    weak_threshold: float = WEAK_THRESHOLD


@dataclass(frozen=True)
class ResolveResult:
    run_id: int
    accounts: int
    subjects: int
    strong_links: int
    weak_links_accepted: int
    weak_links_rejected: int
    junk_identifiers: int
    network_edges: int
    communities: int


def resolve_operation_id(store: Store, operation: str | int) -> int:
    return operation if isinstance(operation, int) else store.operation_id(operation)


def _links(
    conn: Connection, op_id: int, settings: Settings, cfg: ResolveConfig, rec: RunRecorder
) -> list[Link]:
    with rec.timed("strong"):
        groups = load_identifier_groups(conn, op_id)
        strong, junk = strong_links(groups, cfg.max_identifier_accounts)
    for g in junk:
        rec.warn(
            "junk-identifier",
            f"{g.kind} shared by {len(g.account_ids)} accounts was not used to link them",
            f"{g.kind}:{g.norm}",
        )
    with rec.timed("weak"):
        census = load_ip_windows(conn, op_id, cfg.max_ip_accounts, _anonymous(settings, rec))
        facts = load_account_facts(conn, op_id, census.windows)
        blocks = candidate_pairs(facts.values(), cfg.max_block)
        weak = weak_links(facts, blocks.pairs, threshold=cfg.weak_threshold)
    for ip, n in sorted(census.crowded.items(), key=lambda kv: -kv[1])[:200]:
        rec.warn("crowded-ip", f"IP used by {n} accounts is not used for linking", ip)
    for kind, value, n in blocks.oversized[:200]:
        rec.warn("oversized-block", f"{kind} block of {n} accounts was not paired up", value)
    rec.counts.update(
        junk_identifiers=len(junk),
        crowded_ips=len(census.crowded),
        anonymous_ips=len(census.anonymous),
        non_global_ips=len(census.not_global),
        weak_candidates=len(blocks.pairs),
    )
    return [*strong, *weak]


def _anonymous(settings: Settings, rec: RunRecorder) -> Callable[[str], bool]:
    checker = anonymous_ip_checker(settings.geoip_anonymous)
    if checker is not None:
        return checker
    rec.warn(
        "anonymous-ip-unavailable",
        "SAFEGUARD_GEOIP_ANONYMOUS is not set: VPN, Tor, proxy and hosting IPs are not "
        "excluded from shared-IP links",
    )
    return lambda _ip: False


def _store_links(conn: Connection, op_id: int, links: Iterable[Link]) -> None:
    conn.execute(text("DELETE FROM link_evidence WHERE operation_id = :op"), {"op": op_id})
    cols = ("operation_id", "account_a", "account_b", "linker", "strength", "score", "accepted")
    rows = (
        (op_id, *link.key(), link.linker, link.strength, link.score, link.accepted, ev)
        for link in links
        for ev in (json_text(link.evidence),)
    )
    bulk_insert(conn, "link_evidence", (*cols, "evidence"), rows)


@dataclass(frozen=True)
class Rebuilt:
    accounts: int
    subjects: int
    changes: SubjectChanges


def rebuild_subjects(
    conn: Connection, op_id: int, prefer: Mapping[frozenset[int], str] | None = None
) -> Rebuilt:
    """Subjects from the stored accepted links and the analysts' actions still in force
    (``prefer``: labels to give back to exactly these account sets, see ``write_subjects``)."""
    accounts = load_account_ids(conn, op_id)
    groups = partition(accounts, load_accepted_pairs(conn, op_id), load_actions(conn, op_id))
    return Rebuilt(len(accounts), len(groups), write_subjects(conn, op_id, groups, prefer))


def run(
    store: Store,
    settings: Settings,
    operation: str | int,
    *,
    progress: Progress = NULL_PROGRESS,
    config: ResolveConfig | None = None,
) -> ResolveResult:
    """Link the operation's accounts into subjects and build the sharing network.

    Replaces the operation's previous links, subjects and network in one transaction;
    analysts' splits and merges that were not undone are applied again on top.
    """
    cfg = config or ResolveConfig()
    op_id = resolve_operation_id(store, operation)
    with (
        gc_paused(),
        record_run(store, op_id, "resolve", asdict(cfg)) as rec,
        store.transaction() as conn,
    ):
        if not conn.execute(
            text("SELECT 1 FROM account WHERE operation_id = :op LIMIT 1"), {"op": op_id}
        ).first():
            raise PipelineError("the operation has no accounts: ingest a delivery first")
        with progress.task("resolve: link accounts", total=3) as task:
            links = _links(conn, op_id, settings, cfg, rec)
            task.advance()
            with rec.timed("store-links"):
                _store_links(conn, op_id, links)
            task.advance()
            with rec.timed("subjects"):
                rebuilt = rebuild_subjects(conn, op_id)
            task.advance()
        with progress.task("resolve: sharing network") as task, rec.timed("network"):
            net = rebuild_network(conn, op_id)
            task.advance()
        for label in rebuilt.changes.retained_with_records:
            rec.warn("subject-retired", "subject changed but has packages/outcomes", label)
        result = _result(rec, links, rebuilt, net.edges, net.communities)
        rec.counts.update({k: v for k, v in asdict(result).items() if k != "run_id"})
        rec.counts.update(
            kept_subjects=rebuilt.changes.kept, first_uploads_from=net.first_uploads_from
        )
    return result


def _result(
    rec: RunRecorder,
    links: list[Link],
    rebuilt: Rebuilt,
    edges: int,
    communities: int,
) -> ResolveResult:
    weak_pairs_ok = {link.key() for link in links if link.strength == "weak" and link.accepted}
    weak_pairs_no = {link.key() for link in links if link.strength == "weak" and not link.accepted}
    return ResolveResult(
        run_id=rec.run_id,
        accounts=rebuilt.accounts,
        subjects=rebuilt.subjects,
        strong_links=sum(1 for link in links if link.strength == "strong"),
        weak_links_accepted=len(weak_pairs_ok),
        weak_links_rejected=len(weak_pairs_no),
        junk_identifiers=int(rec.counts.get("junk_identifiers", 0)),
        network_edges=edges,
        communities=communities,
    )
