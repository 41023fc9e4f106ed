"""What other cities make of a project: lessons learned and "reused by" links ("reuse this solution").

Lessons are written for a city involved in the project (lead, partner) or reusing it; a reuse link is declared
by a member or partner city that is neither lead nor partner. Both are audited and pass the forum's text limits.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz import audit
from kikz.db import utcnow
from kikz.errors import Conflict, InvalidInput, NotFound
from kikz.tenancy.models import Municipality
from kikz.tenancy.permissions import Action, PermissionDenied, Principal, allowed
from kikz.transfer import access
from kikz.transfer.common import acting_city, check_free_text
from kikz.transfer.models import ForumLesson, ForumProject, ForumReuse
from kikz.transfer.projects import get_project, visible_projects
from kikz.transfer.schemas import MAX_LESSON, LessonIn, ReuseIn

MAX_LESSON_LINKS = 5


# --- lessons learned ---------------------------------------------------------------------------------------------


def lesson_cities(session: Session, principal: Principal, project: ForumProject) -> list[Municipality]:
    """Cities the caller may write lessons for: lead, partners and reusing cities where they are staff."""
    involved = set(project.city_ids) | {r.municipality_id for r in project.reuses}
    return [c for c in access.contributor_cities(principal, session) if c.id in involved]


def add_lesson(session: Session, *, principal: Principal, project: ForumProject, data: LessonIn) -> ForumLesson:
    cities = lesson_cities(session, principal, project)
    if not cities:
        raise PermissionDenied(
            "Erfahrungen tragen die beteiligten und die nachnutzenden Städte ein. / "
            "Lessons are written by the cities involved and those reusing the solution."
        )
    city = acting_city(cities, data.municipality, what="Erfahrungen eintragen")
    text = check_free_text(data.text, label="Erfahrung", max_chars=MAX_LESSON, max_links=MAX_LESSON_LINKS, min_chars=10)
    lesson = ForumLesson(
        project_id=project.id, municipality_id=city.id, kind=data.kind, text=text, author_id=principal.user_id
    )
    session.add(lesson)
    project.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=principal,
        action="forum.lesson.create",
        entity_type="forum_lesson",
        entity_id=lesson.id,
        municipality_id=city.id,
        after={"project": project.slug, "kind": data.kind.value, "text": text},
    )
    session.refresh(project)
    return lesson


def delete_lesson(session: Session, *, principal: Principal, project: ForumProject, lesson_id: int) -> None:
    lesson = session.scalar(
        select(ForumLesson).where(ForumLesson.id == lesson_id, ForumLesson.project_id == project.id)
    )
    if lesson is None:
        raise NotFound("Erfahrung nicht gefunden. / Lesson not found.")
    own = principal.user_id is not None and lesson.author_id == principal.user_id
    if not (
        own
        or access.may_edit(principal, [lesson.municipality_id])
        or access.may_moderate(principal, [project.municipality_id])
    ):
        raise PermissionDenied("Diese Erfahrung dürfen Sie nicht löschen. / You may not delete this lesson.")
    audit.record(
        session,
        actor=principal,
        action="forum.lesson.delete",
        entity_type="forum_lesson",
        entity_id=lesson.id,
        municipality_id=lesson.municipality_id,
        before={"project": project.slug, "kind": lesson.kind.value, "text": lesson.text},
    )
    session.delete(lesson)
    session.flush()
    session.refresh(project)


# --- reuse ("reused by") -----------------------------------------------------------------------------------------


def reuse_cities(session: Session, principal: Principal, project: ForumProject) -> list[Municipality]:
    """Cities the caller may declare as reusing: their forum cities that are not lead or partner."""
    return [c for c in access.contributor_cities(principal, session) if c.id not in project.city_ids]


def reuse(session: Session, *, principal: Principal, project: ForumProject, data: ReuseIn) -> ForumReuse:
    """'Reuse this solution': records (or updates) that a city adopts the project's solution."""
    cities = reuse_cities(session, principal, project)
    if not cities:
        if any(allowed(principal, Action.FORUM_CONTRIBUTE, c) for c in project.city_ids):
            raise Conflict(
                "Ihre Stadt ist an diesem Projekt schon beteiligt. / Your city already takes part in this project."
            )
        raise PermissionDenied(
            "Nachnutzung melden Mitarbeitende der Mitglieds- und Partnerstädte. / "
            "Reuse is declared by staff of member and partner cities."
        )
    city = acting_city(cities, data.municipality, what="Nachnutzung melden")
    own_project_id = None
    if data.own_project:
        own = get_project(session, principal=principal, slug=data.own_project)
        if own.id == project.id or own.municipality_id != city.id:
            raise InvalidInput(
                "Als eigener Eintrag passt nur ein anderes Projekt, das Ihre Stadt führt. / "
                "The own entry must be another project led by your city."
            )
        own_project_id = own.id
    note = check_free_text(data.note, label="Notiz", max_chars=2000, max_links=3, min_chars=0) if data.note else ""
    link = session.scalar(
        select(ForumReuse).where(ForumReuse.project_id == project.id, ForumReuse.municipality_id == city.id)
    )
    before = None
    if link is None:
        link = ForumReuse(project_id=project.id, municipality_id=city.id, created_by_id=principal.user_id)
        session.add(link)
    else:
        before = {"status": link.status.value, "note": link.note, "own_project_id": link.own_project_id}
    link.status = data.status
    link.note = note
    link.own_project_id = own_project_id
    project.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=principal,
        action="forum.reuse.update" if before else "forum.reuse.create",
        entity_type="forum_project",
        entity_id=project.id,
        municipality_id=city.id,
        before=before,
        after={"status": link.status.value, "note": note, "own_project_id": own_project_id},
    )
    session.refresh(project)
    return link


def remove_reuse(session: Session, *, principal: Principal, project: ForumProject, city_slug: str) -> None:
    link = session.scalar(
        select(ForumReuse)
        .join(Municipality, Municipality.id == ForumReuse.municipality_id)
        .where(ForumReuse.project_id == project.id, Municipality.slug == city_slug)
    )
    if link is None:
        raise NotFound("Diese Nachnutzung ist nicht eingetragen. / No such reuse link.")
    if not (
        access.may_edit(principal, [link.municipality_id]) or access.may_moderate(principal, [project.municipality_id])
    ):
        raise PermissionDenied(
            "Die Nachnutzung trägt die nachnutzende Stadt aus. / Only the reusing city may remove it."
        )
    audit.record(
        session,
        actor=principal,
        action="forum.reuse.delete",
        entity_type="forum_project",
        entity_id=project.id,
        municipality_id=link.municipality_id,
        before={"status": link.status.value, "note": link.note},
    )
    session.delete(link)
    session.flush()
    session.refresh(project)


def reused_from(session: Session, principal: Principal, project: ForumProject) -> list[ForumProject]:
    """Visible projects whose reuse link names ``project`` as the reusing city's own entry."""
    return list(
        session.scalars(
            visible_projects(session, principal)
            .join(ForumReuse, ForumReuse.project_id == ForumProject.id)
            .where(ForumReuse.own_project_id == project.id)
            .order_by(ForumProject.title)
        )
    )
