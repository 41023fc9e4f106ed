"""Pydantic shapes of the categorisation (a table is never a response)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from pydantic import BaseModel, Field


class CategoryField(enum.StrEnum):
    EU_THEMES = "eu_themes"
    MDK_THEMA = "mdk_thema"
    MDK_MUSTERDATENSATZ = "mdk_musterdatensatz"
    HVD_CATEGORY = "hvd_category"


class CategorySuggestion(BaseModel):
    """What the model (and the memory of the stewards' corrections) proposes for one dataset."""

    eu_themes: list[tuple[str, float]] = Field(
        description="EU theme codes at or above the threshold (at least the best one), best first"
    )
    mdk_thema: list[tuple[str, float]] = Field(description="top 3 Musterdatenkatalog THEMA with confidence")
    mdk_musterdatensatz: list[tuple[str, float]] = Field(description="top 3 MUSTERDATENSATZ with confidence")
    hvd: tuple[str | None, float] = Field(description="HVD category code (None: no HVD) and confidence")
    explanation: str
    from_corrections: list[CategoryField] = Field(
        default_factory=list,
        description="fields where earlier steward decisions on similar datasets weighed in",
    )

    def top(self, field: CategoryField) -> tuple[Any, float]:
        """The value a steward accepts with one click, with its confidence."""
        if field is CategoryField.EU_THEMES:
            return [code for code, _ in self.eu_themes], min((c for _, c in self.eu_themes), default=0.0)
        if field is CategoryField.MDK_THEMA:
            return self.mdk_thema[0]
        if field is CategoryField.MDK_MUSTERDATENSATZ:
            return self.mdk_musterdatensatz[0]
        return self.hvd


class DatasetCategoryPublic(BaseModel):
    """The categories currently set on a dataset."""

    eu_themes: list[str]
    mdk_thema: str
    mdk_musterdatensatz: str
    hvd_category: str | None


class CategoryDecisionPublic(BaseModel):
    id: int
    dataset_id: int
    field: CategoryField
    suggested: list[tuple[Any, float]]
    chosen: Any
    accepted: bool
    user_id: int | None
    decided_at: dt.datetime
