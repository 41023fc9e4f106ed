"""Column-level precision, recall and F1 of personal-data detection on the labelled evaluation set.

    .venv/bin/python benchmarks/pii_accuracy.py

Prints the figures overall ("personal data", "Art. 9") and per detector: a labelled column counts
for the detector the evaluation set expects to find it; a flagged column counts for every detector
whose finding (at the counting threshold) flagged it. Misclassified columns are listed.
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kikz.governance.classification import THRESHOLD
from kikz.governance.detectors import Category
from kikz.governance.evalset import evaluate


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        results = evaluate(Path(tmp))
    counts = {"personal": Counter[str](), "art9": Counter[str]()}
    per_detector: dict[str, Counter[str]] = {}
    errors: list[str] = []
    columns = 0
    for table, predicted, findings in results:
        for column in table.columns:
            columns += 1
            truth = table.label(column)
            guess = predicted.get(column, (False, False))
            for i, key in enumerate(("personal", "art9")):
                outcome = "tp" if truth[i] and guess[i] else "fp" if guess[i] else "fn" if truth[i] else "tn"
                counts[key][outcome] += 1
                if outcome in {"fp", "fn"}:
                    errors.append(f"{outcome.upper()} {key:8} {table.name}.{column}")
            flagged = {
                f.detector
                for f in findings
                if f.column == column and f.confidence >= THRESHOLD and f.category in {Category.PERSONAL, Category.ART9}
            }
            expected = table.kinds.get(column)
            for detector in flagged | ({expected} if expected else set()):
                c = per_detector.setdefault(detector, Counter())
                if detector in flagged and truth[0]:
                    c["tp" if detector == expected or expected is None else "tp_other"] += 1
                elif detector in flagged:
                    c["fp"] += 1
                if detector == expected and detector not in flagged:
                    c["fn"] += 1
    print(f"{len(results)} tables, {columns} columns")
    for key, c in counts.items():
        p, r, f = prf(c["tp"], c["fp"], c["fn"])
        print(
            f"overall {key:8}  precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}  "
            f"(tp {c['tp']}, fp {c['fp']}, fn {c['fn']})"
        )
    print("\nper detector (tp_other: flagged a personal column expected from another detector)")
    for detector, c in sorted(per_detector.items()):
        p, r, f = prf(c["tp"] + c["tp_other"], c["fp"], c["fn"])
        print(
            f"  {detector:24} precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}  "
            f"(tp {c['tp']}, tp_other {c['tp_other']}, fp {c['fp']}, fn {c['fn']})"
        )
    print("\nmisclassified columns:" if errors else "\nno misclassified columns")
    for line in errors:
        print("  " + line)


if __name__ == "__main__":
    main()
