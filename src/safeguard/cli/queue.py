"""`safeguard subjects list|show|override` (the triage queue) and `safeguard evidence show`."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from safeguard.cli.common import (
    JSON,
    OPERATION,
    console,
    emit_json,
    handle_errors,
    open_store,
    operation_name,
    settings,
)
from safeguard.cli.subjects import subjects_app

__all__ = ["register"]

evidence_app = typer.Typer(
    help="Evidence behind reasons: resolve a reference.", no_args_is_help=True
)

_FLAG = {"yes": True, "no": False}


def _yes_no(value: str | None, name: str) -> bool | None:
    if value is None:
        return None
    if value not in _FLAG:
        raise typer.BadParameter(f"{name}: yes or no, got {value!r}", param_hint=f"--{name}")
    return _FLAG[value]


@subjects_app.command("list")
@handle_errors
def list_command(
    operation: str | None = OPERATION,
    tier: list[str] = typer.Option([], "--tier", help="Tier in force: code or name (repeat)."),
    force: str | None = typer.Option(None, help="Force id (e.g. west-yorkshire)."),
    rocu: str | None = typer.Option(None, help="ROCU name."),
    confidence: str | None = typer.Option(None, help="Attribution confidence: high..none."),
    role: str | None = typer.Option(None, help="Network role (distributor, hub...)."),
    flag: str | None = typer.Option(None, help="Reason flag (category-a, travel...)."),
    trust: str | None = typer.Option(None, "--position-of-trust", help="yes or no."),
    deconfliction: str | None = typer.Option(None, help="Known-subject register hit: yes/no."),
    overridden: str | None = typer.Option(None, help="Has an analyst's override: yes or no."),
    facts_changed: str | None = typer.Option(None, help="Facts changed since override: yes/no."),
    sort: str = typer.Option("priority", help="Order: priority, score or label."),
    limit: int | None = typer.Option(None, min=1, help="Show the first N in that order."),
    as_json: bool = JSON,
) -> None:
    """The triage queue: subjects by priority (tier in force, score, label), with filters."""
    from safeguard.assess.queue import SORTS, QueueFilter, queue
    from safeguard.assess.ruleset import load_ruleset

    if sort not in SORTS:
        raise typer.BadParameter(f"one of {', '.join(SORTS)}", param_hint="--sort")
    ruleset = load_ruleset(settings())
    where = QueueFilter(
        tiers=tuple(ruleset.parse_tier(t).value for t in tier), force=force, rocu=rocu,
        confidence=confidence, role=role, flag=flag,
        position_of_trust=_yes_no(trust, "position-of-trust"),
        deconfliction=_yes_no(deconfliction, "deconfliction"),
        overridden=_yes_no(overridden, "overridden"),
        facts_changed=_yes_no(facts_changed, "facts-changed"),
    )  # fmt: skip
    store = open_store()
    op_id = store.operation_id(operation_name(operation))
    with store.session() as s:
        docs = queue(s, op_id, ruleset, where, limit=limit, sort=sort)
    if as_json:
        emit_json(docs)
        return
    table = Table("#", "subject", "tier", "computed", "score", "A/B/C", "force", "conf.", "why")
    for d in docs:
        tier_text = d["tier_name"] + (" (override)" if d["override_tier"] else "")
        if d["facts_changed"]:
            tier_text += " [facts changed since override]"
        why = "; ".join(r["text"] for r in d["reasons"][:2])
        files = d["files"]
        table.add_row(
            str(d["rank"]), d["label"], tier_text, d["computed_tier_name"], f"{d['score']:g}",
            f"{files['A']}/{files['B']}/{files['C']}",
            d["force_id"] or d["country"] or d["attribution_status"] or "-", d["confidence"],
            why[:70],
        )  # fmt: skip
    console.print(table)


def _print_subject(doc: dict[str, Any]) -> None:
    a = doc["assessment"] or {}
    console.print(f"[bold]{doc['label']}[/]: {a.get('tier_name', 'not assessed')}")
    if a.get("override_tier"):
        console.print(
            f"  override by {a['override_author']} (computed: {a['computed_tier_name']}): "
            f"{a['override_justification']}"
            + ("  [facts changed since override]" if a["facts_changed"] else "")
        )
    console.print(f"  score {a.get('score', 0):g}, ruleset {a.get('ruleset', '-')}")
    for r in a.get("reasons", []):
        console.print(f"  - [{r['code']}] +{r['points']:g} {r['text']}")
        if r["evidence"]:
            console.print(f"      evidence: {', '.join(r['evidence'][:6])}")
    attr = doc["attribution"]
    console.print(
        f"attribution: {attr.get('country')} / {attr.get('force_id')} "
        f"({attr.get('confidence')}), {len(attr.get('evidence') or [])} evidence item(s)"
    )
    for acc in doc["accounts"]:
        ids = ", ".join(f"{i['kind']}={i['value']}" for i in acc["identifiers"][:6])
        console.print(f"account {acc['platform_account_id']} ({acc['username'] or '-'}): {ids}")
        console.print(f"  material {acc['material']}")
    console.print(f"network: {doc['network']}; nearest: {doc['nearest_counterparts']}")
    for c in doc["checks"]:
        console.print(
            f"checks {c['ref']} {c['status']} ({c['score']:.2f}, agreed {', '.join(c['agreed'])}): "
            f"{c['source']} {c['finding']} {c['detail']}"
        )
    for d in a.get("deconfliction", []):
        console.print(f"deconfliction: {d['force_id']} {d['reference']} ({d['status']})")
    for o in doc["overrides"]:
        state = f", cleared by {o['cleared_by']}" if o["cleared_at"] else ""
        console.print(f"override {o['id']}: {o['previous_tier']} → {o['tier']} by {o['author']} "
                      f"at {str(o['at'])[:19]}: {o['justification']}{state}")  # fmt: skip
    for p in doc["packages"]:
        console.print(f"package {p['reference']} → {p['force_id']} ({p['status']})")
    for link in doc["links"]:
        console.print(f"link {link['account_a']} ↔ {link['account_b']}: {link['linker']} "
                      f"{link['strength']} {link['score']:.2f}")  # fmt: skip
    for act in doc["actions"]:
        console.print(f"action {act['id']}: {act['action']} by {act['author']}: "
                      f"{act['justification']}")  # fmt: skip


@subjects_app.command("show")
@handle_errors
def show_command(
    label: str = typer.Argument(..., help="Subject label (S-000123)."),
    operation: str | None = OPERATION,
    as_json: bool = JSON,
) -> None:
    """One subject in full: accounts, attribution, material, network, reasons with evidence,
    checks, deconfliction, overrides, packages, links (platform account ids), actions."""
    from safeguard.assess.explain import explain_subject
    from safeguard.assess.ruleset import load_ruleset

    store = open_store()
    op_id = store.operation_id(operation_name(operation))
    with store.session() as s:
        doc = explain_subject(s, op_id, label, load_ruleset(settings()))
    emit_json(doc) if as_json else _print_subject(doc)


@subjects_app.command("override")
@handle_errors
def override_command(
    label: str = typer.Argument(..., help="Subject label (S-000123)."),
    operation: str | None = OPERATION,
    tier: str | None = typer.Option(None, "--tier", help="New tier: name (high) or code (2)."),
    why: str = typer.Option(..., "--why", help="Justification (required; audited)."),
    clear: bool = typer.Option(False, "--clear", help="End the override in force."),
    as_json: bool = JSON,
) -> None:
    """Set (or --clear) an analyst's tier for a subject; kept across re-assessments."""
    from safeguard.assess import overrides
    from safeguard.assess.ruleset import load_ruleset

    cfg = settings()
    ruleset = load_ruleset(cfg)
    if clear == (tier is not None):
        raise typer.BadParameter("give either --tier or --clear", param_hint="--tier")
    store = open_store(cfg)
    op_id = store.operation_id(operation_name(operation))
    if clear:
        result = overrides.clear(store, op_id, label, justification=why, author=cfg.user)
    else:
        new = ruleset.parse_tier(str(tier))
        result = overrides.override(store, op_id, label, new, justification=why, author=cfg.user)
    doc = {
        "label": result.label, "override_id": result.override_id,
        "audit_event_id": result.audit_event_id, "old_tier": result.old_tier,
        "new_tier": result.new_tier, "computed_tier": result.computed_tier,
    }  # fmt: skip
    if as_json:
        emit_json(doc)
        return
    console.print(
        f"{label}: {ruleset.tier_name(result.old_tier)} → {ruleset.tier_name(result.new_tier)} "
        f"(computed {ruleset.tier_name(result.computed_tier)}; audit event {result.audit_event_id})"
    )


@evidence_app.command("show")
@handle_errors
def evidence_command(
    ref: str = typer.Argument(..., help="Evidence reference (message:ID, check:N, account:ID...)."),
    operation: str | None = OPERATION,
    as_json: bool = JSON,
) -> None:
    """Resolve an evidence reference of a reason to the record it names."""
    from safeguard.assess.evidence import resolve_ref

    store = open_store()
    op_id = store.operation_id(operation_name(operation))
    with store.session() as s:
        doc = resolve_ref(s, op_id, ref)
    if as_json:
        emit_json(doc)
        return
    for key, value in doc.items():
        console.print(f"{key}: {value}", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(evidence_app, name="evidence")
