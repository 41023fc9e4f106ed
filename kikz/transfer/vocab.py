"""The fixed vocabularies of the Digital Forum; labels live in the message catalogue (``forum.<vocab>.<value>``)."""

from __future__ import annotations

import enum


class Visibility(enum.StrEnum):
    """Who reads an entry: everybody, or the forum (member and partner cities, invited guests)."""

    PUBLIC = "oeffentlich"
    FORUM = "forum"


class FieldOfAction(enum.StrEnum):
    """Handlungsfeld of a Smart City project (the usual fields of municipal Smart City strategies)."""

    MOBILITY = "mobilitaet"
    ENVIRONMENT = "umwelt"
    ENERGY = "energie"
    ADMINISTRATION = "verwaltung"
    DATA = "daten"
    URBAN_DEVELOPMENT = "stadtentwicklung"
    EDUCATION = "bildung"
    HEALTH = "gesundheit"
    ECONOMY = "wirtschaft"
    SAFETY = "sicherheit"
    PARTICIPATION = "beteiligung"
    CULTURE = "kultur"


class Phase(enum.StrEnum):
    """Where the project stands."""

    IDEA = "idee"
    CONCEPT = "konzeption"
    PILOT = "pilot"
    ROLLOUT = "umsetzung"
    OPERATION = "regelbetrieb"
    ENDED = "beendet"


class Maturity(enum.StrEnum):
    """How ready the solution is for another city (transfer maturity), lowest first."""

    IDEA = "idee"
    PROTOTYPE = "prototyp"
    TESTED = "erprobt"
    PRODUCTIVE = "produktiv"
    TRANSFERABLE = "nachnutzbar"

    @property
    def level(self) -> int:
        return list(Maturity).index(self) + 1


class Operation(enum.StrEnum):
    """Who runs the solution (maps to publiccode.yml ``maintenance.type``)."""

    INTERNAL = "eigenbetrieb"
    CONTRACT = "dienstleister"
    INTERMUNICIPAL = "interkommunal"
    COMMUNITY = "community"
    NONE = "keiner"


class ReuseStatus(enum.StrEnum):
    PLANNED = "geplant"
    IN_PROGRESS = "in_umsetzung"
    IN_USE = "im_einsatz"


class LessonKind(enum.StrEnum):
    WORKED = "gelungen"
    PITFALL = "stolperstein"
    ADVICE = "empfehlung"


class EventFormat(enum.StrEnum):
    ON_SITE = "praesenz"
    ONLINE = "online"
    HYBRID = "hybrid"


class MaterialKind(enum.StrEnum):
    SLIDES = "folien"
    MINUTES = "protokoll"
    RECORDING = "aufzeichnung"
    OTHER = "sonstiges"


PUBLICCODE_STATUS: dict[Phase, str] = {
    Phase.IDEA: "concept",
    Phase.CONCEPT: "concept",
    Phase.PILOT: "beta",
    Phase.ROLLOUT: "development",
    Phase.OPERATION: "stable",
    Phase.ENDED: "obsolete",
}
"""publiccode.yml ``developmentStatus`` of a phase."""

PUBLICCODE_MAINTENANCE: dict[Operation, str] = {
    Operation.INTERNAL: "internal",
    Operation.CONTRACT: "contract",
    Operation.INTERMUNICIPAL: "internal",
    Operation.COMMUNITY: "community",
    Operation.NONE: "none",
}

PUBLICCODE_CATEGORIES: dict[FieldOfAction, tuple[str, ...]] = {
    FieldOfAction.MOBILITY: ("data-collection", "data-analytics"),
    FieldOfAction.ENVIRONMENT: ("data-collection", "geographic-information-systems"),
    FieldOfAction.ENERGY: ("data-analytics", "facility-management"),
    FieldOfAction.ADMINISTRATION: ("digital-citizenship", "customer-service-and-support"),
    FieldOfAction.DATA: ("data-analytics", "data-visualization"),
    FieldOfAction.URBAN_DEVELOPMENT: ("geographic-information-systems",),
    FieldOfAction.EDUCATION: ("learning-management-system",),
    FieldOfAction.HEALTH: ("data-analytics",),
    FieldOfAction.ECONOMY: ("data-analytics",),
    FieldOfAction.SAFETY: ("data-collection",),
    FieldOfAction.PARTICIPATION: ("digital-citizenship", "survey"),
    FieldOfAction.CULTURE: ("content-management",),
}
"""publiccode.yml ``categories`` (its fixed list) closest to a field of action."""
