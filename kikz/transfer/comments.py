"""Comments on projects and events: written by staff of member and partner cities, read by the forum.

Comments are plain text (HTML is shown as text, never interpreted) and pass spam limits before they are stored:
length, number of links, a rate per person and the refusal of a repeated text. Removal keeps an audit entry
with the removed text; the row keeps only the fact that something was removed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kikz import audit
from kikz.db import utcnow
from kikz.errors import InvalidInput, NotFound
from kikz.tenancy.permissions import PermissionDenied, Principal
from kikz.transfer import access
from kikz.transfer.common import acting_city, check_free_text, principal_label
from kikz.transfer.models import ForumComment, ForumEvent, ForumProject
from kikz.transfer.schemas import MAX_COMMENT, CommentIn

MAX_LINKS = 2
RATE_WINDOW = dt.timedelta(minutes=10)
MAX_PER_WINDOW = 5
MAX_PER_DAY = 30
"""A colleague discussing writes a handful an hour; a script or a stuck button writes far more."""


class TooManyComments(InvalidInput):
    status_code = 429
    code = "rate_limited"


def _target(project: ForumProject | None, event: ForumEvent | None) -> tuple[str, int, list[int]]:
    if project is not None:
        return "project", project.id, project.city_ids
    if event is not None:
        return "event", event.id, [event.municipality_id]
    raise ValueError("a comment needs a project or an event")


def may_read(session: Session, principal: Principal) -> bool:
    return access.reads_internal(session, principal)


def list_comments(
    session: Session, *, principal: Principal, project: ForumProject | None = None, event: ForumEvent | None = None
) -> list[ForumComment]:
    """The discussion of a visible project or event, oldest first; only forum readers see it."""
    if not may_read(session, principal):
        raise PermissionDenied(
            "Die Diskussion lesen Mitarbeitende der Netzwerkstädte und eingeladene Gäste. / "
            "The discussion is for staff of network cities and invited guests."
        )
    kind, target_id, _ = _target(project, event)
    column = ForumComment.project_id if kind == "project" else ForumComment.event_id
    return list(session.scalars(select(ForumComment).where(column == target_id).order_by(ForumComment.created_at)))


def _check_rate(session: Session, principal: Principal, body: str, now: dt.datetime) -> None:
    uid = principal.user_id
    if uid is None:
        return
    in_window = session.scalar(
        select(func.count(ForumComment.id)).where(
            ForumComment.author_id == uid, ForumComment.created_at > now - RATE_WINDOW
        )
    )
    if (in_window or 0) >= MAX_PER_WINDOW:
        raise TooManyComments(
            f"Sie haben in den letzten {int(RATE_WINDOW.total_seconds() // 60)} Minuten {MAX_PER_WINDOW} Kommentare "
            "geschrieben. Bitte warten Sie einen Moment. / Too many comments in a short time; please wait a moment."
        )
    today = session.scalar(
        select(func.count(ForumComment.id)).where(
            ForumComment.author_id == uid, ForumComment.created_at > now - dt.timedelta(days=1)
        )
    )
    if (today or 0) >= MAX_PER_DAY:
        raise TooManyComments(f"Höchstens {MAX_PER_DAY} Kommentare je Tag. / At most {MAX_PER_DAY} comments per day.")
    repeated = session.scalar(
        select(ForumComment.id)
        .where(
            ForumComment.author_id == uid,
            ForumComment.body == body,
            ForumComment.created_at > now - dt.timedelta(days=1),
        )
        .limit(1)
    )
    if repeated is not None:
        raise InvalidInput(
            "Diesen Text haben Sie heute schon als Kommentar geschrieben. / You already posted this text today."
        )


def add_comment(
    session: Session,
    *,
    principal: Principal,
    data: CommentIn,
    project: ForumProject | None = None,
    event: ForumEvent | None = None,
    now: dt.datetime | None = None,
) -> ForumComment:
    kind, target_id, _ = _target(project, event)
    cities = access.comment_cities(principal, session)
    if not cities:
        raise PermissionDenied(
            "Kommentieren dürfen Mitarbeitende der Mitglieds- und Partnerstädte; Gäste lesen mit. / "
            "Only staff of member and partner cities may comment; guests read."
        )
    city = acting_city(cities, data.municipality, what="kommentieren")
    body = check_free_text(data.body, label="Kommentar", max_chars=MAX_COMMENT, max_links=MAX_LINKS)
    now = now or utcnow()
    _check_rate(session, principal, body, now)
    comment = ForumComment(
        project_id=target_id if kind == "project" else None,
        event_id=target_id if kind == "event" else None,
        municipality_id=city.id,
        author_id=principal.user_id,
        author_label=principal_label(principal),
        body=body,
        created_at=now,
    )
    session.add(comment)
    session.flush()
    audit.record(
        session,
        actor=principal,
        action="forum.comment.create",
        entity_type="forum_comment",
        entity_id=comment.id,
        municipality_id=city.id,
        after={kind: target_id, "body": body},
    )
    return comment


def may_remove(principal: Principal, comment: ForumComment, target_cities: list[int]) -> bool:
    own = principal.user_id is not None and comment.author_id == principal.user_id
    return own or access.may_moderate(principal, [*target_cities, comment.municipality_id])


def remove_comment(
    session: Session,
    *,
    principal: Principal,
    comment_id: int,
    project: ForumProject | None = None,
    event: ForumEvent | None = None,
) -> ForumComment:
    """Remove a comment (its author, or the administration of the cities concerned)."""
    kind, target_id, cities = _target(project, event)
    column = ForumComment.project_id if kind == "project" else ForumComment.event_id
    comment = session.scalar(select(ForumComment).where(ForumComment.id == comment_id, column == target_id))
    if comment is None or comment.removed_at is not None:
        raise NotFound("Kommentar nicht gefunden. / Comment not found.")
    if not may_remove(principal, comment, cities):
        raise PermissionDenied(
            "Kommentare entfernen ihre Verfasser und die Administration der beteiligten Städte. / "
            "Comments are removed by their authors and the administrators of the cities concerned."
        )
    audit.record(
        session,
        actor=principal,
        action="forum.comment.remove",
        entity_type="forum_comment",
        entity_id=comment.id,
        municipality_id=comment.municipality_id,
        before={kind: target_id, "author": comment.author_label, "body": comment.body},
    )
    comment.body = ""
    comment.removed_at = utcnow()
    comment.removed_by_id = principal.user_id
    session.flush()
    return comment
