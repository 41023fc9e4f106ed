"""Input of an AI register entry: the limits of the Algoritmeregister standard 1.0, messages German / English."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kikz.transparency.register_models import THEMES, Lifecycle, PublicationCategory

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[A-Za-z]{2,}$")
URL = re.compile(r"^https?://[^\s<>\"']+$")
MAX_LINKS = 10
LONG_TEXT = 2500
TECHNICAL_TEXT = 5000

# field name -> (German, English) label, in the order of the form (the error summary follows it)
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "municipality": ("Kommune", "Municipality"),
    "name": ("Name", "Name"),
    "description_short": ("Kurzbeschreibung", "Short description"),
    "organisation": ("Organisation", "Organisation"),
    "themes": ("Themen", "Themes"),
    "lifecycle": ("Status des Systems", "Status of the system"),
    "begin_date": ("Beginn", "Start"),
    "end_date": ("Ende", "End"),
    "contact": ("Kontakt", "Contact"),
    "website": ("Link zur Informationsseite", "Link to the public page"),
    "publication_category": ("Veröffentlichungskategorie", "Publication category"),
    "interacts_with_people": ("Direkter Kontakt mit Menschen", "Direct interaction with people"),
    "ai_notice": ("KI-Hinweis (Art. 50 KI-Verordnung)", "AI notice (Art. 50 AI Act)"),
    "goal": ("Zweck und Wirkung", "Purpose and impact"),
    "proportionality": ("Abwägungen", "Considerations"),
    "human_intervention": ("Menschliche Aufsicht", "Human oversight"),
    "risks": ("Risikomanagement", "Risk management"),
    "lawful_basis": ("Rechtsgrundlage", "Legal basis"),
    "lawful_basis_links": ("Links zur Rechtsgrundlage", "Links to the legal basis"),
    "process_index_url": ("Link zum Verarbeitungsverzeichnis", "Link to the processing register"),
    "impact_assessments": ("Folgenabschätzungen", "Impact assessments"),
    "impact_assessment_notes": ("Erläuterung zu Folgenabschätzungen", "Notes on impact assessments"),
    "source_data": ("Daten", "Data"),
    "source_data_links": ("Links zu Datenquellen", "Links to data sources"),
    "dataset": ("Datensatz im Katalog", "Dataset in the catalogue"),
    "methods_and_models": ("Technische Funktionsweise", "Technical working"),
    "provider": ("Anbieter", "Supplier"),
    "source_code_url": ("Link zum Quellcode", "Link to the source code"),
    "tags": ("Suchbegriffe", "Search terms"),
    "protection_class": ("Sichtbarkeit", "Visibility"),
}


class LinkItem(BaseModel):
    title: str = Field(max_length=200)
    link: str = Field(max_length=500)

    @field_validator("link")
    @classmethod
    def _url(cls, value: str) -> str:
        if not URL.match(value):
            raise ValueError("Bitte einen Link mit http:// oder https:// angeben. / Please give an http(s):// link.")
        return value


def _clean(value: str) -> str:
    """Plain text only: unify line ends and drop control characters (they break exports and displays)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in value if ch in "\n\t" or ch >= " ").strip()


LongText = Annotated[str, Field(max_length=LONG_TEXT)]


class EntryInput(BaseModel):
    """Everything an editor enters; completeness for publication is checked separately (``blockers``)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    municipality: str = Field(min_length=1, max_length=60)
    name: str = Field(min_length=3, max_length=100)
    description_short: str = Field(min_length=10, max_length=350)
    organisation: str = Field(min_length=2, max_length=100)
    themes: list[str] = Field(default_factory=list, max_length=3)
    lifecycle: Lifecycle = Lifecycle.IN_DEVELOPMENT
    begin_date: str = ""
    end_date: str = ""
    contact: str = Field(min_length=3, max_length=500)
    website: str = Field("", max_length=500)
    publication_category: PublicationCategory = PublicationCategory.OTHER
    interacts_with_people: bool = False
    ai_notice: str = Field("", max_length=1000)
    goal: LongText = ""
    proportionality: LongText = ""
    human_intervention: LongText = ""
    risks: LongText = ""
    lawful_basis: LongText = ""
    lawful_basis_links: list[LinkItem] = Field(default_factory=list, max_length=MAX_LINKS)
    process_index_url: str = Field("", max_length=500)
    impact_assessments: list[LinkItem] = Field(default_factory=list, max_length=MAX_LINKS)
    impact_assessment_notes: LongText = ""
    source_data: LongText = ""
    source_data_links: list[LinkItem] = Field(default_factory=list, max_length=MAX_LINKS)
    dataset: str = Field("", max_length=120, description="name of a catalogue dataset (optional)")
    methods_and_models: str = Field("", max_length=TECHNICAL_TEXT)
    provider: str = Field("", max_length=200)
    source_code_url: str = Field("", max_length=500)
    tags: str = Field("", max_length=500)
    protection_class: Literal["oeffentlich", "intern"] = "oeffentlich"

    @field_validator("*", mode="before")
    @classmethod
    def _plain_text(cls, value: object) -> object:
        return _clean(value) if isinstance(value, str) else value

    @field_validator("themes")
    @classmethod
    def _known_themes(cls, value: list[str]) -> list[str]:
        unknown = [t for t in value if t not in THEMES]
        if unknown:
            raise ValueError("Unbekanntes Thema. / Unknown theme.")
        return list(dict.fromkeys(value))

    @field_validator("begin_date", "end_date")
    @classmethod
    def _month(cls, value: str) -> str:
        if value and not MONTH.match(value):
            raise ValueError("Bitte als Jahr-Monat angeben, z. B. 2025-03. / Please use year-month, e.g. 2025-03.")
        return value

    @field_validator("contact")
    @classmethod
    def _contact(cls, value: str) -> str:
        if not (EMAIL.match(value) or (value.startswith("https://") and URL.match(value))):
            raise ValueError(
                "Bitte eine E-Mail-Adresse oder eine Webseite mit https:// angeben. "
                "/ Please give an e-mail address or an https:// web page."
            )
        return value

    @field_validator("website", "process_index_url", "source_code_url")
    @classmethod
    def _optional_url(cls, value: str) -> str:
        if value and not URL.match(value):
            raise ValueError("Bitte einen Link mit http:// oder https:// angeben. / Please give an http(s):// link.")
        return value

    @model_validator(mode="after")
    def _dates(self) -> EntryInput:
        if self.end_date and self.lifecycle is not Lifecycle.RETIRED:
            raise ValueError(
                "end_date|Ein Ende gibt es nur bei Systemen außer Betrieb. / Only retired systems have an end date."
            )
        if self.begin_date and self.end_date and self.end_date < self.begin_date:
            raise ValueError("end_date|Das Ende liegt vor dem Beginn. / The end is before the start.")
        return self


_MESSAGES: dict[str, str] = {
    "missing": "Bitte ausfüllen. / Please fill in.",
    "string_too_short": (
        "Bitte mindestens {min_length} Zeichen eingeben. / Please enter at least {min_length} characters."
    ),
    "string_too_long": "Bitte höchstens {max_length} Zeichen eingeben. / Please enter at most {max_length} characters.",
    "too_long": "Bitte höchstens {max_length} Einträge angeben. / Please give at most {max_length} entries.",
    "enum": "Bitte einen der angebotenen Werte wählen. / Please choose one of the values offered.",
    "literal_error": "Bitte einen der angebotenen Werte wählen. / Please choose one of the values offered.",
    "bool_parsing": "Bitte ja oder nein wählen. / Please choose yes or no.",
}


def field_errors(exc: ValidationError) -> list[tuple[str | None, str]]:
    """(form field, German / English message) for every problem; model-level messages carry 'field|text'."""
    out: list[tuple[str | None, str]] = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        name: str | None = loc[0] if loc else None
        kind = str(err.get("type", ""))
        ctx = err.get("ctx") or {}
        if kind == "value_error":
            message = str(err.get("msg", "")).removeprefix("Value error, ")
            if "|" in message:
                name, message = message.split("|", 1)
        elif kind == "string_too_short" and ctx.get("min_length") == 1:
            message = _MESSAGES["missing"]
        elif kind in _MESSAGES:
            message = _MESSAGES[kind].format(**ctx)
        else:
            message = "Ungültige Eingabe. / Invalid input."
        out.append((name, message))
    return out
