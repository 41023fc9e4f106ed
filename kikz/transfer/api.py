"""JSON API of the Digital Forum under ``/api/v1/forum``: projects, reuse, lessons, comments, events, guests and
the city comparison. Thin: parse, call the services (which check permissions), answer.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from kikz.transfer import adoption, comparison, events, invitations, projects, views
from kikz.transfer import comments as comment_service
from kikz.transfer.projects import ProjectQuery
from kikz.transfer.publiccode import publiccode_yaml
from kikz.transfer.schemas import (
    CommentIn,
    CommentPublic,
    EventIn,
    EventPublic,
    FacetCount,
    InvitationIn,
    InvitationPublic,
    LessonIn,
    LessonPublic,
    ProjectCreate,
    ProjectIn,
    ProjectPage,
    ProjectPublic,
    ReuseIn,
    ReusePublic,
)
from kikz.web.deps import LoggedInDep, PrincipalDep, SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1/forum")
TAG = "Digitalforum"
Many = Annotated[list[str], Query()]


@router.get("/projects", response_model=ProjectPage, tags=[TAG], summary="Projekte suchen / Search projects")
def search_projects(
    session: SessionDep,
    principal: PrincipalDep,
    q: Annotated[str, Query(max_length=200)] = "",
    city: Many = [],  # noqa: B006 - FastAPI copies query defaults
    field_of_action: Many = [],  # noqa: B006
    phase: Many = [],  # noqa: B006
    maturity: Many = [],  # noqa: B006
    technology: Many = [],  # noqa: B006
    sort: Annotated[str, Query(pattern="^(aktuell|titel|reife)$")] = "aktuell",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ProjectPage:
    query = ProjectQuery(q, city, field_of_action, phase, maturity, technology, sort, page, per_page)
    result = projects.search_projects(session, principal=principal, query=query)
    return ProjectPage(
        total=result.total,
        page=result.page,
        per_page=result.per_page,
        items=[views.project_summary(p) for p in result.items],
        facets={k: [FacetCount(value=v, count=n) for v, n in rows] for k, rows in result.facets.items()},
    )


@router.post("/projects", response_model=ProjectPublic, status_code=201, tags=[TAG], summary="Projekt anlegen / Create")
def create_project(body: ProjectCreate, session: SessionDep, principal: LoggedInDep) -> ProjectPublic:
    project = projects.create_project(session, principal=principal, data=body)
    return views.project_public(session, principal, project)


@router.get("/projects/{slug}", response_model=ProjectPublic, tags=[TAG], summary="Projekt / Project")
def read_project(slug: str, session: SessionDep, principal: PrincipalDep) -> ProjectPublic:
    project = projects.get_project(session, principal=principal, slug=slug)
    return views.project_public(session, principal, project)


@router.put("/projects/{slug}", response_model=ProjectPublic, tags=[TAG], summary="Projekt ändern / Update")
def update_project(slug: str, body: ProjectIn, session: SessionDep, principal: LoggedInDep) -> ProjectPublic:
    project = projects.get_project(session, principal=principal, slug=slug)
    projects.update_project(session, principal=principal, project=project, data=body)
    return views.project_public(session, principal, project)


@router.delete("/projects/{slug}", status_code=204, tags=[TAG], summary="Projekt löschen / Delete")
def delete_project(slug: str, session: SessionDep, principal: LoggedInDep) -> Response:
    project = projects.get_project(session, principal=principal, slug=slug)
    projects.delete_project(session, principal=principal, project=project)
    return Response(status_code=204)


@router.get(
    "/projects/{slug}/publiccode.yml",
    tags=[TAG],
    summary="Projekt als publiccode.yml / Project as publiccode.yml",
    response_class=Response,
    responses={200: {"content": {"application/yaml": {}}}},
)
def project_publiccode(slug: str, session: SessionDep, principal: PrincipalDep, settings: SettingsDep) -> Response:
    project = projects.get_project(session, principal=principal, slug=slug)
    text = publiccode_yaml(project, base_url=settings.base_url)
    return Response(
        text,
        media_type="application/yaml; charset=utf-8",
        headers={"content-disposition": f'inline; filename="{project.slug}-publiccode.yml"'},
    )


@router.post(
    "/projects/{slug}/reuse",
    response_model=ReusePublic,
    status_code=201,
    tags=[TAG],
    summary="Lösung nachnutzen / Reuse this solution",
)
def reuse_project(slug: str, body: ReuseIn, session: SessionDep, principal: LoggedInDep) -> ReusePublic:
    project = projects.get_project(session, principal=principal, slug=slug)
    link = adoption.reuse(session, principal=principal, project=project, data=body)
    public = views.project_public(session, principal, project)
    return next(r for r in public.reuses if r.city.slug == link.municipality.slug)


@router.delete("/projects/{slug}/reuse/{city}", status_code=204, tags=[TAG], summary="Nachnutzung austragen")
def remove_reuse(slug: str, city: str, session: SessionDep, principal: LoggedInDep) -> Response:
    project = projects.get_project(session, principal=principal, slug=slug)
    adoption.remove_reuse(session, principal=principal, project=project, city_slug=city)
    return Response(status_code=204)


@router.post(
    "/projects/{slug}/lessons",
    response_model=LessonPublic,
    status_code=201,
    tags=[TAG],
    summary="Erfahrung eintragen / Add a lesson learned",
)
def add_lesson(slug: str, body: LessonIn, session: SessionDep, principal: LoggedInDep) -> LessonPublic:
    project = projects.get_project(session, principal=principal, slug=slug)
    lesson = adoption.add_lesson(session, principal=principal, project=project, data=body)
    return LessonPublic(
        id=lesson.id,
        city=views.city_ref(lesson.municipality),
        kind=lesson.kind,
        text=lesson.text,
        created_at=lesson.created_at,
    )


@router.delete("/projects/{slug}/lessons/{lesson_id}", status_code=204, tags=[TAG], summary="Erfahrung löschen")
def delete_lesson(slug: str, lesson_id: int, session: SessionDep, principal: LoggedInDep) -> Response:
    project = projects.get_project(session, principal=principal, slug=slug)
    adoption.delete_lesson(session, principal=principal, project=project, lesson_id=lesson_id)
    return Response(status_code=204)


@router.get(
    "/projects/{slug}/comments", response_model=list[CommentPublic], tags=[TAG], summary="Kommentare / Comments"
)
def project_comments(slug: str, session: SessionDep, principal: LoggedInDep) -> list[CommentPublic]:
    project = projects.get_project(session, principal=principal, slug=slug)
    rows = comment_service.list_comments(session, principal=principal, project=project)
    return [views.comment_public(c) for c in rows]


@router.post(
    "/projects/{slug}/comments",
    response_model=CommentPublic,
    status_code=201,
    tags=[TAG],
    summary="Kommentieren / Comment",
)
def comment_project(slug: str, body: CommentIn, session: SessionDep, principal: LoggedInDep) -> CommentPublic:
    project = projects.get_project(session, principal=principal, slug=slug)
    comment = comment_service.add_comment(session, principal=principal, data=body, project=project)
    return views.comment_public(comment)


@router.delete("/projects/{slug}/comments/{comment_id}", status_code=204, tags=[TAG], summary="Kommentar entfernen")
def remove_project_comment(slug: str, comment_id: int, session: SessionDep, principal: LoggedInDep) -> Response:
    project = projects.get_project(session, principal=principal, slug=slug)
    comment_service.remove_comment(session, principal=principal, comment_id=comment_id, project=project)
    return Response(status_code=204)


# --- events ------------------------------------------------------------------------------------------------------


def _event_public(session: SessionDep, principal: PrincipalDep, event_slug: str) -> EventPublic:
    event = events.get_event(session, principal=principal, slug=event_slug)
    slugs = {pid: p.slug for pid, p in events.presented_projects(session, principal, event).items()}
    return views.event_public(event, slugs)


@router.get("/events", response_model=list[EventPublic], tags=[TAG], summary="Veranstaltungen / Events")
def list_events(session: SessionDep, principal: PrincipalDep, upcoming: bool | None = None) -> list[EventPublic]:
    out = []
    for event in events.list_events(session, principal=principal, upcoming=upcoming):
        slugs = {pid: p.slug for pid, p in events.presented_projects(session, principal, event).items()}
        out.append(views.event_public(event, slugs))
    return out


@router.post("/events", response_model=EventPublic, status_code=201, tags=[TAG], summary="Veranstaltung anlegen")
def create_event(body: EventIn, session: SessionDep, principal: LoggedInDep) -> EventPublic:
    event = events.create_event(session, principal=principal, data=body)
    return _event_public(session, principal, event.slug)


@router.get("/events/{slug}", response_model=EventPublic, tags=[TAG], summary="Veranstaltung / Event")
def read_event(slug: str, session: SessionDep, principal: PrincipalDep) -> EventPublic:
    return _event_public(session, principal, slug)


@router.put("/events/{slug}", response_model=EventPublic, tags=[TAG], summary="Veranstaltung ändern / Update")
def update_event(slug: str, body: EventIn, session: SessionDep, principal: LoggedInDep) -> EventPublic:
    event = events.get_event(session, principal=principal, slug=slug)
    events.update_event(session, principal=principal, event=event, data=body)
    return _event_public(session, principal, event.slug)


@router.delete("/events/{slug}", status_code=204, tags=[TAG], summary="Veranstaltung löschen / Delete")
def delete_event(slug: str, session: SessionDep, principal: LoggedInDep) -> Response:
    event = events.get_event(session, principal=principal, slug=slug)
    events.delete_event(session, principal=principal, event=event)
    return Response(status_code=204)


@router.post(
    "/events/{slug}/participation", response_model=EventPublic, tags=[TAG], summary="Teilnahme melden / Take part"
)
def take_part(slug: str, session: SessionDep, principal: LoggedInDep, city: str | None = None) -> EventPublic:
    event = events.get_event(session, principal=principal, slug=slug)
    events.set_participation(session, principal=principal, event=event, city_slug=city, taking_part=True)
    return _event_public(session, principal, slug)


@router.delete("/events/{slug}/participation", response_model=EventPublic, tags=[TAG], summary="Teilnahme zurückziehen")
def withdraw(slug: str, session: SessionDep, principal: LoggedInDep, city: str | None = None) -> EventPublic:
    event = events.get_event(session, principal=principal, slug=slug)
    events.set_participation(session, principal=principal, event=event, city_slug=city, taking_part=False)
    return _event_public(session, principal, slug)


@router.get("/events/{slug}/comments", response_model=list[CommentPublic], tags=[TAG], summary="Kommentare")
def event_comments(slug: str, session: SessionDep, principal: LoggedInDep) -> list[CommentPublic]:
    event = events.get_event(session, principal=principal, slug=slug)
    return [views.comment_public(c) for c in comment_service.list_comments(session, principal=principal, event=event)]


@router.post(
    "/events/{slug}/comments", response_model=CommentPublic, status_code=201, tags=[TAG], summary="Kommentieren"
)
def comment_event(slug: str, body: CommentIn, session: SessionDep, principal: LoggedInDep) -> CommentPublic:
    event = events.get_event(session, principal=principal, slug=slug)
    return views.comment_public(comment_service.add_comment(session, principal=principal, data=body, event=event))


@router.delete("/events/{slug}/comments/{comment_id}", status_code=204, tags=[TAG], summary="Kommentar entfernen")
def remove_event_comment(slug: str, comment_id: int, session: SessionDep, principal: LoggedInDep) -> Response:
    event = events.get_event(session, principal=principal, slug=slug)
    comment_service.remove_comment(session, principal=principal, comment_id=comment_id, event=event)
    return Response(status_code=204)


# --- guests and comparison ---------------------------------------------------------------------------------------


@router.get("/invitations", response_model=list[InvitationPublic], tags=[TAG], summary="Gäste / Guest invitations")
def list_invitations(session: SessionDep, principal: LoggedInDep) -> list[InvitationPublic]:
    return [views.invitation_public(i) for i in invitations.list_invitations(session, principal=principal)]


@router.post(
    "/invitations", response_model=InvitationPublic, status_code=201, tags=[TAG], summary="Gast einladen / Invite"
)
def invite(body: InvitationIn, session: SessionDep, principal: LoggedInDep) -> InvitationPublic:
    return views.invitation_public(invitations.invite(session, principal=principal, data=body))


@router.post(
    "/invitations/{invitation_id}/revoke", response_model=InvitationPublic, tags=[TAG], summary="Einladung widerrufen"
)
def revoke(invitation_id: int, session: SessionDep, principal: LoggedInDep) -> InvitationPublic:
    return views.invitation_public(invitations.revoke(session, principal=principal, invitation_id=invitation_id))


@router.get(
    "/comparison",
    response_model=comparison.CityComparison,
    tags=[TAG],
    summary="Städtevergleich / City comparison",
)
def city_comparison(
    session: SessionDep,
    principal: PrincipalDep,
    von: Annotated[str | None, Query(max_length=10, description="erster Tag (JJJJ-MM-TT) der DTV-Auswertung")] = None,
    bis: Annotated[str | None, Query(max_length=10, description="letzter Tag (JJJJ-MM-TT)")] = None,
) -> comparison.CityComparison:
    return comparison.compare_cities(session, principal=principal, von=von, bis=bis)
