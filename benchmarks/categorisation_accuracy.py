"""Accuracy and speed of the dataset categorisation on held-out real municipal records.

    .venv/bin/python benchmarks/categorisation_accuracy.py

Trains on the training split of the shipped labelled records (Musterdatenkatalog V4 sheet + labelled CSV,
labels in V4), evaluates on the grouped, stratified validation split (fixed seed): top-1/top-3 accuracy for
MUSTERDATENSATZ and THEMA, micro-F1 of the multi-label EU themes; sweeps the softmax temperature and theme
threshold (the constants in model.py and service.py come from here); times suggest() per dataset.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from kikz.catalog.models import Dataset
from kikz.governance.categorisation import model as model_module
from kikz.governance.categorisation.evaluation import evaluate, split
from kikz.governance.categorisation.model import train
from kikz.governance.categorisation.service import THEME_THRESHOLD, suggest
from kikz.governance.categorisation.taxonomy import load_records, load_taxonomy
from kikz.models import Base


def main() -> None:
    taxonomy = load_taxonomy()
    records = load_records()
    training, validation = split(records)
    print(f"records: {len(records)} (training {len(training)}, validation {len(validation)})")
    started = time.perf_counter()
    model = train(training, taxonomy)
    print(f"training: {time.perf_counter() - started:.1f} s")

    acc = evaluate(model, validation, taxonomy, theme_threshold=THEME_THRESHOLD)
    print(
        f"MUSTERDATENSATZ (n={acc.mds_count}): top-1 {acc.mds_top1:.3f}  top-3 {acc.mds_top3:.3f}  "
        f"mean confidence {acc.mds_mean_confidence:.3f}"
    )
    print(f"THEMA           (n={acc.mds_count}): top-1 {acc.thema_top1:.3f}  top-3 {acc.thema_top3:.3f}")
    f1 = acc.themes_micro_f1
    print(f"EU themes       (n={acc.themes_count}): micro-F1 {f1:.3f} (threshold {THEME_THRESHOLD})")
    for source in ("mdk-v4", "mdk-v3"):
        part = [r for r in validation if r.source == source]
        a = evaluate(model, part, taxonomy, theme_threshold=THEME_THRESHOLD)
        print(
            f"  {source}: MUSTERDATENSATZ top-1 {a.mds_top1:.3f} top-3 {a.mds_top3:.3f} (n={a.mds_count}); "
            f"THEMA top-1 {a.thema_top1:.3f}"
        )
    hard = [r for r in validation if r.musterdatensatz != "Raumplanung - Bebauungsplan"]
    a = evaluate(model, hard, taxonomy, theme_threshold=THEME_THRESHOLD)
    print(
        f"  without the many Bebauungspläne: MUSTERDATENSATZ top-1 {a.mds_top1:.3f} top-3 {a.mds_top3:.3f} "
        f"(n={a.mds_count})"
    )
    majority = max(
        {r.musterdatensatz for r in training if r.musterdatensatz},
        key=lambda m: sum(r.musterdatensatz == m for r in training),
    )
    base = sum(r.musterdatensatz == majority for r in validation if r.musterdatensatz) / max(acc.mds_count, 1)
    print(f"  baseline (always '{majority}'): top-1 {base:.3f}")

    print("calibration (softmax temperature → mean confidence vs top-1):")
    original = model_module.SOFTMAX_TEMPERATURE
    for temperature in (4.0, 6.0, 8.0, 10.0, 14.0):
        model_module.SOFTMAX_TEMPERATURE = temperature
        a = evaluate(model, validation, taxonomy, theme_threshold=THEME_THRESHOLD)
        print(f"  T={temperature:>4}: mean confidence {a.mds_mean_confidence:.3f}, top-1 {a.mds_top1:.3f}")
    model_module.SOFTMAX_TEMPERATURE = original
    print(
        "EU theme threshold → micro-F1:",
        ", ".join(
            f"{t}: {evaluate(model, validation, taxonomy, theme_threshold=t).themes_micro_f1:.3f}"
            for t in (0.3, 0.4, 0.5, 0.6)
        ),
    )

    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        sample = [r for r in validation if r.musterdatensatz][:300]
        durations = []
        for rec in sample:
            dataset = Dataset(title=rec.title, description=rec.description, keywords=[], themes=[])
            t0 = time.perf_counter()
            suggest(session, dataset=dataset, model=model)
            durations.append(time.perf_counter() - t0)
    ms = np.array(durations) * 1000
    median, p95 = np.median(ms), np.percentile(ms, 95)
    print(f"suggest(): median {median:.1f} ms, p95 {p95:.1f} ms, max {ms.max():.1f} ms (n={len(ms)})")


if __name__ == "__main__":
    main()
