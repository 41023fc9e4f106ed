"""The council report of one counting site and period: facts for the printable HTML page, and the same report as
a PDF drawn in pure Python (fpdf2) with the vendored DejaVu Sans font and the server-rendered SVG charts.

Both show the summary, the completeness statement, the KPI table with every definition, the directions, the
daily-total and hourly-profile charts, the hour × weekday heatmap, and the data source with its licence.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from importlib import resources
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import TableCellFillMode, XPos, YPos
from fpdf.fonts import FontFace

from kikz.sensors import present
from kikz.sensors.charts import PDF_STYLE, Style
from kikz.sensors.kpi import BERLIN
from kikz.sensors.reports import SiteView

FONT_DIR = Path(str(resources.files("kikz.web") / "static" / "vendor" / "dejavu-fonts"))
FONT = "dejavu"
PRIMARY = (11, 79, 138)
MUTED = (74, 79, 85)
HEAD_FILL = (232, 241, 250)


def generated_at() -> dt.datetime:
    return dt.datetime.now(BERLIN).replace(microsecond=0)


def report_facts(view: SiteView, lang: str) -> dict[str, Any]:
    """What the printed report adds to the site page: date of creation and the source and licence statement."""
    return {
        "generated": present.moment_text(generated_at(), lang),
        "source_text": source_text(view, lang),
        "pdf_href": f"/verkehr/zaehlstellen/{view.entry.site.id}/bericht.pdf",
    }


def source_text(view: SiteView, lang: str) -> str:
    source = view.source
    licence = source.license_title or present.t(lang, "traffic.report.no_licence")
    return present.t(
        lang,
        "traffic.report.source_text",
        network=source.network_title,
        publisher=source.publisher,
        licence=licence,
    )


def pdf_filename(view: SiteView) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", view.entry.site.name.lower().translate(_UMLAUTS)).strip("-")[:60]
    return f"zaehlstelle-{view.entry.site.id}-{slug}-{view.period.first:%Y%m%d}-{view.period.last:%Y%m%d}.pdf"


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


class _ReportPdf(FPDF):
    def __init__(self, title: str, page_label: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.report_title = title
        self.page_label = page_label
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(auto=True, margin=18)
        self.alias_nb_pages()

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, self.report_title, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, self.page_label.format(page=self.page_no(), pages="{nb}"), align="R")
        self.set_text_color(0, 0, 0)


def _heading(pdf: FPDF, text: str, size: float = 13, keep: float = 35) -> None:
    """A section heading that is never left alone at the foot of a page: ``keep`` mm must follow it."""
    if pdf.get_y() + size * 0.5 + 5 + keep > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font(FONT, "B", size)
    pdf.set_text_color(*PRIMARY)
    pdf.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(1)


def _paragraph(pdf: FPDF, text: str, size: float = 10, muted: bool = False) -> None:
    pdf.set_font(FONT, size=size)
    if muted:
        pdf.set_text_color(*MUTED)
    pdf.multi_cell(0, size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(1.5)


def _chart_height(pdf: FPDF, svg: str) -> float:
    return (pdf.w - pdf.l_margin - pdf.r_margin) * _svg_height(svg) / 720


def _chart(pdf: FPDF, svg: str) -> None:
    width = pdf.w - pdf.l_margin - pdf.r_margin
    height = _chart_height(pdf, svg)
    if pdf.get_y() + height > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.image(io.BytesIO(svg.encode("utf-8")), x=pdf.l_margin, y=pdf.get_y(), w=width)
    pdf.set_y(pdf.get_y() + height + 3)


def _svg_height(svg: str) -> int:
    found = re.search(r'height="(\d+)"', svg)
    return int(found.group(1)) if found else 300


def render_pdf(view: SiteView, lang: str) -> bytes:
    """The council report as PDF bytes."""
    t = present.t
    site = view.entry.site
    pdf = _ReportPdf(f"{site.name} · {present.period_text(view.period, lang)}", t(lang, "traffic.report.page"))
    pdf.set_title(t(lang, "traffic.report.title", site=site.name))
    pdf.set_author(view.source.publisher)
    pdf.set_subject(t(lang, "traffic.report.kicker"))
    pdf.set_lang(lang)
    pdf.set_creator("kikz")
    pdf.add_page()

    pdf.set_font(FONT, size=9)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 5, t(lang, "traffic.report.kicker"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, "B", 18)
    pdf.multi_cell(0, 8, site.name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _paragraph(
        pdf,
        f"{view.entry.city.name} · {view.entry.network_title} · {t(lang, 'traffic.period')}: "
        f"{present.period_text(view.period, lang)}",
        muted=True,
    )
    _paragraph(pdf, present.summary_text(view, lang), size=11)

    _heading(pdf, t(lang, "traffic.completeness_title"))
    _paragraph(pdf, present.completeness_text(view, lang))

    _kpi_section(pdf, view, lang)
    _directions_section(pdf, view, lang)

    if view.report.daily_totals:
        daily = present.daily_chart(view, lang, style=_pdf_style(lang))
        _heading(pdf, t(lang, "traffic.daily_title"), keep=_chart_height(pdf, daily))
        _chart(pdf, daily)
    if view.report.heatmap:
        profile = present.profile_chart(view, lang, style=_pdf_style(lang))
        _heading(pdf, t(lang, "traffic.profile_title"), keep=_chart_height(pdf, profile))
        _chart(pdf, profile)

    _heatmap_section(pdf, view, lang)
    _definitions_section(pdf, view, lang)

    _heading(pdf, t(lang, "traffic.source_title"))
    _paragraph(pdf, source_text(view, lang))
    if view.source.license_url:
        _paragraph(pdf, f"{t(lang, 'traffic.licence')}: {view.source.license_url}", size=9)
    _paragraph(pdf, t(lang, "traffic.report.method"), size=9)
    _paragraph(pdf, t(lang, "traffic.report.generated", when=present.moment_text(generated_at(), lang)), 8, True)
    return bytes(pdf.output())


def _pdf_style(lang: str) -> Style:
    return Style(font_family=PDF_STYLE.font_family, font_size=PDF_STYLE.font_size, accessible=False, lang=lang)


def _kpi_section(pdf: FPDF, view: SiteView, lang: str) -> None:
    t = present.t
    _heading(pdf, t(lang, "traffic.kpi_title"))
    rows = present.kpi_rows(view, lang)
    if not rows:
        _paragraph(pdf, t(lang, "traffic.kpi_none"))
        return
    pdf.set_font(FONT, size=9)
    headings = FontFace(emphasis="BOLD", fill_color=HEAD_FILL)
    with pdf.table(
        col_widths=(22, 26, 14, 12, 36),
        text_align=("LEFT", "RIGHT", "LEFT", "RIGHT", "LEFT"),
        headings_style=headings,
        line_height=5,
        padding=1.2,
    ) as table:
        table.row(
            [
                t(lang, "traffic.kpi.name"),
                t(lang, "traffic.kpi.value"),
                t(lang, "traffic.kpi.unit"),
                t(lang, "traffic.kpi.days"),
                t(lang, "traffic.kpi.note"),
            ]
        )
        for row in rows:
            table.row([row.name, row.value, row.unit, row.valid_days, row.note])


def _directions_section(pdf: FPDF, view: SiteView, lang: str) -> None:
    rows = present.direction_rows(view, lang)
    if not rows:
        return
    t = present.t
    main = view.report.heatmap_mode
    _heading(pdf, t(lang, "traffic.directions_title", mode=present.mode_label(main, lang) if main else ""))
    pdf.set_font(FONT, size=9)
    with pdf.table(
        col_widths=(40, 25, 20, 15),
        text_align=("LEFT", "RIGHT", "LEFT", "RIGHT"),
        headings_style=FontFace(emphasis="BOLD", fill_color=HEAD_FILL),
        line_height=5,
        padding=1.2,
    ) as table:
        table.row(
            [
                t(lang, "traffic.direction"),
                t(lang, "traffic.kpi.value"),
                t(lang, "traffic.kpi.unit"),
                t(lang, "traffic.kpi.days"),
            ]
        )
        for direction, value, unit, days in rows:
            table.row([direction, value, unit, days])


def _hex(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _heatmap_section(pdf: FPDF, view: SiteView, lang: str) -> None:
    t = present.t
    heat = present.heatmap(view, lang)
    if not heat.legend:
        return
    main = view.report.heatmap_mode
    _heading(pdf, t(lang, "traffic.heatmap_title", mode=present.mode_label(main, lang) if main else ""), keep=60)
    _paragraph(pdf, t(lang, "traffic.heatmap_hint"), size=8.5, muted=True)
    pdf.set_font(FONT, size=5.6)
    with pdf.table(
        col_widths=(14, *([7] * 24)),
        text_align="CENTER",
        headings_style=FontFace(emphasis="BOLD", fill_color=HEAD_FILL),
        line_height=4.2,
        padding=0.3,
        cell_fill_mode=TableCellFillMode.NONE,
    ) as table:
        table.row(["", *[f"{h:02d}" for h in range(24)]])
        for label, cells in heat.rows:
            row = table.row()
            row.cell(label, style=FontFace(emphasis="BOLD"))
            for cell in cells:
                if cell.level is None:
                    row.cell("–")
                    continue
                colour = _hex(present.HEAT_COLOURS[cell.level])
                text = (255, 255, 255) if cell.level >= 4 else (27, 27, 27)
                row.cell(cell.text, style=FontFace(fill_color=colour, color=text))
    pdf.ln(1)


def _definitions_section(pdf: FPDF, view: SiteView, lang: str) -> None:
    rows = present.kpi_rows(view, lang)
    if not rows:
        return
    _heading(pdf, present.t(lang, "traffic.definitions_title"))
    for row in rows:
        pdf.set_font(FONT, "B", 9)
        pdf.multi_cell(0, 4.5, row.name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        _paragraph(pdf, row.definition, size=9)
