"""A dataset's own DCAT-AP.de graph, built by the catalogue's exporter (``kikz.catalog.dcat.mapping``).

Each dataset gets a fresh export context, so the controlled terms it uses (theme, licence, format, ...) are
described inside its own graph: SHACL needs their classes, and a shared context would write them only once.
IRIs are minted under ``EVALUATION_BASE``: only reachability cares about the host, and a fixed base lets the
evaluation recognise the platform's own file and page URLs without knowing the public address.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import rdflib
from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz.catalog.dcat.export import DATASET_COLUMNS, DISTRIBUTION_COLUMNS, load_context
from kikz.catalog.dcat.mapping import ExportContext, dataset_resources
from kikz.catalog.dcat.rdfwriter import writer_for
from kikz.catalog.models import Dataset, Distribution

EVALUATION_BASE = "https://kikz.plattform.invalid"
CHUNK = 200


@dataclass(frozen=True)
class DatasetGraph:
    dataset_id: int
    name: str
    title: str
    municipality_id: int
    subject: rdflib.URIRef
    graph: rdflib.Graph


def _graph(row: object, dists: Sequence[object], shared: ExportContext) -> DatasetGraph:
    ctx = ExportContext(shared.base_url, shared.cities, shared.licences)
    resources = dataset_resources(row, dists, ctx)
    resources.extend(ctx.flush_terms())
    buffer = io.BytesIO()
    writer = writer_for("turtle", buffer)
    writer.start()
    writer.write(resources)
    writer.end()
    graph = rdflib.Graph().parse(data=buffer.getvalue(), format="turtle")
    r = row  # a SQLAlchemy Row of DATASET_COLUMNS
    return DatasetGraph(
        dataset_id=r.id,  # type: ignore[attr-defined]
        name=r.name,  # type: ignore[attr-defined]
        title=r.title,  # type: ignore[attr-defined]
        municipality_id=r.municipality_id,  # type: ignore[attr-defined]
        subject=rdflib.URIRef(str(resources[0].subject)),
        graph=graph,
    )


def dataset_graphs(session: Session, dataset_ids: Sequence[int]) -> Iterator[DatasetGraph]:
    """The graphs of the given datasets, read in chunks (no ORM objects), in the order given."""
    shared = load_context(session, EVALUATION_BASE)
    for start in range(0, len(dataset_ids), CHUNK):
        ids = list(dataset_ids[start : start + CHUNK])
        rows = {r.id: r for r in session.execute(select(*DATASET_COLUMNS).where(Dataset.id.in_(ids)))}
        dists: dict[int, list[object]] = {}
        stmt = select(*DISTRIBUTION_COLUMNS).where(Distribution.dataset_id.in_(ids)).order_by(Distribution.id)
        for d in session.execute(stmt):
            dists.setdefault(d.dataset_id, []).append(d)
        for ident in ids:
            if ident in rows:
                yield _graph(rows[ident], dists.get(ident, []), shared)


def dataset_graph(session: Session, dataset: Dataset) -> DatasetGraph:
    session.flush()
    return next(dataset_graphs(session, [dataset.id]))
