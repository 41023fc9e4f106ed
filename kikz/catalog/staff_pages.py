"""Staff area: create and edit datasets, upload files, add links.

A failed service call re-renders the form with the message and the entered values; the transaction is rolled
back explicitly first, because the page is rendered (not raised), so the request would otherwise commit.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile
from starlette.responses import HTMLResponse, RedirectResponse, Response

from kikz.catalog import service as catalog
from kikz.catalog.models import Dataset, License
from kikz.catalog.schemas import DatasetCreate, DatasetUpdate
from kikz.catalog.vocabularies import EU_THEMES, FILE_TYPES, FREQUENCIES
from kikz.errors import KikzError
from kikz.tenancy.models import Municipality
from kikz.tenancy.permissions import Action, PermissionDenied, Principal, allowed, writable_cities
from kikz.types import DatasetStatus, ProtectionClass
from kikz.web.deps import PrincipalDep, SessionDep, SettingsDep, StoreDep
from kikz.web.forms import FormErrors, errors_from_validation, login_redirect, text, texts
from kikz.web.templating import language, render

router = APIRouter(include_in_schema=False)

DATASET_FIELDS = (
    "title",
    "description",
    "keywords",
    "themes",
    "license_id",
    "contact_name",
    "contact_email",
    "contact_url",
    "accrual_periodicity",
    "temporal_start",
    "temporal_end",
    "landing_page",
    "legal_basis",
    "shared_in_network",
)
EXTRA_FIELDS = (
    "municipality",
    "name",
    "identifier",
    "protection_class",
    "contains_personal_data",
    "status",
    "change_note",
)
PERSONAL = {"ja": True, "nein": False, "": None}
FIELD_ORDER = (
    "municipality",
    "name",
    "identifier",
    *DATASET_FIELDS,
    "protection_class",
    "contains_personal_data",
    "status",
    "change_note",
)


async def submitted_form(request: Request) -> FormData:
    return await request.form()


FormDep = Annotated[FormData, Depends(submitted_form)]


def _field_for(message: str) -> str | None:
    """Which form field a service message is about, so the error summary can link to it."""
    checks = (
        ("Lizenz", "license_id"),
        ("Kennung", "identifier"),
        ("Namen", "name"),
        ("Kommune", "municipality"),
        ("Zugriffs-URL", "access_url"),
        ("Format", "link_format"),
        ("Datei", "file"),
        ("Limit", "file"),
    )
    return next((name for word, name in checks if word in message), None)


def _service_error(session: Session, errors: FormErrors, exc: KikzError | PermissionDenied) -> int:
    session.rollback()
    errors.add(_field_for(exc.message), exc.message)
    return exc.status_code if isinstance(exc, KikzError) else 403


def _keywords(raw: str) -> list[str]:
    return [kw for kw in re.split(r"[,;\n]", raw) if kw.strip()]


def _dataset_values(form: FormData) -> dict[str, Any]:
    """The form as entered, to show it again after an error."""
    values: dict[str, Any] = {name: text(form, name) for name in DATASET_FIELDS}
    values["themes"] = texts(form, "themes")
    values["shared_in_network"] = form.get("shared_in_network") == "1"
    for extra in EXTRA_FIELDS:
        values[extra] = text(form, extra)
    return values


def _dataset_input(values: dict[str, Any]) -> dict[str, Any]:
    """Form values → keyword arguments for the pydantic schemas (empty fields mean 'not given')."""
    data: dict[str, Any] = {
        "title": values["title"],
        "description": values["description"],
        "keywords": _keywords(values["keywords"]),
        "themes": values["themes"],
        "license_id": values["license_id"] or None,
        "contact_name": values["contact_name"],
        "contact_email": values["contact_email"] or None,
        "contact_url": values["contact_url"],
        "accrual_periodicity": values["accrual_periodicity"],
        "temporal_start": values["temporal_start"] or None,
        "temporal_end": values["temporal_end"] or None,
        "landing_page": values["landing_page"],
        "legal_basis": values["legal_basis"],
        "shared_in_network": values["shared_in_network"],
    }
    return data


def _check_period(values: dict[str, Any], errors: FormErrors) -> None:
    start, end = values["temporal_start"], values["temporal_end"]
    if start and end and end < start:  # ISO dates compare as strings
        errors.add("temporal_end", "Das Ende des Zeitraums liegt vor dem Beginn.")


def _form_options(session: Session, lang: str) -> dict[str, Any]:
    licenses = session.execute(select(License.id, License.title).order_by(License.title)).all()
    return {
        "licenses": [(ident, f"{title} ({ident})") for ident, title in licenses],
        "themes": [(code, names[1 if lang == "en" else 0]) for code, names in EU_THEMES.items()],
        "frequencies": list(FREQUENCIES.items()),
        "classes": [("", "none"), *((c.value, c.value) for c in ProtectionClass)],
        "statuses": [s.value for s in DatasetStatus],
    }


def _values_from(dataset: Dataset) -> dict[str, Any]:
    personal = {True: "ja", False: "nein", None: ""}[dataset.contains_personal_data]
    return {
        "title": dataset.title,
        "description": dataset.description,
        "keywords": ", ".join(dataset.keywords),
        "themes": list(dataset.themes),
        "license_id": dataset.license_id or "",
        "contact_name": dataset.contact_name,
        "contact_email": dataset.contact_email,
        "contact_url": dataset.contact_url,
        "accrual_periodicity": dataset.accrual_periodicity,
        "temporal_start": dataset.temporal_start.isoformat() if dataset.temporal_start else "",
        "temporal_end": dataset.temporal_end.isoformat() if dataset.temporal_end else "",
        "landing_page": dataset.landing_page,
        "legal_basis": dataset.legal_basis,
        "shared_in_network": dataset.shared_in_network,
        "protection_class": dataset.protection_class.value if dataset.protection_class else "",
        "contains_personal_data": personal,
        "status": dataset.status.value,
        "change_note": "",
    }


# ---------------------------------------------------------------------------------------------- overview


def _managed_cities(session: Session, principal: Principal) -> list[Municipality]:
    stmt = select(Municipality).order_by(Municipality.name)
    if not principal.is_superuser:
        stmt = stmt.where(Municipality.id.in_(principal.cities_with()))
    return list(session.scalars(stmt))


@router.get("/verwaltung", response_class=HTMLResponse)
def staff_home(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    sections = []
    for city in _managed_cities(session, principal):
        rows, total = catalog.list_datasets(session, principal=principal, municipality=city.slug, limit=500)
        sections.append(
            {
                "city": city,
                "total": total,
                "rows": [(ds, allowed(principal, Action.EDIT_DATASET, ds)) for ds in rows],
                "can_create": allowed(principal, Action.CREATE_DATASET, city),
            }
        )
    return render(request, "staff/index.html", {"active": "staff", "sections": sections})


# ---------------------------------------------------------------------------------------------- create


def _render_new(
    request: Request,
    session: Session,
    principal: Principal,
    values: dict[str, Any],
    errors: FormErrors,
    status_code: int = 200,
) -> Response:
    cities = writable_cities(principal, session)
    if not cities:
        raise PermissionDenied("Sie dürfen in keiner Kommune Datensätze anlegen.")
    return render(
        request,
        "staff/new.html",
        {
            "active": "staff",
            "values": values,
            "errors": errors,
            "cities": [(c.slug, c.name) for c in cities],
            **_form_options(session, language(request)),
        },
        status_code=status_code,
    )


@router.get("/verwaltung/datensaetze/neu", response_class=HTMLResponse)
def new_form(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    values: dict[str, Any] = {name: "" for name in DATASET_FIELDS}
    values.update({name: "" for name in EXTRA_FIELDS})
    values.update(themes=[], shared_in_network=False, municipality=request.query_params.get("kommune", ""))
    return _render_new(request, session, principal, values, FormErrors())


@router.post("/verwaltung/datensaetze/neu", response_class=HTMLResponse)
def create(request: Request, session: SessionDep, principal: PrincipalDep, form: FormDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    values = _dataset_values(form)
    errors = FormErrors()
    status_code = 422
    _check_period(values, errors)
    data: DatasetCreate | None = None
    try:
        data = DatasetCreate(
            **_dataset_input(values),
            municipality=values["municipality"],
            name=values["name"] or None,
            identifier=values["identifier"] or None,
            protection_class=ProtectionClass(values["protection_class"]) if values["protection_class"] else None,
            contains_personal_data=PERSONAL.get(values["contains_personal_data"]),
        )
    except ValidationError as exc:
        errors.items.extend(errors_from_validation(exc).items)
    except ValueError:
        errors.add("protection_class", "Bitte eine der angebotenen Schutzklassen wählen.")
    if data is not None and not errors:
        try:
            dataset = catalog.create_dataset(session, principal=principal, data=data)
        except (KikzError, PermissionDenied) as exc:
            status_code = _service_error(session, errors, exc)
        else:
            if allowed(principal, Action.EDIT_DATASET, dataset):
                return RedirectResponse(f"/verwaltung/datensaetze/{dataset.name}/bearbeiten?hinweis=angelegt", 303)
            return RedirectResponse(f"/datensaetze/{dataset.name}?hinweis=angelegt", 303)
    errors.sort(FIELD_ORDER)
    return _render_new(request, session, principal, values, errors, status_code)


# ---------------------------------------------------------------------------------------------- edit


def _editable(session: Session, principal: Principal, name: str) -> Dataset:
    dataset = catalog.get_dataset(session, principal=principal, key=name)
    if not allowed(principal, Action.EDIT_DATASET, dataset):
        raise PermissionDenied("Diesen Datensatz dürfen Sie nicht bearbeiten.")
    return dataset


def _render_edit(
    request: Request,
    session: Session,
    principal: Principal,
    name: str,
    *,
    values: dict[str, Any] | None = None,
    errors: FormErrors | None = None,
    upload: dict[str, str] | None = None,
    link: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    dataset = _editable(session, principal, name)
    settings = request.app.state.settings
    return render(
        request,
        "staff/edit.html",
        {
            "active": "staff",
            "dataset": dataset,
            "ds": catalog.to_public(dataset, base_url=settings.base_url),
            "values": values or _values_from(dataset),
            "errors": errors or FormErrors(),
            "upload": upload or {},
            "link": link or {},
            "can_classify": allowed(principal, Action.CLASSIFY_DATASET, dataset),
            "formats": sorted(FILE_TYPES),
            "max_upload": settings.max_upload_bytes,
            **_form_options(session, language(request)),
        },
        status_code=status_code,
    )


@router.get("/verwaltung/datensaetze/{name}/bearbeiten", response_class=HTMLResponse)
def edit_form(request: Request, name: str, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    return _render_edit(request, session, principal, name)


@router.post("/verwaltung/datensaetze/{name}/bearbeiten", response_class=HTMLResponse)
def update(request: Request, name: str, session: SessionDep, principal: PrincipalDep, form: FormDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    dataset = _editable(session, principal, name)
    values = _dataset_values(form)
    errors = FormErrors()
    _check_period(values, errors)
    changes = _dataset_input(values)
    changes["change_note"] = values["change_note"]
    if values["status"]:
        changes["status"] = values["status"]
    # classification is a separate right: only send it when it may and did change
    if allowed(principal, Action.CLASSIFY_DATASET, dataset):
        current = _values_from(dataset)
        if values["protection_class"] != current["protection_class"]:
            changes["protection_class"] = values["protection_class"] or None
        if values["contains_personal_data"] != current["contains_personal_data"]:
            changes["contains_personal_data"] = PERSONAL.get(values["contains_personal_data"])
    status_code = 422
    update_data: DatasetUpdate | None = None
    try:
        update_data = DatasetUpdate(**changes)
    except ValidationError as exc:
        errors.items.extend(errors_from_validation(exc).items)
    if update_data is not None and not errors:
        try:
            catalog.update_dataset(session, principal=principal, dataset=dataset, data=update_data)
        except (KikzError, PermissionDenied) as exc:
            status_code = _service_error(session, errors, exc)
        else:
            return RedirectResponse(f"/verwaltung/datensaetze/{dataset.name}/bearbeiten?hinweis=gespeichert", 303)
    return _render_edit(request, session, principal, name, values=values, errors=errors, status_code=status_code)


@router.post("/verwaltung/datensaetze/{name}/dateien", response_class=HTMLResponse)
def upload_file(
    request: Request,
    name: str,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    store: StoreDep,
    form: FormDep,
) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    dataset = _editable(session, principal, name)
    upload = form.get("file")
    values = {"file_title": text(form, "file_title")}
    errors = FormErrors()
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors.add("file", "Bitte eine Datei auswählen.")
        return _render_edit(request, session, principal, name, errors=errors, upload=values, status_code=422)
    try:
        catalog.add_file_distribution(
            session,
            principal=principal,
            dataset=dataset,
            store=store,
            filename=upload.filename,
            stream=upload.file,
            max_bytes=settings.max_upload_bytes,
            title=values["file_title"],
        )
    except (KikzError, PermissionDenied) as exc:
        status_code = _service_error(session, errors, exc)
        errors.items = [("file", message) for _, message in errors.items]
        return _render_edit(request, session, principal, name, errors=errors, upload=values, status_code=status_code)
    return RedirectResponse(f"/verwaltung/datensaetze/{dataset.name}/bearbeiten?hinweis=datei", 303)


@router.post("/verwaltung/datensaetze/{name}/links", response_class=HTMLResponse)
def add_link(request: Request, name: str, session: SessionDep, principal: PrincipalDep, form: FormDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    dataset = _editable(session, principal, name)
    values = {key: text(form, key) for key in ("access_url", "link_title", "link_format")}
    errors = FormErrors()
    try:
        catalog.add_link_distribution(
            session,
            principal=principal,
            dataset=dataset,
            access_url=values["access_url"],
            title=values["link_title"],
            fmt=values["link_format"],
        )
    except (KikzError, PermissionDenied) as exc:
        status_code = _service_error(session, errors, exc)
        return _render_edit(request, session, principal, name, errors=errors, link=values, status_code=status_code)
    return RedirectResponse(f"/verwaltung/datensaetze/{dataset.name}/bearbeiten?hinweis=link", 303)
