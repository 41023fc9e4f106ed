"""The shape of a demo dataset: its DCAT-AP.de metadata, its protection, and the files generated for it."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from kikz.demo.cities import City
from kikz.demo.files import Table
from kikz.types import ProtectionClass

CLOSED = frozenset({None, "other-closed"})
TableMaker = Callable[[City, random.Random], Table]


@dataclass(frozen=True)
class FileSpec:
    filename: str
    fmt: str  # one of the formats in kikz.demo.files
    title: str
    table: TableMaker | None = None  # a file with other content than the dataset's main table


@dataclass(frozen=True)
class LinkSpec:
    url: str
    fmt: str  # EU file-type code, e.g. WMS_SRVC
    title: str


@dataclass(frozen=True)
class Protection:
    cls: ProtectionClass | None
    published: bool = False
    shared: bool = False


OPEN = Protection(ProtectionClass.OEFFENTLICH, published=True)
OPEN_DRAFT = Protection(ProtectionClass.OEFFENTLICH)
INTERNAL = Protection(ProtectionClass.INTERN)
SHARED = Protection(ProtectionClass.INTERN, shared=True)
CONFIDENTIAL = Protection(ProtectionClass.VERTRAULICH)
SECRET = Protection(ProtectionClass.STRENG_VERTRAULICH)
UNCLASSIFIED = Protection(None)


@dataclass(frozen=True)
class DatasetSpec:
    key: str
    title: str
    description: str
    keywords: tuple[str, ...]
    themes: tuple[str, ...]
    office: str  # the department that owns the data (contact point)
    mailbox: str  # local part of the department's e-mail address
    periodicity: str  # EU frequency code
    start: dt.date | None
    end: dt.date | None
    table: TableMaker
    files: tuple[FileSpec, ...]
    protection: Protection = OPEN
    license_id: str | None = "dl-by-de/2.0"
    personal: bool | None = False
    links: tuple[LinkSpec, ...] = ()
    legal_basis: str = ""
    conforms_to: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def classed(self, protection: Protection) -> DatasetSpec:
        """The same dataset under another protection; closed data loses its open licence."""
        if protection.cls is None:  # nobody has looked at it yet: no licence, personal data unknown
            return replace(self, protection=protection, license_id=None, personal=None)
        closed = protection.cls is not ProtectionClass.OEFFENTLICH
        lic = (self.license_id if self.license_id in CLOSED else "other-closed") if closed else self.license_id
        return replace(self, protection=protection, license_id=lic)


def contact_email(city: City, spec: DatasetSpec) -> str:
    domain = city.website.removeprefix("https://").removeprefix("www.")
    return f"{spec.mailbox}@{domain}"
