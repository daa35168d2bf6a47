"""The package for people: a ReportLab PDF with the marking on every page header and footer."""

from __future__ import annotations

import io
import json
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    LongTable,
    Paragraph,
    Preformatted,
    SimpleDocTemplate,
    Spacer,
    Table,
)
from reportlab.platypus.flowables import Flowable

__all__ = ["STYLES", "grid", "marked_page", "render_pdf", "wrap"]

STYLES = _STYLES = getSampleStyleSheet()
_BODY = _STYLES["BodyText"]
_H = _STYLES["Heading2"]
_FONT, _BOLD, _SIZE, _LEADING = "Helvetica", "Helvetica-Bold", 7, 8.5
_PAD = 3  # points of cell padding each side
_GRID = [
    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
    ("FONTNAME", (0, 0), (-1, 0), _BOLD),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("FONTSIZE", (0, 0), (-1, -1), _SIZE),
    ("LEADING", (0, 0), (-1, -1), _LEADING),
    ("LEFTPADDING", (0, 0), (-1, -1), _PAD),
    ("RIGHTPADDING", (0, 0), (-1, -1), _PAD),
    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
]
_KV = [_GRID[0], *_GRID[2:]]
_KV[1] = ("FONTNAME", (0, 0), (0, -1), _BOLD)  # labels bold, values plain


def marked_page(marking: str, title: str) -> Any:
    """A page callback drawing ``marking`` centred in the header and footer, with page number."""

    def draw(canvas: Any, doc: Any) -> None:
        width, height = A4
        canvas.saveState()
        canvas.setFont("Helvetica-Bold", 10)
        canvas.setFillColor(colors.black)
        canvas.drawCentredString(width / 2, height - 12 * mm, marking)
        canvas.drawCentredString(width / 2, 10 * mm, marking)
        canvas.setFont("Helvetica", 7)
        canvas.drawString(15 * mm, 10 * mm, title)
        canvas.drawRightString(width - 15 * mm, 10 * mm, f"page {doc.page}")
        canvas.restoreState()

    return draw


def _p(text: object, style: ParagraphStyle = _BODY) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def _chop(word: str, width: float, font: str) -> list[str]:
    """A word wider than the cell, broken by characters (hashes, JSON)."""
    out, line = [], ""
    for ch in word:
        if line and stringWidth(line + ch, font, _SIZE) > width:
            out.append(line)
            line = ""
        line += ch
    return [*out, line]


def wrap(value: object, width_mm: float, font: str = _FONT) -> str:
    """``value`` as plain cell text broken into lines that fit ``width_mm`` at 7 points.

    Plain multi-line strings, not Paragraphs: a Table lays them out without parsing markup,
    which is most of what made a package's PDF slow.
    """
    text = "" if value is None else str(value)
    width = width_mm * mm - 2 * _PAD
    if "\n" not in text and stringWidth(text, font, _SIZE) <= width:
        return text
    lines: list[str] = []
    for para in text.split("\n"):
        for line in simpleSplit(para, font, _SIZE, width) or [""]:
            if stringWidth(line, font, _SIZE) > width:
                lines += _chop(line, width, font)
            else:
                lines.append(line)
    return "\n".join(lines)


def _kv(rows: list[tuple[str, object]]) -> Table:
    data = [[wrap(k, 45, _BOLD), wrap(v, 130)] for k, v in rows]
    table = Table(data, colWidths=[45 * mm, 130 * mm])
    table.setStyle(_KV)
    return table


def grid(
    header: list[str], rows: list[list[object]], widths: list[float], *, wrap_cells: bool = True
) -> LongTable:
    """A table with a repeated header row; ``wrap_cells=False`` puts the values in as they
    are (for long tables of short values such as the hash annex)."""
    data: list[list[object]] = [[wrap(h, w, _BOLD) for h, w in zip(header, widths, strict=True)]]
    if wrap_cells:
        data += [[wrap(c, w) for c, w in zip(r, widths, strict=True)] for r in rows]
    else:
        data += [["" if c is None else str(c) for c in r] for r in rows]
    table = LongTable(data, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(_GRID)
    return table


def _grading(doc: dict[str, Any]) -> list[Flowable]:
    g = doc["grading"]
    rows: list[tuple[str, object]] = [
        ("3x5x2 grading", g["code"]),
        ("source evaluation", g["source_evaluation"]),
        ("intelligence assessment", g["intelligence_assessment"]),
        ("handling code", f"{g['handling_code']}: {g['handling_meaning']}"),
        ("handling conditions", "; ".join(g["handling_conditions"]) or "none given"),
        ("handling", doc["handling"]),
    ]
    return [_p("Grading and handling", _H), _kv(rows)]


def _identity(doc: dict[str, Any]) -> list[Flowable]:
    issued = doc.get("issued") or {}
    rec = doc["recipient"]
    rows: list[tuple[str, object]] = [
        ("reference", doc["reference"]),
        ("version", doc["version"]),
        ("supersedes", doc["supersedes"] or "none (first version)"),
        ("recipient", f"{rec['name']} ({rec['id']})"),
        ("issuing officer", issued.get("officer", "not yet approved")),
        ("approved at", issued.get("approved_at", "")),
        ("contact", issued.get("contact", "")),
    ]
    return [_p(f"Intelligence package {doc['reference']}", _STYLES["Title"]), _kv(rows)]


def _subject(doc: dict[str, Any]) -> list[Flowable]:
    accounts = doc["subject"]["accounts"]
    rows = [
        [
            a["platform"],
            a["account_id"],
            a["username"],
            a["declared_country"],
            a["declared_postcode"],
            ", ".join(f"{i['kind']}: {i['value']}" for i in a["identifiers"]),
        ]
        for a in accounts
    ]
    return [
        _p("Summary", _H),
        _p(doc["summary"]),
        _p("Identifiers (platform account ids)", _H),
        grid(
            ["platform", "account id", "username", "country", "postcode", "identifiers"],
            rows,
            [22, 28, 25, 14, 18, 68],
        ),
    ]


def _evidence_row(e: Any) -> list[object]:
    if not isinstance(e, dict):
        return ["", "", "", "", "", json.dumps(e)]
    forces = ", ".join(f"{f['force_id']} {f['share']:.0%}" for f in e.get("forces") or [])
    detail = ", ".join(f"{k}: {v}" for k, v in sorted((e.get("detail") or {}).items()))
    seen = f"{e.get('observations', '')}x {str(e.get('first') or '')[:10]}"
    return [
        e.get("account_id"),
        f"{e.get('family', '')} / {e.get('source', '')}",
        e.get("agreement", ""),
        forces,
        seen,
        detail,
    ]


def _attribution(doc: dict[str, Any]) -> list[Flowable]:
    a = doc["attribution"]
    rows: list[tuple[str, object]] = [
        ("force", f"{a['force_name']} ({a['force_id']})"),
        ("ROCU", a["rocu"]),
        ("confidence", a["confidence"]),
        ("alternatives", json.dumps(a["alternatives"])),
    ]
    ev: list[list[object]] = [_evidence_row(e) for e in a["evidence"] or []][:60]
    out: list[Flowable] = [_p("Attribution", _H), _kv(rows)]
    if ev:
        out += [
            Spacer(1, 2 * mm),
            grid(
                ["account", "family / source", "agreement", "forces", "seen", "detail"],
                ev,
                [20, 28, 18, 30, 22, 57],
            ),
        ]
    return out


def _priority(doc: dict[str, Any]) -> list[Flowable]:
    p = doc["priority"]
    rows: list[list[object]] = [
        [r.get("factor", ""), r.get("text", ""), r.get("points", "")] for r in p["reasons"]
    ]
    act = doc["recommended_action"]
    return [
        _p("Risk tier and reasons", _H),
        _kv([("tier", p["tier"]), ("score", p["score"]), ("ruleset", p["ruleset"])]),
        Spacer(1, 2 * mm),
        grid(["factor", "reason", "points"], rows, [35, 125, 15]),
        _p("Recommended action and timescale", _H),
        _kv(
            [
                ("action", act["action"]),
                ("disseminate within (hours)", act["disseminate_within_hours"]),
                ("acknowledge within (hours)", act["acknowledge_within_hours"]),
            ]
        ),
    ]


def _material(doc: dict[str, Any]) -> list[Flowable]:
    m = doc["material"]
    counts = [(k.replace("_", " "), v) for k, v in m["counts"].items()]
    counts += [
        (f"matched files, category {k}", v) for k, v in m["matched_files_by_category"].items()
    ]
    counts.append(("series", ", ".join(m["series"]) or "none identified"))
    return [_p("Material by category (no imagery; hashes in the annex)", _H), _kv(counts)]


def _checks(doc: dict[str, Any]) -> list[Flowable]:
    checks = [
        [c["source"], c["finding"], c["detail"], c["date"], c["force_id"]] for c in doc["checks"]
    ]
    dec = [
        [d.get("force_id"), d.get("reference"), d.get("status"), d.get("contact")]
        for d in doc["deconfliction"]
    ]
    net = doc["network"] or {}
    return [
        _p("Checks findings", _H),
        grid(["source", "finding", "detail", "date", "force"], checks, [25, 45, 60, 20, 25])
        if checks
        else _p("No police-checks findings."),
        _p("Deconfliction", _H),
        grid(["force", "reference", "status", "contact"], dec, [40, 45, 25, 65])
        if dec
        else _p("No known investigation of this subject."),
        _p("Sharing network", _H),
        _kv(
            [
                ("degree", net.get("degree")),
                ("counterparts", net.get("counterparts")),
                ("roles", ", ".join(map(str, net.get("roles") or []))),
            ]
        ),
    ]


_MONO = ParagraphStyle("annex", fontName="Courier", fontSize=6.5, leading=8)


def _annex(doc: dict[str, Any]) -> list[Flowable]:
    """The hashes as fixed-width lines: one text line a file rather than a table row of
    four cells (the annex is most of a large package's pages; the CSV annex has it all)."""
    hashes = doc["material"]["hashes"]
    if not hashes:
        return [_p("Annex: hashes of matched files", _H), _p("No matched files.")]
    row = "{:<64}  {:<13}  {:<12}  {}".format
    lines = [row("sha256 (or md5)", "category", "series", "method")]
    lines += [
        row(h["sha256"] or h["md5"], h["category"], h["series"] or "", h["method"]) for h in hashes
    ]
    return [_p("Annex: hashes of matched files", _H), Preformatted("\n".join(lines), _MONO)]


def render_pdf(doc: dict[str, Any]) -> bytes:
    """The package document as a PDF (same bytes for the same document)."""
    buf = io.BytesIO()
    marking = doc["classification"]
    template = SimpleDocTemplate(
        buf,
        pagesize=A4,
        topMargin=20 * mm,
        bottomMargin=18 * mm,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        title=f"{marking} {doc['reference']}",
        invariant=1,
    )
    story: list[Flowable] = []
    for part in (
        _identity,
        _grading,
        _subject,
        _priority,
        _attribution,
        _material,
        _checks,
        _annex,
    ):
        story += [*part(doc), Spacer(1, 3 * mm)]
    page = marked_page(marking, doc["reference"])
    template.build(story, onFirstPage=page, onLaterPages=page)
    return buf.getvalue()
