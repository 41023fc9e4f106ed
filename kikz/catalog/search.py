"""Catalogue search (being built: German stemming, compounds, facets)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kikz.catalog.models import Dataset


def index_dataset(session: Session, dataset: Dataset) -> None:
    """(Re)build the search postings and facet rows of one dataset."""
