"""The one permission policy of kikz.

Every listing, search, export, API and assistant answer asks this module, and the visibility rule is
applied *inside* the SQL query (``visible``), before ranking or paging, never afterwards.

Who sees a dataset's metadata and files (see docs/permissions.md for the table):

* everybody (anonymous citizens included): published datasets of class *öffentlich*;
* staff of a city (any membership role): also öffentlich drafts and *intern* datasets of their city, and
  *intern* datasets of other network cities that are marked ``shared_in_network`` (guests excluded);
* the governance roles of a city (data steward, data owner, DPO, governance board, admin): also *vertraulich*
  and not-yet-classified datasets of their city (unclassified counts as vertraulich);
* the data-protection officer of a city: also *streng vertraulich* datasets of their city;
* the named owner, steward and creator of a dataset, and holders of an explicit, unexpired, unrevoked grant;
* platform superusers: everything.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import ColumnElement, Select, and_, or_, select, true
from sqlalchemy.orm import Session

from kikz.db import utcnow
from kikz.tenancy.models import AccessGrant, Municipality, User
from kikz.tenancy.protected import Protected
from kikz.types import DatasetStatus, MunicipalityKind, ProtectionClass, Role

P = TypeVar("P", bound=Protected)

GOVERNANCE_ROLES = frozenset({Role.DATA_STEWARD, Role.DATA_OWNER, Role.DPO, Role.GOVERNANCE_BOARD, Role.ADMIN})


class PermissionDenied(Exception):
    """The caller may not do this. Routes answer 403 (or 404 where existence must stay hidden)."""

    def __init__(self, message: str = "Dafür fehlt Ihnen die Berechtigung.") -> None:
        super().__init__(message)
        self.message = message


class Action(enum.StrEnum):
    VIEW_DATASET = "dataset:view"
    CREATE_DATASET = "dataset:create"
    EDIT_DATASET = "dataset:edit"
    DELETE_DATASET = "dataset:delete"
    CLASSIFY_DATASET = "dataset:classify"
    PUBLISH_DATASET = "dataset:publish"
    GRANT_ACCESS = "dataset:grant"
    APPROVE_AS_OWNER = "dataset:approve_owner"
    APPROVE_AS_DPO = "dataset:approve_dpo"
    ASSIGN_RESPONSIBILITY = "dataset:assign_responsibility"
    REQUEST_ACCESS = "municipality:request_access"
    VIEW_GOVERNANCE = "municipality:view_governance"
    MANAGE_MEMBERS = "municipality:manage_members"
    MANAGE_HARVEST = "municipality:manage_harvest"
    VIEW_AUDIT = "municipality:view_audit"
    FORUM_CONTRIBUTE = "forum:contribute"
    FORUM_COMMENT = "forum:comment"
    FORUM_INVITE_GUEST = "forum:invite_guest"
    FORUM_MODERATE = "forum:moderate"


@dataclass(frozen=True)
class Principal:
    """Who is asking: built once per request from the user and their memberships."""

    user_id: int | None = None
    email: str | None = None
    display_name: str = "Gast"
    is_superuser: bool = False
    roles: dict[int, frozenset[Role]] = field(default_factory=dict)
    network_cities: frozenset[int] = frozenset()

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    @property
    def id(self) -> int | None:  # lets audit.record() take a Principal as actor
        return self.user_id

    def roles_in(self, municipality_id: int) -> frozenset[Role]:
        return self.roles.get(municipality_id, frozenset())

    def has_role(self, municipality_id: int, *roles: Role) -> bool:
        held = self.roles_in(municipality_id)
        return bool(held) and (not roles or any(r in held for r in roles))

    def cities_with(self, *roles: Role) -> list[int]:
        """Cities where the principal holds any of ``roles`` (any role at all if none given)."""
        return sorted(m for m, held in self.roles.items() if held and (not roles or held & set(roles)))


ANONYMOUS = Principal()


def principal_for(session: Session, user: User | None) -> Principal:
    if user is None or not user.is_active:
        return ANONYMOUS
    roles: dict[int, set[Role]] = {}
    for membership in user.memberships:
        roles.setdefault(membership.municipality_id, set()).add(membership.role)
    network_kinds = (MunicipalityKind.MEMBER, MunicipalityKind.PARTNER)
    network_ids = {
        mid for mid, kind in session.execute(select(Municipality.id, Municipality.kind)) if kind in network_kinds
    }
    return Principal(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        is_superuser=user.is_superuser,
        roles={m: frozenset(r) for m, r in roles.items()},
        network_cities=frozenset(m for m in roles if m in network_ids),
    )


def visible(principal: Principal, model: type[Protected], *, now: dt.datetime | None = None) -> ColumnElement[bool]:
    """SQL condition on ``model`` (a ``Protected`` table) that is true exactly for the rows ``principal`` may see.

    Grants are given on datasets; for other protected tables the grant check uses their ``dataset_id``.
    """

    def _class_in(*classes: ProtectionClass) -> ColumnElement[bool]:
        return model.protection_class.in_(list(classes))

    if principal.is_superuser:
        return true()
    public = and_(_class_in(ProtectionClass.OEFFENTLICH), model.status == DatasetStatus.PUBLISHED)
    if principal.is_anonymous:
        return public
    uid = principal.user_id
    now = now or utcnow()
    conditions: list[ColumnElement[bool]] = [public]
    staff_cities = principal.cities_with()
    if staff_cities:
        conditions.append(
            and_(
                model.municipality_id.in_(staff_cities),
                _class_in(ProtectionClass.OEFFENTLICH, ProtectionClass.INTERN),
            )
        )
    if principal.network_cities:
        conditions.append(and_(_class_in(ProtectionClass.INTERN), model.shared_in_network.is_(True)))
    governance_cities = principal.cities_with(*GOVERNANCE_ROLES)
    if governance_cities:
        conditions.append(
            and_(
                model.municipality_id.in_(governance_cities),
                or_(model.protection_class.is_(None), _class_in(ProtectionClass.VERTRAULICH)),
            )
        )
    dpo_cities = principal.cities_with(Role.DPO)
    if dpo_cities:
        conditions.append(and_(model.municipality_id.in_(dpo_cities), _class_in(ProtectionClass.STRENG_VERTRAULICH)))
    conditions.append(or_(model.owner_id == uid, model.steward_id == uid, model.created_by_id == uid))
    granted_id = model.dataset_id if hasattr(model, "dataset_id") else model.id  # type: ignore[attr-defined]
    # An uncorrelated IN (computed once) instead of a correlated EXISTS per row: same meaning, faster plans.
    active_grants = select(AccessGrant.dataset_id).where(
        AccessGrant.user_id == uid,
        AccessGrant.valid_from <= now,
        AccessGrant.valid_until > now,
        AccessGrant.revoked_at.is_(None),
    )
    conditions.append(granted_id.in_(active_grants))
    return or_(*conditions)


def visible_rows(principal: Principal, model: type[P]) -> Select[P]:
    """``SELECT model`` already restricted to what ``principal`` may see; add filters, order and paging."""
    return select(model).where(visible(principal, model))


def can_view(session: Session, principal: Principal, model: type[Protected], row_id: int) -> bool:
    """Single-row check through the very same SQL condition (no second, Python-side rule)."""
    stmt = select(model.id).where(model.id == row_id, visible(principal, model))  # type: ignore[attr-defined]
    return session.execute(stmt).first() is not None


def _dataset_role(principal: Principal, dataset: Protected) -> set[str]:
    named = set()
    if principal.user_id is not None:
        if dataset.owner_id == principal.user_id:
            named.add("owner")
        if dataset.steward_id == principal.user_id:
            named.add("steward")
        if dataset.created_by_id == principal.user_id:
            named.add("creator")
    return named


def allowed(principal: Principal, action: Action, resource: Protected | Municipality | int) -> bool:
    """Whether ``principal`` may perform ``action`` on a dataset or in a municipality (given as id or row).

    Viewing is decided by ``visible``; callers check it with ``can_view`` before any other action.
    """
    if principal.is_superuser:
        return True
    if principal.is_anonymous:
        return False
    if isinstance(resource, Protected):
        city = resource.municipality_id
        named = _dataset_role(principal, resource)
        held = principal.roles_in(city)
        if action is Action.EDIT_DATASET:
            return bool(named) or bool(held & {Role.DATA_STEWARD, Role.DATA_OWNER, Role.ADMIN})
        if action is Action.CLASSIFY_DATASET:
            return "steward" in named or bool(held & {Role.DATA_STEWARD, Role.DPO})
        if action is Action.PUBLISH_DATASET:
            return "owner" in named or bool(held & {Role.DATA_OWNER})
        if action is Action.DELETE_DATASET:
            return "owner" in named or bool(held & {Role.DATA_OWNER, Role.ADMIN})
        if action in (Action.GRANT_ACCESS, Action.APPROVE_AS_OWNER):
            return "owner" in named or Role.DATA_OWNER in held
        if action is Action.APPROVE_AS_DPO:
            return Role.DPO in held
        if action is Action.ASSIGN_RESPONSIBILITY:
            return Role.ADMIN in held
        return False
    city = resource.id if isinstance(resource, Municipality) else resource
    held = principal.roles_in(city)
    if action is Action.CREATE_DATASET:
        return bool(held)
    if action in (Action.MANAGE_MEMBERS, Action.MANAGE_HARVEST):
        return Role.ADMIN in held or (action is Action.MANAGE_HARVEST and Role.DATA_STEWARD in held)
    if action is Action.VIEW_AUDIT:
        return bool(held & {Role.ADMIN, Role.DPO, Role.GOVERNANCE_BOARD, Role.DATA_OWNER})
    if action is Action.VIEW_GOVERNANCE:
        return bool(held & GOVERNANCE_ROLES)
    if action is Action.REQUEST_ACCESS:
        return bool(held)
    if action in (Action.FORUM_CONTRIBUTE, Action.FORUM_COMMENT):
        # Digital Forum (kikz.transfer): staff of member and partner cities; guests only read
        return bool(held) and city in principal.network_cities
    if action in (Action.FORUM_INVITE_GUEST, Action.FORUM_MODERATE):
        return Role.ADMIN in held and city in principal.network_cities
    return False


def require(principal: Principal, action: Action, resource: Protected | Municipality | int) -> None:
    if not allowed(principal, action, resource):
        raise PermissionDenied()


def reads_forum_internal(principal: Principal, invited_cities: Iterable[int] = ()) -> bool:
    """Whether ``principal`` reads forum-internal entries of the Digital Forum (kikz.transfer).

    Staff of member and partner cities and platform superusers do; staff of a guest municipality only while
    the forum has an active invitation for it (``invited_cities``, looked up by kikz.transfer).
    """
    if principal.is_superuser or principal.network_cities:
        return True
    return bool(set(principal.cities_with()) & set(invited_cities))


def writable_cities(principal: Principal, session: Session) -> list[Municipality]:
    """Municipalities in which ``principal`` may create datasets."""
    rows: Iterable[Municipality] = session.scalars(select(Municipality).order_by(Municipality.name))
    return [m for m in rows if allowed(principal, Action.CREATE_DATASET, m)]


__all__ = [
    "ANONYMOUS",
    "Action",
    "PermissionDenied",
    "Principal",
    "allowed",
    "can_view",
    "principal_for",
    "reads_forum_internal",
    "require",
    "visible",
    "visible_rows",
    "writable_cities",
]
