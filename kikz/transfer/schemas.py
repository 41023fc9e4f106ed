"""Pydantic shapes of the Digital Forum: what comes in (``…In``) and what goes out (``…Public``)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field

from kikz.transfer.vocab import (
    EventFormat,
    FieldOfAction,
    LessonKind,
    MaterialKind,
    Maturity,
    Operation,
    Phase,
    ReuseStatus,
    Visibility,
)

MAX_LONG_TEXT = 8000
MAX_MEDIUM_TEXT = 2000
MAX_COMMENT = 2000
MAX_LESSON = 4000
MAX_HARD_CAP = 100_000
"""Beyond this a text is refused unread; below it the services answer with the real limit and length."""
_LICENCE = re.compile(r"^[\w.+\-() ]+$", re.UNICODE)


def _web_address(value: str) -> str:
    value = value.strip()
    if value and not re.match(r"^https?://[^\s/]+\.[^\s]*$|^https?://[^\s/]+$", value):
        raise ValueError(
            "Bitte eine vollständige Adresse mit http:// oder https:// angeben. / Please give a full http(s) address."
        )
    return value


def _licence(value: str) -> str:
    value = value.strip()
    if value and not _LICENCE.match(value):
        raise ValueError(
            "Bitte eine SPDX-Kennung wie EUPL-1.2 oder „proprietär“ angeben. / Please give an SPDX identifier."
        )
    return value


WebAddress = Annotated[str, Field(max_length=500), AfterValidator(_web_address)]
Text = Annotated[str, Field(max_length=MAX_LONG_TEXT)]
MediumText = Annotated[str, Field(max_length=MAX_MEDIUM_TEXT)]


class CityRef(BaseModel):
    slug: str
    name: str


class ContactIn(BaseModel):
    name: str = Field(min_length=2, max_length=200)
    role: str = Field("", max_length=200)
    email: EmailStr | None = None


class ProjectIn(BaseModel):
    """A project entry as written by its cities; ``municipality`` (the lead city) is fixed at creation."""

    model_config = ConfigDict(str_strip_whitespace=True)

    title: str = Field(min_length=3, max_length=200)
    summary: str = Field(min_length=20, max_length=400, description="plain-language short description")
    partners: list[str] = Field(default_factory=list, max_length=20, description="slugs of partner cities")
    visibility: Visibility = Visibility.FORUM
    field_of_action: FieldOfAction
    phase: Phase
    maturity: Maturity
    problem: Text = ""
    solution: Text = ""
    data_used: MediumText = ""
    datasets: list[str] = Field(default_factory=list, max_length=20, description="names of catalogue datasets")
    technologies: list[Annotated[str, Field(min_length=1, max_length=60)]] = Field(default_factory=list, max_length=15)
    licence: Annotated[str, Field(max_length=80), AfterValidator(_licence)] = ""
    repository_url: WebAddress = ""
    website_url: WebAddress = ""
    costs: MediumText = ""
    funding: MediumText = ""
    operation: Operation | None = None
    operating_model: MediumText = ""
    started_on: dt.date | None = None
    contacts: list[ContactIn] = Field(default_factory=list, max_length=8)


class ProjectCreate(ProjectIn):
    municipality: str = Field(description="slug of the lead city")


class ContactPublic(BaseModel):
    name: str
    role: str
    email: str


class LessonPublic(BaseModel):
    id: int
    city: CityRef
    kind: LessonKind
    text: str
    created_at: dt.datetime


class ReusePublic(BaseModel):
    city: CityRef
    status: ReuseStatus
    note: str
    own_project: str | None = Field(None, description="slug of the reusing city's own entry")
    created_at: dt.datetime


class DatasetRef(BaseModel):
    name: str
    title: str
    url: str


class ProjectSummary(BaseModel):
    slug: str
    title: str
    summary: str
    lead: CityRef
    partners: list[CityRef]
    visibility: Visibility
    field_of_action: FieldOfAction
    phase: Phase
    maturity: Maturity
    technologies: list[str]
    reused_by: list[CityRef]
    updated_at: dt.datetime
    url: str


class ProjectPublic(ProjectSummary):
    problem: str
    solution: str
    data_used: str
    datasets: list[DatasetRef] = Field(description="catalogue datasets used that the caller may see")
    licence: str
    repository_url: str
    website_url: str
    costs: str
    funding: str
    operation: Operation | None
    operating_model: str
    started_on: dt.date | None
    contacts: list[ContactPublic]
    lessons: list[LessonPublic]
    reuses: list[ReusePublic]
    created_at: dt.datetime
    may_edit: bool


class FacetCount(BaseModel):
    value: str
    count: int


class ProjectPage(BaseModel):
    total: int
    page: int
    per_page: int
    items: list[ProjectSummary]
    facets: dict[str, list[FacetCount]]


class CommentIn(BaseModel):
    body: str = Field(min_length=1, max_length=MAX_HARD_CAP, description="plain text, at most 2000 characters")
    municipality: str | None = Field(None, description="city the author speaks for (default: their only one)")


class CommentPublic(BaseModel):
    id: int
    author: str
    city: CityRef
    body: str
    created_at: dt.datetime
    removed: bool


class ReuseIn(BaseModel):
    municipality: str | None = Field(None, description="reusing city (default: the caller's only one)")
    status: ReuseStatus = ReuseStatus.PLANNED
    note: MediumText = ""
    own_project: str | None = Field(None, description="slug of the reusing city's own entry")


class LessonIn(BaseModel):
    municipality: str | None = None
    kind: LessonKind
    text: str = Field(min_length=1, max_length=MAX_HARD_CAP, description="at most 4000 characters")


class AgendaItemIn(BaseModel):
    time: dt.time | None = None
    title: str = Field(min_length=2, max_length=300)
    speaker: str = Field("", max_length=300)
    project: str | None = Field(None, description="slug of a forum project presented")


class MaterialIn(BaseModel):
    title: str = Field(min_length=2, max_length=300)
    url: WebAddress
    kind: MaterialKind = MaterialKind.OTHER


class EventIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    title: str = Field(min_length=3, max_length=200)
    description: Text = ""
    municipality: str = Field(description="slug of the host city")
    visibility: Visibility = Visibility.FORUM
    format: EventFormat
    location: str = Field("", max_length=300)
    starts_at: dt.datetime = Field(description="local time Europe/Berlin when no offset is given")
    ends_at: dt.datetime
    agenda: list[AgendaItemIn] = Field(default_factory=list, max_length=40)
    materials: list[MaterialIn] = Field(default_factory=list, max_length=30)
    participants: list[str] = Field(default_factory=list, max_length=60, description="slugs of cities")


class AgendaItemPublic(BaseModel):
    time: dt.time | None
    title: str
    speaker: str
    project: str | None


class MaterialPublic(BaseModel):
    title: str
    url: str
    kind: MaterialKind


class EventPublic(BaseModel):
    slug: str
    title: str
    description: str
    host: CityRef
    visibility: Visibility
    format: EventFormat
    location: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    upcoming: bool
    agenda: list[AgendaItemPublic]
    materials: list[MaterialPublic]
    participants: list[CityRef]
    url: str


class GuestMunicipalityIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    name: str = Field(min_length=2, max_length=200)
    official_name: str = Field("", max_length=200)
    ags: str = Field(pattern=r"^\d{8}$", description="Amtlicher Gemeindeschlüssel, 8 digits")
    ars: str = Field(pattern=r"^\d{12}$", description="Amtlicher Regionalschlüssel, 12 digits")
    email: EmailStr | None = None


class InvitationIn(BaseModel):
    municipality: str | None = Field(None, description="slug of an existing guest municipality")
    new_municipality: GuestMunicipalityIn | None = Field(None, description="or register a new one")
    invited_by: str | None = Field(None, description="inviting city (default: the caller's only one)")
    message: MediumText = ""
    days: int = Field(365, ge=1, le=730, description="validity in days")


class InvitationPublic(BaseModel):
    id: int
    guest: CityRef
    invited_by: CityRef
    message: str
    created_at: dt.datetime
    valid_until: dt.datetime
    active: bool
    revoked_at: dt.datetime | None
