"""A project entry as publiccode.yml (v0.4 keys, as used by openCode), where the project is software.

Only entries with a source repository are exported: publiccode.yml describes software and requires ``url``.
The transfer fields without a publiccode key (problem, costs, funding, lessons) go into ``longDescription``;
lead, partner and reusing cities are listed in ``usedBy``.
"""

from __future__ import annotations

import yaml

from kikz.errors import NotFound
from kikz.transfer.models import ForumProject
from kikz.transfer.vocab import PUBLICCODE_CATEGORIES, PUBLICCODE_MAINTENANCE, PUBLICCODE_STATUS, Operation

MAX_SHORT = 150
MAX_LONG = 10_000


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _long_description(project: ForumProject) -> str:
    parts = [
        ("Ausgangslage", project.problem),
        ("Lösung", project.solution),
        ("Verwendete Daten", project.data_used),
        ("Betrieb", project.operating_model),
        ("Kosten", project.costs),
        ("Förderung", project.funding),
    ]
    text = "\n\n".join(f"{title}: {body.strip()}" for title, body in parts if body.strip())
    lessons = [f"- {lesson.text.strip()}" for lesson in project.lessons]
    if lessons:
        text += "\n\nErfahrungen:\n" + "\n".join(lessons)
    return _short_block(text or project.summary, MAX_LONG)


def _short_block(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def publiccode(project: ForumProject, *, base_url: str) -> dict[str, object]:
    if not project.repository_url:
        raise NotFound(
            "Für dieses Projekt ist kein Quellcode-Repository angegeben; publiccode.yml beschreibt Software. / "
            "This project names no source repository; publiccode.yml describes software."
        )
    landing = f"{base_url.rstrip('/')}/forum/projekte/{project.slug}"
    users = [project.municipality.official_name or project.municipality.name]
    users += [p.municipality.official_name or p.municipality.name for p in project.partners]
    users += [r.municipality.official_name or r.municipality.name for r in project.reuses]
    operation = project.operation or Operation.NONE
    features = [f"Eingesetzte Technik: {t.name}" for t in project.technologies]
    doc: dict[str, object] = {
        "publiccodeYmlVersion": "0.4",
        "name": project.title,
        "url": project.repository_url,
        "landingURL": project.website_url or landing,
        "platforms": ["web"],
        "categories": list(PUBLICCODE_CATEGORIES[project.field_of_action]),
        "developmentStatus": PUBLICCODE_STATUS[project.phase],
        "softwareType": "standalone/other",
        "usedBy": list(dict.fromkeys(users)),
        "description": {
            "de": {
                "shortDescription": _short(project.summary, MAX_SHORT),
                "longDescription": _long_description(project),
                "documentation": landing,
                **({"features": features} if features else {}),
            }
        },
        "legal": {
            "license": project.licence or "LicenseRef-nicht-angegeben",
            "repoOwner": project.municipality.official_name or project.municipality.name,
        },
        "maintenance": {
            "type": PUBLICCODE_MAINTENANCE[operation],
            "contacts": [
                {
                    "name": c.name,
                    **({"email": c.email} if c.email else {}),
                    "affiliation": project.municipality.official_name or project.municipality.name,
                }
                for c in project.contacts
            ],
        },
        "localisation": {"localisationReady": False, "availableLanguages": ["de"]},
    }
    if project.started_on:
        doc["releaseDate"] = project.started_on.isoformat()
    maintenance = doc["maintenance"]
    assert isinstance(maintenance, dict)
    if maintenance["type"] in ("none", "community") or not maintenance["contacts"]:
        maintenance.pop("contacts")
    return doc


def publiccode_yaml(project: ForumProject, *, base_url: str) -> str:
    header = (
        "# publiccode.yml (v0.4) aus dem Digitalforum der Smart-KIKZ-Städte\n"
        f"# Quelle: {base_url.rstrip('/')}/forum/projekte/{project.slug}\n"
    )
    body = yaml.safe_dump(publiccode(project, base_url=base_url), allow_unicode=True, sort_keys=False, width=100)
    return header + body
