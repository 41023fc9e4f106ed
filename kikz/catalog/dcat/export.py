"""DCAT-AP.de 3.0 export of the catalogue: per city or for all cities, paged (hydra) or as one full dump.

Rows are read with plain column selects in keyset-paged chunks (no ORM objects), mapped to ``Resource``
descriptions by ``mapping`` and printed by the streaming writers in ``rdfwriter``. Only datasets the caller
may see are read: ``visible(principal, Dataset)`` sits in the SQL.

APIs that serve datasets (``dcat:DataService``) are described by the domains that run them; ``_data_services``
is the one place that asks them, imported lazily like the job handlers in ``kikz.worker``, so the catalogue
itself does not depend on those domains.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO
from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kikz.catalog.dcat.mapping import (
    City,
    DataServiceInfo,
    DbRow,
    ExportContext,
    LicenceInfo,
    catalog_resource,
    dataset_resources,
)
from kikz.catalog.dcat.rdfwriter import IRI, MEDIA_TYPES, Format, Lit, Object, Resource, Writer, writer_for
from kikz.catalog.models import Dataset, Distribution, License
from kikz.errors import KikzError, NotFound
from kikz.tenancy.models import Municipality
from kikz.tenancy.permissions import Principal, visible

CHUNK = 1000
DbSelect = Any  # see mapping.DbRow

DATASET_COLUMNS = (
    Dataset.id,
    Dataset.identifier,
    Dataset.name,
    Dataset.title,
    Dataset.description,
    Dataset.keywords,
    Dataset.themes,
    Dataset.hvd_category,
    Dataset.publisher_name,
    Dataset.publisher_uri,
    Dataset.contact_name,
    Dataset.contact_email,
    Dataset.contact_url,
    Dataset.license_id,
    Dataset.access_rights,
    Dataset.temporal_start,
    Dataset.temporal_end,
    Dataset.accrual_periodicity,
    Dataset.issued,
    Dataset.modified,
    Dataset.landing_page,
    Dataset.conforms_to,
    Dataset.legal_basis,
    Dataset.language,
    Dataset.protection_class,
    Dataset.municipality_id,
    Dataset.harvest_source_id,
)
DISTRIBUTION_COLUMNS = (
    Distribution.dataset_id,
    Distribution.identifier,
    Distribution.title,
    Distribution.description,
    Distribution.access_url,
    Distribution.download_url,
    Distribution.format,
    Distribution.media_type,
    Distribution.byte_size,
    Distribution.checksum_sha256,
    Distribution.file_name,
    Distribution.license_id,
    Distribution.issued,
    Distribution.modified,
)


class InvalidPage(KikzError):
    status_code = 400
    code = "invalid_page"


def load_context(session: Session, base_url: str) -> ExportContext:
    cities = {
        m.id: City(m.id, m.slug, m.name, m.official_name, m.ars, m.email, m.website)
        for m in session.scalars(select(Municipality))
    }
    licences = {
        lic.id: LicenceInfo(lic.iri, lic.title, lic.attribution_required) for lic in session.scalars(select(License))
    }
    return ExportContext(base_url.rstrip("/"), cities, licences)


# --- reading --------------------------------------------------------------------------------------------


def _resolve_city(session: Session, ctx: ExportContext, municipality: str | None) -> City | None:
    if municipality is None:
        return None
    for city in ctx.cities.values():
        if city.slug == municipality:
            return city
    raise NotFound(f"Unbekannte Kommune: {municipality}")


def catalog_iri(base_url: str, municipality: str | None) -> IRI:
    base = base_url.rstrip("/")
    return IRI(f"{base}/kommunen/{quote(municipality, safe='')}/catalog" if municipality else f"{base}/catalog")


def _query(principal: Principal, city: City | None) -> DbSelect:
    stmt = select(*DATASET_COLUMNS).where(visible(principal, Dataset))
    if city is not None:
        stmt = stmt.where(Dataset.municipality_id == city.id)
    return stmt


def _distributions(session: Session, ids: list[int]) -> dict[int, list[DbRow]]:
    out: dict[int, list[DbRow]] = {}
    if ids:
        stmt = select(*DISTRIBUTION_COLUMNS).where(Distribution.dataset_id.in_(ids)).order_by(Distribution.id)
        for d in session.execute(stmt):
            out.setdefault(d.dataset_id, []).append(d)
    return out


def _data_services(session: Session, ids: list[int], base_url: str) -> dict[int, list[DataServiceInfo]]:
    """The APIs serving each of the (visible) datasets ``ids``: the SensorThings API of sensor networks."""
    from kikz.sensors.network import data_services

    return data_services(session, ids, base_url)


def _chunk_resources(session: Session, rows: Sequence[DbRow], ctx: ExportContext, catalog: IRI) -> list[Resource]:
    ids = [r.id for r in rows]
    dists = _distributions(session, ids)
    services = _data_services(session, ids, ctx.base_url)
    out: list[Resource] = []
    links: list[tuple[str, Object]] = []
    for row in rows:
        described = dataset_resources(row, dists.get(row.id, ()), ctx, services.get(row.id, ()))
        links.append(("dcat:dataset", described[0].subject))
        links.extend(("dcat:service", r.subject) for r in described if "dcat:DataService" in r.types)
        out.extend(described)
    if links:
        out.append(Resource(catalog, [], links))
    out.extend(ctx.flush_terms())
    return out


def _keyset_chunks(session: Session, stmt: DbSelect, limit: int | None) -> Iterator[Sequence[DbRow]]:
    last_id, remaining = 0, limit
    while remaining is None or remaining > 0:
        size = CHUNK if remaining is None else min(CHUNK, remaining)
        rows = session.execute(stmt.where(Dataset.id > last_id).order_by(Dataset.id).limit(size)).all()
        if not rows:
            return
        yield rows
        last_id = rows[-1].id
        if remaining is not None:
            remaining -= len(rows)
        if len(rows) < size:
            return


def export_catalog(
    session: Session,
    *,
    principal: Principal,
    fmt: Format,
    base_url: str,
    out: BinaryIO,
    municipality: str | None = None,
    limit: int | None = None,
) -> int:
    """Write the visible catalogue (all, one city's, or the first ``limit`` datasets); returns the count."""
    ctx = load_context(session, base_url)
    city = _resolve_city(session, ctx, municipality)
    subject = catalog_iri(ctx.base_url, municipality)
    writer: Writer = writer_for(fmt, out)
    writer.start()
    writer.write([catalog_resource(ctx, subject, city)])
    count = 0
    for rows in _keyset_chunks(session, _query(principal, city), limit):
        writer.write(_chunk_resources(session, rows, ctx, subject))
        count += len(rows)
    writer.write(ctx.flush_terms())
    writer.end()
    return count


@dataclass(frozen=True)
class CatalogPage:
    body: bytes
    media_type: str
    total: int
    page: int
    last_page: int


def catalog_page(
    session: Session,
    *,
    principal: Principal,
    fmt: Format,
    base_url: str,
    page: int,
    page_size: int,
    view_url: str,
    municipality: str | None = None,
) -> CatalogPage:
    """One page of the catalogue with a hydra:PartialCollectionView; ``view_url`` is the URL without ?page."""
    ctx = load_context(session, base_url)
    city = _resolve_city(session, ctx, municipality)
    stmt = _query(principal, city)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    last_page = max(1, math.ceil(total / page_size))
    if page < 1 or page > last_page:
        raise InvalidPage(f"Ungültige Seite {page}: erlaubt sind die Seiten 1 bis {last_page}.")
    rows = session.execute(stmt.order_by(Dataset.id).limit(page_size).offset((page - 1) * page_size)).all()
    subject = catalog_iri(ctx.base_url, municipality)

    def view(n: int) -> IRI:
        return IRI(f"{view_url}?page={n}")

    paging: list[tuple[str, Object]] = [
        ("hydra:first", view(1)),
        ("hydra:last", view(last_page)),
        ("hydra:totalItems", Lit(str(total), datatype="xsd:nonNegativeInteger")),
        ("hydra:itemsPerPage", Lit(str(page_size), datatype="xsd:nonNegativeInteger")),
    ]
    if page > 1:
        paging.append(("hydra:previous", view(page - 1)))
    if page < last_page:
        paging.append(("hydra:next", view(page + 1)))
    catalog = catalog_resource(ctx, subject, city)
    catalog.props.append(("hydra:view", view(page)))
    buffer = io.BytesIO()
    writer: Writer = writer_for(fmt, buffer)
    writer.start()
    writer.write([catalog, Resource(view(page), ["hydra:PartialCollectionView"], paging)])
    writer.write(_chunk_resources(session, rows, ctx, subject))
    writer.write(ctx.flush_terms())
    writer.end()
    return CatalogPage(buffer.getvalue(), MEDIA_TYPES[fmt], total, page, last_page)


def export_graph(session: Session, *, principal: Principal, base_url: str, municipality: str | None = None) -> Any:
    """The export as an rdflib Graph (for SHACL validation and the metadata-quality score)."""
    import rdflib

    buffer = io.BytesIO()
    export_catalog(session, principal=principal, fmt="turtle", base_url=base_url, out=buffer, municipality=municipality)
    return rdflib.Graph().parse(data=buffer.getvalue(), format="turtle")
