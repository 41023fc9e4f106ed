"""The permission matrix: every role × protection class × own/partner/other city, checked in SQL."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz.catalog.models import Dataset
from kikz.db import utcnow
from kikz.tenancy import service as tenancy
from kikz.tenancy.permissions import Action, allowed, can_view, principal_for, visible
from kikz.types import DatasetStatus, ProtectionClass, Role
from tests import factories as f

CLASSES: list[ProtectionClass | None] = [*ProtectionClass, None]
OWN, OTHER = "offenbach", "giessen"


def _expected(role: Role | None, cls: ProtectionClass | None, city: str, status: DatasetStatus, shared: bool) -> bool:
    """The rule as written in docs/permissions.md, independent of the SQL implementation."""
    effective = cls or ProtectionClass.VERTRAULICH
    if effective is ProtectionClass.OEFFENTLICH and status is DatasetStatus.PUBLISHED and cls is not None:
        return True
    if role is None:
        return False
    if city == OWN:
        if cls in (ProtectionClass.OEFFENTLICH, ProtectionClass.INTERN):
            return True
        if effective is ProtectionClass.VERTRAULICH:
            return role in (Role.DATA_STEWARD, Role.DATA_OWNER, Role.DPO, Role.GOVERNANCE_BOARD, Role.ADMIN)
        return role is Role.DPO
    return cls is ProtectionClass.INTERN and shared


@pytest.fixture
def matrix(session: Session) -> dict[tuple[ProtectionClass | None, str, DatasetStatus, bool], int]:
    ids = {}
    for cls, city, status, shared in itertools.product(
        CLASSES, (OWN, OTHER), (DatasetStatus.PUBLISHED, DatasetStatus.DRAFT), (False, True)
    ):
        ds = f.dataset(
            session,
            municipality=city,
            title=f"Datensatz {cls} {city} {status} {shared}",
            protection_class=cls,
            status=status,
            shared_in_network=shared,
        )
        ids[(cls, city, status, shared)] = ds.id
    return ids


@pytest.mark.parametrize("role", [None, *Role])
def test_every_role_sees_exactly_what_the_policy_says(session: Session, matrix: dict, role: Role | None) -> None:
    u = f.user(session, f"u-{role}@kikz.test", roles={OWN: [role]} if role else {})
    principal = principal_for(session, u)
    seen = set(session.scalars(select(Dataset.id).where(visible(principal, Dataset))))
    for (cls, city, status, shared), ds_id in matrix.items():
        expected = _expected(role, cls, city, status, shared)
        assert (ds_id in seen) is expected, (role, cls, city, status, shared)
        assert can_view(session, principal, Dataset, ds_id) is expected


def test_anonymous_sees_only_published_public(session: Session, matrix: dict) -> None:
    anon = principal_for(session, None)
    seen = set(session.scalars(select(Dataset.id).where(visible(anon, Dataset))))
    assert seen == {
        matrix[(ProtectionClass.OEFFENTLICH, c, DatasetStatus.PUBLISHED, s)]
        for c in (OWN, OTHER)
        for s in (False, True)
    }


def test_unclassified_counts_as_vertraulich(session: Session) -> None:
    ds = f.dataset(session, protection_class=None, title="Unklassifizierte Tabelle")
    staff = principal_for(session, f.user(session, "staff@kikz.test", roles={OWN: [Role.STAFF]}))
    steward = principal_for(session, f.user(session, "steward@kikz.test", roles={OWN: [Role.DATA_STEWARD]}))
    assert not can_view(session, staff, Dataset, ds.id)
    assert can_view(session, steward, Dataset, ds.id)


def test_guest_city_staff_do_not_see_network_shared_intern(session: Session) -> None:
    ds = f.dataset(session, protection_class=ProtectionClass.INTERN, shared_in_network=True)
    guest = principal_for(session, f.user(session, "gast@kikz.test", roles={"gastdorf": [Role.STAFF]}))
    partner = principal_for(session, f.user(session, "mr@kikz.test", roles={"marburg": [Role.STAFF]}))
    assert not can_view(session, guest, Dataset, ds.id)
    assert can_view(session, partner, Dataset, ds.id)


def test_grants_are_time_limited_and_revocable(session: Session) -> None:
    ds = f.dataset(session, municipality=OTHER, protection_class=ProtectionClass.STRENG_VERTRAULICH)
    u = f.user(session, "analyst@kikz.test", roles={OWN: [Role.STAFF]})
    principal = principal_for(session, u)
    assert not can_view(session, principal, Dataset, ds.id)
    grant = tenancy.grant_access(
        session,
        user=u,
        dataset_id=ds.id,
        purpose="Verkehrsplanung",
        valid_until=utcnow() + dt.timedelta(days=1),
        granted_by=f.admin_principal(session),
    )
    assert can_view(session, principal, Dataset, ds.id)
    later = utcnow() + dt.timedelta(days=2)
    assert session.scalar(select(Dataset.id).where(Dataset.id == ds.id, visible(principal, Dataset, now=later))) is None
    grant.revoked_at = utcnow()
    session.flush()
    assert not can_view(session, principal, Dataset, ds.id)


def test_named_owner_sees_own_streng_vertraulich_dataset(session: Session) -> None:
    owner = f.user(session, "owner@kikz.test", roles={OWN: [Role.STAFF]})
    ds = f.dataset(session, protection_class=ProtectionClass.STRENG_VERTRAULICH, owner_id=None)
    ds.owner_id = owner.id
    session.flush()
    assert can_view(session, principal_for(session, owner), Dataset, ds.id)


def test_actions(session: Session) -> None:
    ds = f.dataset(session)
    staff = principal_for(session, f.user(session, "s@kikz.test", roles={OWN: [Role.STAFF]}))
    steward = principal_for(session, f.user(session, "st@kikz.test", roles={OWN: [Role.DATA_STEWARD]}))
    foreign = principal_for(session, f.user(session, "x@kikz.test", roles={OTHER: [Role.DATA_STEWARD]}))
    assert allowed(staff, Action.CREATE_DATASET, ds.municipality_id)
    assert not allowed(staff, Action.EDIT_DATASET, ds)
    assert allowed(steward, Action.EDIT_DATASET, ds)
    assert allowed(steward, Action.CLASSIFY_DATASET, ds)
    assert not allowed(foreign, Action.EDIT_DATASET, ds)
    assert not allowed(principal_for(session, None), Action.CREATE_DATASET, ds.municipality_id)
