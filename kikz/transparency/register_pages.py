"""AI register pages: the public list and detail pages, the JSON export, and the editors' forms.

Public: ``/ki-register`` (published entries, filters by city, status, category and theme), ``/ki-register/<slug>``,
``/ki-register.json`` and ``/ki-register/<slug>.json`` (Algoritmeregister standard 1.0.0). Editors (the city's
data stewards and administration): ``/verwaltung/ki-register`` and the forms below it. A refused change
re-renders the form after rolling the transaction back, because a rendered page would otherwise commit.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from kikz.errors import KikzError
from kikz.tenancy.models import Municipality
from kikz.tenancy.permissions import PermissionDenied, Principal
from kikz.transparency import register_service as register
from kikz.transparency.register_export import to_standard
from kikz.transparency.register_models import (
    CATEGORIES,
    LIFECYCLES,
    THEMES,
    AlgorithmEntry,
    Lifecycle,
    PublicationCategory,
)
from kikz.transparency.register_schemas import FIELD_LABELS, EntryInput, field_errors
from kikz.web.deps import PrincipalDep, SessionDep, SettingsDep
from kikz.web.forms import FormErrors, login_redirect, text, texts
from kikz.web.templating import language, render

router = APIRouter(include_in_schema=False)

TEXT_FIELDS = (
    "municipality",
    "name",
    "description_short",
    "organisation",
    "lifecycle",
    "begin_date",
    "end_date",
    "contact",
    "website",
    "publication_category",
    "ai_notice",
    "goal",
    "proportionality",
    "human_intervention",
    "risks",
    "lawful_basis",
    "process_index_url",
    "impact_assessment_notes",
    "source_data",
    "dataset",
    "methods_and_models",
    "provider",
    "source_code_url",
    "tags",
    "protection_class",
)
LINK_FIELDS = ("lawful_basis_links", "impact_assessments", "source_data_links")
DONE = {
    "angelegt": ("Der Eintrag wurde als Entwurf angelegt.", "The entry was created as a draft."),
    "gespeichert": ("Die Änderungen wurden gespeichert.", "The changes were saved."),
    "veroeffentlicht": ("Der Eintrag ist jetzt veröffentlicht.", "The entry is now published."),
    "zurueckgezogen": ("Der Eintrag wurde zurückgezogen.", "The entry was withdrawn."),
    "geloescht": ("Der Entwurf wurde gelöscht.", "The draft was deleted."),
}


async def submitted_form(request: Request) -> FormData:
    return await request.form()


FormDep = Annotated[FormData, Depends(submitted_form)]


def _pick(lang: str, triple: tuple[str, str, str]) -> str:
    return triple[1] if lang == "en" else triple[0]


def _vocabularies(lang: str) -> dict[str, Any]:
    return {
        "lifecycles": [(k.value, _pick(lang, v)) for k, v in LIFECYCLES.items()],
        "categories": [(k.value, _pick(lang, v)) for k, v in CATEGORIES.items()],
        "themes": [(k, _pick(lang, v)) for k, v in THEMES.items()],
        "lifecycle_label": {k.value: _pick(lang, v) for k, v in LIFECYCLES.items()},
        "category_label": {k.value: _pick(lang, v) for k, v in CATEGORIES.items()},
        "theme_label": {k: _pick(lang, v) for k, v in THEMES.items()},
        "label": lambda name: FIELD_LABELS[name][1 if lang == "en" else 0],
        "field_labels": {name: pair[1 if lang == "en" else 0] for name, pair in FIELD_LABELS.items()},
    }


def _done(request: Request) -> str:
    key = request.query_params.get("erledigt", "")
    return DONE[key][1 if language(request) == "en" else 0] if key in DONE else ""


def _filters(request: Request) -> register.Filters:
    """Filters from the query; unknown values are ignored (a hand-edited URL is no error)."""
    params = request.query_params
    lifecycle = params.get("status", "")
    category = params.get("kategorie", "")
    theme = params.get("thema", "")
    return register.Filters(
        municipality=params.get("kommune", "")[:60],
        lifecycle=Lifecycle(lifecycle) if lifecycle in {v.value for v in Lifecycle} else None,
        category=PublicationCategory(category) if category in {v.value for v in PublicationCategory} else None,
        theme=theme if theme in THEMES else "",
    )


def _register_cities(entries: list[AlgorithmEntry]) -> list[tuple[str, str]]:
    """The cities of the entries shown without filters (so no city is offered that has nothing to show)."""
    return sorted({(e.municipality.slug, e.municipality.name) for e in entries}, key=lambda c: c[1])


# ------------------------------------------------------------------------------------------------ JSON export


@router.get("/ki-register.json")
def export_all(request: Request, session: SessionDep, principal: PrincipalDep, settings: SettingsDep) -> JSONResponse:
    """All published entries the caller may see, each in the shape of the Algoritmeregister standard."""
    entries = register.list_entries(session, principal=principal, filters=_filters(request))
    extended = request.query_params.get("erweitert") in ("1", "ja", "true")
    body = [to_standard(e, base_url=settings.base_url, extended=extended) for e in entries]
    return JSONResponse(body, headers={"access-control-allow-origin": "*"} if principal.is_anonymous else None)


@router.get("/ki-register/{slug}.json")
def export_one(
    request: Request, slug: str, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> JSONResponse:
    entry = register.get_entry(session, principal=principal, slug=slug)
    extended = request.query_params.get("erweitert") in ("1", "ja", "true")
    return JSONResponse(to_standard(entry, base_url=settings.base_url, extended=extended))


# ------------------------------------------------------------------------------------------------ public pages


@router.get("/ki-register", response_class=HTMLResponse)
def list_page(request: Request, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    filters = _filters(request)
    entries = register.list_entries(session, principal=principal, filters=filters)
    lang = language(request)
    return render(
        request,
        "transparency/register_list.html",
        {
            "active": "info",
            "entries": entries,
            "filters": filters,
            "cities": _register_cities(register.list_entries(session, principal=principal)),
            "can_edit": bool(register.editable_cities(session, principal)) if not principal.is_anonymous else False,
            **_vocabularies(lang),
        },
    )


@router.get("/ki-register/{slug}", response_class=HTMLResponse)
def detail_page(request: Request, slug: str, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    entry = register.get_entry(session, principal=principal, slug=slug)
    editable = register.may_edit(principal, entry.municipality_id)
    return render(
        request,
        "transparency/register_detail.html",
        {
            "active": "info",
            "entry": entry,
            "dataset": register.linked_dataset(session, principal=principal, entry=entry),
            "can_edit": editable,
            "blockers": register.blockers(entry) if editable else [],
            "done": _done(request),
            "errors": FormErrors(),
            **_vocabularies(language(request)),
        },
    )


# ------------------------------------------------------------------------------------------------ editors


@router.get("/verwaltung/ki-register", response_class=HTMLResponse)
def editor_overview(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    entries = register.list_entries(session, principal=principal, published_only=False)
    return render(
        request,
        "transparency/register_admin.html",
        {
            "active": "staff",
            "entries": [(e, register.may_edit(principal, e.municipality_id)) for e in entries],
            "cities": register.editable_cities(session, principal),
            "done": _done(request),
            **_vocabularies(language(request)),
        },
    )


def _parse_links(raw: str) -> list[dict[str, str]]:
    """One link per line: ``Titel | https://…`` or just the address (then it is its own title)."""
    items = []
    for line in raw.splitlines():
        line = line.strip()
        if not line:
            continue
        title, sep, link = line.rpartition("|")
        if not sep:
            title, link = line, line
        items.append({"title": title.strip() or link.strip(), "link": link.strip()})
    return items


def _links_text(items: list[dict[str, Any]]) -> str:
    return "\n".join(f"{i.get('title', '')} | {i.get('link', '')}" for i in items)


def _form_values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {name: text(form, name) for name in TEXT_FIELDS}
    values.update({name: text(form, name) for name in LINK_FIELDS})
    values["themes"] = texts(form, "themes")
    values["interacts_with_people"] = form.get("interacts_with_people") == "1"
    return values


def _values_from(entry: AlgorithmEntry, session: Session, principal: Principal) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(entry, name, "") for name in TEXT_FIELDS if hasattr(entry, name)}
    values["municipality"] = entry.municipality.slug
    values["lifecycle"] = entry.lifecycle.value
    values["publication_category"] = entry.publication_category.value
    values["protection_class"] = entry.effective_class.value
    linked = register.linked_dataset(session, principal=principal, entry=entry)
    values["dataset"] = linked.name if linked else ""
    values.update({name: _links_text(getattr(entry, name)) for name in LINK_FIELDS})
    values["themes"] = list(entry.themes)
    values["interacts_with_people"] = entry.interacts_with_people
    return values


def _input(values: dict[str, Any]) -> EntryInput:
    data = {name: values[name] for name in TEXT_FIELDS if values[name] != ""}
    data.update({name: _parse_links(values[name]) for name in LINK_FIELDS})
    data["themes"] = values["themes"]
    data["interacts_with_people"] = values["interacts_with_people"]
    return EntryInput(**data)


def _render_form(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    entry: AlgorithmEntry | None,
    values: dict[str, Any],
    errors: FormErrors,
    status_code: int = 200,
) -> Response:
    cities = register.editable_cities(session, principal)
    if not cities:
        raise PermissionDenied(
            "Einträge im KI-Register legen nur Data Stewards und die Administration einer Kommune an. "
            "/ Only the data stewards and the administration of a municipality create AI register entries."
        )
    errors.sort(tuple(FIELD_LABELS))
    return render(
        request,
        "transparency/register_form.html",
        {
            "active": "staff",
            "entry": entry,
            "values": values,
            "errors": errors,
            "city_options": [(c.slug, c.name) for c in cities],
            **_vocabularies(language(request)),
        },
        status_code=status_code,
    )


def _collect(exc: KikzError | PermissionDenied | ValidationError, errors: FormErrors) -> int:
    if isinstance(exc, ValidationError):
        for name, message in field_errors(exc):
            errors.add(name, message)
        return 422
    errors.add(getattr(exc, "field", None), exc.message)
    return exc.status_code if isinstance(exc, KikzError) else 403


@router.get("/verwaltung/ki-register/neu", response_class=HTMLResponse)
def new_form(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    city = request.query_params.get("kommune", "")
    org = session.scalar(select(Municipality.official_name).where(Municipality.slug == city)) or ""
    values: dict[str, Any] = {name: "" for name in (*TEXT_FIELDS, *LINK_FIELDS)}
    values.update(
        municipality=city,
        organisation=org,
        themes=[],
        interacts_with_people=False,
        lifecycle=Lifecycle.IN_DEVELOPMENT.value,
        publication_category=PublicationCategory.OTHER.value,
        protection_class="oeffentlich",
    )
    return _render_form(request, session, principal, entry=None, values=values, errors=FormErrors())


@router.post("/verwaltung/ki-register/neu", response_class=HTMLResponse)
def create(request: Request, session: SessionDep, principal: PrincipalDep, form: FormDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    values = _form_values(form)
    errors = FormErrors()
    try:
        entry = register.create_entry(session, principal=principal, data=_input(values))
    except (KikzError, PermissionDenied, ValidationError) as exc:
        session.rollback()
        status = _collect(exc, errors)
        return _render_form(request, session, principal, entry=None, values=values, errors=errors, status_code=status)
    return RedirectResponse(f"/ki-register/{entry.slug}?erledigt=angelegt", 303)


def _editable(session: Session, principal: Principal, slug: str) -> AlgorithmEntry:
    entry = register.get_entry(session, principal=principal, slug=slug)
    if not register.may_edit(principal, entry.municipality_id):
        raise PermissionDenied("Diesen Eintrag dürfen Sie nicht bearbeiten. / You may not edit this entry.")
    return entry


@router.get("/verwaltung/ki-register/{slug}/bearbeiten", response_class=HTMLResponse)
def edit_form(request: Request, slug: str, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    entry = _editable(session, principal, slug)
    values = _values_from(entry, session, principal)
    return _render_form(request, session, principal, entry=entry, values=values, errors=FormErrors())


@router.post("/verwaltung/ki-register/{slug}/bearbeiten", response_class=HTMLResponse)
def update(request: Request, slug: str, session: SessionDep, principal: PrincipalDep, form: FormDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    entry = _editable(session, principal, slug)
    values = _form_values(form)
    errors = FormErrors()
    try:
        register.update_entry(session, principal=principal, entry=entry, data=_input(values))
    except (KikzError, PermissionDenied, ValidationError) as exc:
        session.rollback()
        status = _collect(exc, errors)
        entry = _editable(session, principal, slug)
        return _render_form(request, session, principal, entry=entry, values=values, errors=errors, status_code=status)
    return RedirectResponse(f"/ki-register/{entry.slug}?erledigt=gespeichert", 303)


def _detail_with_error(
    request: Request, session: Session, principal: Principal, slug: str, exc: KikzError | PermissionDenied
) -> Response:
    session.rollback()
    errors = FormErrors()
    status = _collect(exc, errors)
    entry = register.get_entry(session, principal=principal, slug=slug)
    editable = register.may_edit(principal, entry.municipality_id)
    return render(
        request,
        "transparency/register_detail.html",
        {
            "active": "info",
            "entry": entry,
            "dataset": register.linked_dataset(session, principal=principal, entry=entry),
            "can_edit": editable,
            "blockers": register.blockers(entry) if editable else [],
            "done": "",
            "errors": errors,
            **_vocabularies(language(request)),
        },
        status_code=status,
    )


@router.post("/verwaltung/ki-register/{slug}/veroeffentlichen", response_class=HTMLResponse)
def publish(request: Request, slug: str, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    entry = _editable(session, principal, slug)
    try:
        register.publish_entry(session, principal=principal, entry=entry)
    except (KikzError, PermissionDenied) as exc:
        return _detail_with_error(request, session, principal, slug, exc)
    return RedirectResponse(f"/ki-register/{slug}?erledigt=veroeffentlicht", 303)


@router.post("/verwaltung/ki-register/{slug}/zurueckziehen", response_class=HTMLResponse)
def withdraw(request: Request, slug: str, session: SessionDep, principal: PrincipalDep, form: FormDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    entry = _editable(session, principal, slug)
    try:
        register.withdraw_entry(session, principal=principal, entry=entry, reason=text(form, "reason"))
    except (KikzError, PermissionDenied) as exc:
        return _detail_with_error(request, session, principal, slug, exc)
    return RedirectResponse(f"/ki-register/{slug}?erledigt=zurueckgezogen", 303)


@router.post("/verwaltung/ki-register/{slug}/loeschen", response_class=HTMLResponse)
def delete(request: Request, slug: str, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    entry = _editable(session, principal, slug)
    try:
        register.delete_entry(session, principal=principal, entry=entry)
    except (KikzError, PermissionDenied) as exc:
        return _detail_with_error(request, session, principal, slug, exc)
    return RedirectResponse("/verwaltung/ki-register?erledigt=geloescht", 303)
