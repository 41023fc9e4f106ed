"""Small builders for test data, going through the real services."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kikz.catalog import service as catalog
from kikz.catalog.models import Dataset
from kikz.catalog.schemas import DatasetCreate
from kikz.tenancy import service as tenancy
from kikz.tenancy.models import Municipality, User
from kikz.tenancy.permissions import Principal, principal_for
from kikz.types import DatasetStatus, MunicipalityKind, ProtectionClass, Role

CITIES = {
    "offenbach": ("Offenbach am Main", "06413000", "064130000000", MunicipalityKind.MEMBER),
    "giessen": ("Gießen", "06531005", "065310005005", MunicipalityKind.MEMBER),
    "wetzlar": ("Wetzlar", "06532023", "065320023023", MunicipalityKind.MEMBER),
    "fulda": ("Fulda", "06631009", "066310009009", MunicipalityKind.MEMBER),
    "marburg": ("Marburg", "06534014", "065340014014", MunicipalityKind.PARTNER),
    "gastdorf": ("Gastdorf", "06999999", "069990000999", MunicipalityKind.GUEST),
}


def city(session: Session, slug: str = "offenbach") -> Municipality:
    existing = session.query(Municipality).filter_by(slug=slug).one_or_none()
    if existing:
        return existing
    name, ags, ars, kind = CITIES[slug]
    return tenancy.create_municipality(
        session, slug=slug, name=name, ags=ags, ars=ars, kind=kind, email=f"opendata@{slug}.de"
    )


def user(
    session: Session,
    email: str,
    *,
    roles: dict[str, list[Role]] | None = None,
    superuser: bool = False,
    password: str = "ein-sicheres-passwort",  # noqa: S107 - test fixture
) -> User:
    u = tenancy.create_user(
        session, email=email, display_name=email.split("@")[0], password=password, is_superuser=superuser
    )
    for slug, held in (roles or {}).items():
        for role in held:
            tenancy.grant_role(session, user=u, municipality=city(session, slug), role=role)
    return u


def admin_principal(session: Session) -> Principal:
    existing = session.query(User).filter_by(email="root@kikz.test").one_or_none()
    return principal_for(session, existing or user(session, "root@kikz.test", superuser=True))


def dataset(
    session: Session,
    *,
    municipality: str = "offenbach",
    title: str = "Radverkehrszählung Innenstadt",
    description: str = "Stündliche Zählwerte der Radverkehrszählstellen.",
    protection_class: ProtectionClass | None = ProtectionClass.OEFFENTLICH,
    status: DatasetStatus = DatasetStatus.PUBLISHED,
    **fields: object,
) -> Dataset:
    city(session, municipality)
    data = DatasetCreate(
        municipality=municipality,
        title=title,
        description=description,
        protection_class=protection_class,
        **fields,  # type: ignore[arg-type]
    )
    ds = catalog.create_dataset(session, principal=admin_principal(session), data=data)
    ds.status = status
    session.flush()
    return ds
