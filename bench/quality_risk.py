"""Benchmark: how well assessment ranks, and how well checks returns find their people.

For several seeds a synthetic operation goes through the whole pipeline, then enrich and
assess run again, and the result is compared with ``ground_truth.json`` and
``checks_truth.json`` (evaluation only; the pipeline never reads them):

- checks matching: share of people with a checks finding whose every finding attached to a
  subject holding one of their accounts (target >= 0.98), share of attached findings on the
  wrong subject (<= 0.005), possible matches left to verify; the same with exact
  name + date of birth joining (the anchor: the implementation before name-aware matching);
- ranking: a person is at risk with latent contact offending or new production; a signal
  is what the data carries about it (a checks finding of sexual offending, registration or a
  position of trust or work with children; new production; two or more messages with
  contact-abuse or access phrases). Share of at-risk people with a signal in the top two
  tiers (>= 0.90), of the others (<= 0.15), precision of the first 100 in the queue (>= 0.9),
  precision and recall per tier, and the ceiling: at-risk people with no signal at all.

Seeds 1-2 are the tuning seeds; 11-13 are held out (never used to set a weight).

    .venv/bin/python bench/quality_risk.py --scale small
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import text

from safeguard import assess
from safeguard.assess.enrichment import load_checks
from safeguard.assess.lexicon import load_lexicon
from safeguard.config import Settings
from safeguard.pipeline import run_pipeline, synth_inputs
from safeguard.store.db import Store
from safeguard.synth.generate import generate

OUT = Path(__file__).parent / "out" / "risk"
SCALES = {"small": (5_000, (1, 2), (11, 12, 13)), "full": (30_000, (1, 2), (11, 12, 13))}
SIGNAL_FINDINGS = {
    "position_of_trust", "works_with_children", "volunteers_with_children",
    "applied_to_work_with_children", "prior_sexual_offence", "registered_sex_offender",
}  # fmt: skip
HOT = ("contact_abuse", "access_to_children")


def prepare(n: int, seed: int) -> tuple[Store, Settings, Path]:
    out = OUT / f"{n}_{seed}"
    if not (out / "ground_truth.json").is_file():
        generate(out / "synth", accounts=n, seed=seed, events_per_account=40)
        (out / "ground_truth.json").write_text("done")
    settings = Settings(data_dir=out / "data", database_url=f"sqlite:///{out / 'bench.db'}")
    store = Store.open(settings)
    with store.transaction() as c:
        ran = c.execute(text("SELECT 1 FROM stage_run WHERE stage = 'package' LIMIT 1")).first()
    if ran is None:
        run_pipeline(store, settings, "op", synth_inputs(out / "synth"), user="bench")
    return store, settings, out / "synth"


def _owner(store: Store) -> dict[str, tuple[int, str]]:
    """Platform account id -> (subject id, computed tier)."""
    with store.transaction() as c:
        rows = c.execute(text(
            "SELECT a.platform_account_id, s.subject_id, x.tier FROM subject_account s "
            "JOIN account a ON a.id = s.account_id JOIN assessment x ON x.subject_id = s.subject_id"
        ))  # fmt: skip
        return {str(p): (int(s), str(t)) for p, s, t in rows}


def checks_quality(store: Store, synth: Path, truth: dict[str, Any]) -> dict[str, Any]:
    accounts = {p["person_id"]: set(p["accounts"]) for p in truth["persons"]}
    owner = _owner(store)
    rows = {r["line"]: r for r in json.loads((synth / "checks_truth.json").read_text())}
    with store.transaction() as c:
        got = c.execute(text(
            "SELECT f.line, f.finding, m.subject_id, m.status FROM check_finding f "
            "LEFT JOIN check_match m ON m.check_id = f.id"
        )).all()  # fmt: skip
    members: dict[int, set[str]] = defaultdict(set)
    for pid, (sid, _) in owner.items():
        members[sid].add(pid)
    attached: dict[int, list[tuple[int, str]]] = defaultdict(list)
    findings = {}
    for line, finding, sid, status in got:
        findings[int(line)] = finding
        if sid is not None:
            attached[int(line)].append((int(sid), str(status)))
    return _checks_figures(rows, findings, attached, accounts, members)


def _checks_figures(
    rows: dict[int, dict[str, Any]],
    findings: dict[int, str],
    attached: dict[int, list[tuple[int, str]]],
    accounts: dict[str, set[str]],
    members: dict[int, set[str]],
) -> dict[str, Any]:
    person_ok: dict[str, bool] = {}
    wrong = matched = possible = 0
    by_key: Counter[str] = Counter()
    by_key_ok: Counter[str] = Counter()
    for line, t in rows.items():
        if findings.get(line, "no_trace") == "no_trace" or t["person_id"] is None:
            continue
        mine = accounts[t["person_id"]]
        hits = [(sid, st) for sid, st in attached.get(line, []) if st == "matched"]
        possible += sum(1 for _, st in attached.get(line, []) if st == "possible")
        ok = any(members[sid] & mine for sid, _ in hits)
        wrong += sum(1 for sid, _ in hits if not members[sid] & mine)
        matched += len(hits)
        person_ok[t["person_id"]] = person_ok.get(t["person_id"], True) and ok
        by_key[t["key"]] += 1
        by_key_ok[t["key"]] += ok
    people = len(person_ok)
    return {
        "people_with_findings": people,
        "people_found": sum(person_ok.values()) / max(people, 1),
        "wrong_share": wrong / max(matched, 1),
        "possible": possible,
        "by_key": {k: f"{by_key_ok[k]}/{n}" for k, n in sorted(by_key.items())},
    }


def _hot_messages(synth: Path, person_of: dict[str, str]) -> Counter[str]:
    scanner = load_lexicon(None).scanner()
    hot: dict[str, set[str]] = defaultdict(set)
    with (synth / "delivery" / "messages.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            person = person_of.get(row["sender_account_id"])
            if person and any(cat in HOT for cat, _ in scanner.scan(row["text"])):
                hot[person].add(row["message_id"])
    return Counter({p: len(m) for p, m in hot.items()})


def _signals(synth: Path, truth: dict[str, Any]) -> set[str]:
    person_of = {a: p["person_id"] for p in truth["persons"] for a in p["accounts"]}
    hot = _hot_messages(synth, person_of)
    out = {p for p, n in hot.items() if n >= 2}
    lines = {r["line"]: r for r in json.loads((synth / "checks_truth.json").read_text())}
    with (synth / "checks.csv").open(newline="", encoding="utf-8") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            if row["finding"] in SIGNAL_FINDINGS and lines[line]["person_id"]:
                out.add(lines[line]["person_id"])
    out |= {p["person_id"] for p in truth["persons"] if p["producer"]}
    return out


def ranking_quality(store: Store, synth: Path, truth: dict[str, Any]) -> dict[str, Any]:
    owner = _owner(store)
    signals = _signals(synth, truth)
    at_risk = {p["person_id"] for p in truth["persons"]
               if p["contact_offending"] or p["producer"]}  # fmt: skip
    tier_of = {}
    for p in truth["persons"]:
        tiers = [owner[a][1] for a in p["accounts"] if a in owner]
        if tiers:
            tier_of[p["person_id"]] = min(tiers)
    top2 = {p for p, t in tier_of.items() if t in ("1", "2")}
    flagged = at_risk & signals & tier_of.keys()
    others = tier_of.keys() - at_risk
    return {
        "at_risk": len(at_risk),
        "with_signal_top2": len(flagged & top2) / max(len(flagged), 1),
        "others_top2": len(others & top2) / max(len(others), 1),
        "ceiling_no_signal": len(at_risk - signals) / max(len(at_risk), 1),
        **_subject_figures(store, truth, at_risk),
    }


def _subject_figures(store: Store, truth: dict[str, Any], at_risk: set[str]) -> dict[str, Any]:
    person_of = {a: p["person_id"] for p in truth["persons"] for a in p["accounts"]}
    with store.transaction() as c:
        rows = c.execute(text(
            "SELECT s.label, x.tier, x.score, a.platform_account_id FROM assessment x "
            "JOIN subject s ON s.id = x.subject_id JOIN subject_account sa ON sa.subject_id = s.id "
            "JOIN account a ON a.id = sa.account_id"
        )).all()  # fmt: skip
    subj: dict[str, list[Any]] = {}
    for label, tier, score, pid in rows:
        entry = subj.setdefault(label, [str(tier), float(score), False])
        entry[2] = entry[2] or person_of.get(str(pid)) in at_risk
    queue = sorted(subj.items(), key=lambda kv: (int(kv[1][0]), -kv[1][1], kv[0]))
    per_tier: dict[str, dict[str, float]] = {}
    total_risky = sum(1 for _, v in queue if v[2])
    for tier in ("1", "2", "3", "4"):
        members = [v for _, v in queue if v[0] == tier]
        risky = sum(1 for v in members if v[2])
        per_tier[tier] = {"subjects": len(members), "precision": risky / max(len(members), 1),
                          "recall": risky / max(total_risky, 1)}  # fmt: skip
    first = queue[:100]
    return {"precision_first_100": sum(1 for _, v in first if v[2]) / max(len(first), 1),
            "tiers": per_tier}  # fmt: skip


def travel_quality(store: Store, truth: dict[str, Any], destinations: set[str]) -> dict[str, Any]:
    """Recall and precision of the travel reason against the generator's travellers."""
    person_of = {a: p for p in truth["persons"] for a in p["accounts"]}
    with store.transaction() as c:
        rows = c.execute(text(
            "SELECT x.reasons, a.platform_account_id FROM assessment x "
            "JOIN subject_account sa ON sa.subject_id = x.subject_id "
            "JOIN account a ON a.id = sa.account_id"
        )).all()  # fmt: skip
    flagged: set[str] = set()
    for reasons, pid in rows:
        doc = json.loads(reasons) if isinstance(reasons, str) else reasons
        if any(r.get("code") == "travel-destinations" for r in doc or ()):
            flagged.add(person_of[str(pid)]["person_id"])
    travellers = {p["person_id"] for p in truth["persons"] if p["country"] == "GB"
                  and p.get("travel_to") in destinations}  # fmt: skip
    return {"travellers": len(travellers),
            "recall": len(travellers & flagged) / max(len(travellers), 1),
            "precision": len(travellers & flagged) / max(len(flagged), 1)}  # fmt: skip


def one_seed(n: int, seed: int) -> dict[str, Any]:
    store, settings, synth = prepare(n, seed)
    truth = json.loads((synth / "ground_truth.json").read_text(encoding="utf-8"))
    load_checks(store, store.operation_id("op"), synth / "checks.csv", user="bench")
    t0 = time.perf_counter()
    assess.run(store, settings, "op")
    seconds = time.perf_counter() - t0
    figures = {"seed": seed, "assess_s": round(seconds, 2),
               "checks": checks_quality(store, synth, truth),
               "ranking": ranking_quality(store, synth, truth),
               "travel": travel_quality(store, truth, _destinations(settings))}  # fmt: skip
    store.dispose()
    return figures


def _destinations(settings: Settings) -> set[str]:
    from safeguard.assess.ruleset import load_ruleset

    for factor, params in load_ruleset(settings).factors:
        if factor.name == "travel":
            return set(getattr(params, "destinations", ()))
    return set()


def _print(r: dict[str, Any], role: str) -> None:
    c, k = r["checks"], r["ranking"]
    print(f"seed {r['seed']} ({role}): checks: {c['people_found']:.3f} of "
          f"{c['people_with_findings']} people with findings get them, wrong "
          f"{c['wrong_share']:.4f}, {c['possible']} possible; by key {c['by_key']}")  # fmt: skip
    print(f"  ranking: at-risk with a signal in tiers 1-2 {k['with_signal_top2']:.3f}, others "
          f"{k['others_top2']:.3f}, first-100 precision {k['precision_first_100']:.2f}, "
          f"no-signal ceiling {k['ceiling_no_signal']:.3f}; assess {r['assess_s']}s")  # fmt: skip
    t = r["travel"]
    print(
        f"  travel: {t['travellers']} UK travellers to destinations, recall {t['recall']:.3f}, "
        f"precision {t['precision']:.3f}"
    )
    for tier, f in k["tiers"].items():
        print(f"    tier {tier}: {f['subjects']:>6} subjects, precision {f['precision']:.3f}, "
              f"recall {f['recall']:.3f}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", choices=sorted(SCALES), default="small")
    ap.add_argument("--held-out-only", action="store_true", help="Skip the tuning seeds.")
    args = ap.parse_args()
    n, tuning, held_out = SCALES[args.scale]
    results = [] if args.held_out_only else [(one_seed(n, s), "tuning") for s in tuning]
    results += [(one_seed(n, s), "held out") for s in held_out]
    for r, role in results:
        _print(r, role)
    held = [r for r, role in results if role == "held out"]

    def mean(f: Callable[[dict[str, Any]], float]) -> float:
        return round(sum(f(r) for r in held) / len(held), 4)

    print(json.dumps({
        "bench": "quality_risk", "scale": args.scale, "seeds": [r["seed"] for r in held],
        "checks_people_found": mean(lambda r: r["checks"]["people_found"]),
        "checks_wrong_share": mean(lambda r: r["checks"]["wrong_share"]),
        "with_signal_top2": mean(lambda r: r["ranking"]["with_signal_top2"]),
        "others_top2": mean(lambda r: r["ranking"]["others_top2"]),
        "precision_first_100": mean(lambda r: r["ranking"]["precision_first_100"]),
        "ceiling_no_signal": mean(lambda r: r["ranking"]["ceiling_no_signal"]),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
