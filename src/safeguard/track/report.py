"""The operation report: an HTML page and a PDF with charts, marked on every page.

Charts are drawn by matplotlib's Agg backend (no display, no network) and embedded: the HTML
carries them as data URIs, so the page is one self-contained file.
"""

from __future__ import annotations

import base64
import html
import io
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from safeguard.package.files import write_atomic
from safeguard.records import RECIPIENT_KINDS
from safeguard.refdata import uk
from safeguard.store.db import Store
from safeguard.store.models import IntelPackage, Outcome
from safeguard.track.stats import OperationSummary, summarise

__all__ = ["FORCE_COLUMNS", "MARKING", "ReportData", "ReportFiles", "collect", "write_report"]

MARKING = "OFFICIAL-SENSITIVE"
FORCE_COLUMNS = (
    "packages",
    "disseminated",
    "acknowledged",
    "arrest",
    "charged",
    "convicted",
    "children_safeguarded",
)
_SENT = {"sent", "received", "acknowledged", "actioned"}


@dataclass(frozen=True)
class ReportData:
    summary: OperationSummary
    by_month: dict[str, dict[str, int]]  # YYYY-MM -> kind -> count
    by_force: dict[str, dict[str, int]]  # force id -> column -> count
    by_tier: dict[str, dict[str, int]]  # tier -> kind -> count


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    pdf: Path


def collect(store: Store, operation: str) -> ReportData:
    summary = summarise(store, operation)
    op_id = store.operation_id(operation)
    by_month: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_force: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FORCE_COLUMNS, 0))
    by_tier: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with store.session() as s:
        for p in s.scalars(select(IntelPackage).where(IntelPackage.operation_id == op_id)):
            row = by_force[p.force_id]
            row["packages"] += 1
            row["disseminated"] += p.status in _SENT
            row["acknowledged"] += p.acknowledged_at is not None
        q = (
            select(
                Outcome.kind,
                Outcome.count,
                Outcome.occurred_on,
                IntelPackage.force_id,
                IntelPackage.tier,
            )
            .join(IntelPackage, IntelPackage.id == Outcome.package_id)
            .where(Outcome.operation_id == op_id)
        )
        for kind, count, day, force_id, tier in s.execute(q):
            by_month[day[:7]][kind] += count
            by_tier[tier][kind] += count
            if kind in by_force[force_id]:
                by_force[force_id][kind] += count
    return ReportData(
        summary,
        {m: dict(v) for m, v in sorted(by_month.items())},
        dict(sorted(by_force.items(), key=lambda kv: (-kv[1]["packages"], kv[0]))),
        {t: dict(v) for t, v in sorted(by_tier.items())},
    )


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def charts(data: ReportData) -> dict[str, bytes]:
    """Title -> PNG of each chart: outcomes over time, by force, by tier."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    kinds = sorted({k for v in data.by_month.values() for k in v})
    out: dict[str, bytes] = {}
    fig = Figure(figsize=(7.5, 3.2))
    ax = fig.subplots()
    months = list(data.by_month)
    bottom = [0] * len(months)
    for kind in kinds:
        heights = [data.by_month[m].get(kind, 0) for m in months]
        ax.bar(months, heights, bottom=bottom, label=kind)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    ax.set_title("Outcomes by month (stacked by kind)")
    ax.set_ylabel("count")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if kinds:
        ax.legend(fontsize=7, ncols=2)
    ax.tick_params(axis="x", labelsize=7, rotation=45)
    out["Outcomes over time"] = _png(fig)
    names = uk.forces()
    top = list(data.by_force.items())[:15]
    fig = Figure(figsize=(7.5, 3.6))
    ax = fig.subplots()
    labels = [names[f].name if f in names else f for f, _ in top]
    for i, col in enumerate(("packages", "disseminated", "arrest")):
        ax.barh(
            [y + i * 0.27 for y in range(len(top))],
            [r[col] for _, r in top],
            height=0.27,
            label=col,
        )
    ax.set_yticks([y + 0.27 for y in range(len(top))], labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_title("Packages, disseminated and arrests by force (top 15)")
    ax.legend(fontsize=7)
    out["By force"] = _png(fig)
    fig = Figure(figsize=(7.5, 3.0))
    ax = fig.subplots()
    tiers = sorted({*data.summary.packages_by_tier, *data.by_tier})
    ax.bar(
        [f"tier {t}\npackages" for t in tiers],
        [data.summary.packages_by_tier.get(t, 0) for t in tiers],
        color="#777",
    )
    ax.bar(
        [f"tier {t}\narrests" for t in tiers],
        [data.by_tier.get(t, {}).get("arrest", 0) for t in tiers],
        color="#c33",
    )
    ax.set_title("Packages and arrests by tier")
    ax.tick_params(axis="x", labelsize=7)
    out["By tier"] = _png(fig)
    return out


def figures(s: OperationSummary) -> list[tuple[str, str]]:
    def spread(v: dict[str, Any], unit: str) -> str:
        return (
            f"median {v['median']} {unit}, p90 {v['p90']} {unit} (n={v['n']})"
            if v.get("n")
            else "none yet"
        )

    return [
        ("accounts received", f"{s.accounts:,}"),
        ("UK-attributed accounts", f"{s.uk_accounts:,}"),
        ("subjects", f"{s.subjects:,}"),
        ("packages", f"{sum(s.packages_by_force.values()):,}"),
        *(
            (f"packages for {RECIPIENT_KINDS.get(k, k)}", f"{n:,}")
            for k, n in s.packages_by_recipient.items()
        ),
        ("disseminated", f"{s.disseminated:,}"),
        ("acknowledged", f"{s.acknowledged:,}"),
        ("arrests", f"{s.arrests:,}"),
        ("charged", f"{s.charged:,}"),
        ("convicted", f"{s.convicted:,}"),
        ("children safeguarded", f"{s.children_safeguarded:,}"),
        ("children at serious risk", f"{s.children_at_serious_risk:,}"),
        ("properties searched", f"{s.properties_searched:,}"),
        ("devices examined", f"{s.devices_examined:,}"),
        ("arrested: in positions of trust", f"{s.arrested_in_positions_of_trust:,}"),
        ("arrested: registered sex offenders", f"{s.arrested_registered_sex_offenders:,}"),
        ("receipt to dissemination", spread(s.receipt_to_dissemination_hours, "hours")),
        ("receipt to arrest", spread(s.receipt_to_arrest_days, "days")),
    ]


def force_rows(data: ReportData) -> list[list[str]]:
    names = uk.forces()
    return [
        [names[f].name if f in names else f, *(f"{row[c]:,}" for c in FORCE_COLUMNS)]
        for f, row in data.by_force.items()
    ]


def _html(data: ReportData, images: dict[str, bytes]) -> str:
    e = html.escape
    head = "".join(f"<th>{e(c.replace('_', ' '))}</th>" for c in ("force", *FORCE_COLUMNS))
    body = "".join(
        "<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in force_rows(data)
    )
    figs = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in figures(data.summary))
    imgs = "".join(
        f'<figure><img alt="{e(t)}" src="data:image/png;base64,'
        f'{base64.b64encode(png).decode()}"><figcaption>{e(t)}</figcaption></figure>'
        for t, png in images.items()
    )
    title = f"Operation {data.summary.operation}: outcomes report"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{e(MARKING)} {e(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 3.5em 2em; }}
.marking {{ position: fixed; left: 0; right: 0; text-align: center; font-weight: bold;
  background: #fff; padding: .3em; }}
.top {{ top: 0; }} .bottom {{ bottom: 0; }}
table {{ border-collapse: collapse; font-size: .85em; }} td, th {{ border: 1px solid #aaa;
  padding: .2em .5em; text-align: left; }}
img {{ max-width: 100%; }}
</style></head><body>
<div class="marking top">{e(MARKING)}</div>
<h1>{e(title)}</h1>
<h2>Figures</h2><table>{figs}</table>
<h2>Charts</h2>{imgs}
<h2>By force</h2><table><tr>{head}</tr>{body}</table>
<div class="marking bottom">{e(MARKING)}</div>
</body></html>
"""


def write_report(store: Store, operation: str, out_dir: Path) -> ReportFiles:
    """Write ``<operation>-report.html`` and ``.pdf`` into ``out_dir``."""
    from safeguard.track.report_pdf import render_report_pdf

    data = collect(store, operation)
    images = charts(data)
    files = ReportFiles(out_dir / f"{operation}-report.html", out_dir / f"{operation}-report.pdf")
    write_atomic(files.html, _html(data, images).encode())
    write_atomic(files.pdf, render_report_pdf(data, images))
    return files
