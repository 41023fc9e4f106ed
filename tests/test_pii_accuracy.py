"""Column-level accuracy on the labelled evaluation set (benchmarks/pii_accuracy.py prints the detail)."""

from __future__ import annotations

from pathlib import Path

from kikz.governance.classification import propose
from kikz.governance.evalset import evaluate, tables


def test_evaluation_set_is_large_and_has_both_kinds() -> None:
    all_tables = tables()
    assert len(all_tables) >= 30
    assert sum(1 for t in all_tables if not t.personal and not t.art9) >= 12  # tricky negatives
    assert sum(1 for t in all_tables if t.art9) >= 5


def test_personal_data_precision_and_recall_at_least_95_percent(tmp_path: Path) -> None:
    tp = fp = fn = a_tp = a_fp = a_fn = 0
    for table, predicted, _findings in evaluate(tmp_path):
        for column in table.columns:
            (personal, art9), (guess, guess_art9) = table.label(column), predicted.get(column, (False, False))
            tp += personal and guess
            fp += guess and not personal
            fn += personal and not guess
            a_tp += art9 and guess_art9
            a_fp += guess_art9 and not art9
            a_fn += art9 and not guess_art9
    assert tp / (tp + fp) >= 0.95 and tp / (tp + fn) >= 0.95, (tp, fp, fn)
    assert a_tp / (a_tp + a_fp) >= 0.95 and a_tp / (a_tp + a_fn) >= 0.95, (a_tp, a_fp, a_fn)


def test_tables_with_a_ceiling_are_not_proposed_stricter(tmp_path: Path) -> None:
    checked = 0
    for table, _predicted, findings in evaluate(tmp_path):
        if table.max_class is None:
            continue
        proposal = propose(findings)
        assert proposal.protection_class.rank <= table.max_class.rank, (table.name, proposal.explanation_de)
        assert proposal.contains_personal_data is False, table.name
        checked += 1
    assert checked >= 7


def test_positive_twins_of_place_tables_stay_personal(tmp_path: Path) -> None:
    twins = {"laermbeschwerden", "altersjubilare"}
    for table, predicted, findings in evaluate(tmp_path):
        if table.name in twins:
            assert propose(findings).contains_personal_data is True, table.name
            assert {c for c, (personal, _a) in predicted.items() if personal} >= table.personal, table.name
            twins.discard(table.name)
    assert not twins
