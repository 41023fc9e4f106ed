"""Quality evaluations: MQA per dataset and per city, data quality per tabular distribution, all recorded.

Every evaluation is stored with its time, so the history functions (``kikz.governance.quality.history``)
can draw trends. Nothing here touches the network: reachability of external links comes from the stored
results of the background link check (``quality.check_links``); until a URL is checked it earns no points.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import Sequence

import rdflib
from rdflib.namespace import DCAT
from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz.catalog import tabular
from kikz.catalog.dcat.shacl import ValidationReport, validate
from kikz.catalog.models import Dataset, Distribution
from kikz.db import utcnow
from kikz.errors import KikzError
from kikz.governance.quality import dq, links, mqa
from kikz.governance.quality.graph import EVALUATION_BASE, DatasetGraph, dataset_graph, dataset_graphs
from kikz.governance.quality.models import (
    CatalogueMqaRecord,
    DataQualityRecord,
    DatasetMqaRecord,
    StoredTableSchema,
)
from kikz.governance.quality.schemas import (
    CatalogueIndicator,
    CatalogueMqa,
    EvaluationSummary,
    MqaResult,
    QualityReport,
)
from kikz.governance.quality.tableschema import infer_schema
from kikz.storage import FileStore
from kikz.tenancy.models import Municipality
from kikz.tenancy.permissions import ANONYMOUS, visible

SCOPE_DE = (
    "Bewertet werden die veröffentlichten Datensätze der Schutzklasse „öffentlich“, die die Kommune selbst "
    "bereitstellt (ohne aus anderen Katalogen geharvestete) – also genau die, die GovData aus ihrem "
    "DCAT-AP.de-Katalog einsammeln kann."
)
FILES_PATH = "/dateien/"
VALIDATION_CHUNK = 100
"""Datasets validated together; bounds the memory of the union graph."""


# --- MQA ------------------------------------------------------------------------------------------------


def _reach(session: Session, store: FileStore | None, urls: Sequence[str]) -> mqa.Reach:
    """Reachability as far as it is known without the network (file store, stored link checks)."""
    checks = links.latest_checks(session, [u for u in urls if not u.startswith(EVALUATION_BASE)])

    def reach(url: str, sha256: str | None) -> mqa.Reachability:
        if url.startswith(EVALUATION_BASE + FILES_PATH):
            if sha256 and (store is None or store.exists(sha256)):
                return mqa.Reachability(True, "Datei liegt im Dateispeicher und wird von der Plattform ausgeliefert.")
            return mqa.Reachability(False, "Datei fehlt im Dateispeicher der Plattform.")
        if url.startswith(EVALUATION_BASE + "/"):
            return mqa.Reachability(True, "Seite der Plattform selbst.")
        check = checks.get(url)
        if check is None:
            return mqa.Reachability(None, f"{mqa.NOT_CHECKED} ({url}).")
        when = check.checked_at.astimezone(dt.UTC).strftime("%d.%m.%Y")
        if check.ok:
            return mqa.Reachability(True, f"erreichbar (HTTP {check.status_code}, geprüft am {when}).")
        answer = f"HTTP {check.status_code}" if check.status_code else check.error or "keine Antwort"
        return mqa.Reachability(False, f"nicht erreichbar ({answer}, geprüft am {when}): {url}")

    return reach


def _urls(graphs: Sequence[DatasetGraph]) -> list[str]:
    out: list[str] = []
    for g in graphs:
        for prop in (DCAT.accessURL, DCAT.downloadURL):
            out.extend(str(o) for o in g.graph.objects(None, prop))
    return out


def validate_each(graphs: Sequence[DatasetGraph]) -> dict[int, ValidationReport]:
    """SHACL per dataset, run once over the union of the datasets' own graphs (ten times faster than one run
    per dataset) and each finding given back to the datasets whose graph holds its focus node."""
    union = rdflib.Graph()
    owners: dict[str, set[int]] = {}
    for g in graphs:
        union += g.graph
        for subject in set(g.graph.subjects()):
            owners.setdefault(str(subject), set()).add(g.dataset_id)
    report = validate(union)
    out: dict[int, ValidationReport] = {}
    for g in graphs:
        violations = [f for f in report.violations if g.dataset_id in owners.get(f.focus, ())]
        warnings = [f for f in report.warnings if g.dataset_id in owners.get(f.focus, ())]
        out[g.dataset_id] = ValidationReport(conforms=not violations, violations=violations, warnings=warnings)
    return out


def _results(
    graphs: Sequence[DatasetGraph],
    cities: dict[int, str],
    store: FileStore | None,
    session: Session,
    now: dt.datetime,
) -> list[MqaResult]:
    reports = validate_each(graphs)
    reach = _reach(session, store, _urls(graphs))
    out = []
    for g in graphs:
        indicators = mqa.evaluate(g.graph, g.subject, reach=reach, shacl_report=reports[g.dataset_id])
        score = sum(i.points for i in indicators)
        band = mqa.band_for(score)
        out.append(
            MqaResult(
                dataset=g.name,
                title=g.title,
                municipality=cities[g.municipality_id],
                evaluated_at=now,
                score=score,
                band=band,
                band_label_de=mqa.band_label(band),
                dimensions=mqa.dimension_scores({i.key: i.points for i in indicators}),
                indicators=indicators,
            )
        )
    return out


def record_dataset_result(session: Session, dataset_id: int, result: MqaResult) -> None:
    session.add(
        DatasetMqaRecord(
            dataset_id=dataset_id,
            evaluated_at=result.evaluated_at,
            score=result.score,
            band=result.band,
            indicators=[i.model_dump() for i in result.indicators],
        )
    )


def mqa_for_dataset(
    session: Session,
    *,
    dataset: Dataset,
    store: FileStore | None,
    record: bool = True,
    now: dt.datetime | None = None,
) -> MqaResult:
    """The 23 MQA indicators of one dataset as exported in DCAT-AP.de, with points and reasons."""
    now = now or utcnow()
    city = dataset.municipality
    result = _results([dataset_graph(session, dataset)], {city.id: city.slug}, store, session, now)[0]
    if record:
        record_dataset_result(session, dataset.id, result)
        session.flush()
    return result


def open_dataset_ids(session: Session, municipality_id: int) -> list[int]:
    """The datasets a city's catalogue MQA scores (see ``SCOPE_DE``)."""
    stmt = (
        select(Dataset.id)
        .where(
            Dataset.municipality_id == municipality_id,
            visible(ANONYMOUS, Dataset),
            Dataset.harvest_source_id.is_(None),
        )
        .order_by(Dataset.id)
    )
    return list(session.scalars(stmt))


def _city(session: Session, municipality: str | Municipality) -> Municipality:
    if isinstance(municipality, Municipality):
        return municipality
    from kikz.tenancy.service import get_municipality

    return get_municipality(session, municipality)


def catalogue_score(city: Municipality, results: Sequence[MqaResult], now: dt.datetime) -> CatalogueMqa:
    """Catalogue level: every indicator's weight × the share of datasets that pass it, summed."""
    n = len(results)
    passing: Counter[str] = Counter()
    for r in results:
        passing.update(i.key for i in r.indicators if i.passed)
    indicators = [
        CatalogueIndicator(
            key=spec.key,
            dimension=spec.dimension,
            label_de=spec.label_de,
            max_points=spec.weight,
            passing=passing[spec.key],
            share=round(passing[spec.key] / n, 4) if n else 0.0,
            points=round(spec.weight * passing[spec.key] / n, 2) if n else 0.0,
        )
        for spec in mqa.INDICATORS
    ]
    score = round(sum(spec.weight * passing[spec.key] / n for spec in mqa.INDICATORS), 1) if n else 0.0
    band = mqa.band_for(score)
    bands = Counter(r.band for r in results)
    return CatalogueMqa(
        municipality=city.slug,
        municipality_name=city.name,
        evaluated_at=now,
        scope_de=SCOPE_DE,
        dataset_count=n,
        score=score,
        band=band,
        band_label_de=mqa.band_label(band),
        bands={b: bands.get(b, 0) for b in ("excellent", "good", "sufficient", "bad")},
        dimensions=mqa.dimension_scores({i.key: i.points for i in indicators}),
        indicators=indicators,
    )


def mqa_for_city(
    session: Session,
    *,
    municipality: str | Municipality,
    store: FileStore | None = None,
    record: bool = True,
    now: dt.datetime | None = None,
) -> CatalogueMqa:
    """Catalogue-level MQA of a city's open datasets (public: it covers public data only).

    Without a ``store`` a stored file counts as served when the distribution names its checksum.
    """
    city = _city(session, municipality)
    now = now or utcnow()
    results: list[MqaResult] = []
    graphs = dataset_graphs(session, open_dataset_ids(session, city.id))
    while chunk := list(itertools.islice(graphs, VALIDATION_CHUNK)):
        chunk_results = _results(chunk, {city.id: city.slug}, store, session, now)
        if record:
            for g, result in zip(chunk, chunk_results, strict=True):
                record_dataset_result(session, g.dataset_id, result)
        results.extend(chunk_results)
    catalogue = catalogue_score(city, results, now)
    if record:
        session.add(
            CatalogueMqaRecord(
                municipality_id=city.id,
                evaluated_at=now,
                score=catalogue.score,
                band=catalogue.band,
                dataset_count=catalogue.dataset_count,
                bands=dict(catalogue.bands),
                indicators=[i.model_dump() for i in catalogue.indicators],
            )
        )
        session.flush()
    return catalogue


# --- data quality --------------------------------------------------------------------------------------


def table_schema_for(session: Session, distribution: Distribution) -> dict[str, object]:
    """The steward's stored Table Schema, else one inferred from the column description."""
    stored = session.get(StoredTableSchema, distribution.id)
    if stored is not None and stored.schema:
        return dict(stored.schema)
    return infer_schema(distribution.columns or [])


def plain_report(distribution: Distribution, now: dt.datetime, status: str, message: str) -> QualityReport:
    return QualityReport(
        distribution=distribution.identifier,
        title=distribution.title or distribution.file_name,
        dataset=distribution.dataset.name,
        evaluated_at=now,
        status=status,
        message_de=message,
        rows_total=distribution.row_count,
    )


def is_tabular_file(distribution: Distribution) -> bool:
    return distribution.is_stored_file and distribution.format.upper() in tabular.TABULAR_FORMATS


def data_quality(
    session: Session,
    *,
    distribution: Distribution,
    store: FileStore,
    record: bool = True,
    now: dt.datetime | None = None,
    row_limit: int = dq.ROW_LIMIT,
) -> QualityReport:
    """Completeness, validity, uniqueness, timeliness and consistency of one stored tabular file."""
    now = now or utcnow()
    if distribution.format.upper() not in tabular.TABULAR_FORMATS:
        return plain_report(
            distribution,
            now,
            "not_tabular",
            f"Das Format {distribution.format or 'unbekannt'} ist keine Tabelle.",
        )
    if not distribution.is_stored_file:
        return plain_report(
            distribution,
            now,
            "external",
            "Nur Dateien im Dateispeicher der Plattform werden geprüft (Links nicht).",
        )
    path = store.path_for(distribution.checksum_sha256 or "")
    if not path.is_file():
        return plain_report(distribution, now, "missing_file", "Die Datei fehlt im Dateispeicher.")
    schema = table_schema_for(session, distribution)
    try:
        fmt = distribution.format.upper()
        info = tabular.describe(path, fmt)
        assessment = dq.assess_rows(
            tabular.iter_rows(path, fmt),
            header=info.header,
            schema=schema,
            decimal=info.decimal or ",",
            rows_total=info.row_count,
            row_limit=row_limit,
            today=now.date(),
        )
    except KikzError as exc:
        return plain_report(distribution, now, "unreadable", exc.message)
    dataset = distribution.dataset
    timely = dq.timeliness(
        periodicity=dataset.accrual_periodicity,
        last_update=distribution.modified or distribution.issued or dataset.modified,
        newest_in_data=assessment.newest_date,
        now=now,
    )
    dims = assessment.dimensions
    ordered = [dims["completeness"], dims["validity"], dims["uniqueness"], timely, dims["consistency"]]
    report = QualityReport(
        distribution=distribution.identifier,
        title=distribution.title or distribution.file_name,
        dataset=dataset.name,
        evaluated_at=now,
        status="ok",
        message_de=(
            f"Stichprobe: die ersten {dq.de_int(assessment.rows)} von {dq.de_int(info.row_count)} Zeilen geprüft."
        )
        if assessment.sampled
        else "",
        rows_checked=assessment.rows,
        rows_total=info.row_count,
        sampled=assessment.sampled,
        overall=dq.overall(ordered),
        dimensions=ordered,
        columns=assessment.columns,
        table_schema=schema,
    )
    if record:
        _record_quality(session, distribution, report)
    return report


def _record_quality(session: Session, distribution: Distribution, report: QualityReport) -> None:
    scores = {d.key: d.score for d in report.dimensions}
    session.add(
        DataQualityRecord(
            distribution_id=distribution.id,
            dataset_id=distribution.dataset_id,
            evaluated_at=report.evaluated_at,
            overall=report.overall,
            completeness=scores.get("completeness"),
            validity=scores.get("validity"),
            uniqueness=scores.get("uniqueness"),
            timeliness=scores.get("timeliness"),
            consistency=scores.get("consistency"),
            rows_checked=report.rows_checked,
            sampled=report.sampled,
            report=report.model_dump(mode="json"),
        )
    )
    session.flush()


# --- everything ----------------------------------------------------------------------------------------


def evaluate_dataset(
    session: Session,
    *,
    dataset: Dataset,
    store: FileStore,
    now: dt.datetime | None = None,
    with_data_quality: bool = True,
) -> tuple[MqaResult, list[QualityReport]]:
    """MQA and data quality of one dataset, all recorded (the ``quality.evaluate_dataset`` job)."""
    now = now or utcnow()
    result = mqa_for_dataset(session, dataset=dataset, store=store, now=now)
    reports = []
    if with_data_quality:
        for dist in dataset.distributions:
            if is_tabular_file(dist):
                reports.append(data_quality(session, distribution=dist, store=store, now=now))
    return result, reports


def evaluate_all(
    session: Session,
    *,
    store: FileStore,
    municipality: str | None = None,
    dataset: Dataset | None = None,
    with_data_quality: bool = True,
    now: dt.datetime | None = None,
) -> EvaluationSummary:
    """Evaluate one dataset, one city or every city: catalogue MQA per city and data quality per table.

    Data quality covers every dataset of the city (not only the open ones): it is internal work, and its
    results are shown to whoever may see the dataset.
    """
    now = now or utcnow()
    summary = EvaluationSummary()
    if dataset is not None:
        result, reports = evaluate_dataset(
            session, dataset=dataset, store=store, now=now, with_data_quality=with_data_quality
        )
        summary.datasets, summary.distributions = 1, len(reports)
        summary.dataset_results.append(result)
        return summary
    cities = (
        [_city(session, municipality)]
        if municipality
        else list(session.scalars(select(Municipality).order_by(Municipality.slug)))
    )
    for city in cities:
        catalogue = mqa_for_city(session, municipality=city, store=store, now=now)
        summary.cities.append(catalogue)
        summary.datasets += catalogue.dataset_count
        if with_data_quality:
            stmt = (
                select(Distribution)
                .join(Dataset, Dataset.id == Distribution.dataset_id)
                .where(Dataset.municipality_id == city.id, Distribution.checksum_sha256.is_not(None))
                .order_by(Distribution.id)
            )
            for dist in session.scalars(stmt):
                if is_tabular_file(dist):
                    data_quality(session, distribution=dist, store=store, now=now)
                    summary.distributions += 1
    return summary
