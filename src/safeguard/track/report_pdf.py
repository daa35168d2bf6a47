"""The operation report as a PDF (ReportLab), the marking on every page header and footer."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import (
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
)
from reportlab.platypus.flowables import Flowable

from safeguard.package.pdf import STYLES, grid, marked_page
from safeguard.track.report import FORCE_COLUMNS, MARKING, ReportData, figures, force_rows

__all__ = ["render_report_pdf"]


def _image(png: bytes, width: float) -> Image:
    w, h = ImageReader(io.BytesIO(png)).getSize()
    return Image(io.BytesIO(png), width=width, height=width * h / w)


def render_report_pdf(data: ReportData, images: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    title = f"Operation {data.summary.operation}: outcomes report"
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        topMargin=20 * mm,
        bottomMargin=18 * mm,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        title=f"{MARKING} {title}",
        invariant=1,
    )
    story: list[Flowable] = [
        Paragraph(title, STYLES["Title"]),
        Paragraph("Figures", STYLES["Heading2"]),
        grid(["figure", "value"], [list(r) for r in figures(data.summary)], [80, 95]),
        PageBreak(),
    ]
    for name, png in images.items():
        story += [
            KeepTogether([Paragraph(name, STYLES["Heading2"]), _image(png, 175 * mm)]),
            Spacer(1, 4 * mm),
        ]
    story += [
        PageBreak(),
        Paragraph("By force", STYLES["Heading2"]),
        grid(
            ["force", *(c.replace("_", " ") for c in FORCE_COLUMNS)],
            [list(r) for r in force_rows(data)],
            [45, 20, 22, 22, 17, 17, 17, 15],
        ),
    ]
    page = marked_page(MARKING, title)
    doc.build(story, onFirstPage=page, onLaterPages=page)
    return buf.getvalue()
