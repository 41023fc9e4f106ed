"""Forum pages: the project list with search and filters, a project with its discussion, the project forms.

A failed form re-renders the page with the message and the entered values after rolling the transaction back
(the page is rendered, not raised, so the request would otherwise commit half of it).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, RedirectResponse, Response

from kikz.errors import KikzError
from kikz.tenancy.models import Municipality
from kikz.tenancy.permissions import PermissionDenied, Principal
from kikz.transfer import access, adoption, events, projects
from kikz.transfer import comments as comment_service
from kikz.transfer.forms import (
    empty_project,
    project_input,
    project_values,
    values_from_project,
)
from kikz.transfer.models import ForumProject
from kikz.transfer.present import render_forum
from kikz.transfer.projects import FACETS, SORTS, ProjectQuery
from kikz.transfer.schemas import CommentIn, LessonIn, ProjectCreate, ReuseIn
from kikz.transfer.vocab import FieldOfAction, LessonKind, Maturity, Operation, Phase, ReuseStatus, Visibility
from kikz.web.deps import PrincipalDep, SessionDep
from kikz.web.forms import FormErrors, errors_from_validation, login_redirect, text
from kikz.web.templating import language

router = APIRouter(include_in_schema=False)
Many = Annotated[list[str], Query()]
PER_PAGE = 20


def service_error(session: Session, errors: FormErrors, exc: KikzError | PermissionDenied, field: str | None) -> int:
    session.rollback()
    errors.add(field, exc.message)
    return exc.status_code if isinstance(exc, KikzError) else 403


def login_to(target: str) -> RedirectResponse:
    return RedirectResponse(f"/anmelden?weiter={quote(target, safe='/')}", status_code=303)


def done(target: str, notice: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"{target}?hinweis={notice}{anchor}", status_code=303)


# --- list --------------------------------------------------------------------------------------------------------


@router.get("/forum", response_class=HTMLResponse)
def forum_home(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    q: Annotated[str, Query(max_length=200)] = "",
    kommune: Many = [],  # noqa: B006 - FastAPI copies query defaults
    handlungsfeld: Many = [],  # noqa: B006
    phase: Many = [],  # noqa: B006
    reife: Many = [],  # noqa: B006
    technologie: Many = [],  # noqa: B006
    sortierung: Annotated[str, Query(max_length=10)] = "aktuell",
    seite: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    sort = sortierung if sortierung in SORTS else "aktuell"
    query = ProjectQuery(q.strip(), kommune, handlungsfeld, phase, reife, technologie, sort, seite, PER_PAGE)
    result = projects.search_projects(session, principal=principal, query=query)
    names = dict(session.execute(select(Municipality.slug, Municipality.name)).all())
    chosen = query.filters()
    active = [(param, value) for param in FACETS for value in chosen[param] if value]
    return render_forum(
        request,
        "transfer/index.html",
        {
            "result": result,
            "query": query,
            "chosen": chosen,
            "active_filters": active,
            "city_names": names,
            "sorts": SORTS,
            "upcoming": events.list_events(session, principal=principal, upcoming=True)[:3],
            "can_create": bool(access.contributor_cities(principal, session)),
            "reads_internal": access.reads_internal(session, principal),
        },
    )


# --- one project -------------------------------------------------------------------------------------------------


def _project_context(session: Session, principal: Principal, project: ForumProject, **extra: Any) -> dict[str, Any]:
    readers = access.reads_internal(session, principal)
    discussion = comment_service.list_comments(session, principal=principal, project=project) if readers else []
    owns = {p.id: p for p in adoption.reused_from(session, principal, project)}
    own_ids = [r.own_project_id for r in project.reuses if r.own_project_id]
    own_projects = {
        p.id: p
        for p in session.scalars(projects.visible_projects(session, principal).where(ForumProject.id.in_(own_ids)))
    }
    reuse_cities = adoption.reuse_cities(session, principal, project)
    candidates = [
        p
        for p in session.scalars(
            projects.visible_projects(session, principal)
            .where(ForumProject.municipality_id.in_([c.id for c in reuse_cities]))
            .order_by(ForumProject.title)
        )
    ]
    context: dict[str, Any] = {
        "project": project,
        "datasets": projects.datasets_seen(session, principal, project),
        "may_edit": access.may_edit(principal, project.city_ids),
        "may_delete": projects.may_delete(principal, project),
        "reads_internal": readers,
        "comments": discussion,
        "comment_cities": access.comment_cities(principal, session),
        "may_remove": lambda c: comment_service.may_remove(principal, c, project.city_ids),
        "reuse_cities": reuse_cities,
        "reuse_candidates": candidates,
        "own_projects": own_projects,
        "derived_from": list(owns.values()),
        "lesson_cities": adoption.lesson_cities(session, principal, project),
        "may_remove_lesson": lambda lesson: (
            (principal.user_id is not None and lesson.author_id == principal.user_id)
            or access.may_edit(principal, [lesson.municipality_id])
            or access.may_moderate(principal, [project.municipality_id])
        ),
        "may_remove_reuse": lambda link: (
            access.may_edit(principal, [link.municipality_id])
            or access.may_moderate(principal, [project.municipality_id])
        ),
        "reuse_statuses": list(ReuseStatus),
        "lesson_kinds": list(LessonKind),
        "comment_errors": FormErrors(),
        "comment_value": "",
        "reuse_errors": FormErrors(),
        "lesson_errors": FormErrors(),
        "lesson_value": "",
        "principal_label": principal.display_name,
    }
    context.update(extra)
    return context


@router.get("/forum/projekte/{slug}", response_class=HTMLResponse)
def project_page(request: Request, slug: str, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    project = projects.get_project(session, principal=principal, slug=slug)
    return render_forum(request, "transfer/project.html", _project_context(session, principal, project))


def _redisplay(
    request: Request, session: Session, principal: Principal, slug: str, status: int, **extra: Any
) -> HTMLResponse:
    project = projects.get_project(session, principal=principal, slug=slug)
    context = _project_context(session, principal, project, **extra)
    return render_forum(request, "transfer/project.html", context, status_code=status)


@router.post("/forum/projekte/{slug}/kommentare", response_class=HTMLResponse)
async def post_comment(request: Request, slug: str, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_to(f"/forum/projekte/{slug}")
    form = await request.form()
    body = text(form, "body")
    project = projects.get_project(session, principal=principal, slug=slug)
    errors = FormErrors()
    try:
        data = CommentIn(body=body or " ", municipality=text(form, "municipality") or None)
        comment = comment_service.add_comment(session, principal=principal, data=data, project=project)
    except (KikzError, PermissionDenied) as exc:
        status = service_error(session, errors, exc, None if isinstance(exc, PermissionDenied) else "body")
        return _redisplay(request, session, principal, slug, status, comment_errors=errors, comment_value=body)
    return done(f"/forum/projekte/{slug}", "kommentiert", f"#kommentar-{comment.id}")


@router.post("/forum/projekte/{slug}/kommentare/{comment_id}/entfernen", response_class=HTMLResponse)
def remove_comment(slug: str, comment_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_to(f"/forum/projekte/{slug}")
    project = projects.get_project(session, principal=principal, slug=slug)
    comment_service.remove_comment(session, principal=principal, comment_id=comment_id, project=project)
    return done(f"/forum/projekte/{slug}", "entfernt", "#diskussion")


@router.post("/forum/projekte/{slug}/nachnutzen", response_class=HTMLResponse)
async def post_reuse(request: Request, slug: str, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_to(f"/forum/projekte/{slug}")
    form = await request.form()
    project = projects.get_project(session, principal=principal, slug=slug)
    errors = FormErrors()
    try:
        data = ReuseIn.model_validate(
            {
                "municipality": text(form, "municipality") or None,
                "status": text(form, "status") or ReuseStatus.PLANNED.value,
                "note": text(form, "note"),
                "own_project": text(form, "own_project") or None,
            }
        )
        adoption.reuse(session, principal=principal, project=project, data=data)
    except ValidationError as exc:
        errors = errors_from_validation(exc, {"status": "reuse-status", "note": "reuse-note"})
        return _redisplay(request, session, principal, slug, 422, reuse_errors=errors)
    except (KikzError, PermissionDenied) as exc:
        status = service_error(session, errors, exc, "reuse-status")
        return _redisplay(request, session, principal, slug, status, reuse_errors=errors)
    return done(f"/forum/projekte/{slug}", "nachnutzung", "#nachnutzung")


@router.post("/forum/projekte/{slug}/nachnutzung/{city}/entfernen", response_class=HTMLResponse)
def remove_reuse(slug: str, city: str, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_to(f"/forum/projekte/{slug}")
    project = projects.get_project(session, principal=principal, slug=slug)
    adoption.remove_reuse(session, principal=principal, project=project, city_slug=city)
    return done(f"/forum/projekte/{slug}", "entfernt", "#nachnutzung")


@router.post("/forum/projekte/{slug}/erfahrungen", response_class=HTMLResponse)
async def post_lesson(request: Request, slug: str, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_to(f"/forum/projekte/{slug}")
    form = await request.form()
    body = text(form, "text")
    project = projects.get_project(session, principal=principal, slug=slug)
    errors = FormErrors()
    try:
        data = LessonIn.model_validate(
            {"municipality": text(form, "municipality") or None, "kind": text(form, "kind"), "text": body or " "}
        )
        adoption.add_lesson(session, principal=principal, project=project, data=data)
    except ValidationError as exc:
        errors = errors_from_validation(exc, {"kind": "lesson-kind", "text": "lesson-text"})
        return _redisplay(request, session, principal, slug, 422, lesson_errors=errors, lesson_value=body)
    except (KikzError, PermissionDenied) as exc:
        status = service_error(session, errors, exc, "lesson-text")
        return _redisplay(request, session, principal, slug, status, lesson_errors=errors, lesson_value=body)
    return done(f"/forum/projekte/{slug}", "erfahrung", "#erfahrungen")


@router.post("/forum/projekte/{slug}/erfahrungen/{lesson_id}/loeschen", response_class=HTMLResponse)
def remove_lesson(slug: str, lesson_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_to(f"/forum/projekte/{slug}")
    project = projects.get_project(session, principal=principal, slug=slug)
    adoption.delete_lesson(session, principal=principal, project=project, lesson_id=lesson_id)
    return done(f"/forum/projekte/{slug}", "entfernt", "#erfahrungen")


# --- create, edit, delete ----------------------------------------------------------------------------------------


def _form_options(session: Session, principal: Principal, lang: str) -> dict[str, Any]:
    return {
        "lead_cities": access.contributor_cities(principal, session),
        "all_cities": list(session.scalars(select(Municipality).order_by(Municipality.name))),
        "fields": list(FieldOfAction),
        "phases": list(Phase),
        "maturities": list(Maturity),
        "operations": list(Operation),
        "visibilities": list(Visibility),
    }


def _field_for(message: str) -> str | None:
    checks = (("Datensatz", "datasets"), ("Kommune", "partners"), ("SPDX", "licence"), ("Einträge", None))
    return next((name for word, name in checks if word in message), None)


@router.get("/forum/neues-projekt", response_class=HTMLResponse)
def new_project_form(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    options = _form_options(session, principal, language(request))
    if not options["lead_cities"]:
        raise PermissionDenied(
            "Projekte tragen Mitarbeitende der Mitglieds- und Partnerstädte ein. / "
            "Projects are entered by staff of member and partner cities."
        )
    values = empty_project(options["lead_cities"][0].slug)
    return render_forum(
        request, "transfer/project_form.html", {"values": values, "errors": FormErrors(), "project": None, **options}
    )


@router.post("/forum/neues-projekt", response_class=HTMLResponse)
async def create_project(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    values = project_values(await request.form())
    data, errors = project_input(values, create=True)
    status = 422
    if data is not None:
        try:
            assert isinstance(data, ProjectCreate)
            project = projects.create_project(session, principal=principal, data=data)
            return done(f"/forum/projekte/{project.slug}", "angelegt")
        except (KikzError, PermissionDenied) as exc:
            status = service_error(session, errors, exc, _field_for(exc.message))
    options = _form_options(session, principal, language(request))
    return render_forum(
        request,
        "transfer/project_form.html",
        {"values": values, "errors": errors, "project": None, **options},
        status_code=status,
    )


def _dataset_names(session: Session, principal: Principal, project: ForumProject) -> list[str]:
    return [d.name for d in projects.datasets_seen(session, principal, project)]


@router.get("/forum/projekte/{slug}/bearbeiten", response_class=HTMLResponse)
def edit_project_form(request: Request, slug: str, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    project = projects.get_project(session, principal=principal, slug=slug)
    access.require_edit(principal, project.city_ids)
    values = values_from_project(project, _dataset_names(session, principal, project))
    options = _form_options(session, principal, language(request))
    return render_forum(
        request, "transfer/project_form.html", {"values": values, "errors": FormErrors(), "project": project, **options}
    )


@router.post("/forum/projekte/{slug}/bearbeiten", response_class=HTMLResponse)
async def edit_project(request: Request, slug: str, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    project = projects.get_project(session, principal=principal, slug=slug)
    access.require_edit(principal, project.city_ids)
    values = project_values(await request.form())
    values["municipality"] = project.municipality.slug
    data, errors = project_input(values, create=False)
    status = 422
    if data is not None:
        try:
            projects.update_project(session, principal=principal, project=project, data=data)
            return done(f"/forum/projekte/{project.slug}", "gespeichert")
        except (KikzError, PermissionDenied) as exc:
            status = service_error(session, errors, exc, _field_for(exc.message))
            project = projects.get_project(session, principal=principal, slug=slug)
    options = _form_options(session, principal, language(request))
    return render_forum(
        request,
        "transfer/project_form.html",
        {"values": values, "errors": errors, "project": project, **options},
        status_code=status,
    )


@router.post("/forum/projekte/{slug}/loeschen", response_class=HTMLResponse)
def delete_project(slug: str, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_to(f"/forum/projekte/{slug}")
    project = projects.get_project(session, principal=principal, slug=slug)
    projects.delete_project(session, principal=principal, project=project)
    return done("/forum", "geloescht")
