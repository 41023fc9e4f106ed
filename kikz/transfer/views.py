"""Tables → public shapes (a table is never a response)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from kikz.db import utcnow
from kikz.tenancy.models import Municipality
from kikz.tenancy.permissions import Principal
from kikz.transfer import access, invitations, projects
from kikz.transfer.models import ForumComment, ForumEvent, ForumInvitation, ForumProject
from kikz.transfer.schemas import (
    AgendaItemPublic,
    CityRef,
    CommentPublic,
    ContactPublic,
    DatasetRef,
    EventPublic,
    InvitationPublic,
    LessonPublic,
    MaterialPublic,
    ProjectPublic,
    ProjectSummary,
    ReusePublic,
)


def city_ref(city: Municipality) -> CityRef:
    return CityRef(slug=city.slug, name=city.name)


def project_url(project: ForumProject) -> str:
    return f"/forum/projekte/{project.slug}"


def event_url(event: ForumEvent) -> str:
    return f"/forum/veranstaltungen/{event.slug}"


def project_summary(project: ForumProject) -> ProjectSummary:
    return ProjectSummary(
        slug=project.slug,
        title=project.title,
        summary=project.summary,
        lead=city_ref(project.municipality),
        partners=[city_ref(p.municipality) for p in project.partners],
        visibility=project.visibility,
        field_of_action=project.field_of_action,
        phase=project.phase,
        maturity=project.maturity,
        technologies=[t.name for t in project.technologies],
        reused_by=[city_ref(r.municipality) for r in project.reuses],
        updated_at=project.updated_at,
        url=project_url(project),
    )


def project_public(session: Session, principal: Principal, project: ForumProject) -> ProjectPublic:
    own_slugs: dict[int, str] = {}
    own_ids = [r.own_project_id for r in project.reuses if r.own_project_id is not None]
    if own_ids:
        visible_own = session.scalars(projects.visible_projects(session, principal).where(ForumProject.id.in_(own_ids)))
        own_slugs = {p.id: p.slug for p in visible_own}
    summary = project_summary(project)
    return ProjectPublic(
        **summary.model_dump(),
        problem=project.problem,
        solution=project.solution,
        data_used=project.data_used,
        datasets=[
            DatasetRef(name=d.name, title=d.title, url=f"/datensaetze/{d.name}")
            for d in projects.datasets_seen(session, principal, project)
        ],
        licence=project.licence,
        repository_url=project.repository_url,
        website_url=project.website_url,
        costs=project.costs,
        funding=project.funding,
        operation=project.operation,
        operating_model=project.operating_model,
        started_on=project.started_on,
        contacts=[ContactPublic(name=c.name, role=c.role, email=c.email) for c in project.contacts],
        lessons=[
            LessonPublic(
                id=lesson.id,
                city=city_ref(lesson.municipality),
                kind=lesson.kind,
                text=lesson.text,
                created_at=lesson.created_at,
            )
            for lesson in project.lessons
        ],
        reuses=[
            ReusePublic(
                city=city_ref(r.municipality),
                status=r.status,
                note=r.note,
                own_project=own_slugs.get(r.own_project_id) if r.own_project_id else None,
                created_at=r.created_at,
            )
            for r in project.reuses
        ],
        created_at=project.created_at,
        may_edit=access.may_edit(principal, project.city_ids),
    )


def comment_public(comment: ForumComment) -> CommentPublic:
    return CommentPublic(
        id=comment.id,
        author=comment.author_label,
        city=city_ref(comment.municipality),
        body=comment.body,
        created_at=comment.created_at,
        removed=comment.removed_at is not None,
    )


def event_public(event: ForumEvent, slugs: dict[int, str], now: dt.datetime | None = None) -> EventPublic:
    """``slugs``: the agenda's projects the caller may see (others are given without a link)."""
    return EventPublic(
        slug=event.slug,
        title=event.title,
        description=event.description,
        host=city_ref(event.municipality),
        visibility=event.visibility,
        format=event.format,
        location=event.location,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        upcoming=event.ends_at >= (now or utcnow()),
        agenda=[
            AgendaItemPublic(
                time=item.start_time,
                title=item.title,
                speaker=item.speaker,
                project=slugs.get(item.project_id) if item.project_id else None,
            )
            for item in event.agenda
        ],
        materials=[MaterialPublic(title=m.title, url=m.url, kind=m.kind) for m in event.materials],
        participants=[city_ref(p.municipality) for p in event.participants],
        url=event_url(event),
    )


def invitation_public(invitation: ForumInvitation) -> InvitationPublic:
    return InvitationPublic(
        id=invitation.id,
        guest=city_ref(invitation.municipality),
        invited_by=city_ref(invitation.invited_by_municipality),
        message=invitation.message,
        created_at=invitation.created_at,
        valid_until=invitation.valid_until,
        active=invitations.is_active(invitation),
        revoked_at=invitation.revoked_at,
    )
