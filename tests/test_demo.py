"""The demo content: six cities, their accounts and a catalogue of real files, loaded through the services.

Loading takes a few seconds, so one database per module is loaded once and the tests only read it; tests
that change something roll back. Runs on SQLite, and on PostgreSQL when KIKZ_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from kikz.audit import AuditEntry
from kikz.catalog.models import Dataset, DatasetVersion, Distribution
from kikz.catalog.vocabularies import ensure_reference_data
from kikz.db import make_engine, make_sessionmaker
from kikz.demo import (
    DEMO_NOTE,
    DEMO_PASSWORD,
    SUPERUSER_EMAIL,
    DemoSummary,
    build_table,
    create_municipalities,
    demo_accounts,
    geo,
    load_demo,
    people,
)
from kikz.demo import files as demo_files
from kikz.demo.accounts import create_accounts, demo_email
from kikz.demo.cities import BY_SLUG, CITIES
from kikz.demo.plan import specs_for
from kikz.demo.tables_admin import social_security_number
from kikz.models import Base
from kikz.settings import Settings
from kikz.storage import FileStore
from kikz.tenancy import service as tenancy
from kikz.tenancy.models import Municipality, User
from kikz.tenancy.permissions import ANONYMOUS, principal_for, visible
from kikz.types import DatasetStatus, MunicipalityKind, ProtectionClass, Role
from tests.conftest import POSTGRES_URL, database_url, service_unavailable

OPEN_LICENSES = {"dl-by-de/2.0", "dl-zero-de/2.0", "cc-by/4.0"}


@dataclass
class Demo:
    settings: Settings
    factory: sessionmaker[Session]
    store: FileStore
    summary: DemoSummary


def _settings(tmp: Path, schema: str | None) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp / "var",
        database_url=database_url(schema),
        demo_data=False,
        base_url="http://testserver",
        _env_file=None,
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    schema = None
    admin = None
    if POSTGRES_URL:
        schema = "t_demo_" + uuid.uuid4().hex[:10]
        admin = make_engine(POSTGRES_URL)
        try:
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        except Exception as exc:
            admin.dispose()
            service_unavailable("PostgreSQL", exc)
    settings = _settings(tmp_path_factory.mktemp("demo"), schema)
    settings.data_dir.mkdir(parents=True)
    engine = make_engine(settings.sqlalchemy_url)
    Base.metadata.create_all(engine)
    factory = make_sessionmaker(engine)
    with factory.begin() as session:
        ensure_reference_data(session)
    store = FileStore(settings.files_dir)
    with factory.begin() as session:
        summary = load_demo(session, store=store, settings=settings)
    yield Demo(settings, factory, store, summary)
    engine.dispose()
    if admin is not None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def db(demo: Demo) -> Iterator[Session]:
    with demo.factory() as session:
        yield session
        session.rollback()


def _datasets(db: Session) -> list[Dataset]:
    return list(db.scalars(select(Dataset).order_by(Dataset.name)))


def test_cities_carry_their_official_keys(db: Session) -> None:
    rows = {m.slug: m for m in db.scalars(select(Municipality))}
    expected = {
        "offenbach": ("Stadt Offenbach am Main", "06413000", "064130000000", MunicipalityKind.MEMBER),
        "giessen": ("Universitätsstadt Gießen", "06531005", "065310005005", MunicipalityKind.MEMBER),
        "wetzlar": ("Stadt Wetzlar", "06532023", "065320023023", MunicipalityKind.MEMBER),
        "fulda": ("Stadt Fulda", "06631009", "066310009009", MunicipalityKind.MEMBER),
        "marburg": ("Universitätsstadt Marburg", "06534014", "065340014014", MunicipalityKind.PARTNER),
        "limburg": ("Kreisstadt Limburg a. d. Lahn", "06533009", "065330009009", MunicipalityKind.PARTNER),
    }
    assert {slug: (m.official_name, m.ags, m.ars, m.kind) for slug, m in rows.items()} == expected
    for m in rows.values():
        # ARS = Land, RB, Kreis (the AGS's first five digits) + Gemeindeverband + Gemeinde (its last three)
        assert m.ars[:5] == m.ags[:5] and m.ars[-3:] == m.ags[-3:]
        assert m.email.startswith("opendata@") and m.website.startswith("https://www.")
        assert m.description.endswith(DEMO_NOTE), "visitors learn that the content is synthetic"


def test_catalogue_size_and_mix_per_city_and_class(demo: Demo, db: Session) -> None:
    datasets = _datasets(db)
    assert len(datasets) == demo.summary.datasets >= 48
    per_city = Counter(d.municipality.slug for d in datasets)
    for city in CITIES:
        assert per_city[city.slug] >= (8 if city.kind is MunicipalityKind.MEMBER else 3), city.slug
    classes = Counter(d.protection_class for d in datasets)
    share = {cls: n / len(datasets) for cls, n in classes.items()}
    assert 0.5 <= share[ProtectionClass.OEFFENTLICH] <= 0.65
    assert 0.15 <= share[ProtectionClass.INTERN] <= 0.25
    assert 0.1 <= share[ProtectionClass.VERTRAULICH] <= 0.2
    assert classes[ProtectionClass.STRENG_VERTRAULICH] >= 2 and classes[None] >= 2
    assert demo.summary.oeffentlich == classes[ProtectionClass.OEFFENTLICH]
    assert demo.summary.unklassifiziert == classes[None]
    shared = [d for d in datasets if d.shared_in_network]
    assert shared and all(d.protection_class is ProtectionClass.INTERN for d in shared)
    published = [d for d in datasets if d.status is DatasetStatus.PUBLISHED]
    assert len(published) == demo.summary.published
    assert all(d.protection_class is ProtectionClass.OEFFENTLICH for d in published)


def test_metadata_is_complete_dcat_ap_de(db: Session) -> None:
    for d in _datasets(db):
        city = BY_SLUG[d.municipality.slug]
        prose = re.sub(r"\b(?:a\. d|u\. a|z\. B|Nr|Abs)\.", "", d.description)
        sentences = len(re.findall(r"[.!?](?:\s|$)", prose))
        assert 2 <= sentences <= 5 and len(d.description) >= 120, d.name
        assert len(d.keywords) >= 3 and d.themes and d.accrual_periodicity, d.name
        assert d.contact_email.endswith(city.website.removeprefix("https://www.")), d.name
        assert d.contact_name.endswith(city.official_name) and d.publisher_name == city.official_name
        if d.protection_class is ProtectionClass.OEFFENTLICH:
            assert d.license_id in OPEN_LICENSES, d.name
        else:
            assert d.license_id in (None, "other-closed"), d.name
        assert d.steward is not None and d.steward.email == demo_email(city.slug, Role.DATA_STEWARD)
        assert d.owner is not None and d.owner.email == demo_email(city.slug, Role.DATA_OWNER)
        assert d.distributions, d.name


def test_changes_went_through_the_services(db: Session) -> None:
    """History, audit log and search index are filled as by real users."""
    for d in _datasets(db):
        versions = db.scalar(select(func.count()).where(DatasetVersion.dataset_id == d.id))
        assert versions == d.version >= 1 + len(d.distributions)
        actors = set(db.scalars(select(AuditEntry.actor_label).where(AuditEntry.entity_id == d.identifier)))
        city = d.municipality.slug
        assert demo_email(city, Role.DATA_STEWARD) in actors
        if d.status is DatasetStatus.PUBLISHED:
            assert demo_email(city, Role.DATA_OWNER) in actors
    postings = db.scalar(text("SELECT count(DISTINCT dataset_id) FROM search_posting"))
    assert postings == len(_datasets(db))


def test_every_file_is_stored_and_described_correctly(demo: Demo, db: Session) -> None:
    stored = 0
    for city in CITIES:
        for spec in specs_for(city.slug):
            dataset = db.scalars(select(Dataset).where(Dataset.name == f"{city.slug}-{spec.key}")).one()
            by_name = {d.file_name: d for d in dataset.distributions if d.is_stored_file}
            assert sorted(by_name) == sorted(f.filename for f in spec.files)
            for file in spec.files:
                dist = by_name[file.filename]
                path = demo.store.path_for(dist.checksum_sha256 or "")
                data = path.read_bytes()
                assert hashlib.sha256(data).hexdigest() == dist.checksum_sha256 and len(data) == dist.byte_size
                table = build_table(city, spec, file)
                assert [c["name"] for c in dist.columns] == list(demo_files.expected_columns(table, file.fmt))
                rows = len(table.nested) if table.nested is not None else len(table.rows)
                assert dist.row_count == rows, file.filename
                stored += 1
    assert stored == demo.summary.files


def test_formats_sizes_and_links(db: Session) -> None:
    dists = list(db.scalars(select(Distribution)))
    formats = Counter(d.format for d in dists)
    assert {"CSV", "XLSX", "JSON", "GEOJSON", "PARQUET", "WMS_SRVC", "WFS_SRVC"} <= set(formats)
    rows = [d.row_count for d in dists if d.row_count is not None]
    assert max(rows) >= 15_000 and min(rows) <= 10
    links = [d for d in dists if d.access_url]
    assert links and all(d.checksum_sha256 is None and "SERVICE=W" in d.access_url for d in links)


def test_a_third_of_the_csvs_are_german_excel_exports(demo: Demo, db: Session) -> None:
    csvs = list(db.scalars(select(Distribution).where(Distribution.format == "CSV")))
    german = [d for d in csvs if d.encoding == "windows-1252"]
    assert len(german) * 3 >= len(csvs)
    for dist in german:
        assert dist.delimiter == ";"
        raw = demo.store.path_for(dist.checksum_sha256 or "").read_bytes()
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        header = raw.decode("cp1252").splitlines()[0]
        assert header.split(";") == [c["name"] for c in dist.columns]
    numbers = [c for d in german for c in d.columns if c["type"] == "number"]
    assert numbers, "German decimal commas are read as numbers"


def test_personal_data_is_never_public_and_looks_real(demo: Demo, db: Session) -> None:
    personal = [d for d in _datasets(db) if d.contains_personal_data]
    assert len(personal) >= 8
    assert all(d.effective_class is not ProtectionClass.OEFFENTLICH for d in personal)
    assert {d.name.split("-", 1)[1] for d in personal} >= {
        "gewerbeanmeldungen-2024",
        "buergeranliegen-2024",
        "personalstammdaten",
        "kita-anmeldungen-2025",
        "bewohnerparkausweise-2024",
    }
    staff = db.scalars(select(Dataset).where(Dataset.name == "offenbach-personalstammdaten")).one()
    table = pq.read_table(demo.store.path_for(staff.distributions[0].checksum_sha256 or "")).to_pydict()
    assert all(people.iban_valid(iban) for iban in table["IBAN"])
    assert all(t[-1] == str(people.tax_id_check_digit(t[:10])) for t in table["Steuer-ID"])
    parking = db.scalars(select(Dataset).where(Dataset.name == "giessen-bewohnerparkausweise-2024")).one()
    lines = demo.store.path_for(parking.distributions[0].checksum_sha256 or "").read_bytes().decode("cp1252")
    plates = re.findall(r";(GI-[A-Z]{1,2} \d{1,4});", lines)
    assert len(plates) == parking.distributions[0].row_count
    requests = db.scalars(select(Dataset).where(Dataset.name == "wetzlar-buergeranliegen-2024")).one()
    records = json.loads(demo.store.path_for(requests.distributions[0].checksum_sha256 or "").read_bytes())
    assert sum(bool(re.search(r"\+49 \d{2,4} \d{6,8}", r["text"])) for r in records) > len(records) / 4


def test_synthetic_identifiers_have_valid_check_digits() -> None:
    assert people.iban_de("37040044", "532013000") == "DE89370400440532013000"
    assert people.tax_id_check_digit("8609574271") == 9
    rng = random.Random(7)
    for _ in range(200):
        p = people.person(rng, BY_SLUG["fulda"])
        tax = p.tax_id
        assert len(tax) == 11 and tax[0] != "0" and max(Counter(tax[:10]).values()) == 2
        ssn = social_security_number(rng, p)
        assert re.fullmatch(r"\d{8}[A-Z]\d{3}", ssn) and ssn[2:8] == p.birth_date.strftime("%d%m%y")
        p.full_name.encode("cp1252")


def test_points_lie_in_their_district(demo: Demo, db: Session) -> None:
    for dist in db.scalars(select(Distribution).where(Distribution.format == "GEOJSON")):
        city = BY_SLUG[dist.dataset.municipality.slug]
        collection = json.loads(demo.store.path_for(dist.checksum_sha256 or "").read_bytes())
        for feature in collection["features"]:
            geometry = feature["geometry"]
            if geometry["type"] != "Point":
                assert geometry["type"] == "Polygon" and geometry["coordinates"][0][0] == geometry["coordinates"][0][-1]
                continue
            lon, lat = geometry["coordinates"]
            assert geo.district_of(city, lat, lon) == feature["properties"]["Stadtteil"], dist.file_name


def test_second_load_does_nothing(demo: Demo, db: Session) -> None:
    before = (
        db.scalar(select(func.count()).select_from(Dataset)),
        db.scalar(select(func.count()).select_from(User)),
    )
    summary = load_demo(db, store=demo.store, settings=demo.settings)
    assert summary == DemoSummary()
    after = (
        db.scalar(select(func.count()).select_from(Dataset)),
        db.scalar(select(func.count()).select_from(User)),
    )
    assert before == after


def test_demo_accounts_can_log_in(demo: Demo, db: Session) -> None:
    accounts = demo_accounts()
    assert demo.summary.users == len(accounts) == db.scalar(select(func.count()).select_from(User))
    assert len(DEMO_PASSWORD) >= 10
    for email in (SUPERUSER_EMAIL, "steward@offenbach.kikz.local", "dpo@limburg.kikz.local"):
        user = tenancy.authenticate(db, email=email, password=DEMO_PASSWORD, max_failures=5, lock_seconds=60)
        assert user.email == email
    admin = tenancy.get_user_by_email(db, SUPERUSER_EMAIL)
    assert admin.is_superuser and not admin.memberships
    steward = tenancy.get_user_by_email(db, "steward@giessen.kikz.local")
    assert [(m.municipality.slug, m.role) for m in steward.memberships] == [("giessen", Role.DATA_STEWARD)]
    with pytest.raises(tenancy.LoginFailed):
        tenancy.authenticate(
            db, email="owner@fulda.kikz.local", password="falsch-falsch", max_failures=5, lock_seconds=60
        )


def test_anonymous_sees_exactly_the_published_open_data(db: Session) -> None:
    seen = set(db.scalars(select(Dataset.name).where(visible(ANONYMOUS, Dataset))))
    expected = {f"{c.slug}-{s.key}" for c in CITIES for s in specs_for(c.slug) if s.protection.published}
    assert seen == expected
    drafts = db.scalars(select(Dataset).where(Dataset.status == DatasetStatus.DRAFT)).all()
    assert any(d.protection_class is ProtectionClass.OEFFENTLICH for d in drafts), "an open draft is hidden"


def test_roles_see_what_the_policy_allows(db: Session) -> None:
    def seen(email: str) -> set[str]:
        principal = principal_for(db, tenancy.get_user_by_email(db, email))
        return set(db.scalars(select(Dataset.name).where(visible(principal, Dataset))))

    partner_staff = seen(demo_email("marburg", Role.STAFF))
    assert "offenbach-energieverbrauch-gebaeude-2024" in partner_staff  # intern, shared in the network
    assert "giessen-schuelerprognose" not in partner_staff  # intern, not shared
    assert "giessen-schuelerprognose" in seen(demo_email("giessen", Role.STAFF))
    assert "offenbach-gewerbeanmeldungen-2024" not in seen(demo_email("offenbach", Role.STAFF))
    assert "offenbach-gewerbeanmeldungen-2024" in seen(demo_email("offenbach", Role.GOVERNANCE_BOARD))
    assert "offenbach-personalstammdaten" not in seen(demo_email("offenbach", Role.GOVERNANCE_BOARD))
    assert "offenbach-personalstammdaten" in seen(demo_email("offenbach", Role.DPO))
    assert "wetzlar-lichtsignalanlagen" in seen(demo_email("wetzlar", Role.ADMIN))  # unclassified = vertraulich
    assert "wetzlar-lichtsignalanlagen" not in seen(demo_email("wetzlar", Role.STAFF))


def test_generated_files_are_deterministic() -> None:
    city = BY_SLUG["wetzlar"]
    for spec in specs_for("wetzlar")[:6]:
        for file in spec.files:
            first = demo_files.render(build_table(city, spec, file), file.fmt, name=file.filename)
            again = demo_files.render(build_table(city, spec, file), file.fmt, name=file.filename)
            assert first == again, file.filename


def test_production_gets_content_but_no_demo_accounts(tmp_path: Path, session: Session, settings: Settings) -> None:
    production = settings.model_copy(update={"environment": "production"})
    summary = load_demo(session, store=FileStore(tmp_path / "files"), settings=production)
    assert summary.users == 0 and summary.datasets >= 48
    assert session.scalar(select(func.count()).select_from(User)) == 0
    published = session.scalars(select(Dataset).where(Dataset.status == DatasetStatus.PUBLISHED)).all()
    assert len(published) == summary.published and all(d.owner_id is None for d in published)


def test_an_existing_account_keeps_its_password(session: Session) -> None:
    tenancy.create_user(session, email=SUPERUSER_EMAIL, display_name="Admin", password="eigenes-passwort-1")
    users = create_accounts(session, create_municipalities(session))
    assert len(users) == len(demo_accounts())
    login = {"max_failures": 5, "lock_seconds": 60}
    assert tenancy.authenticate(session, email=SUPERUSER_EMAIL, password="eigenes-passwort-1", **login)
    with pytest.raises(tenancy.LoginFailed):
        tenancy.authenticate(session, email=SUPERUSER_EMAIL, password=DEMO_PASSWORD, **login)
    assert tenancy.authenticate(session, email="board@wetzlar.kikz.local", password=DEMO_PASSWORD, **login)
