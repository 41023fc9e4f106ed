"""Named domain types shared by several packages."""

from __future__ import annotations

import enum


class ProtectionClass(enum.StrEnum):
    """Schutzklasse. A dataset without one is treated as VERTRAULICH (secure by default)."""

    OEFFENTLICH = "oeffentlich"
    INTERN = "intern"
    VERTRAULICH = "vertraulich"
    STRENG_VERTRAULICH = "streng_vertraulich"

    @property
    def label(self) -> str:
        return {
            "oeffentlich": "öffentlich",
            "intern": "intern",
            "vertraulich": "vertraulich",
            "streng_vertraulich": "streng vertraulich",
        }[self.value]

    @property
    def rank(self) -> int:
        return list(ProtectionClass).index(self)


class Role(enum.StrEnum):
    """Role of a user inside one municipality (a membership). Citizens have no membership."""

    STAFF = "staff"
    DATA_STEWARD = "data_steward"
    DATA_OWNER = "data_owner"
    DPO = "dpo"
    GOVERNANCE_BOARD = "governance_board"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {
            "staff": "Mitarbeitende",
            "data_steward": "Data Steward",
            "data_owner": "Data Owner",
            "dpo": "Datenschutzbeauftragte/r",
            "governance_board": "Governance-Board",
            "admin": "Administration",
        }[self.value]


class MunicipalityKind(enum.StrEnum):
    MEMBER = "member"
    PARTNER = "partner"
    GUEST = "guest"


class DatasetStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"
