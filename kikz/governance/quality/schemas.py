"""What quality evaluations return (and the JSON API answers): findings as data, each with its reason."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

Band = Literal["excellent", "good", "sufficient", "bad"]
BAND_LABELS_DE: dict[str, str] = {
    "excellent": "Exzellent",
    "good": "Gut",
    "sufficient": "Ausreichend",
    "bad": "Schlecht",
}


class Indicator(BaseModel):
    """One MQA indicator of one dataset."""

    key: str
    dimension: str
    label_de: str
    points: int
    max_points: int
    passed: bool
    reason_de: str


class DimensionScore(BaseModel):
    key: str
    label_de: str
    points: float
    max_points: int


class MqaResult(BaseModel):
    dataset: str = Field(description="dataset name (URL slug)")
    title: str
    municipality: str
    evaluated_at: dt.datetime
    score: int
    max_score: int = 405
    band: Band
    band_label_de: str
    dimensions: list[DimensionScore]
    indicators: list[Indicator]


class CatalogueIndicator(BaseModel):
    """One indicator at catalogue level: weight × share of the datasets that pass it."""

    key: str
    dimension: str
    label_de: str
    max_points: int
    passing: int
    share: float
    points: float


class CatalogueMqa(BaseModel):
    municipality: str
    municipality_name: str
    evaluated_at: dt.datetime
    scope_de: str = Field(description="which datasets were scored")
    dataset_count: int
    score: float
    max_score: int = 405
    band: Band
    band_label_de: str
    bands: dict[str, int] = Field(description="number of datasets per band")
    dimensions: list[DimensionScore]
    indicators: list[CatalogueIndicator]


class MqaHistoryPoint(BaseModel):
    evaluated_at: dt.datetime
    score: float
    band: Band
    dataset_count: int | None = None


class QualityDimension(BaseModel):
    key: Literal["completeness", "validity", "uniqueness", "timeliness", "consistency"]
    label_de: str
    score: float | None = Field(description="0–100; null when the dimension does not apply")
    reasons_de: list[str]


class ColumnQuality(BaseModel):
    name: str
    type: str
    non_null_share: float
    invalid: int = Field(description="values that violate the column's type, format or constraints")
    invalid_rows: list[int] = Field(default_factory=list, description="first affected data rows (1-based)")


class QualityReport(BaseModel):
    distribution: str = Field(description="distribution identifier")
    title: str
    dataset: str
    evaluated_at: dt.datetime
    status: Literal["ok", "pending", "not_tabular", "external", "missing_file", "unreadable"]
    message_de: str = ""
    rows_checked: int = 0
    rows_total: int | None = None
    sampled: bool = False
    overall: float | None = None
    dimensions: list[QualityDimension] = Field(default_factory=list)
    columns: list[ColumnQuality] = Field(default_factory=list)
    table_schema: dict[str, Any] = Field(default_factory=dict, description="the Frictionless Table Schema used")


class QualityHistoryPoint(BaseModel):
    evaluated_at: dt.datetime
    overall: float | None
    completeness: float | None
    validity: float | None
    uniqueness: float | None
    timeliness: float | None
    consistency: float | None


class DatasetQuality(BaseModel):
    """Everything the dataset quality endpoint answers."""

    mqa: MqaResult
    mqa_history: list[MqaHistoryPoint]
    data_quality: list[QualityReport]


class CityQuality(BaseModel):
    mqa: CatalogueMqa
    history: list[MqaHistoryPoint]


class EvaluationSummary(BaseModel):
    datasets: int = 0
    distributions: int = 0
    cities: list[CatalogueMqa] = Field(default_factory=list)
    dataset_results: list[MqaResult] = Field(default_factory=list)
