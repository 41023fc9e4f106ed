"""Demo accounts: one per city and role with a predictable address, plus one platform administrator.

They exist only outside production, so a visitor can try every role; the README lists them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz.demo.cities import CITIES, City
from kikz.tenancy import service as tenancy
from kikz.tenancy.models import Municipality, User
from kikz.types import Role

DEMO_PASSWORD = "kikz-demo-2025"  # noqa: S105 (published; no demo accounts in production)
"""The one password of every demo account (documented in the README; never used in production)."""

SUPERUSER_EMAIL = "admin@kikz.local"
LOCAL_PARTS: dict[Role, str] = {
    Role.STAFF: "staff",
    Role.DATA_STEWARD: "steward",
    Role.DATA_OWNER: "owner",
    Role.DPO: "dpo",
    Role.GOVERNANCE_BOARD: "board",
    Role.ADMIN: "admin",
}


@dataclass(frozen=True)
class DemoAccount:
    email: str
    display_name: str
    municipality: str | None  # slug; None for the platform administrator
    role: Role | None
    superuser: bool = False


def demo_email(city_slug: str, role: Role) -> str:
    return f"{LOCAL_PARTS[role]}@{city_slug}.kikz.local"


def demo_accounts() -> list[DemoAccount]:
    """Every demo account, in the order the README lists them."""
    accounts = [DemoAccount(SUPERUSER_EMAIL, "Plattform-Administration (Demo)", None, None, superuser=True)]
    for city in CITIES:
        for role in Role:
            accounts.append(
                DemoAccount(demo_email(city.slug, role), f"{role.label} {city.name} (Demo)", city.slug, role)
            )
    return accounts


def create_accounts(session: Session, municipalities: dict[str, Municipality]) -> dict[str, User]:
    """Create the demo accounts and their roles; returns them by e-mail address.

    An account that already exists (e.g. an administrator created before the first start) keeps its
    password and only receives the demo role.
    """
    # One argon2 hash for all accounts: they share the password, and hashing it once per account would
    # cost several seconds on every first start.
    password_hash = tenancy.hash_password(DEMO_PASSWORD)
    existing = {
        u.email: u for u in session.scalars(select(User).where(User.email.in_(a.email for a in demo_accounts())))
    }
    users: dict[str, User] = {}
    for account in demo_accounts():
        user = existing.get(account.email)
        if user is None:
            user = tenancy.create_user(
                session,
                email=account.email,
                display_name=account.display_name,
                is_superuser=account.superuser,
            )
            user.password_hash = password_hash
        if account.municipality and account.role:
            tenancy.grant_role(session, user=user, municipality=municipalities[account.municipality], role=account.role)
        users[account.email] = user
    session.flush()
    return users


def accounts_markdown(cities: tuple[City, ...] = CITIES) -> str:
    """A Markdown table of the demo accounts for the README."""
    lines = [
        f"Passwort für alle Demo-Konten: `{DEMO_PASSWORD}`",
        "",
        "| Konto | Rolle |",
        "|---|---|",
        f"| `{SUPERUSER_EMAIL}` | Plattform-Administration (sieht alles) |",
    ]
    for city in cities:
        for role in Role:
            lines.append(f"| `{demo_email(city.slug, role)}` | {role.label} {city.name} |")
    return "\n".join(lines)
