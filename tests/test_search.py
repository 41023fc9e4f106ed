"""Catalogue search on a real database: German matching, ranking, facets, permissions, paging, bad input."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from kikz.catalog import search
from kikz.catalog.models import Dataset, DatasetFacet, Distribution, SearchPosting
from kikz.errors import InvalidInput
from kikz.tenancy.permissions import ANONYMOUS, Principal, principal_for
from kikz.types import DatasetStatus, ProtectionClass, Role
from tests import factories


def titles(session: Session, query: str, principal: Principal = ANONYMOUS, **kwargs: object) -> list[str]:
    result = search.search_datasets(session, principal=principal, query=query, limit=100, **kwargs)  # type: ignore[arg-type]
    return [hit.dataset.title for hit in result.hits]


@pytest.fixture
def catalogue(session: Session) -> dict[str, Dataset]:
    made = {
        "rad": factories.dataset(
            session,
            title="Radverkehrszählung Innenstadt",
            description="Stündliche Werte der Zählstellen.",
            themes=["TRAN"],
            license_id="dl-by-de/2.0",
            keywords=["Mobilität"],
        ),
        "netz": factories.dataset(
            session,
            title="Radwegenetz",
            description="Radwege und Fahrradstraßen.",
            municipality="giessen",
            themes=["TRAN"],
            license_id="cc-by/4.0",
        ),
        "baum": factories.dataset(
            session,
            title="Baumkataster",
            description="Bäume mit Art und Alter.",
            themes=["ENVI"],
            license_id="dl-zero-de/2.0",
        ),
        "kita": factories.dataset(
            session,
            title="Kindertagesstätten",
            description="Träger und Plätze.",
            municipality="wetzlar",
            themes=["EDUC", "SOCI"],
        ),
        "wahl": factories.dataset(
            session,
            title="Wahlergebnisse Kommunalwahl 2021",
            description="Ergebnisse nach Wahlbezirken, auch für Radfahrende.",
            themes=["GOVE"],
            license_id="dl-by-de/2.0",
        ),
    }
    session.flush()
    return made


def add_table(session: Session, dataset: Dataset, fmt: str, columns: list[str]) -> None:
    session.add(
        Distribution(
            identifier=str(uuid.uuid4()),
            dataset_id=dataset.id,
            format=fmt,
            columns=[{"name": c, "type": "string"} for c in columns],
        )
    )
    session.flush()
    session.refresh(dataset, ["distributions"])
    search.index_dataset(session, dataset)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Rad", "Radverkehrszählung Innenstadt"),
        ("Zählung", "Radverkehrszählung Innenstadt"),
        ("zaehlung", "Radverkehrszählung Innenstadt"),
        ("Verkehr", "Radverkehrszählung Innenstadt"),
        ("verkehrszählungen", "Radverkehrszählung Innenstadt"),
        ("Radweg", "Radwegenetz"),
        ("Netz", "Radwegenetz"),
        ("Bäume", "Baumkataster"),
        ("Baum", "Baumkataster"),
        ("Kita", "Kindertagesstätten"),
        ("Tagesstätte", "Kindertagesstätten"),
        ("Wahlergebnis", "Wahlergebnisse Kommunalwahl 2021"),
        ("Gießen", "Radwegenetz"),
        ("Umwelt", "Baumkataster"),
    ],
)
def test_german_words_and_compound_parts_match(
    session: Session, catalogue: dict[str, Dataset], query: str, expected: str
) -> None:
    assert expected in titles(session, query)


def test_words_must_all_match(session: Session, catalogue: dict[str, Dataset]) -> None:
    assert titles(session, "Zählung Innenstadt") == ["Radverkehrszählung Innenstadt"]
    assert titles(session, "Zählung Baum") == []


def test_unknown_compound_query_falls_back_to_its_parts(session: Session, catalogue: dict[str, Dataset]) -> None:
    assert titles(session, "Baumart") == ["Baumkataster"]


def test_column_names_are_searchable(session: Session, catalogue: dict[str, Dataset]) -> None:
    assert titles(session, "Kronendurchmesser") == []
    add_table(session, catalogue["baum"], "CSV", ["baum_nr", "kronendurchmesser", "pflanzJahr"])
    assert titles(session, "Kronendurchmesser") == ["Baumkataster"]
    assert titles(session, "Pflanzjahr") == ["Baumkataster"]


def test_ranking_prefers_title_over_description(session: Session, catalogue: dict[str, Dataset]) -> None:
    found = titles(session, "Rad")
    assert found[:2] == ["Radwegenetz", "Radverkehrszählung Innenstadt"] or found[:2] == [
        "Radverkehrszählung Innenstadt",
        "Radwegenetz",
    ]
    assert found[-1] == "Wahlergebnisse Kommunalwahl 2021"  # only "Radfahrende" in the description


def test_exact_title_comes_first(session: Session, catalogue: dict[str, Dataset]) -> None:
    factories.dataset(session, title="Radwegenetz Planung", description="Radwegenetz, Radwegenetz, Radwegenetz.")
    result = search.search_datasets(session, principal=ANONYMOUS, query="radwegenetz")
    assert [h.dataset.title for h in result.hits] == ["Radwegenetz", "Radwegenetz Planung"]
    assert result.hits[0].score > result.hits[1].score + 10


def test_facet_counts(session: Session, catalogue: dict[str, Dataset]) -> None:
    add_table(session, catalogue["rad"], "CSV", ["zeit"])
    add_table(session, catalogue["rad"], "JSON", [])
    add_table(session, catalogue["baum"], "CSV", ["art"])
    result = search.search_datasets(session, principal=ANONYMOUS)
    assert result.total == 5
    assert result.facets["city"] == [("offenbach", 3), ("giessen", 1), ("wetzlar", 1)]
    assert result.facets["theme"] == [("TRAN", 2), ("EDUC", 1), ("ENVI", 1), ("GOVE", 1), ("SOCI", 1)]
    assert result.facets["format"] == [("CSV", 2), ("JSON", 1)]
    assert result.facets["license"] == [("dl-by-de/2.0", 2), ("cc-by/4.0", 1), ("dl-zero-de/2.0", 1)]
    assert result.facets["class"] == [("oeffentlich", 5)]


def test_filters_and_across_facets_or_within(session: Session, catalogue: dict[str, Dataset]) -> None:
    assert sorted(titles(session, "", filters={"city": ["giessen", "wetzlar"]})) == [
        "Kindertagesstätten",
        "Radwegenetz",
    ]
    assert titles(session, "", filters={"city": ["giessen", "wetzlar"], "theme": ["TRAN"]}) == ["Radwegenetz"]
    result = search.search_datasets(session, principal=ANONYMOUS, query="rad", filters={"theme": ["TRAN"]})
    assert result.total == 2
    assert result.facets["city"] == [("giessen", 1), ("offenbach", 1)]


def test_permission_filter_applies_to_hits_counts_and_facets(session: Session, catalogue: dict[str, Dataset]) -> None:
    secret = factories.dataset(
        session,
        municipality="giessen",
        title="Radverkehrszählung Gießen vertraulich",
        protection_class=ProtectionClass.VERTRAULICH,
        license_id="odbl",
    )
    unclassified = factories.dataset(
        session,
        municipality="giessen",
        title="Radverkehrszählung ungeprüft",
        protection_class=None,
        themes=["HEAL"],
    )
    draft = factories.dataset(session, title="Radverkehrszählung Entwurf", status=DatasetStatus.DRAFT)
    staff = principal_for(session, factories.user(session, "staff@offenbach.de", roles={"offenbach": [Role.STAFF]}))
    steward = principal_for(
        session, factories.user(session, "steward@giessen.de", roles={"giessen": [Role.DATA_STEWARD]})
    )
    for principal, hidden in ((ANONYMOUS, {secret, unclassified, draft}), (staff, {secret, unclassified})):
        result = search.search_datasets(session, principal=principal, query="Radverkehrszählung")
        found = {h.dataset.id for h in result.hits}
        assert not found & {d.id for d in hidden}
        assert result.total == len(found)
        assert ("odbl", 1) not in result.facets["license"]
        assert all(value != "HEAL" for value, _ in result.facets["theme"])
        assert all(value not in ("vertraulich", "streng_vertraulich") for value, _ in result.facets["class"])
        browse = search.search_datasets(session, principal=principal, filters={"city": ["giessen"]})
        assert [h.dataset.title for h in browse.hits] == ["Radwegenetz"]
    result = search.search_datasets(session, principal=steward, query="Radverkehrszählung")
    assert {secret.id, unclassified.id} <= {h.dataset.id for h in result.hits}
    assert ("vertraulich", 2) in result.facets["class"]


def test_status_change_without_reindex_is_respected(session: Session, catalogue: dict[str, Dataset]) -> None:
    catalogue["baum"].status = DatasetStatus.ARCHIVED
    session.flush()
    assert titles(session, "Baum") == []
    assert search.search_datasets(session, principal=ANONYMOUS).facets["theme"].count(("ENVI", 1)) == 0


def test_update_and_delete_keep_the_index_current(session: Session, catalogue: dict[str, Dataset]) -> None:
    from kikz.catalog import service
    from kikz.catalog.schemas import DatasetUpdate

    admin = factories.admin_principal(session)
    service.update_dataset(
        session, principal=admin, dataset=catalogue["baum"], data=DatasetUpdate(title="Grünflächenkataster")
    )
    terms = set(session.scalars(select(SearchPosting.term).where(SearchPosting.dataset_id == catalogue["baum"].id)))
    assert "baumkatast" not in terms
    assert {"grunflachenkatast", "katast"} <= terms
    assert titles(session, "Grünfläche") == ["Grünflächenkataster"]
    dataset_id = catalogue["baum"].id
    service.delete_dataset(session, principal=admin, dataset=catalogue["baum"])
    assert session.scalar(select(func.count()).where(SearchPosting.dataset_id == dataset_id)) == 0
    assert session.scalar(select(func.count()).where(DatasetFacet.dataset_id == dataset_id)) == 0


@pytest.mark.parametrize("sort", ["relevance", "modified", "title"])
def test_paging_is_stable_and_complete(session: Session, sort: str) -> None:
    for i in range(23):
        factories.dataset(session, title=f"Radverkehr Messpunkt {i % 5}", municipality="fulda")
    everything = search.search_datasets(session, principal=ANONYMOUS, query="Radverkehr", sort=sort, limit=100)
    assert everything.total == 23
    pages = [
        search.search_datasets(session, principal=ANONYMOUS, query="Radverkehr", sort=sort, limit=5, offset=o)
        for o in range(0, 25, 5)
    ]
    paged = [h.dataset.id for page in pages for h in page.hits]
    assert paged == [h.dataset.id for h in everything.hits]
    assert len(set(paged)) == 23
    assert all(page.total == 23 for page in pages)


def test_sort_by_title(session: Session, catalogue: dict[str, Dataset]) -> None:
    assert titles(session, "", sort="title")[:2] == ["Baumkataster", "Kindertagesstätten"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"filters": {"stadt": ["giessen"]}}, "Unbekannter Filter"),
        ({"sort": "random()"}, "Unbekannte Sortierung"),
        ({"limit": 0}, "Seitengröße"),
        ({"limit": 10_000}, "Seitengröße"),
        ({"offset": -1}, "Versatz"),
    ],
)
def test_bad_parameters_are_refused_in_german(session: Session, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        search.search_datasets(session, principal=ANONYMOUS, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "query",
    [
        "x" * 100_000,
        "Rad " * 25_000,
        "!!! ??? ... ;;; ---",
        "'; DROP TABLE dataset; --",
        '" OR 1=1 --',
        "%_%\\",
        "\x00\x01 Baum \ufffd",
        "🚲 Радвег 自行车",
        "zzzz zzzzzz 9999",
    ],
)
def test_odd_queries_never_crash(session: Session, catalogue: dict[str, Dataset], query: str) -> None:
    result = search.search_datasets(session, principal=ANONYMOUS, query=query)
    assert result.total == len(result.hits)
    assert session.scalar(select(func.count()).select_from(Dataset)) == 5


def test_reindex_all_rebuilds_everything(session: Session, catalogue: dict[str, Dataset]) -> None:
    session.execute(delete(SearchPosting))
    session.execute(delete(DatasetFacet))
    assert titles(session, "Baum") == []
    assert search.reindex_all(session) > 0
    assert titles(session, "Baum") == ["Baumkataster"]
    assert search.search_datasets(session, principal=ANONYMOUS).facets["city"][0] == ("offenbach", 3)
