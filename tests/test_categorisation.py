"""Categorisation: taxonomy and data, measured accuracy, suggestions, the steward's decisions and what they
change (dataset fields, audit, later suggestions, DCAT export)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import rdflib
from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz.audit import AuditEntry
from kikz.catalog.dcat.export import export_catalog
from kikz.catalog.models import Dataset, DatasetVersion
from kikz.catalog.vocabularies import EU_THEMES, HVD_CATEGORIES, HVD_LEGISLATION
from kikz.errors import InvalidInput, NotFound
from kikz.governance.categorisation import service
from kikz.governance.categorisation.build_data import theme_codes
from kikz.governance.categorisation.evaluation import evaluate, series_key, split
from kikz.governance.categorisation.hvd import ENVIRONMENT, METEOROLOGICAL, MOBILITY
from kikz.governance.categorisation.model import CategoryModel, load_or_train, train
from kikz.governance.categorisation.models import CategoryDecision, DatasetCategory
from kikz.governance.categorisation.schemas import CategoryField
from kikz.governance.categorisation.taxonomy import load_records, load_taxonomy
from kikz.tenancy.models import User
from kikz.tenancy.permissions import PermissionDenied, Principal, principal_for
from kikz.types import ProtectionClass, Role
from tests import factories

DCATAP = rdflib.Namespace("http://data.europa.eu/r5r/")


@pytest.fixture(scope="session")
def model() -> CategoryModel:
    """Trained once per test run on the training split only, so the accuracy test measures unseen records."""
    training, _ = split(load_records())
    return train(training, load_taxonomy())


def steward(session: Session, city: str = "offenbach") -> Principal:
    email = f"steward@{city}.de"
    existing = session.scalars(select(User).where(User.email == email)).first()
    return principal_for(session, existing or factories.user(session, email, roles={city: [Role.DATA_STEWARD]}))


def with_columns(session: Session, dataset: Dataset, *names: str) -> Dataset:
    factories.city(session)
    from kikz.catalog.models import Distribution

    dataset.distributions.append(
        Distribution(identifier=f"{dataset.identifier}-csv", format="CSV", columns=[{"name": n} for n in names])
    )
    session.flush()
    return dataset


# --- shipped data ---------------------------------------------------------------------------------------


def test_taxonomy_has_the_v4_types_with_english_labels_and_descriptions() -> None:
    taxonomy = load_taxonomy()
    assert len(taxonomy.entries) == 242
    assert len(taxonomy.themen) == 26
    entry = taxonomy.entries["Abfallentsorgung - Abfallkalender"]
    assert (entry.thema, entry.bezeichnung, entry.label_en) == (
        "Abfallentsorgung",
        "Abfallkalender",
        "waste disposal - waste calendar",
    )
    assert entry.description.startswith("Auflistung der Müllabfuhrtermine")
    assert entry.eu_theme == "ENVI"
    assert all(e.eu_theme in EU_THEMES for e in taxonomy.entries.values() if e.eu_theme)


def test_labelled_records_use_v4_labels_and_eu_theme_codes() -> None:
    records = load_records()
    taxonomy = load_taxonomy()
    assert len(records) > 2500
    assert all(r.musterdatensatz in taxonomy.entries for r in records if r.musterdatensatz)
    assert all(code in EU_THEMES for r in records for code in r.eu_themes)
    assert sum(len(r.eu_themes) > 1 for r in records) > 50  # several themes per record do occur


def test_german_theme_labels_with_commas_map_to_codes() -> None:
    assert theme_codes("Bildung, Kultur und Sport,Verkehr") == ["EDUC", "TRAN"]
    assert theme_codes("Öffentliche Verwaltung, Haushalt und Steuern") == ["GOVE"]
    assert theme_codes("") == []
    with pytest.raises(ValueError):
        theme_codes("Astrologie")


def test_validation_split_is_deterministic_and_keeps_series_together() -> None:
    records = load_records()
    training, validation = split(records)
    assert split(records) == (training, validation)
    assert 0.15 < len(validation) / len(records) < 0.3
    assert not {series_key(r.title) for r in training} & {series_key(r.title) for r in validation}


# --- accuracy (floors = measured figures of benchmarks/categorisation_accuracy.py minus a margin) ---------


def test_accuracy_on_held_out_real_records(model: CategoryModel) -> None:
    _, validation = split(load_records())
    acc = evaluate(model, validation, load_taxonomy(), theme_threshold=service.THEME_THRESHOLD)
    assert acc.mds_count > 500 and acc.themes_count > 350
    assert acc.mds_top1 >= 0.74  # measured 0.79
    assert acc.mds_top3 >= 0.86  # measured 0.91
    assert acc.thema_top1 >= 0.82  # measured 0.87
    assert acc.thema_top3 >= 0.88  # measured 0.93
    assert acc.themes_micro_f1 >= 0.82  # measured 0.86


def test_trained_model_is_cached_under_the_data_dir(tmp_path: Path, model: CategoryModel) -> None:
    from kikz.governance.categorisation import model as model_module

    path = model_module.cache_path(tmp_path)
    path.parent.mkdir(parents=True)
    import joblib

    joblib.dump(model, path)
    loaded = load_or_train(tmp_path, [], load_taxonomy())  # no records: it must come from the cache
    assert loaded.mds_classes == model.mds_classes
    assert path.name.startswith("categorisation-") and path.suffix == ".joblib"


# --- suggestions ----------------------------------------------------------------------------------------


def test_suggestion_for_a_bus_stop_table(session: Session, model: CategoryModel) -> None:
    ds = factories.dataset(
        session,
        title="Haltestellen des Stadtbusverkehrs",
        description="Alle Bushaltestellen mit Lage und Linien.",
    )
    with_columns(session, ds, "haltestelle_id", "haltestelle_name", "linie", "lat", "lon")
    s = service.suggest(session, dataset=ds, model=model)
    assert s.eu_themes[0][0] == "TRAN"
    assert s.mdk_thema[0][0] == "Verkehr"
    assert s.mdk_musterdatensatz[0][0] == "Verkehr - ÖPNV - Liniennetz Sollfahrdaten Echtzeitdaten"
    assert s.hvd[0] == MOBILITY
    assert len(s.mdk_musterdatensatz) == 3 and len(s.mdk_thema) == 3
    assert all(0.0 <= c <= 1.0 for _, c in [*s.eu_themes, *s.mdk_thema, *s.mdk_musterdatensatz, s.hvd])
    assert s.mdk_musterdatensatz[0][1] >= s.mdk_musterdatensatz[1][1] >= s.mdk_musterdatensatz[2][1]
    assert "Mobilität" in s.explanation


def test_most_datasets_are_no_high_value_dataset(session: Session, model: CategoryModel) -> None:
    ds = factories.dataset(
        session,
        title="Sitzungstermine der Ortsbeiräte",
        description="Termine und Orte der öffentlichen Sitzungen der Ortsbeiräte.",
    )
    s = service.suggest(session, dataset=ds, model=model)
    assert s.hvd[0] is None
    assert s.mdk_thema[0][0] == "Politische Partizipation"
    assert "GOVE" in [code for code, _ in s.eu_themes]


def test_column_names_decide_between_weather_and_air_quality(session: Session, model: CategoryModel) -> None:
    weather = with_columns(
        session,
        factories.dataset(session, title="Messstation Marktplatz", description="Messwerte."),
        "zeitpunkt",
        "lufttemperatur",
        "niederschlag",
        "windgeschwindigkeit",
    )
    air = with_columns(
        session,
        factories.dataset(session, title="Messstation Marktplatz 2", description="Messwerte."),
        "zeitpunkt",
        "feinstaub_pm10",
        "stickstoffdioxid",
    )
    assert service.suggest(session, dataset=weather, model=model).hvd[0] == METEOROLOGICAL
    assert service.suggest(session, dataset=air, model=model).hvd[0] == ENVIRONMENT


# --- decisions ------------------------------------------------------------------------------------------


def test_correcting_the_musterdatensatz_stores_decision_category_and_audit(
    session: Session, model: CategoryModel
) -> None:
    ds = factories.dataset(session, title="Radverkehrszählung Innenstadt")
    who = steward(session)
    decision = service.decide(
        session,
        principal=who,
        dataset=ds,
        field="mdk_musterdatensatz",
        value="Verkehr - Radverkehr - Messung",
        model=model,
    )
    row = session.get(DatasetCategory, ds.id)
    assert row is not None
    assert (row.mdk_musterdatensatz, row.mdk_thema) == ("Verkehr - Radverkehr - Messung", "Verkehr")
    assert decision.chosen == {"value": "Verkehr - Radverkehr - Messung"}
    assert decision.user_id == who.user_id and decision.field == "mdk_musterdatensatz"
    assert len(decision.suggested["top"]) == 3
    assert decision.accepted == (decision.suggested["top"][0][0] == "Verkehr - Radverkehr - Messung")
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "dataset.categorise")).one()
    assert entry.actor_id == who.user_id and entry.entity_id == ds.identifier
    assert entry.after == {
        "field": "mdk_musterdatensatz",
        "value": "Verkehr - Radverkehr - Messung",
        "accepted": decision.accepted,
    }


def test_choosing_another_thema_clears_a_musterdatensatz_of_the_old_thema(
    session: Session, model: CategoryModel
) -> None:
    ds = factories.dataset(session)
    who = steward(session)
    service.decide(
        session,
        principal=who,
        dataset=ds,
        field="mdk_musterdatensatz",
        value="Verkehr - Radverkehr - Messung",
        model=model,
    )
    service.decide(
        session,
        principal=who,
        dataset=ds,
        field="mdk_thema",
        value="Klimaschutz und Umweltschutz",
        model=model,
    )
    current = service.current_categories(session, dataset=ds)
    assert (current.mdk_thema, current.mdk_musterdatensatz) == ("Klimaschutz und Umweltschutz", "")
    assert [d.field for d in service.decisions(session, dataset=ds)] == ["mdk_musterdatensatz", "mdk_thema"]


def test_accepting_eu_themes_writes_them_onto_the_dataset_as_a_new_version(
    session: Session, model: CategoryModel
) -> None:
    ds = factories.dataset(session, themes=["GOVE"])
    version = ds.version
    service.decide(
        session,
        principal=steward(session),
        dataset=ds,
        field=CategoryField.EU_THEMES,
        value=["TRAN", "envi"],
        model=model,
    )
    assert ds.themes == ["TRAN", "ENVI"]
    assert ds.version == version + 1
    note = session.scalars(
        select(DatasetVersion.change_note)
        .where(DatasetVersion.dataset_id == ds.id)
        .order_by(DatasetVersion.version.desc())
    ).first()
    assert note == "EU-Themen kategorisiert"


def test_hvd_category_goes_into_the_dcat_export(session: Session, model: CategoryModel) -> None:
    hvd_ds = factories.dataset(session, title="Haltestellen Stadtbus")
    plain = factories.dataset(session, title="Sitzungstermine Ortsbeirat")
    service.decide(
        session,
        principal=steward(session),
        dataset=hvd_ds,
        field="hvd_category",
        value=f"http://data.europa.eu/bna/{MOBILITY}",
        model=model,
    )
    assert hvd_ds.hvd_category == MOBILITY
    assert service.hvd_category_of(hvd_ds) == f"http://data.europa.eu/bna/{MOBILITY}"
    assert service.hvd_category_of(plain) is None
    session.flush()
    out = io.BytesIO()
    export_catalog(
        session,
        principal=factories.admin_principal(session),
        fmt="turtle",
        base_url="http://testserver",
        out=out,
    )
    g = rdflib.Graph().parse(data=out.getvalue(), format="turtle")
    subject = rdflib.URIRef(f"http://testserver/datensaetze/{hvd_ds.name}")
    category = rdflib.URIRef(f"http://data.europa.eu/bna/{MOBILITY}")
    assert (subject, DCATAP.hvdCategory, category) in g
    assert (subject, DCATAP.applicableLegislation, rdflib.URIRef(HVD_LEGISLATION)) in g
    assert (category, rdflib.RDF.type, rdflib.namespace.SKOS.Concept) in g
    other = rdflib.URIRef(f"http://testserver/datensaetze/{plain.name}")
    assert (other, DCATAP.hvdCategory, None) not in g

    service.decide(
        session, principal=steward(session), dataset=hvd_ds, field="hvd_category", value="keine", model=model
    )
    assert hvd_ds.hvd_category == "" and service.hvd_category_of(hvd_ds) is None


def test_a_correction_changes_the_suggestion_for_a_similar_new_dataset(session: Session, model: CategoryModel) -> None:
    first = factories.dataset(
        session,
        title="Radverkehrszählung Innenstadt",
        description="Stündliche Zählwerte der Radverkehrszählstellen in der Innenstadt.",
    )
    later = factories.dataset(
        session,
        municipality="giessen",
        title="Radverkehrszählung Nordstadt",
        description="Stündliche Zählwerte der Radverkehrszählstellen in der Nordstadt.",
    )
    unrelated = factories.dataset(session, title="Haushaltsplan 2024", description="Der Haushaltsplan der Stadt.")
    chosen = "Verkehr - Radverkehr - Messung"
    before = service.suggest(session, dataset=later, model=model)
    unrelated_before = service.suggest(session, dataset=unrelated, model=model)
    assert before.mdk_musterdatensatz[0][0] != chosen  # the model alone gets it wrong
    assert not before.from_corrections

    service.decide(
        session,
        principal=steward(session),
        dataset=first,
        field="mdk_musterdatensatz",
        value=chosen,
        model=model,
    )

    after = service.suggest(session, dataset=later, model=model)
    assert after.mdk_musterdatensatz[0][0] == chosen
    assert CategoryField.MDK_MUSTERDATENSATZ in after.from_corrections
    assert after.mdk_thema[0][0] == "Verkehr"
    assert service.suggest(session, dataset=first, model=model).mdk_musterdatensatz[0] == (chosen, 1.0)
    unrelated_after = service.suggest(session, dataset=unrelated, model=model)
    assert unrelated_after.mdk_musterdatensatz == unrelated_before.mdk_musterdatensatz
    assert not unrelated_after.from_corrections


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("eu_themes", ["TRAN", "MOON"], "Unbekanntes EU-Thema: MOON"),
        ("mdk_musterdatensatz", "Verkehr - Raumschiff", "kein Musterdatensatz"),
        ("mdk_thema", "Raumfahrt", "kein THEMA"),
        ("hvd_category", "c_00000000", "Unbekannte HVD-Kategorie"),
        ("lieblingsfarbe", "blau", "Unbekanntes Feld"),
    ],
)
def test_bad_values_are_refused_with_a_german_message_and_nothing_written(
    session: Session, model: CategoryModel, field: str, value: object, message: str
) -> None:
    ds = factories.dataset(session)
    with pytest.raises(InvalidInput, match=message):
        service.decide(session, principal=steward(session), dataset=ds, field=field, value=value, model=model)
    assert session.scalars(select(CategoryDecision)).all() == []
    assert session.get(DatasetCategory, ds.id) is None


def test_only_stewards_of_the_dataset_may_decide(session: Session, model: CategoryModel) -> None:
    ds = factories.dataset(session)
    editor = principal_for(session, factories.user(session, "staff@offenbach.de", roles={"offenbach": [Role.STAFF]}))
    foreign = steward(session, "giessen")
    with pytest.raises(PermissionDenied):
        service.decide(session, principal=editor, dataset=ds, field="mdk_thema", value="Verkehr", model=model)
    with pytest.raises(PermissionDenied):
        service.decide(session, principal=foreign, dataset=ds, field="mdk_thema", value="Verkehr", model=model)
    secret = factories.dataset(session, protection_class=ProtectionClass.VERTRAULICH)
    with pytest.raises(NotFound):
        service.decide(session, principal=foreign, dataset=secret, field="mdk_thema", value="Verkehr", model=model)
    assert session.scalars(select(CategoryDecision)).all() == []


def test_hvd_labels_cover_the_six_categories() -> None:
    assert set(HVD_CATEGORIES) == {
        "c_ac64a52d",
        "c_dd313021",
        "c_164e0bf5",
        "c_e1da4e07",
        "c_a9135398",
        "c_b79e35eb",
    }
