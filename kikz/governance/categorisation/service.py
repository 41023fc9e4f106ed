"""Categorisation service: suggest EU themes, Musterdatenkatalog THEMA/MUSTERDATENSATZ and HVD category;
record the steward's decision and write it onto the dataset.

Where decisions go (see models.py): EU themes → ``Dataset.themes`` (through the catalogue service, so the
change is versioned and indexed), HVD category → ``Dataset.hvd_category`` (read by the DCAT export),
THEMA/MUSTERDATENSATZ → ``DatasetCategory``. Every decision is a ``CategoryDecision`` row and an audit entry.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz import audit
from kikz.catalog import service as catalog
from kikz.catalog.models import Dataset
from kikz.catalog.schemas import DatasetUpdate
from kikz.catalog.vocabularies import EU_THEMES, HVD_CATEGORIES
from kikz.errors import InvalidInput, NotFound
from kikz.governance.categorisation import hvd as hvd_rules
from kikz.governance.categorisation.memory import Recall, recall
from kikz.governance.categorisation.model import CategoryModel, document, load_or_train
from kikz.governance.categorisation.models import CategoryDecision, DatasetCategory
from kikz.governance.categorisation.schemas import CategoryField, CategorySuggestion, DatasetCategoryPublic
from kikz.governance.categorisation.taxonomy import (
    HVD_BASE,
    hvd_iri,
    load_records,
    load_taxonomy,
)
from kikz.tenancy.permissions import Action, PermissionDenied, Principal, allowed, can_view

THEME_THRESHOLD = 0.4  # fitted on the validation split for micro-F1 (benchmarks/categorisation_accuracy.py)
TOP = 3

_models: dict[Path, CategoryModel] = {}
_lock = threading.Lock()


def get_model(data_dir: Path | None = None) -> CategoryModel:
    """The model for the shipped data: from this process, from the cache file, or trained now (once)."""
    if data_dir is None:
        from kikz.settings import get_settings

        data_dir = get_settings().data_dir
    with _lock:
        # The model depends only on the shipped data, so one per process serves every data directory; the
        # data directory only holds the on-disk cache that spares the next process the training.
        if not _models:
            _models[data_dir.resolve()] = load_or_train(data_dir, load_records(), load_taxonomy())
        return next(iter(_models.values()))


def dataset_document(dataset: Dataset) -> str:
    columns = [str(c.get("name", "")) for d in dataset.distributions for c in (d.columns or [])]
    return document(dataset.title, dataset.description or "", dataset.keywords or [], columns)


def _signal_text(dataset: Dataset) -> str:
    columns = [str(c.get("name", "")) for d in dataset.distributions for c in (d.columns or [])]
    return " ".join([dataset.title, *(dataset.keywords or []), *columns])


def _blend(probs: np.ndarray, labels: Sequence[str], remembered: Recall | None) -> bool:
    """Move ``probs`` towards a remembered single-label decision; True if it applied."""
    if remembered is None or remembered.value not in labels:
        return False
    weight = remembered.similarity
    probs *= 1.0 - weight
    probs[list(labels).index(remembered.value)] += weight
    return True


def suggest(session: Session, *, dataset: Dataset, model: CategoryModel | None = None) -> CategorySuggestion:
    model = model or get_model()
    taxonomy = load_taxonomy()
    query = model.vectorize([dataset_document(dataset)])
    mds = model.musterdatensatz_probabilities(query)[0]
    themes = model.theme_probabilities(query)[0]
    remembered = recall(session, model, query)
    used: list[CategoryField] = []

    if _blend(mds, model.mds_classes, remembered.get(CategoryField.MDK_MUSTERDATENSATZ)):
        used.append(CategoryField.MDK_MUSTERDATENSATZ)
    by_thema: dict[str, float] = {}
    for label, p in zip(model.mds_classes, mds, strict=True):
        thema = taxonomy.thema_of(label)
        by_thema[thema] = by_thema.get(thema, 0.0) + float(p)
    themen = sorted(by_thema)
    thema_probs = np.array([by_thema[t] for t in themen])
    if _blend(thema_probs, themen, remembered.get(CategoryField.MDK_THEMA)):
        used.append(CategoryField.MDK_THEMA)
    theme_memory = remembered.get(CategoryField.EU_THEMES)
    if theme_memory is not None and isinstance(theme_memory.value, list):
        chosen = set(theme_memory.value)
        target = np.array([1.0 if code in chosen else 0.0 for code in model.theme_codes])
        themes = (1.0 - theme_memory.similarity) * themes + theme_memory.similarity * target
        used.append(CategoryField.EU_THEMES)

    mds_probabilities = {label: float(p) for label, p in zip(model.mds_classes, mds, strict=True)}
    hvd_code, hvd_conf, hvd_reason = hvd_rules.hvd_category(mds_probabilities, _signal_text(dataset))
    hvd_memory = remembered.get(CategoryField.HVD_CATEGORY)
    if hvd_memory is not None:
        if hvd_memory.value == hvd_code:
            hvd_conf = max(hvd_conf, hvd_memory.similarity)
        elif hvd_memory.similarity >= hvd_conf:
            hvd_code, hvd_conf = hvd_memory.value, hvd_memory.similarity
            hvd_reason = "wie bei einem ähnlichen, bereits entschiedenen Datensatz"
        used.append(CategoryField.HVD_CATEGORY)

    order = np.argsort(-themes)
    eu = [(model.theme_codes[i], round(float(themes[i]), 3)) for i in order if themes[i] >= THEME_THRESHOLD]
    if not eu and len(order):
        eu = [(model.theme_codes[order[0]], round(float(themes[order[0]]), 3))]
    top_mds = [(model.mds_classes[i], round(float(mds[i]), 3)) for i in np.argsort(-mds)[:TOP]]
    top_thema = [(themen[i], round(float(thema_probs[i]), 3)) for i in np.argsort(-thema_probs)[:TOP]]
    return CategorySuggestion(
        eu_themes=eu,
        mdk_thema=top_thema,
        mdk_musterdatensatz=top_mds,
        hvd=(hvd_code, round(hvd_conf, 3)),
        explanation=_explain(model, query, top_mds[0][0], hvd_code, hvd_reason, used),
        from_corrections=used,
    )


def _explain(
    model: CategoryModel,
    query: Any,
    label: str,
    hvd_code: str | None,
    hvd_reason: str,
    used: list[CategoryField],
) -> str:
    row = model.mds_classes.index(label)
    n_words = len(model.word_names)
    contrib = query[:, :n_words].multiply(model.mds_weights[row, :n_words]).toarray()[0]
    words = [model.word_names[i] for i in np.argsort(-contrib)[:5] if contrib[i] > 0]
    parts = [f"Musterdatensatz „{label}“" + (f" wegen: {', '.join(words)}" if words else "")]
    if hvd_code:
        parts.append(f"HVD-Kategorie {HVD_CATEGORIES[hvd_code][0]}: {hvd_reason}")
    else:
        parts.append("kein hochwertiger Datensatz (HVD) erkannt")
    if used:
        parts.append("berücksichtigt frühere Entscheidungen zu ähnlichen Datensätzen: " + ", ".join(used))
    return ". ".join(parts) + "."


# --- decisions ------------------------------------------------------------------------------------------


def _clean_value(field: CategoryField, value: Any) -> Any:
    taxonomy = load_taxonomy()
    if field is CategoryField.EU_THEMES:
        items = value.split(",") if isinstance(value, str) else list(value or [])
        codes = list(dict.fromkeys(str(v).strip().upper() for v in items if str(v).strip()))
        unknown = [c for c in codes if c not in EU_THEMES]
        if unknown:
            raise InvalidInput(f"Unbekanntes EU-Thema: {', '.join(unknown)}. Erlaubt: {', '.join(EU_THEMES)}.")
        return codes
    text = "" if value is None else str(value).strip()
    if field is CategoryField.MDK_MUSTERDATENSATZ:
        if text not in taxonomy.entries:
            raise InvalidInput(f"„{text}“ ist kein Musterdatensatz des Musterdatenkatalogs.")
        return text
    if field is CategoryField.MDK_THEMA:
        if text not in taxonomy.themen:
            raise InvalidInput(f"„{text}“ ist kein THEMA des Musterdatenkatalogs.")
        return text
    if text.lower() in ("", "none", "kein", "keine"):
        return None
    code = text.removeprefix(HVD_BASE)
    if code not in HVD_CATEGORIES:
        raise InvalidInput(f"Unbekannte HVD-Kategorie: {text}. Erlaubt: {', '.join(HVD_CATEGORIES)} oder „keine“.")
    return code


def current_categories(session: Session, *, dataset: Dataset) -> DatasetCategoryPublic:
    row = session.get(DatasetCategory, dataset.id)
    return DatasetCategoryPublic(
        eu_themes=list(dataset.themes or []),
        mdk_thema=row.mdk_thema if row else "",
        mdk_musterdatensatz=row.mdk_musterdatensatz if row else "",
        hvd_category=dataset.hvd_category or None,
    )


def decide(
    session: Session,
    *,
    principal: Principal,
    dataset: Dataset,
    field: CategoryField | str,
    value: Any,
    model: CategoryModel | None = None,
) -> CategoryDecision:
    """Accept or correct one suggested category: store the decision, set the value, write the audit entry."""
    if not can_view(session, principal, Dataset, dataset.id):
        raise NotFound("Diesen Datensatz gibt es nicht oder Sie dürfen ihn nicht sehen.")
    if not (allowed(principal, Action.CLASSIFY_DATASET, dataset) or allowed(principal, Action.EDIT_DATASET, dataset)):
        raise PermissionDenied("Kategorien setzen dürfen nur Datenverantwortliche dieses Datensatzes.")
    try:
        field = CategoryField(field)
    except ValueError:
        raise InvalidInput(f"Unbekanntes Feld: {field}. Erlaubt: {', '.join(CategoryField)}.") from None
    chosen = _clean_value(field, value)
    suggestion = suggest(session, dataset=dataset, model=model)
    before = current_categories(session, dataset=dataset).model_dump()

    if field is CategoryField.EU_THEMES:
        catalog.update_dataset(
            session,
            principal=principal,
            dataset=dataset,
            data=DatasetUpdate(themes=chosen, change_note="EU-Themen kategorisiert"),
        )
    elif field is CategoryField.HVD_CATEGORY:
        dataset.hvd_category = chosen or ""
    else:
        row = session.get(DatasetCategory, dataset.id)
        if row is None:
            row = DatasetCategory(dataset_id=dataset.id)
            session.add(row)
        if field is CategoryField.MDK_MUSTERDATENSATZ:
            # A MUSTERDATENSATZ belongs to exactly one THEMA: choosing it decides the THEMA too.
            row.mdk_musterdatensatz, row.mdk_thema = chosen, load_taxonomy().thema_of(chosen)
        else:
            row.mdk_thema = chosen
            if row.mdk_musterdatensatz and load_taxonomy().thema_of(row.mdk_musterdatensatz) != chosen:
                row.mdk_musterdatensatz = ""
        row.updated_by_id = principal.user_id

    top_value, _ = suggestion.top(field)
    suggested: list[tuple[Any, float]] = {
        CategoryField.EU_THEMES: suggestion.eu_themes,
        CategoryField.MDK_THEMA: suggestion.mdk_thema,
        CategoryField.MDK_MUSTERDATENSATZ: suggestion.mdk_musterdatensatz,
        CategoryField.HVD_CATEGORY: [suggestion.hvd],
    }[field]  # type: ignore[assignment]
    accepted = sorted(chosen) == sorted(top_value) if field is CategoryField.EU_THEMES else chosen == top_value
    decision = CategoryDecision(
        dataset_id=dataset.id,
        municipality_id=dataset.municipality_id,
        field=str(field),
        suggested={"top": [list(pair) for pair in suggested]},
        chosen={"value": chosen},
        accepted=accepted,
        document=dataset_document(dataset),
        user_id=principal.user_id,
    )
    session.add(decision)
    session.flush()
    after = current_categories(session, dataset=dataset).model_dump()
    audit.record(
        session,
        actor=principal,
        action="dataset.categorise",
        entity_type="dataset",
        entity_id=dataset.identifier,
        municipality_id=dataset.municipality_id,
        before={"field": str(field), "value": before[field.value]},
        after={"field": str(field), "value": after[field.value], "accepted": accepted},
    )
    return decision


def decisions(session: Session, *, dataset: Dataset) -> list[CategoryDecision]:
    stmt = select(CategoryDecision).where(CategoryDecision.dataset_id == dataset.id).order_by(CategoryDecision.id)
    return list(session.scalars(stmt))


def hvd_category_of(dataset: Dataset) -> str | None:
    """IRI of the dataset's HVD category (for dcatap:hvdCategory), None if it is no high-value dataset."""
    code = dataset.hvd_category
    return hvd_iri(code) if code in HVD_CATEGORIES else None
