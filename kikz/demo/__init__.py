"""Demo content of the Smart-KIKZ cities: municipalities, accounts and a living catalogue with real files.

``load_demo`` goes through the same services as the web interface (create, upload, publish), so the audit
log, the version history and the search index are filled exactly as in real use. Every file is generated
from a seeded random at load time: the same bytes on every machine, nothing binary in the repository.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz.catalog import service as catalog
from kikz.catalog.models import Dataset
from kikz.catalog.schemas import DatasetCreate
from kikz.catalog.vocabularies import ensure_reference_data
from kikz.demo.accounts import (
    DEMO_PASSWORD,
    SUPERUSER_EMAIL,
    accounts_markdown,
    create_accounts,
    demo_accounts,
    demo_email,
)
from kikz.demo.cities import CITIES, City
from kikz.demo.files import Table, render
from kikz.demo.plan import specs_for
from kikz.demo.sensors import load_sensor_demo
from kikz.demo.specs import DatasetSpec, FileSpec, contact_email
from kikz.demo.traffic_model import DAYS, FIRST_DAY
from kikz.governance.workflow.direct import publish_directly
from kikz.settings import Settings
from kikz.storage import FileStore
from kikz.tenancy import service as tenancy
from kikz.tenancy.models import Municipality, User
from kikz.tenancy.permissions import Principal, principal_for
from kikz.transfer.demo import load_forum_demo
from kikz.transparency.lab_demo import load_lab_demo
from kikz.transparency.register_demo import load_register_demo
from kikz.types import Role

DEMO_NOTE = " Die Datensätze dieser Demo sind synthetisch erzeugt und keine amtlichen Daten der Stadt."
SYSTEM = Principal(display_name="Demodaten", is_superuser=True)
"""Acts for the cities when there are no demo accounts (production): a system actor, not a login."""


@dataclass
class DemoSummary:
    municipalities: int = 0
    users: int = 0
    datasets: int = 0
    published: int = 0
    distributions: int = 0
    files: int = 0
    bytes: int = 0
    oeffentlich: int = 0
    intern: int = 0
    vertraulich: int = 0
    streng_vertraulich: int = 0
    unklassifiziert: int = 0
    sensor_sites: int = 0
    datastreams: int = 0
    observations: int = 0
    """Stored during the load; a full year is stored afterwards by ``sensor_jobs`` background jobs."""
    sensor_jobs: int = 0


def seed(city: City, spec: DatasetSpec, part: str = "") -> random.Random:
    """The random source of one generated table: fixed per city, dataset and file."""
    return random.Random(f"kikz-demo:{city.slug}:{spec.key}:{part}")


def build_table(city: City, spec: DatasetSpec, file: FileSpec | None = None) -> Table:
    """The table behind a dataset's files, or behind one file that has content of its own."""
    if file is not None and file.table is not None:
        return file.table(city, seed(city, spec, file.filename))
    return spec.table(city, seed(city, spec))


def create_municipalities(session: Session) -> dict[str, Municipality]:
    return {
        c.slug: tenancy.create_municipality(
            session,
            slug=c.slug,
            name=c.name,
            ags=c.ags,
            ars=c.ars,
            kind=c.kind,
            official_name=c.official_name,
            email=c.email,
            website=c.website,
            description=c.description + DEMO_NOTE,
        )
        for c in CITIES
    }


def _actors(session: Session, city: City, users: dict[str, User]) -> tuple[Principal, Principal, User | None]:
    """(steward principal, owner principal, owner user) of a city; the system actor without accounts."""
    steward = users.get(demo_email(city.slug, Role.DATA_STEWARD))
    owner = users.get(demo_email(city.slug, Role.DATA_OWNER))
    if steward is None or owner is None:
        return SYSTEM, SYSTEM, None
    return principal_for(session, steward), principal_for(session, owner), owner


def _create(session: Session, city: City, spec: DatasetSpec, steward: Principal) -> Dataset:
    data = DatasetCreate(
        municipality=city.slug,
        name=f"{city.slug}-{spec.key}",
        title=spec.title,
        description=spec.description,
        keywords=list(spec.keywords),
        themes=list(spec.themes),
        contact_name=f"{spec.office}, {city.official_name}",
        contact_email=contact_email(city, spec),
        license_id=spec.license_id,
        temporal_start=spec.start,
        temporal_end=spec.end,
        accrual_periodicity=spec.periodicity,
        legal_basis=spec.legal_basis,
        conforms_to=spec.conforms_to,
        shared_in_network=spec.protection.shared,
        protection_class=spec.protection.cls,
        contains_personal_data=spec.personal,
    )
    return catalog.create_dataset(session, principal=steward, data=data)


def _add_files(
    session: Session,
    city: City,
    spec: DatasetSpec,
    dataset: Dataset,
    actor: Principal,
    *,
    store: FileStore,
    settings: Settings,
    summary: DemoSummary,
) -> None:
    main: Table | None = None  # several files of a dataset are usually the same table in other formats
    for file in spec.files:
        if file.table is not None:
            table = build_table(city, spec, file)
        else:
            main = table = main or build_table(city, spec)
        payload = render(table, file.fmt, name=file.filename.rsplit(".", 1)[0])
        catalog.add_file_distribution(
            session,
            principal=actor,
            dataset=dataset,
            store=store,
            filename=file.filename,
            stream=io.BytesIO(payload),
            max_bytes=settings.max_upload_bytes,
            title=file.title,
        )
        summary.files += 1
        summary.bytes += len(payload)
    for link in spec.links:
        catalog.add_link_distribution(
            session, principal=actor, dataset=dataset, access_url=link.url, title=link.title, fmt=link.fmt
        )
    summary.distributions += len(spec.files) + len(spec.links)


def load_demo(
    session: Session,
    *,
    store: FileStore,
    settings: Settings,
    sensor_first: dt.date = FIRST_DAY,
    sensor_days: int = DAYS,
    sensor_inline: bool | None = None,
) -> DemoSummary:
    """Load the demo cities, accounts (outside production) and datasets; does nothing if a demo city exists.

    The counter networks get ``sensor_days`` days of 15-minute data from ``sensor_first`` (default: all of 2025,
    stored by background jobs; see :mod:`kikz.demo.sensors`). Never commits: the caller owns the transaction,
    so a failure leaves nothing half-loaded (jobs included).
    """
    summary = DemoSummary()
    slugs = [c.slug for c in CITIES]
    if session.scalar(select(Municipality.id).where(Municipality.slug.in_(slugs)).limit(1)) is not None:
        return summary
    ensure_reference_data(session)
    municipalities = create_municipalities(session)
    summary.municipalities = len(municipalities)
    users = create_accounts(session, municipalities) if settings.environment != "production" else {}
    summary.users = len(users)
    stewards: dict[str, Principal] = {}
    for city in CITIES:
        steward, owner, owner_user = _actors(session, city, users)
        stewards[city.slug] = steward
        for spec in specs_for(city.slug):
            dataset = _create(session, city, spec, steward)
            if owner_user is not None and steward.user_id is not None:
                # DatasetCreate has no owner/steward fields yet, so the named roles are set right after.
                dataset.owner_id = owner_user.id
                dataset.steward_id = steward.user_id
                session.flush()
            _add_files(session, city, spec, dataset, steward, store=store, settings=settings, summary=summary)
            if spec.protection.published:
                # trusted loader: publishes without a proposal, still under the open-data conditions (audited)
                publish_directly(session, dataset=dataset, actor=owner, note="veröffentlicht")
                summary.published += 1
            summary.datasets += 1
            label = spec.protection.cls.value if spec.protection.cls else "unklassifiziert"
            setattr(summary, label, getattr(summary, label) + 1)
    sensors = load_sensor_demo(session, stewards, first=sensor_first, days=sensor_days, inline=sensor_inline)
    summary.sensor_sites, summary.datastreams = sensors.sites, sensors.datastreams
    summary.observations, summary.sensor_jobs = sensors.observations, sensors.jobs
    load_register_demo(session, base_url=settings.base_url, actors=stewards)
    admins = {c.slug: principal_for(session, u) for c in CITIES if (u := users.get(demo_email(c.slug, Role.ADMIN)))}
    load_lab_demo(session, admins=admins)
    load_forum_demo(session, stewards)
    session.flush()
    return summary


__all__ = [
    "DEMO_PASSWORD",
    "SUPERUSER_EMAIL",
    "DemoSummary",
    "accounts_markdown",
    "demo_accounts",
    "load_demo",
]
