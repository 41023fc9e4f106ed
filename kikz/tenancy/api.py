"""JSON API of the caller's own account: who am I, and my personal API tokens."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from kikz.errors import NotFound
from kikz.tenancy import service
from kikz.tenancy.models import User
from kikz.tenancy.permissions import Principal
from kikz.types import Role
from kikz.web.deps import LoggedInDep, SessionDep

router = APIRouter(prefix="/api/v1/me", tags=["Konto / Account"])

MAX_TOKEN_DAYS = 730


class MembershipPublic(BaseModel):
    municipality: str = Field(description="slug")
    municipality_name: str
    roles: list[Role]


class MePublic(BaseModel):
    id: int
    email: str
    display_name: str
    is_superuser: bool
    memberships: list[MembershipPublic]


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=120, description="what the token is for, e.g. 'Import-Skript'")
    valid_days: int = Field(365, ge=1, le=MAX_TOKEN_DAYS)


class ApiTokenPublic(BaseModel):
    """A token as listed: never the secret, only the prefix that identifies it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class ApiTokenCreated(ApiTokenPublic):
    token: str = Field(description="the secret; shown only in this answer, store it safely")


def _user(session: Session, principal: Principal) -> User:
    user = session.get(User, principal.user_id)
    if user is None:  # deleted while the request ran
        raise NotFound("Konto nicht gefunden.")
    return user


@router.get("", response_model=MePublic, summary="Eigenes Konto / Own account")
def me(session: SessionDep, principal: LoggedInDep) -> MePublic:
    user = _user(session, principal)
    by_city: dict[int, MembershipPublic] = {}
    for membership in sorted(user.memberships, key=lambda m: (m.municipality.name, m.role.value)):
        entry = by_city.setdefault(
            membership.municipality_id,
            MembershipPublic(
                municipality=membership.municipality.slug,
                municipality_name=membership.municipality.name,
                roles=[],
            ),
        )
        entry.roles.append(membership.role)
    return MePublic(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        is_superuser=user.is_superuser,
        memberships=list(by_city.values()),
    )


@router.get("/tokens", response_model=list[ApiTokenPublic], summary="API-Tokens auflisten / List API tokens")
def list_tokens(session: SessionDep, principal: LoggedInDep) -> list[ApiTokenPublic]:
    tokens = service.list_api_tokens(session, user=_user(session, principal))
    return [ApiTokenPublic.model_validate(t) for t in tokens]


@router.post(
    "/tokens",
    status_code=201,
    response_model=ApiTokenCreated,
    summary="API-Token erzeugen / Create an API token",
    description="Das Geheimnis steht nur in dieser Antwort. / The secret appears only in this answer.",
)
def create_token(data: TokenCreate, session: SessionDep, principal: LoggedInDep) -> ApiTokenCreated:
    secret, token = service.create_api_token(
        session, user=_user(session, principal), name=data.name, valid_days=data.valid_days
    )
    return ApiTokenCreated(**ApiTokenPublic.model_validate(token).model_dump(), token=secret)


@router.delete("/tokens/{token_id}", status_code=204, summary="API-Token widerrufen / Revoke an API token")
def revoke_token(token_id: int, session: SessionDep, principal: LoggedInDep) -> Response:
    service.revoke_api_token(session, user=_user(session, principal), token_id=token_id)
    return Response(status_code=204)
