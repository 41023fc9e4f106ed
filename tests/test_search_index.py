"""The in-process search index and visibility memo against committed changes, several engines and time.

Unlike tests/test_search.py (one uncommitted session), these tests commit, because the shared index and
the shared visibility memo only ever hold committed catalogue versions.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from kikz.catalog import search, search_runtime, service
from kikz.catalog.models import Dataset, DatasetFacet
from kikz.catalog.schemas import DatasetUpdate
from kikz.db import make_engine, make_sessionmaker, utcnow
from kikz.settings import Settings
from kikz.tenancy import service as tenancy
from kikz.tenancy.models import User
from kikz.tenancy.permissions import ANONYMOUS, Principal, principal_for, visible
from kikz.types import ProtectionClass, Role
from tests import factories


def found(factory: sessionmaker[Session], query: str, principal: Principal = ANONYMOUS) -> list[str]:
    with factory() as session:
        result = search.search_datasets(session, principal=principal, query=query, limit=100)
        assert result.total == len(result.hits)
        return sorted(hit.dataset.title for hit in result.hits)


def principal_of(factory: sessionmaker[Session], email: str) -> Principal:
    with factory() as session:
        return principal_for(session, session.scalars(select(User).where(User.email == email)).one())


@pytest.fixture
def other_engine(settings: Settings, engine: Engine) -> Iterator[Engine]:
    """A second engine on the same database: its own index and memos, as in another process."""
    second = make_engine(settings.sqlalchemy_url)
    yield second
    second.dispose()


def test_committed_changes_are_found_at_once_here_and_in_another_process(
    session_factory: sessionmaker[Session], other_engine: Engine
) -> None:
    other = make_sessionmaker(other_engine)
    with session_factory.begin() as session:
        factories.dataset(session, title="Baumkataster")
    assert found(session_factory, "Baum") == ["Baumkataster"]
    assert found(other, "Baum") == ["Baumkataster"]
    with session_factory.begin() as session:
        factories.dataset(session, title="Baumstandorte Fulda", municipality="fulda")
        baum = session.scalars(select(Dataset).where(Dataset.title == "Baumkataster")).one()
        service.update_dataset(
            session,
            principal=factories.admin_principal(session),
            dataset=baum,
            data=DatasetUpdate(title="Straßenbäume"),
        )
    assert found(session_factory, "Baum") == ["Baumstandorte Fulda", "Straßenbäume"]
    assert found(other, "Baumkataster") == []
    assert found(other, "Baum") == ["Baumstandorte Fulda", "Straßenbäume"]
    # Both engines hold an index of their own, each brought up to the latest version.
    first, second = (
        search_runtime.holder_for(session_factory.kw["bind"]),
        search_runtime.holder_for(other_engine),
    )
    assert first is not second
    assert first.snapshot is not None and second.snapshot is not None
    assert first.snapshot.version == second.snapshot.version


def test_uncommitted_changes_stay_private_and_vanish_on_rollback(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        factories.dataset(session, title="Radwegenetz")
    assert found(session_factory, "Rad") == ["Radwegenetz"]
    with session_factory() as writer:
        factories.dataset(writer, title="Radverkehrszählung Innenstadt")
        mine = search.search_datasets(writer, principal=ANONYMOUS, query="Rad")
        assert sorted(h.dataset.title for h in mine.hits) == ["Radverkehrszählung Innenstadt", "Radwegenetz"]
        assert found(session_factory, "Rad") == ["Radwegenetz"]  # others never see the pending change
        writer.rollback()
    assert found(session_factory, "Rad") == ["Radwegenetz"]


def test_reclassified_dataset_disappears_for_anonymous(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        factories.dataset(session, title="Baumkataster", themes=["ENVI"])
        factories.dataset(session, title="Baumschnitt", themes=["ENVI"])
    assert found(session_factory, "Baum") == ["Baumkataster", "Baumschnitt"]  # memo now warm
    with session_factory.begin() as session:
        baum = session.scalars(select(Dataset).where(Dataset.title == "Baumkataster")).one()
        service.update_dataset(
            session,
            principal=factories.admin_principal(session),
            dataset=baum,
            data=DatasetUpdate(protection_class=ProtectionClass.VERTRAULICH),
        )
    assert found(session_factory, "Baum") == ["Baumschnitt"]
    with session_factory() as session:
        result = search.search_datasets(session, principal=ANONYMOUS)
    assert result.total == 1
    assert result.facets["theme"] == [("ENVI", 1)]
    assert result.facets["class"] == [("oeffentlich", 1)]


def test_grant_shows_the_dataset_until_it_expires(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        factories.dataset(session, title="Baumkataster vertraulich", protection_class=ProtectionClass.VERTRAULICH)
        factories.user(session, "staff@offenbach.de", roles={"offenbach": [Role.STAFF]})
    staff = principal_of(session_factory, "staff@offenbach.de")
    assert found(session_factory, "Baum", staff) == []
    with session_factory.begin() as session:
        dataset_id = session.scalars(select(Dataset.id)).one()
        user = session.scalars(select(User).where(User.email == "staff@offenbach.de")).one()
        until = utcnow() + dt.timedelta(seconds=1.5)
        tenancy.grant_access(
            session,
            user=user,
            dataset_id=dataset_id,
            purpose="Prüfung",
            valid_until=until,
            granted_by=factories.admin_principal(session),
        )
    assert found(session_factory, "Baum", staff) == ["Baumkataster vertraulich"]
    assert found(session_factory, "Baum") == []
    # No write happens when a grant runs out: the memo must end with the grant all by itself.
    time.sleep(max(0.0, (until - utcnow()).total_seconds()) + 0.1)
    assert found(session_factory, "Baum", staff) == []


def test_totals_and_facets_never_count_invisible_datasets(session_factory: sessionmaker[Session]) -> None:
    classes = [
        ProtectionClass.OEFFENTLICH,
        ProtectionClass.INTERN,
        ProtectionClass.VERTRAULICH,
        ProtectionClass.STRENG_VERTRAULICH,
        None,
    ]
    with session_factory.begin() as session:
        for i in range(15):
            city, theme = ("offenbach", "giessen")[i % 2], "TRAN" if i % 3 else "ENVI"
            factories.dataset(
                session,
                title=f"Radverkehrszählung {i}",
                municipality=city,
                protection_class=classes[i % 5],
                themes=[theme],
            )
        factories.user(session, "staff@offenbach.de", roles={"offenbach": [Role.STAFF]})
        factories.user(session, "steward@giessen.de", roles={"giessen": [Role.DATA_STEWARD]})
    people = [
        ANONYMOUS,
        principal_of(session_factory, "staff@offenbach.de"),
        principal_of(session_factory, "steward@giessen.de"),
    ]
    with session_factory() as session:
        for principal in people:
            for query in ("", "Radverkehrszählung"):
                result = search.search_datasets(session, principal=principal, query=query, limit=100)
                # The expectation comes straight from the SQL policy, independently of the index.
                expected = session.scalar(select(func.count()).select_from(Dataset).where(visible(principal, Dataset)))
                assert result.total == expected == len(result.hits)
                by_theme = dict(
                    session.execute(
                        select(DatasetFacet.value, func.count())
                        .join(Dataset, Dataset.id == DatasetFacet.dataset_id)
                        .where(DatasetFacet.facet == "theme", visible(principal, Dataset))
                        .group_by(DatasetFacet.value)
                    ).all()
                )
                assert dict(result.facets["theme"]) == by_theme


def test_background_rebuild_swaps_in_a_fresh_base(session_factory: sessionmaker[Session], engine: Engine) -> None:
    with session_factory.begin() as session:
        for i in range(5):
            factories.dataset(session, title=f"Wahlergebnisse {2001 + i}")
    assert len(found(session_factory, "Wahl")) == 5
    holder = search_runtime.holder_for(engine)
    with session_factory.begin() as session:
        factories.dataset(session, title="Wahlbezirke")
    assert len(found(session_factory, "Wahl")) == 6
    assert holder.snapshot is not None and len(holder.snapshot.docs) == 1  # the change sits in the overlay
    builds = holder.builds
    thread = search_runtime.rebuild_in_background(engine)
    assert thread is not None
    thread.join(timeout=60)
    assert holder.builds == builds + 1
    assert holder.snapshot is not None and holder.snapshot.docs == {}  # folded into the new base
    assert len(holder.snapshot.base.ids) == 6
    assert found(session_factory, "Wahl") == sorted(["Wahlbezirke", *(f"Wahlergebnisse {2001 + i}" for i in range(5))])


def test_overflowing_overlay_triggers_a_rebuild(
    session_factory: sessionmaker[Session], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_factory.begin() as session:
        factories.dataset(session, title="Haushaltsplan 2024")
    assert found(session_factory, "Haushalt") == ["Haushaltsplan 2024"]
    monkeypatch.setattr(search_runtime, "REBUILD_AFTER", 1)
    with session_factory.begin() as session:
        factories.dataset(session, title="Haushaltsplan 2025")
        factories.dataset(session, title="Haushaltsplan 2026")
    assert len(found(session_factory, "Haushalt")) == 3
    holder = search_runtime.holder_for(engine)
    deadline = time.monotonic() + 60
    while (holder.rebuilding or holder.snapshot is None or holder.snapshot.docs) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert holder.snapshot is not None and holder.snapshot.docs == {}
    assert len(holder.snapshot.base.ids) == 3
    assert len(found(session_factory, "Haushalt")) == 3


PARITY_QUERIES: list[dict[str, object]] = [
    {"query": ""},
    {"query": "", "sort": "title"},
    {"query": "", "sort": "modified", "offset": 3, "limit": 4},
    {"query": "Rad"},
    {"query": "Rad", "sort": "title"},
    {"query": "Zählung Innenstadt"},
    {"query": "Baumart"},
    {"query": "radwegenetz"},
    {"query": "Kita", "filters": {"city": ["wetzlar", "giessen"]}},
    {"query": "", "filters": {"theme": ["TRAN"], "license": ["dl-by-de/2.0", "cc-by/4.0"]}},
]


def outcome(session: Session, principal: Principal) -> list[tuple[object, ...]]:
    out: list[tuple[object, ...]] = []
    for kwargs in PARITY_QUERIES:
        result = search.search_datasets(session, principal=principal, **kwargs)  # type: ignore[arg-type]
        hits = [(h.dataset.title, round(h.score, 6)) for h in result.hits]
        out.append((result.total, hits, result.facets))
    return out


def test_base_overlay_and_private_views_agree(session_factory: sessionmaker[Session], engine: Engine) -> None:
    """The same catalogue gives the same answers however the index holds it: privately inside the writing
    transaction, as an overlay on top of an older base, or in a freshly built base."""
    holder = search_runtime.holder_for(engine)
    with session_factory.begin() as session:
        factories.dataset(session, title="Radwegenetz", municipality="giessen", themes=["TRAN"], license_id="cc-by/4.0")
        factories.dataset(session, title="Zählstellen", description="Rad und Fuß")
    with session_factory() as session:
        search.search_datasets(session, principal=ANONYMOUS)  # a base holding the first two
    new = [
        ("Radverkehrszählung Innenstadt", "offenbach", ["TRAN"]),
        ("Baumkataster", "offenbach", ["ENVI"]),
        ("Kindertagesstätten", "wetzlar", ["EDUC", "SOCI"]),
        ("Kita-Plätze", "giessen", ["EDUC"]),
    ]
    with session_factory() as writer:
        for title, city, themes in new:
            factories.dataset(writer, title=title, municipality=city, themes=themes, license_id="dl-by-de/2.0")
        private = outcome(writer, ANONYMOUS)
        writer.commit()
    with session_factory() as session:
        overlay = outcome(session, ANONYMOUS)
    assert holder.snapshot is not None
    assert (len(holder.snapshot.base.ids), len(holder.snapshot.docs)) == (2, 4)
    holder.snapshot = None
    with session_factory() as session:
        rebuilt = outcome(session, ANONYMOUS)
    assert holder.snapshot is not None
    assert (len(holder.snapshot.base.ids), len(holder.snapshot.docs)) == (6, 0)
    assert private == overlay == rebuilt
    assert rebuilt[0][0] == 6
