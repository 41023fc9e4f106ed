"""JSON REST API of the catalogue (``/api/v1``) and the file downloads (``/dateien``).

Routes are thin: parse, call ``kikz.catalog.service`` (which checks permissions), answer with a schema.
An invisible dataset is reported as missing (404), never as forbidden, so its existence stays hidden.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request, Response, UploadFile
from fastapi.responses import FileResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kikz.catalog import search, service
from kikz.catalog.models import Dataset, Distribution, License
from kikz.catalog.schemas import (
    DatasetCreateRequest,
    DatasetPage,
    DatasetPublic,
    DatasetUpdateRequest,
    DatasetVersionPublic,
    DistributionPublic,
    FacetCount,
    LicensePublic,
    LinkCreate,
    MunicipalityPublic,
)
from kikz.catalog.vocabularies import EU_THEMES
from kikz.errors import NotFound
from kikz.tenancy.models import Municipality
from kikz.tenancy.permissions import Principal, visible
from kikz.types import DatasetStatus, ProtectionClass
from kikz.web.deps import LoggedInDep, PrincipalDep, SessionDep, SettingsDep, StoreDep

router = APIRouter()

DATASETS = "Datensätze / Datasets"
FILES = "Dateien / Files"
REFERENCE = "Kommunen und Lizenzen / Municipalities and licences"
MAX_PER_PAGE = 100
MAX_PAGE = 1000
_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f\x7f"\\/;]')

FacetFilter = Annotated[list[str] | None, Query(max_length=20)]


@router.get(
    "/api/v1/datasets",
    response_model=DatasetPage,
    tags=[DATASETS],
    summary="Datensätze suchen / Search datasets",
    description="Volltextsuche mit Facetten; es erscheinen nur Datensätze, die Sie sehen dürfen. "
    "/ Full-text search with facets; only datasets the caller may see are returned.",
)
def search_datasets(
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    q: Annotated[str, Query(max_length=500, description="Suchbegriffe / search terms")] = "",
    city: FacetFilter = None,
    theme: FacetFilter = None,
    protection_class: Annotated[list[str] | None, Query(alias="class", max_length=20)] = None,
    file_format: Annotated[list[str] | None, Query(alias="format", max_length=20)] = None,
    license_id: Annotated[list[str] | None, Query(alias="license", max_length=20)] = None,
    tag: Annotated[list[str] | None, Query(max_length=20, description="Schlagwort / keyword")] = None,
    sort: Literal["relevance", "modified", "title"] = "relevance",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 20,
    facet_limit: Annotated[int, Query(ge=0, le=1000, description="Werte je Facette / values per facet")] = 50,
) -> DatasetPage:
    given = {
        "city": city,
        "theme": theme,
        "class": protection_class,
        "format": file_format,
        "license": license_id,
        "tag": tag,
    }
    filters = {name: values for name, values in given.items() if values}
    result = search.search_datasets(
        session,
        principal=principal,
        query=q,
        filters=filters,
        sort=sort,
        limit=per_page,
        offset=(page - 1) * per_page,
    )
    labels = _facet_labels(session)
    return DatasetPage(
        items=[service.to_public(hit.dataset, base_url=settings.base_url) for hit in result.hits],
        total=result.total,
        page=page,
        per_page=per_page,
        facets={
            name: [FacetCount(value=v, label=labels.get((name, v), v), count=n) for v, n in counts[:facet_limit]]
            for name, counts in result.facets.items()
        },
    )


def _facet_labels(session: Session) -> dict[tuple[str, str], str]:
    labels: dict[tuple[str, str], str] = {("theme", code): de for code, (de, _en) in EU_THEMES.items()}
    labels.update((("class", c.value), c.label) for c in ProtectionClass)
    labels.update(
        (("city", slug), name) for slug, name in session.execute(select(Municipality.slug, Municipality.name))
    )
    labels.update((("license", lid), title) for lid, title in session.execute(select(License.id, License.title)))
    return labels


@router.post(
    "/api/v1/datasets",
    status_code=201,
    response_model=DatasetPublic,
    tags=[DATASETS],
    summary="Datensatz anlegen / Create a dataset",
    description="Legt einen Entwurf in einer Kommune an, in der Sie Mitglied sind. "
    "/ Creates a draft in a municipality the caller belongs to.",
)
def create_dataset(
    data: DatasetCreateRequest,
    session: SessionDep,
    principal: LoggedInDep,
    settings: SettingsDep,
    response: Response,
) -> DatasetPublic:
    dataset = service.create_dataset(session, principal=principal, data=data)
    response.headers["Location"] = f"/api/v1/datasets/{dataset.name}"
    return service.to_public(dataset, base_url=settings.base_url)


@router.get(
    "/api/v1/datasets/{name_or_id}",
    response_model=DatasetPublic,
    tags=[DATASETS],
    summary="Datensatz lesen / Read a dataset",
    description="Per Name, Kennung (identifier) oder Nummer. / By name, identifier or numeric id.",
)
def read_dataset(name_or_id: str, session: SessionDep, principal: PrincipalDep, settings: SettingsDep) -> DatasetPublic:
    dataset = service.get_dataset(session, principal=principal, key=name_or_id)
    return service.to_public(dataset, base_url=settings.base_url)


@router.patch(
    "/api/v1/datasets/{name_or_id}",
    response_model=DatasetPublic,
    tags=[DATASETS],
    summary="Datensatz ändern / Update a dataset",
    description="Nur gesendete Felder ändern sich; jede Änderung ergibt eine neue Version. "
    "/ Only the fields sent change; every change makes a new version.",
)
def update_dataset(
    name_or_id: str,
    data: DatasetUpdateRequest,
    session: SessionDep,
    principal: LoggedInDep,
    settings: SettingsDep,
) -> DatasetPublic:
    dataset = service.get_dataset(session, principal=principal, key=name_or_id)
    service.update_dataset(session, principal=principal, dataset=dataset, data=data)
    return service.to_public(dataset, base_url=settings.base_url)


@router.delete(
    "/api/v1/datasets/{name_or_id}",
    status_code=204,
    tags=[DATASETS],
    summary="Datensatz löschen / Delete a dataset",
)
def delete_dataset(name_or_id: str, session: SessionDep, principal: LoggedInDep) -> Response:
    dataset = service.get_dataset(session, principal=principal, key=name_or_id)
    service.delete_dataset(session, principal=principal, dataset=dataset)
    return Response(status_code=204)


@router.get(
    "/api/v1/datasets/{name_or_id}/history",
    response_model=list[DatasetVersionPublic],
    tags=[DATASETS],
    summary="Änderungsverlauf / Change history",
)
def dataset_history(name_or_id: str, session: SessionDep, principal: PrincipalDep) -> list[DatasetVersionPublic]:
    dataset = service.get_dataset(session, principal=principal, key=name_or_id)
    return [DatasetVersionPublic.model_validate(v) for v in service.history(session, dataset=dataset)]


@router.post(
    "/api/v1/datasets/{name_or_id}/distributions",
    status_code=201,
    response_model=DistributionPublic,
    tags=[DATASETS],
    summary="Datei hochladen / Upload a file",
    description="Multipart-Upload (Feld `file`); Tabellen werden gelesen und beschrieben, unlesbare Dateien "
    "abgelehnt (422), zu große mit 413. / Multipart upload (field `file`); tables are read and described, "
    "unreadable files are refused (422), oversized ones with 413.",
)
def upload_distribution(
    name_or_id: str,
    file: UploadFile,
    session: SessionDep,
    principal: LoggedInDep,
    settings: SettingsDep,
    store: StoreDep,
    title: Annotated[str, Form(max_length=500)] = "",
    license_id: Annotated[str | None, Form(max_length=80)] = None,
) -> DistributionPublic:
    dataset = service.get_dataset(session, principal=principal, key=name_or_id)
    dist = service.add_file_distribution(
        session,
        principal=principal,
        dataset=dataset,
        store=store,
        filename=file.filename or "",
        stream=file.file,
        max_bytes=settings.max_upload_bytes,
        title=title,
        license_id=license_id or None,
    )
    return _distribution_public(dist, settings.base_url)


@router.post(
    "/api/v1/datasets/{name_or_id}/links",
    status_code=201,
    response_model=DistributionPublic,
    tags=[DATASETS],
    summary="Link hinzufügen / Add a link",
    description="Eine Distribution, die auf eine Datei oder einen Dienst anderswo zeigt. "
    "/ A distribution pointing to a file or service elsewhere.",
)
def add_link(
    name_or_id: str, data: LinkCreate, session: SessionDep, principal: LoggedInDep, settings: SettingsDep
) -> DistributionPublic:
    dataset = service.get_dataset(session, principal=principal, key=name_or_id)
    dist = service.add_link_distribution(
        session,
        principal=principal,
        dataset=dataset,
        access_url=data.access_url,
        title=data.title,
        fmt=data.format,
        download_url=data.download_url,
        license_id=data.license_id,
    )
    return _distribution_public(dist, settings.base_url)


def _distribution_public(dist: Distribution, base_url: str) -> DistributionPublic:
    public = DistributionPublic.model_validate(dist)
    if dist.is_stored_file:
        public.download_url = public.access_url = service.download_url(base_url, dist)
    return public


@router.get(
    "/api/v1/municipalities",
    response_model=list[MunicipalityPublic],
    tags=[REFERENCE],
    summary="Kommunen / Municipalities",
    description="Mit der Zahl der Datensätze, die Sie sehen dürfen. / With the number of datasets the caller may see.",
)
def list_municipalities(session: SessionDep, principal: PrincipalDep) -> list[MunicipalityPublic]:
    counts = _dataset_counts(session, principal)
    return [
        MunicipalityPublic(
            slug=m.slug,
            name=m.name,
            official_name=m.official_name,
            kind=m.kind.value,
            ags=m.ags,
            ars=m.ars,
            email=m.email,
            website=m.website,
            description=m.description,
            dataset_count=counts.get(m.id, 0),
        )
        for m in session.scalars(select(Municipality).order_by(Municipality.name))
    ]


def _dataset_counts(session: Session, principal: Principal) -> dict[int, int]:
    stmt = (
        select(Dataset.municipality_id, func.count())
        .where(visible(principal, Dataset))
        .group_by(Dataset.municipality_id)
    )
    return {mid: n for mid, n in session.execute(stmt)}


@router.get(
    "/api/v1/licenses",
    response_model=list[LicensePublic],
    tags=[REFERENCE],
    summary="Lizenzen (DCAT-AP.de) / Licences (DCAT-AP.de)",
)
def list_licenses(session: SessionDep) -> list[LicensePublic]:
    return [LicensePublic.model_validate(lic) for lic in session.scalars(select(License).order_by(License.id))]


@router.get(
    "/dateien/{distribution_identifier}/{file_name}",
    tags=[FILES],
    summary="Datei herunterladen / Download a file",
    description="Liefert eine hochgeladene Datei, wenn Sie den Datensatz sehen dürfen (sonst 404). "
    "/ Streams an uploaded file if the caller may see its dataset (404 otherwise).",
    response_class=FileResponse,
)
def download(
    distribution_identifier: str,
    file_name: str,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    store: StoreDep,
) -> Response:
    dist = service.get_distribution(session, principal=principal, identifier=distribution_identifier)
    # The name in the URL is cosmetic: the file is found through the checksum only, so no path is injectable.
    if not dist.is_stored_file or dist.checksum_sha256 is None or file_name != dist.file_name:
        raise NotFound("Diese Datei gibt es nicht oder Sie dürfen sie nicht sehen.")
    path = store.path_for(dist.checksum_sha256)
    if not path.is_file():
        raise NotFound("Die Datei fehlt im Speicher. Bitte wenden Sie sich an die Betreiber.")
    etag = f'"{dist.checksum_sha256}"'
    public = (
        dist.dataset.protection_class is ProtectionClass.OEFFENTLICH and dist.dataset.status is DatasetStatus.PUBLISHED
    )
    headers = {"etag": etag, "cache-control": "public, no-cache" if public else "private, no-cache"}
    if etag in {t.strip() for t in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    return FileResponse(
        path,
        media_type=dist.media_type or "application/octet-stream",
        filename=_UNSAFE_FILENAME.sub("_", dist.file_name) or "datei",
        headers=headers,
    )


router.add_api_route(
    "/dateien/{distribution_identifier}/{file_name}", download, methods=["HEAD"], include_in_schema=False
)
