"""The people named on a dataset: owner and steward must be members of its city with the matching role."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz.errors import InvalidInput
from kikz.tenancy.models import Membership, User
from kikz.types import Role


def check_person(session: Session, *, user_id: int, municipality_id: int, role: Role) -> User:
    """The user exists, is active and holds ``role`` in the city (owner and steward must be its members)."""
    user = session.get(User, user_id)
    held = session.scalar(
        select(Membership.id).where(
            Membership.user_id == user_id,
            Membership.municipality_id == municipality_id,
            Membership.role == role,
        )
    )
    if user is None or not user.is_active or held is None:
        raise InvalidInput(f"Diese Person ist in der Kommune des Datensatzes nicht als {role.label} eingetragen.")
    return user


def user_id_for(session: Session, email: str) -> int:
    user_id = session.scalar(select(User.id).where(User.email == email.strip().lower()))
    if user_id is None:
        raise InvalidInput(f"Kein Konto für {email}.")
    return user_id
