"""Traffic pages: the map and list of counting sites, a site's figures, the city comparison, the council report.

Thin routes: parse, call :mod:`kikz.sensors.reports` (which reads through the caller's rights), render with
:mod:`kikz.sensors.present`. Every page works without JavaScript; the map is an enhancement of the site table.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from markupsafe import Markup
from starlette.responses import HTMLResponse

from kikz.sensors import analysis_present, council, present, reports
from kikz.sensors.reports import COMPARED_MODES, SORTS
from kikz.web.deps import PrincipalDep, SessionDep, SettingsDep
from kikz.web.templating import language, render

router = APIRouter(include_in_schema=False)

DateParam = Annotated[str | None, Query(max_length=20)]
CityParam = Annotated[str | None, Query(max_length=60)]
SiteId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/verkehr", response_class=HTMLResponse)
def overview(
    request: Request, session: SessionDep, principal: PrincipalDep, settings: SettingsDep, kommune: CityParam = None
) -> HTMLResponse:
    lang = language(request)
    every = reports.site_entries(session, principal)
    cities = reports.cities_of(every)
    chosen = kommune if kommune in {c.slug for c, _ in cities} else None
    entries = [e for e in every if chosen is None or e.city.slug == chosen]
    extents = reports.extents_by_site(session, principal, [e.site for e in entries])
    return render(
        request,
        "sensors/overview.html",
        {
            "active": "traffic",
            "entries": entries,
            "cities": cities,
            "chosen": chosen,
            "extents": extents,
            "mode_label": lambda mode: present.mode_label(mode, lang),
            "date_text": lambda day: present.date_text(day, lang),
            "tile_url": settings.map_tile_url,
            "tile_attribution": settings.map_tile_attribution,
            "located": [e for e in entries if e.site.lat is not None and e.site.lon is not None],
        },
    )


def site_context(view: reports.SiteView, lang: str, *, prefix: str = "") -> dict[str, Any]:
    """What the site page and the printable report share: figures, tables and charts in ``lang``."""
    daily_head, daily_rows = present.daily_table(view, lang)
    return {
        "view": view,
        "entry": view.entry,
        "period_text": present.period_text(view.period, lang),
        "kpis": present.kpi_rows(view, lang),
        "directions": present.direction_rows(view, lang),
        "heat": present.heatmap(view, lang),
        "daily_svg": Markup(present.daily_chart(view, lang, chart_id=f"{prefix}chart-daily")),  # noqa: S704
        "profile_svg": Markup(present.profile_chart(view, lang, chart_id=f"{prefix}chart-profile")),  # noqa: S704
        "daily_head": daily_head,
        "daily_rows": daily_rows,
        "profiles": [
            (series.label, [present.number(v, 0, lang) for v in series.values])
            for series in present.profile_series(view, lang)
        ],
        "completeness": present.completeness_text(view, lang),
        "summary": present.summary_text(view, lang),
        "mode_label": lambda mode: present.mode_label(mode, lang),
        "date_text": lambda day: present.date_text(day, lang),
        "moment_text": lambda moment: present.moment_text(moment, lang),
        "query": f"von={view.period.first.isoformat()}&bis={view.period.last.isoformat()}",
    }


@router.get("/verkehr/zaehlstellen/{thing_id}", response_class=HTMLResponse)
def site_page(
    request: Request,
    thing_id: SiteId,
    session: SessionDep,
    principal: PrincipalDep,
    von: DateParam = None,
    bis: DateParam = None,
) -> HTMLResponse:
    view = reports.site_view(session, principal, thing_id, von, bis)
    view.incidents = reports.incidents(session, principal, view)
    lang = language(request)
    return render(request, "sensors/site.html", {"active": "traffic", **site_context(view, lang)})


@router.get("/verkehr/zaehlstellen/{thing_id}/bericht", response_class=HTMLResponse)
def council_report(
    request: Request,
    thing_id: SiteId,
    session: SessionDep,
    principal: PrincipalDep,
    von: DateParam = None,
    bis: DateParam = None,
) -> HTMLResponse:
    view = reports.site_view(session, principal, thing_id, von, bis)
    lang = language(request)
    context = {"active": "traffic", **site_context(view, lang), **council.report_facts(view, lang)}
    return render(request, "sensors/council.html", context)


@router.get("/verkehr/zaehlstellen/{thing_id}/bericht.pdf")
def council_report_pdf(
    request: Request,
    thing_id: SiteId,
    session: SessionDep,
    principal: PrincipalDep,
    von: DateParam = None,
    bis: DateParam = None,
) -> Response:
    view = reports.site_view(session, principal, thing_id, von, bis)
    lang = language(request)
    content = council.render_pdf(view, lang)
    filename = council.pdf_filename(view)
    logged_in = not principal.is_anonymous
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "content-disposition": f'inline; filename="{filename}"',
            "cache-control": "private, no-store" if logged_in else "no-cache",
        },
    )


@router.get("/verkehr/zaehlstellen/{thing_id}/vorher-nachher", response_class=HTMLResponse)
def before_after_page(request: Request, thing_id: SiteId, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    """Before/after comparison of a measure (?massnahme=&modus=&kontrolle=&von=&bis=&ausschluss_tage=)."""
    query = dict(request.query_params)
    context, status = analysis_present.before_after_page(session, principal, thing_id, query, language(request))
    return render(request, "sensors/analysis_before_after.html", context, status_code=status)


@router.get("/verkehr/zaehlstellen/{thing_id}/prognose", response_class=HTMLResponse)
def forecast_page(request: Request, thing_id: SiteId, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    """Short-term forecast with prediction interval and backtest (?modus=&tage=&bis=)."""
    query = dict(request.query_params)
    context, status = analysis_present.forecast_page(session, principal, thing_id, query, language(request))
    return render(request, "sensors/analysis_forecast.html", context, status_code=status)


@router.get("/verkehr/zaehlstellen/{thing_id}/luecken", response_class=HTMLResponse)
def gaps_page(request: Request, thing_id: SiteId, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    """Gap filling: filled hours and the uncertainty of the affected day totals (?modus=&von=&bis=)."""
    query = dict(request.query_params)
    context, status = analysis_present.gaps_page(session, principal, thing_id, query, language(request))
    return render(request, "sensors/analysis_gaps.html", context, status_code=status)


@router.get("/verkehr/vergleich", response_class=HTMLResponse)
def comparison_page(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    von: DateParam = None,
    bis: DateParam = None,
    kommune: CityParam = None,
    sortierung: Annotated[str, Query(max_length=10)] = "stadt",
) -> HTMLResponse:
    lang = language(request)
    every = reports.site_entries(session, principal)
    cities = reports.cities_of(every)
    chosen = kommune if kommune in {c.slug for c, _ in cities} else None
    entries = [e for e in every if chosen is None or e.city.slug == chosen]
    period = reports.parse_period(von, bis, reports.network_default_period(session, principal, every))
    sort = sortierung if sortierung in SORTS else "stadt"
    comparison = reports.compare(session, principal, entries, period, sort=sort)
    modes = [m for m in COMPARED_MODES if any(r.mode == m for r in comparison.rows)]
    charts = {
        mode: Markup(present.comparison_chart(comparison, mode, lang))  # noqa: S704
        for mode in modes
    }
    return render(
        request,
        "sensors/comparison.html",
        {
            "active": "traffic",
            "comparison": comparison,
            "modes": modes,
            "charts": charts,
            "cities": cities,
            "chosen": chosen,
            "sort": sort,
            "period": period,
            "period_text": present.period_text(period, lang),
            "number": lambda value, digits=0: present.number(value, digits, lang),
            "mode_label": lambda mode: present.mode_label(mode, lang),
        },
    )
