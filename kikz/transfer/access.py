"""Who may read, write, comment and moderate in the Digital Forum: thin helpers over the one policy.

The rules themselves are in :mod:`kikz.tenancy.permissions` (``Action.FORUM_*`` and ``reads_forum_internal``);
this module only looks up what the policy needs from the forum's own tables (active guest invitations) and turns
it into SQL conditions, so every listing filters inside its query.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from kikz.db import utcnow
from kikz.tenancy.models import Municipality
from kikz.tenancy.permissions import Action, PermissionDenied, Principal, allowed, reads_forum_internal
from kikz.transfer.models import ForumInvitation
from kikz.transfer.vocab import Visibility


def invited_cities(session: Session, principal: Principal, *, now: dt.datetime | None = None) -> list[int]:
    """The principal's municipalities with an active (unexpired, unrevoked) forum invitation."""
    mine = principal.cities_with()
    if not mine:
        return []
    now = now or utcnow()
    rows = session.scalars(
        select(ForumInvitation.municipality_id).where(
            ForumInvitation.municipality_id.in_(mine),
            ForumInvitation.revoked_at.is_(None),
            ForumInvitation.valid_until > now,
        )
    )
    return sorted(set(rows))


def reads_internal(session: Session, principal: Principal) -> bool:
    if principal.is_superuser:  # also the system actor of the demo loader, which has no account
        return True
    if principal.is_anonymous:
        return False
    return reads_forum_internal(principal, invited_cities(session, principal))


def visible_condition(session: Session, principal: Principal, visibility: Any) -> ColumnElement[bool]:
    """SQL condition on a ``visibility`` column: public entries for everybody, the rest for forum readers."""
    if reads_internal(session, principal):
        return true()
    condition: ColumnElement[bool] = visibility == Visibility.PUBLIC
    return condition


def contributor_cities(principal: Principal, session: Session) -> list[Municipality]:
    """Cities in whose name the principal may write forum entries (staff of member and partner cities)."""
    rows = session.scalars(select(Municipality).order_by(Municipality.name))
    return [m for m in rows if allowed(principal, Action.FORUM_CONTRIBUTE, m)]


def may_edit(principal: Principal, city_ids: list[int]) -> bool:
    """Staff of any of the entry's cities (lead and partners) edit it."""
    return any(allowed(principal, Action.FORUM_CONTRIBUTE, c) for c in city_ids)


def require_edit(principal: Principal, city_ids: list[int]) -> None:
    if not may_edit(principal, city_ids):
        raise PermissionDenied(
            "Diesen Eintrag bearbeiten nur Mitarbeitende der beteiligten Städte. / "
            "Only staff of the cities involved may edit this entry."
        )


def require_city(principal: Principal, action: Action, city: Municipality) -> None:
    if not allowed(principal, action, city):
        raise PermissionDenied(
            f"Im Namen von {city.name} dürfen Sie das im Digitalforum nicht. / "
            f"You may not do this in the Digital Forum on behalf of {city.name}."
        )


def comment_cities(principal: Principal, session: Session) -> list[Municipality]:
    rows = session.scalars(select(Municipality).order_by(Municipality.name))
    return [m for m in rows if allowed(principal, Action.FORUM_COMMENT, m)]


def may_moderate(principal: Principal, city_ids: list[int]) -> bool:
    return any(allowed(principal, Action.FORUM_MODERATE, c) for c in city_ids)
