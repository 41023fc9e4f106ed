"""Citizen information under ``/informationen``: in plain language and in Leichte Sprache, German and English.

Topics: what data the cities collect and how they are classified and protected, what the traffic counters
measure (and that they identify nobody), how the AI assistant works and where its limits are. Every topic has
a plain page and a Leichte-Sprache page (``…/leichte-sprache``); ``?lang=en`` gives the English version of
both. The texts live in the templates ``transparency/info_*.html``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse

from kikz.tenancy.permissions import Principal
from kikz.transparency import register_service as register
from kikz.transparency.register_models import AlgorithmEntry
from kikz.web.deps import PrincipalDep, SessionDep, SettingsDep
from kikz.web.templating import render

router = APIRouter(include_in_schema=False)

BASE = "/informationen"
TOPICS = ("daten", "verkehrszaehlung", "ki-assistent")
EASY = "leichte-sprache"


def _urls(topic: str) -> dict[str, str]:
    plain = f"{BASE}/{topic}" if topic else BASE
    return {"plain_url": plain, "easy_url": f"{plain}/{EASY}"}


def _page(
    request: Request, template: str, *, topic: str, easy: bool, extra: dict[str, Any] | None = None
) -> HTMLResponse:
    context: dict[str, Any] = {"active": "info", "topic": topic, "easy": easy, "topics": TOPICS, **_urls(topic)}
    context.update(extra or {})
    return render(request, f"transparency/{template}{'_leicht' if easy else ''}.html", context)


def _ai_systems(session: Session, principal: Principal) -> list[AlgorithmEntry]:
    """Published register entries of systems people use directly (the assistant among them)."""
    return [e for e in register.list_entries(session, principal=principal) if e.interacts_with_people]


@router.get(BASE, response_class=HTMLResponse)
def index(request: Request, principal: PrincipalDep) -> HTMLResponse:
    return _page(request, "info_index", topic="", easy=False)


@router.get(f"{BASE}/{EASY}", response_class=HTMLResponse)
def index_easy(request: Request, principal: PrincipalDep) -> HTMLResponse:
    return _page(request, "info_index", topic="", easy=True)


@router.get(f"{BASE}/daten", response_class=HTMLResponse)
def data(request: Request, principal: PrincipalDep) -> HTMLResponse:
    return _page(request, "info_daten", topic="daten", easy=False)


@router.get(f"{BASE}/daten/{EASY}", response_class=HTMLResponse)
def data_easy(request: Request, principal: PrincipalDep) -> HTMLResponse:
    return _page(request, "info_daten", topic="daten", easy=True)


@router.get(f"{BASE}/verkehrszaehlung", response_class=HTMLResponse)
def counters(request: Request, principal: PrincipalDep, settings: SettingsDep) -> HTMLResponse:
    extra = {"suppression": settings.sensor_suppression_threshold}
    return _page(request, "info_verkehr", topic="verkehrszaehlung", easy=False, extra=extra)


@router.get(f"{BASE}/verkehrszaehlung/{EASY}", response_class=HTMLResponse)
def counters_easy(request: Request, principal: PrincipalDep, settings: SettingsDep) -> HTMLResponse:
    extra = {"suppression": settings.sensor_suppression_threshold}
    return _page(request, "info_verkehr", topic="verkehrszaehlung", easy=True, extra=extra)


@router.get(f"{BASE}/ki-assistent", response_class=HTMLResponse)
def assistant(request: Request, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    extra = {"ai_systems": _ai_systems(session, principal)}
    return _page(request, "info_assistent", topic="ki-assistent", easy=False, extra=extra)


@router.get(f"{BASE}/ki-assistent/{EASY}", response_class=HTMLResponse)
def assistant_easy(request: Request, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    extra = {"ai_systems": _ai_systems(session, principal)}
    return _page(request, "info_assistent", topic="ki-assistent", easy=True, extra=extra)
