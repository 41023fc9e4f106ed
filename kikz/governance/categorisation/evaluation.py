"""Measuring the categorisation on held-out real records (used by the benchmark and the tests).

The validation split is stratified by label and grouped by *series*: records whose titles differ only in
numbers and punctuation ("Abfuhrtermine 2019" / "Abfuhrtermine 2020") always land on the same side, so the
figures say how well an unseen kind of dataset is recognised, not how well a year is swapped.
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kikz.catalog.text import fold
from kikz.governance.categorisation.model import CategoryModel, document
from kikz.governance.categorisation.taxonomy import LabelledRecord, Taxonomy

SEED = 20240601
VALIDATION_SHARE = 0.2
_NOT_LETTERS = re.compile(r"[\W\d_]+")


def series_key(title: str) -> str:
    return _NOT_LETTERS.sub(" ", fold(title)).strip()


def _label(rec: LabelledRecord) -> str:
    return rec.musterdatensatz or "theme:" + (rec.eu_themes[0] if rec.eu_themes else "")


def split(
    records: Sequence[LabelledRecord], *, share: float = VALIDATION_SHARE, seed: int = SEED
) -> tuple[list[LabelledRecord], list[LabelledRecord]]:
    """(training, validation): per label, ``share`` of its series go to validation (labels with one series
    stay in training, so every validated label was seen)."""
    rng = random.Random(seed)
    series: dict[str, list[int]] = defaultdict(list)
    for i, rec in enumerate(records):
        series[series_key(rec.title)].append(i)
    # A series is stratified under its most frequent label (a few series mix labels).
    by_label: dict[str, list[str]] = defaultdict(list)
    for key, members in series.items():
        labels = Counter(_label(records[i]) for i in members)
        by_label[max(sorted(labels), key=lambda lab: labels[lab])].append(key)
    held: set[int] = set()
    for label in sorted(by_label):
        keys = sorted(by_label[label])
        if len(keys) < 2:
            continue
        rng.shuffle(keys)
        for key in keys[: max(1, round(len(keys) * share))]:
            held.update(series[key])
    training = [r for i, r in enumerate(records) if i not in held]
    validation = [r for i, r in enumerate(records) if i in held]
    return training, validation


@dataclass(frozen=True)
class Accuracy:
    mds_top1: float
    mds_top3: float
    thema_top1: float
    thema_top3: float
    themes_micro_f1: float
    mds_count: int
    themes_count: int
    mds_mean_confidence: float


def evaluate(
    model: CategoryModel, validation: Sequence[LabelledRecord], taxonomy: Taxonomy, *, theme_threshold: float
) -> Accuracy:
    labelled = [r for r in validation if r.musterdatensatz]
    matrix = model.vectorize([document(r.title, r.description) for r in labelled])
    probs = model.musterdatensatz_probabilities(matrix)
    classes = model.mds_classes
    themen = sorted(taxonomy.themen)
    column = {t: i for i, t in enumerate(themen)}
    to_thema = np.zeros((len(classes), len(themen)))
    for i, label in enumerate(classes):
        to_thema[i, column[taxonomy.thema_of(label)]] = 1.0
    thema_probs = probs @ to_thema
    top1 = top3 = th1 = th3 = 0
    for i, rec in enumerate(labelled):
        best = [classes[j] for j in np.argsort(-probs[i])[:3]]
        best_thema = [themen[j] for j in np.argsort(-thema_probs[i])[:3]]
        truth_thema = taxonomy.thema_of(rec.musterdatensatz)
        top1 += best[0] == rec.musterdatensatz
        top3 += rec.musterdatensatz in best
        th1 += best_thema[0] == truth_thema
        th3 += truth_thema in best_thema
    n = max(len(labelled), 1)

    themed = [r for r in validation if r.eu_themes]
    theme_probs = model.theme_probabilities(model.vectorize([document(r.title, r.description) for r in themed]))
    tp = fp = fn = 0
    for i, rec in enumerate(themed):
        predicted = {c for c, p in zip(model.theme_codes, theme_probs[i], strict=True) if p >= theme_threshold}
        if not predicted:
            predicted = {model.theme_codes[int(np.argmax(theme_probs[i]))]}
        truth = set(rec.eu_themes)
        tp += len(predicted & truth)
        fp += len(predicted - truth)
        fn += len(truth - predicted)
    f1 = 2 * tp / max(2 * tp + fp + fn, 1)
    return Accuracy(
        mds_top1=top1 / n,
        mds_top3=top3 / n,
        thema_top1=th1 / n,
        thema_top3=th3 / n,
        themes_micro_f1=f1,
        mds_count=len(labelled),
        themes_count=len(themed),
        mds_mean_confidence=float(probs.max(axis=1).mean()) if len(labelled) else 0.0,
    )
