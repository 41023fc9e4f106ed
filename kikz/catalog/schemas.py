"""Pydantic shapes of catalogue data going in and out (a table is never a response)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from kikz.catalog.vocabularies import EU_THEMES, FREQUENCIES
from kikz.types import DatasetStatus, ProtectionClass

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,118}$")


class DatasetBase(BaseModel):
    title: str = Field(min_length=3, max_length=500)
    description: str = Field(min_length=1, max_length=20000)
    keywords: list[str] = Field(default_factory=list, max_length=50)
    themes: list[str] = Field(default_factory=list, max_length=14)
    contact_name: str = Field("", max_length=300)
    contact_email: EmailStr | None = None
    contact_url: str = Field("", max_length=500)
    license_id: str | None = Field(None, description="id from the DCAT-AP.de licence vocabulary, e.g. dl-by-de/2.0")
    temporal_start: dt.date | None = None
    temporal_end: dt.date | None = None
    accrual_periodicity: str = ""
    landing_page: str = Field("", max_length=500)
    conforms_to: str = Field("", max_length=500)
    legal_basis: str = Field("", max_length=500)
    shared_in_network: bool = False

    @field_validator("keywords")
    @classmethod
    def _clean_keywords(cls, value: list[str]) -> list[str]:
        seen: dict[str, str] = {}
        for kw in value:
            kw = kw.strip()
            if kw and len(kw) <= 100:
                seen.setdefault(kw.casefold(), kw)
        return list(seen.values())

    @field_validator("themes")
    @classmethod
    def _known_themes(cls, value: list[str]) -> list[str]:
        unknown = [t for t in value if t not in EU_THEMES]
        if unknown:
            raise ValueError(f"unbekanntes EU-Datenthema: {', '.join(unknown)}")
        return list(dict.fromkeys(value))

    @field_validator("accrual_periodicity")
    @classmethod
    def _known_frequency(cls, value: str) -> str:
        if value and value not in FREQUENCIES:
            raise ValueError(f"unbekannte Aktualisierungsfrequenz: {value}")
        return value


class DatasetCreate(DatasetBase):
    municipality: str = Field(description="slug of the owning municipality")
    name: str | None = Field(None, description="URL slug; generated from the title when empty")
    identifier: str | None = Field(None, max_length=200)
    protection_class: ProtectionClass | None = None
    contains_personal_data: bool | None = None

    @field_validator("name")
    @classmethod
    def _slug(cls, value: str | None) -> str | None:
        if value is not None and not NAME_RE.match(value):
            raise ValueError("nur Kleinbuchstaben, Ziffern, '-' und '_' (2–119 Zeichen)")
        return value


class DatasetUpdate(BaseModel):
    """Partial update: only the fields that are sent change."""

    title: str | None = Field(None, min_length=3, max_length=500)
    description: str | None = Field(None, min_length=1, max_length=20000)
    keywords: list[str] | None = None
    themes: list[str] | None = None
    contact_name: str | None = None
    contact_email: EmailStr | None = None
    contact_url: str | None = None
    license_id: str | None = None
    temporal_start: dt.date | None = None
    temporal_end: dt.date | None = None
    accrual_periodicity: str | None = None
    landing_page: str | None = None
    conforms_to: str | None = None
    legal_basis: str | None = None
    shared_in_network: bool | None = None
    protection_class: ProtectionClass | None = None
    contains_personal_data: bool | None = None
    art9_data: bool | None = Field(None, description="special categories of personal data (GDPR Art. 9)")
    status: DatasetStatus | None = None
    change_note: str = Field("", max_length=500)

    _validate_keywords = field_validator("keywords")(lambda cls, v: DatasetBase._clean_keywords(v) if v else v)
    _validate_themes = field_validator("themes")(lambda cls, v: DatasetBase._known_themes(v) if v else v)
    _validate_freq = field_validator("accrual_periodicity")(lambda cls, v: DatasetBase._known_frequency(v) if v else v)


class DistributionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    identifier: str
    title: str
    description: str
    access_url: str
    download_url: str
    format: str
    media_type: str
    byte_size: int | None
    checksum_sha256: str | None
    file_name: str
    license_id: str | None
    encoding: str
    columns: list[dict[str, Any]]
    row_count: int | None
    modified: dt.datetime | None


class DatasetPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    identifier: str
    name: str
    municipality: str
    municipality_name: str
    title: str
    description: str
    keywords: list[str]
    themes: list[str]
    publisher_name: str
    contact_name: str
    contact_email: str
    contact_url: str
    license_id: str | None
    license_title: str | None
    temporal_start: dt.date | None
    temporal_end: dt.date | None
    accrual_periodicity: str
    issued: dt.datetime | None
    modified: dt.datetime | None
    landing_page: str
    protection_class: ProtectionClass | None
    effective_protection_class: ProtectionClass
    contains_personal_data: bool | None
    status: DatasetStatus
    shared_in_network: bool
    version: int
    url: str
    distributions: list[DistributionPublic]


class DatasetVersionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    changed_at: dt.datetime
    change_note: str
    snapshot: dict[str, Any]


class DatasetCreateRequest(DatasetCreate):
    """Body of ``POST /api/v1/datasets``: unknown fields are refused, so a typo is not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class DatasetUpdateRequest(DatasetUpdate):
    """Body of ``PATCH /api/v1/datasets/{name}``: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class LinkCreate(BaseModel):
    """A distribution that points to a file or service elsewhere (no upload)."""

    model_config = ConfigDict(extra="forbid")

    access_url: str = Field(min_length=1, max_length=1000)
    title: str = Field("", max_length=500)
    format: str = Field("", max_length=30, description="EU file-type code, e.g. CSV or WMS_SRVC")
    download_url: str = Field("", max_length=1000)
    license_id: str | None = Field(None, max_length=80)


class FacetCount(BaseModel):
    value: str
    label: str
    count: int


class DatasetPage(BaseModel):
    """One page of a dataset search with the total and the facet counts of the whole result."""

    items: list[DatasetPublic]
    total: int
    page: int
    per_page: int
    facets: dict[str, list[FacetCount]]


class MunicipalityPublic(BaseModel):
    slug: str
    name: str
    official_name: str
    kind: str
    ags: str
    ars: str
    email: str
    website: str
    description: str
    dataset_count: int = Field(description="datasets of this municipality the caller may see")


class LicensePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    iri: str
    title: str
    url: str
    is_open: bool
    attribution_required: bool
