"""Users, memberships, passwords (argon2id), login sessions with CSRF tokens, API tokens, grants."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kikz import audit
from kikz.db import utcnow
from kikz.errors import Conflict, InvalidInput, NotFound
from kikz.tenancy.models import AccessGrant, ApiToken, LoginSession, Membership, Municipality, User
from kikz.tenancy.permissions import Principal
from kikz.types import MunicipalityKind, Role

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_DUMMY_HASH = _hasher.hash("kikz-timing-equaliser")
MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "kikz_"  # noqa: S105 - a public prefix, not a secret


class LoginFailed(Exception):
    """Wrong e-mail or password, or the account is locked; the message never tells which."""

    def __init__(self, locked: bool = False) -> None:
        self.locked = locked
        super().__init__(
            "Anmeldung vorübergehend gesperrt. Bitte später erneut versuchen."
            if locked
            else "E-Mail-Adresse oder Passwort ist falsch."
        )


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"Das Passwort muss mindestens {MIN_PASSWORD_LENGTH} Zeichen haben.")
    return _hasher.hash(password)


def create_municipality(
    session: Session, *, slug: str, name: str, ags: str, ars: str, kind: MunicipalityKind, **extra: str
) -> Municipality:
    if session.scalar(select(Municipality).where(Municipality.slug == slug)):
        raise Conflict(f"Die Kommune '{slug}' existiert bereits.")
    city = Municipality(slug=slug, name=name, ags=ags, ars=ars, kind=kind, **extra)
    session.add(city)
    session.flush()
    return city


def get_municipality(session: Session, slug: str) -> Municipality:
    city = session.scalar(select(Municipality).where(Municipality.slug == slug))
    if city is None:
        raise NotFound(f"Unbekannte Kommune: {slug}")
    return city


def create_user(
    session: Session,
    *,
    email: str,
    display_name: str,
    password: str | None = None,
    is_superuser: bool = False,
    actor: Principal | None = None,
) -> User:
    email = email.strip().lower()
    if "@" not in email:
        raise InvalidInput("Bitte eine gültige E-Mail-Adresse angeben.")
    if session.scalar(select(User).where(User.email == email)):
        raise Conflict(f"Ein Konto für {email} existiert bereits.")
    user = User(
        email=email,
        display_name=display_name,
        password_hash=hash_password(password) if password else None,
        is_superuser=is_superuser,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.create",
        entity_type="user",
        entity_id=user.id,
        after={"email": email, "superuser": is_superuser},
    )
    return user


def get_user_by_email(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"Kein Konto für {email}.")
    return user


def grant_role(
    session: Session, *, user: User, municipality: Municipality, role: Role, actor: Principal | None = None
) -> Membership:
    existing = session.scalar(
        select(Membership).where(
            Membership.user_id == user.id,
            Membership.municipality_id == municipality.id,
            Membership.role == role,
        )
    )
    if existing:
        return existing
    membership = Membership(user_id=user.id, municipality_id=municipality.id, role=role)
    session.add(membership)
    session.flush()
    session.refresh(user, ["memberships"])
    audit.record(
        session,
        actor=actor,
        action="membership.grant",
        entity_type="user",
        entity_id=user.id,
        municipality_id=municipality.id,
        after={"role": role.value},
    )
    return membership


def revoke_role(
    session: Session, *, user: User, municipality: Municipality, role: Role, actor: Principal | None = None
) -> None:
    session.execute(
        delete(Membership).where(
            Membership.user_id == user.id,
            Membership.municipality_id == municipality.id,
            Membership.role == role,
        )
    )
    session.refresh(user, ["memberships"])
    audit.record(
        session,
        actor=actor,
        action="membership.revoke",
        entity_type="user",
        entity_id=user.id,
        municipality_id=municipality.id,
        before={"role": role.value},
    )


def authenticate(session: Session, *, email: str, password: str, max_failures: int, lock_seconds: int) -> User:
    """Check a password; too many failures lock the account for a while (no hint whether it exists)."""
    now = utcnow()
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active or not user.password_hash:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password + "x")  # same cost, so timing does not reveal accounts
        raise LoginFailed()
    if user.locked_until and user.locked_until > now:
        raise LoginFailed(locked=True)
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + dt.timedelta(seconds=lock_seconds)
            user.failed_logins = 0
            audit.record(session, actor=None, action="user.locked", entity_type="user", entity_id=user.id)
        session.flush()
        raise LoginFailed() from None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    session.flush()
    return user


def start_session(session: Session, *, user: User, max_age_seconds: int) -> tuple[str, LoginSession]:
    """Create a login session; returns the cookie token (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    login = LoginSession(
        token_hash=_sha256(token),
        user_id=user.id,
        expires_at=utcnow() + dt.timedelta(seconds=max_age_seconds),
    )
    session.add(login)
    session.flush()
    return token, login


def resolve_session(session: Session, token: str) -> tuple[User, LoginSession] | None:
    login = session.scalar(select(LoginSession).where(LoginSession.token_hash == _sha256(token)))
    if login is None or login.expires_at <= utcnow():
        return None
    user = session.get(User, login.user_id)
    if user is None or not user.is_active:
        return None
    return user, login


def end_session(session: Session, token: str) -> None:
    session.execute(delete(LoginSession).where(LoginSession.token_hash == _sha256(token)))


def create_api_token(session: Session, *, user: User, name: str, valid_days: int | None = 365) -> tuple[str, ApiToken]:
    """A personal API token; the plain token is returned once and never stored."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name[:120] or "API",
        prefix=secret[:12],
        token_hash=_sha256(secret),
        expires_at=utcnow() + dt.timedelta(days=valid_days) if valid_days else None,
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor=user,
        action="token.create",
        entity_type="api_token",
        entity_id=token.id,
        after={"name": token.name, "prefix": token.prefix},
    )
    return secret, token


def resolve_api_token(session: Session, secret: str) -> User | None:
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _sha256(secret)))
    now = utcnow()
    if token is None or token.revoked_at or (token.expires_at and token.expires_at <= now):
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.is_active:
        return None
    token.last_used_at = now
    return user


def list_api_tokens(session: Session, *, user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked ones too, so the list doubles as their history)."""
    stmt = select(ApiToken).where(ApiToken.user_id == user.id)
    return list(session.scalars(stmt.order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_api_token(session: Session, *, user: User, token_id: int) -> None:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("Token nicht gefunden.")
    token.revoked_at = utcnow()
    audit.record(session, actor=user, action="token.revoke", entity_type="api_token", entity_id=token.id)


def grant_access(
    session: Session,
    *,
    user: User,
    dataset_id: int,
    purpose: str,
    valid_until: dt.datetime,
    granted_by: Principal,
    municipality_id: int | None = None,
) -> AccessGrant:
    """An explicit, time-limited grant (callers check Action.GRANT_ACCESS on the dataset first)."""
    if valid_until <= utcnow():
        raise InvalidInput("Das Ende der Freigabe muss in der Zukunft liegen.")
    if not purpose.strip():
        raise InvalidInput("Bitte den Zweck der Freigabe angeben.")
    grant = AccessGrant(
        user_id=user.id,
        dataset_id=dataset_id,
        purpose=purpose.strip(),
        valid_until=valid_until,
        granted_by_id=granted_by.user_id,
    )
    session.add(grant)
    session.flush()
    audit.record(
        session,
        actor=granted_by,
        action="grant.create",
        entity_type="dataset",
        entity_id=dataset_id,
        municipality_id=municipality_id,
        after={"user": user.email, "until": valid_until.isoformat(), "purpose": purpose},
    )
    return grant
