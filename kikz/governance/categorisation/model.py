"""The categorisation model: TF-IDF over German stems and character n-grams, linear classifiers.

* MUSTERDATENSATZ: one linear SVM over all 242 types (one-vs-rest), scores turned into probabilities with a
  softmax whose temperature was fitted on the validation split (benchmarks/categorisation_accuracy.py);
  the THEMA probability is the sum over its MUSTERDATENSÄTZE, so both answers always agree.
* EU themes: one logistic regression per theme (multi-label; a city may give several themes).
* Training data: the labelled real records plus every taxonomy entry (its names and description) as one more
  example, so types without labelled records can still be suggested.

Only the largest 3 % of the weights are kept (as sparse matrices): accuracy does not drop, and the cached
model shrinks from ~70 MB to ~5 MB. Training takes ~15 s, so the trained model is cached under
``<data_dir>/models/`` keyed by a hash of the shipped data and the model version; nothing is downloaded.
"""

from __future__ import annotations

import itertools
import logging
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
import sklearn
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from kikz.catalog.text import fold, stem, tokens
from kikz.governance.categorisation.taxonomy import LabelledRecord, Taxonomy, data_fingerprint

log = logging.getLogger(__name__)

MODEL_VERSION = "2"
KEEP_WEIGHTS = 0.03
SOFTMAX_TEMPERATURE = 11.0  # from the validation split: mean confidence ≈ top-1 accuracy (benchmark)
DESCRIPTION_CHARS = 1500
# The taxonomy's own description of a type counts as this many labelled records: types with few or no
# labelled records (e.g. Gewerbeanmeldung) are still found; 3 measured best (benchmark: top-1 +1 point).
TAXONOMY_WEIGHT = 3.0


def word_features(text: str) -> list[str]:
    """Stems and stem bigrams of a German text (module-level so the fitted vectorizer can be pickled)."""
    stems = [stem(t) for t in tokens(text)]
    return stems + [f"{a}_{b}" for a, b in itertools.pairwise(stems)]


def document(title: str, description: str = "", keywords: Iterable[str] = (), columns: Iterable[str] = ()) -> str:
    """The text the model reads: the title counts twice, then description, keywords and column names."""
    parts = [title, title, description[:DESCRIPTION_CHARS], " ".join(keywords)]
    cols = [c for c in columns if c]
    if cols:
        parts.append("Spalten: " + " ".join(cols))
    return "\n".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    musterdatensatz: str = ""
    eu_themes: tuple[str, ...] = ()
    weight: float = 1.0


def examples_from(records: Iterable[LabelledRecord], taxonomy: Taxonomy) -> list[Example]:
    out = [Example(document(r.title, r.description), r.musterdatensatz, r.eu_themes) for r in records]
    for entry in taxonomy.entries.values():
        text = document(f"{entry.bezeichnung} {entry.thema}", f"{entry.description}. {entry.thema_description}")
        themes = (entry.eu_theme,) if entry.eu_theme else ()
        out.append(Example(text, entry.label, themes, TAXONOMY_WEIGHT))
    return out


def _prune(weights: np.ndarray) -> sparse.csr_matrix:
    threshold = np.quantile(np.abs(weights), 1 - KEEP_WEIGHTS)
    kept = np.where(np.abs(weights) >= threshold, weights, 0.0)
    return sparse.csr_matrix(kept.astype(np.float32))


class CategoryModel:
    """Fitted vectorizers and pruned linear weights; prediction is two sparse products (a few ms)."""

    def __init__(self, examples: Sequence[Example]) -> None:
        texts = [e.text for e in examples]
        self.words = TfidfVectorizer(analyzer=word_features, sublinear_tf=True)
        self.chars = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(3, 5),
            sublinear_tf=True,
            min_df=2,
            preprocessor=fold,
            max_features=60000,
        )
        self.words.fit(texts)
        self.chars.fit(texts)
        self.word_names: list[str] = [str(n) for n in self.words.get_feature_names_out()]
        matrix = self.vectorize(texts)

        labelled = [i for i, e in enumerate(examples) if e.musterdatensatz]
        svm = LinearSVC(C=0.5).fit(
            matrix[labelled],
            [examples[i].musterdatensatz for i in labelled],
            sample_weight=[examples[i].weight for i in labelled],
        )
        self.mds_classes: list[str] = [str(c) for c in svm.classes_]
        self.mds_weights = _prune(svm.coef_)
        self.mds_bias = svm.intercept_.astype(np.float32)

        themed = [i for i, e in enumerate(examples) if e.eu_themes]
        codes = sorted({c for i in themed for c in examples[i].eu_themes})
        weights, bias = [], []
        for code in codes:
            target = [code in examples[i].eu_themes for i in themed]
            lr = LogisticRegression(C=20, solver="liblinear").fit(matrix[themed], target)
            weights.append(lr.coef_[0])
            bias.append(lr.intercept_[0])
        self.theme_codes: list[str] = codes
        self.theme_weights = _prune(np.vstack(weights))
        self.theme_bias = np.asarray(bias, dtype=np.float32)

    def vectorize(self, texts: Sequence[str]) -> sparse.csr_matrix:
        # Each block is L2-normalised; the halves make the joint vector unit length (cosine = dot product).
        joint = sparse.hstack([self.words.transform(texts), self.chars.transform(texts)]) * np.sqrt(0.5)
        return sparse.csr_matrix(joint)

    def musterdatensatz_probabilities(self, matrix: sparse.csr_matrix) -> np.ndarray:
        scores = np.asarray((matrix @ self.mds_weights.T).todense()) + self.mds_bias
        scores = SOFTMAX_TEMPERATURE * (scores - scores.max(axis=1, keepdims=True))
        exp = np.exp(scores)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True))

    def theme_probabilities(self, matrix: sparse.csr_matrix) -> np.ndarray:
        scores = np.asarray((matrix @ self.theme_weights.T).todense()) + self.theme_bias
        return np.asarray(1.0 / (1.0 + np.exp(-scores)))


def train(records: Iterable[LabelledRecord], taxonomy: Taxonomy) -> CategoryModel:
    return CategoryModel(examples_from(records, taxonomy))


def cache_path(data_dir: Path) -> Path:
    key = f"{data_fingerprint()}-v{MODEL_VERSION}-sk{sklearn.__version__}"
    return data_dir / "models" / f"categorisation-{key}.joblib"


def load_or_train(data_dir: Path, records: Iterable[LabelledRecord], taxonomy: Taxonomy) -> CategoryModel:
    """The cached model for the shipped data, trained (and cached) on first use."""
    path = cache_path(data_dir)
    if path.exists():
        try:
            model = joblib.load(path)
            if isinstance(model, CategoryModel):
                return model
        except Exception:  # a truncated or foreign file: retrain rather than fail the request
            log.warning("cached categorisation model %s unreadable, retraining", path)
    model = train(records, taxonomy)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written to a temporary file and renamed, so a parallel process never reads half a model.
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    joblib.dump(model, tmp)
    os.replace(tmp, path)
    return model
