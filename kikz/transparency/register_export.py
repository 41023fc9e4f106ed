"""AI register entries as JSON in the shape of the Dutch Algoritmeregister publication standard 1.0.0.

Field names and enumerated values are the standard's own (``AlgorithmIn``: ``name``, ``description_short``,
``organization``, ``category``, ``status`` "In gebruik" …); see docs/transparency.md for the mapping.
Deviations, stated there as well: ``lang`` is "deu" (ISO 639-3; the standard so far only lists "nld"),
and ``url`` (link to the source registration) points to this entry's own JSON here, the source.
``extended=True`` adds a ``kikz`` object with what the standard has no field for (AI Act notice, register
number, publication times); the strict form leaves it out.
"""

from __future__ import annotations

from typing import Any

from kikz.transparency.register_models import (
    CATEGORIES,
    LIFECYCLES,
    STANDARD_VERSION,
    THEMES,
    AlgorithmEntry,
)

LANGUAGE = "deu"


def _links(items: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"title": str(i.get("title", "")), "link": str(i.get("link", ""))} for i in items]


def entry_url(base_url: str, entry: AlgorithmEntry) -> str:
    return f"{base_url.rstrip('/')}/ki-register/{entry.slug}"


def to_standard(entry: AlgorithmEntry, *, base_url: str, extended: bool = False) -> dict[str, Any]:
    """One registration (``AlgorithmIn``); every field of the standard is present, empty ones as "" or []."""
    page = entry_url(base_url, entry)
    out: dict[str, Any] = {
        "name": entry.name,
        "description_short": entry.description_short,
        "organization": entry.organisation,
        "category": [THEMES[t][2] for t in entry.themes if t in THEMES],
        "status": LIFECYCLES[entry.lifecycle][2],
        "begin_date": entry.begin_date,
        "end_date": entry.end_date,
        "contact_email": entry.contact,
        "website": entry.website,
        "publication_category": CATEGORIES[entry.publication_category][2],
        "url": f"{page}.json",
        "goal": entry.goal,
        "proportionality": entry.proportionality,
        "human_intervention": entry.human_intervention,
        "risks": entry.risks,
        "lawful_basis": entry.lawful_basis,
        "lawful_basis_grouping": _links(entry.lawful_basis_links),
        "process_index_url": entry.process_index_url,
        "impacttoetsen_grouping": _links(entry.impact_assessments),
        "impacttoetsen": entry.impact_assessment_notes,
        "source_data": entry.source_data,
        "source_data_grouping": _links(entry.source_data_links),
        "methods_and_models": entry.methods_and_models,
        "provider": entry.provider,
        "publiccode": entry.source_code_url,
        "lang": LANGUAGE,
        "standard_version": STANDARD_VERSION,
        "source_id": entry.slug,
        "tags": entry.tags,
    }
    if extended:
        out["kikz"] = {
            "register_number": entry.register_number,
            "municipality": entry.municipality.slug,
            "page": page,
            "publication_status": entry.status.value,
            "ai_act_art50_notice": entry.ai_notice,
            "interacts_with_people": entry.interacts_with_people,
            "published_at": entry.published_at.isoformat() if entry.published_at else None,
            "updated_at": entry.updated_at.isoformat(),
            "revision": entry.revision,
        }
    return out


STANDARD_FIELDS = (
    "name",
    "description_short",
    "organization",
    "category",
    "status",
    "begin_date",
    "end_date",
    "contact_email",
    "website",
    "publication_category",
    "url",
    "goal",
    "proportionality",
    "human_intervention",
    "risks",
    "lawful_basis",
    "lawful_basis_grouping",
    "process_index_url",
    "impacttoetsen_grouping",
    "impacttoetsen",
    "source_data",
    "source_data_grouping",
    "methods_and_models",
    "provider",
    "publiccode",
    "lang",
    "standard_version",
    "source_id",
    "tags",
)
"""Every property of ``AlgorithmIn`` in standard 1.0.0, in the standard's order (tests compare against it)."""
