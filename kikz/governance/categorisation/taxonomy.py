"""The Musterdatenkatalog (V4) taxonomy, its labelled real records and the HVD categories, from shipped files.

The files in ``kikz/governance/data/musterdatenkatalog/`` are derived once from the published CC0 sources by
``build_data.py`` (see SOURCES.txt there); the product reads only these, never the network.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from kikz.catalog.vocabularies import HVD_CATEGORY_BASE

DATA_DIR = Path(str(resources.files("kikz.governance") / "data" / "musterdatenkatalog"))
SHIPPED_FILES = ("taxonomy.csv", "records.csv")

HVD_BASE = HVD_CATEGORY_BASE


def hvd_iri(code: str) -> str:
    return HVD_BASE + code


@dataclass(frozen=True, slots=True)
class Musterdatensatz:
    label: str  # "THEMA - BEZEICHNUNG", the key used everywhere
    thema: str
    bezeichnung: str
    thema_en: str
    bezeichnung_en: str
    thema_description: str
    description: str
    eu_theme: str

    @property
    def label_en(self) -> str:
        return f"{self.thema_en} - {self.bezeichnung_en}"


@dataclass(frozen=True, slots=True)
class LabelledRecord:
    title: str
    description: str
    musterdatensatz: str  # V4 label, "" if the record's old label has no clear V4 counterpart
    eu_themes: tuple[str, ...]  # EU theme codes chosen by the publishing city; () if it gave none
    source: str  # "mdk-v4" (V4 workbook sheet) or "mdk-v3" (labelled CSV)
    org: str


@dataclass(frozen=True)
class Taxonomy:
    entries: dict[str, Musterdatensatz]

    @property
    def themen(self) -> list[str]:
        return sorted({e.thema for e in self.entries.values()})

    def thema_of(self, musterdatensatz: str) -> str:
        return self.entries[musterdatensatz].thema

    def thema_description(self, thema: str) -> str:
        return next((e.thema_description for e in self.entries.values() if e.thema == thema), "")


def _read(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=1)
def load_taxonomy() -> Taxonomy:
    entries = {
        row["musterdatensatz"]: Musterdatensatz(
            label=row["musterdatensatz"],
            thema=row["thema"],
            bezeichnung=row["bezeichnung"],
            thema_en=row["thema_en"],
            bezeichnung_en=row["bezeichnung_en"],
            thema_description=row["thema_description"],
            description=row["description"],
            eu_theme=row["eu_theme"],
        )
        for row in _read("taxonomy.csv")
    }
    return Taxonomy(entries)


@lru_cache(maxsize=1)
def load_records() -> tuple[LabelledRecord, ...]:
    return tuple(
        LabelledRecord(
            title=row["title"],
            description=row["description"],
            musterdatensatz=row["musterdatensatz"],
            eu_themes=tuple(row["eu_themes"].split()),
            source=row["source"],
            org=row["org"],
        )
        for row in _read("records.csv")
    )


def data_fingerprint() -> str:
    """Hash of the shipped training files: a cached model is reused only while they are unchanged."""
    digest = hashlib.sha256()
    for name in SHIPPED_FILES:
        digest.update((DATA_DIR / name).read_bytes())
    return digest.hexdigest()[:16]
