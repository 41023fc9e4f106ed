"""Memory of the stewards' decisions: later suggestions for similar datasets follow them.

Retraining takes seconds and needs many corrections to move a linear model, so a decision acts at once as a
nearest-neighbour override instead: a new dataset whose text is close (cosine ≥ ``NEAR``) to one a steward
decided gets that decision blended into the model's probabilities, weighted by the similarity. The dataset
itself is its own nearest neighbour, so a decided dataset is suggested what was decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kikz.governance.categorisation.model import CategoryModel
from kikz.governance.categorisation.models import CategoryDecision

NEAR = 0.5
MAX_DECISIONS = 5000  # the most recent decisions per field; older ones are superseded by the model anyway
_VECTOR_CACHE_LIMIT = 50_000


@dataclass(frozen=True, slots=True)
class Recall:
    """The closest remembered decision for one field."""

    value: Any
    similarity: float
    decision_id: int


_vectors: dict[tuple[int, int, int], Any] = {}


def _vector(model: CategoryModel, decision_id: int, document: str) -> Any:
    # The text is part of the key: ids can repeat (SQLite reuses rolled-back ids; tests use fresh databases).
    key = (id(model), decision_id, hash(document))
    vec = _vectors.get(key)
    if vec is None:
        if len(_vectors) > _VECTOR_CACHE_LIMIT:
            _vectors.clear()
        vec = _vectors[key] = model.vectorize([document])
    return vec


def recall(session: Session, model: CategoryModel, query: Any) -> dict[str, Recall]:
    """For each field, the nearest latest decision (one per dataset and field) at similarity ≥ NEAR."""
    latest = (
        select(func.max(CategoryDecision.id))
        .group_by(CategoryDecision.dataset_id, CategoryDecision.field)
        .scalar_subquery()
    )
    rows = session.execute(
        select(CategoryDecision.id, CategoryDecision.field, CategoryDecision.chosen, CategoryDecision.document)
        .where(CategoryDecision.id.in_(latest))
        .order_by(CategoryDecision.id.desc())
        .limit(MAX_DECISIONS)
    ).all()
    best: dict[str, Recall] = {}
    for decision_id, field, chosen, document in rows:
        if not document:
            continue
        similarity = float((query @ _vector(model, decision_id, document).T).toarray()[0, 0])
        if similarity >= NEAR and (field not in best or similarity > best[field].similarity):
            best[field] = Recall((chosen or {}).get("value"), min(similarity, 1.0), decision_id)
    return best
