"""Start page and the information pages a German public website needs (imprint, privacy, accessibility)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse

from kikz.catalog import search
from kikz.catalog import service as catalog
from kikz.catalog.vocabularies import EU_THEMES
from kikz.tenancy.models import Municipality
from kikz.types import MunicipalityKind
from kikz.web.deps import PrincipalDep, SessionDep, SettingsDep
from kikz.web.templating import language, render

router = APIRouter(include_in_schema=False)

NEWEST = 6


def network_cities(session: Session) -> list[Municipality]:
    """Member cities first, then partners (guests are not part of the public presentation)."""
    rows = session.scalars(
        select(Municipality).where(Municipality.kind.in_([MunicipalityKind.MEMBER, MunicipalityKind.PARTNER]))
    )
    return sorted(rows, key=lambda m: (m.kind != MunicipalityKind.MEMBER, m.name))


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    lang = language(request)
    # counts come from the same permission-filtered search, so nobody learns about datasets they may not see
    result = search.search_datasets(session, principal=principal, query="", filters=None, limit=1)
    city_counts = dict(result.facets.get("city", []))
    themes = [
        (code, EU_THEMES[code][1 if lang == "en" else 0] if code in EU_THEMES else code, count)
        for code, count in result.facets.get("theme", [])
    ]
    newest, _ = catalog.list_datasets(session, principal=principal, limit=NEWEST)
    cities = [(city, city_counts.get(city.slug, 0)) for city in network_cities(session)]
    return render(
        request,
        "home.html",
        {"active": "home", "total": result.total, "cities": cities, "themes": themes, "newest": newest},
    )


@router.get("/impressum", response_class=HTMLResponse)
def imprint(request: Request, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    return render(request, "info/impressum.html", {"cities": network_cities(session)})


@router.get("/datenschutz", response_class=HTMLResponse)
def privacy(request: Request, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    return render(request, "info/datenschutz.html", {"cities": network_cities(session)})


@router.get("/barrierefreiheit", response_class=HTMLResponse)
def accessibility(request: Request, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    cities = network_cities(session)
    contact = next((c.email for c in cities if c.email), "")
    return render(request, "info/barrierefreiheit.html", {"cities": cities, "contact": contact})


@router.get("/leichte-sprache", response_class=HTMLResponse)
def easy_language(request: Request, principal: PrincipalDep) -> HTMLResponse:
    return render(request, "info/leichte_sprache.html", {})


@router.get("/schnittstellen", response_class=HTMLResponse)
def interfaces(request: Request, principal: PrincipalDep, settings: SettingsDep) -> HTMLResponse:
    return render(request, "info/schnittstellen.html", {"base_url": settings.base_url.rstrip("/")})
