"""Building the search index: postings (term, dataset, weight) and facet rows, one dataset or many at once.

Every path (a single edit, a bulk load, a full reindex) goes through ``index_many`` so they cannot drift.
"""

from __future__ import annotations

import math
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, Table, delete, insert, select
from sqlalchemy.orm import Session

from kikz.catalog import search_state, text
from kikz.catalog.models import Dataset, DatasetFacet, Distribution, SearchPosting, SearchWord
from kikz.catalog.vocabularies import EU_THEMES
from kikz.db import Base
from kikz.tenancy.models import Municipality
from kikz.types import ProtectionClass

# Field weights: a word in the title says more about a dataset than the same word in its description.
FIELD_WEIGHTS = {"title": 3.0, "keywords": 2.0, "columns": 1.5, "description": 1.0, "context": 0.5}
K1 = 1.2
B = 0.5
AVG_LENGTH = 60.0  # fixed average document length: weights stay valid without reindexing on every change
TITLE_FACET = "_title"  # hidden facet row holding the normalised title, for the exact-title boost
FACETS = ("city", "theme", "class", "format", "license", "tag")  # tag: exact keywords, for CKAN's tags:
CHUNK = 2000

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_JOINERS = re.compile(r"[_\-.\s]+")


@dataclass
class Document:
    """What the index needs to know about one dataset."""

    id: int
    title: str
    description: str
    keywords: list[str]
    themes: list[str]
    municipality_slug: str
    municipality_name: str
    protection_class: ProtectionClass | None
    license_id: str | None
    formats: list[str] = field(default_factory=list)
    column_names: list[str] = field(default_factory=list)


def title_key(title: str) -> str:
    """Normalised title (stems in order), equal for a query that is the title in another spelling."""
    return " ".join(text.stem(t) for t in text.tokens(title))[:120]


def postings(doc: Document, lexicon: frozenset[str]) -> dict[str, float]:
    """Term → BM25 term weight (saturated, length-normalised, field-weighted) for one document."""
    fields = {
        "title": doc.title,
        "keywords": " ".join(doc.keywords),
        # Both "pflanz Jahr" and "pflanzjahr" for a column "pflanzJahr": people type either.
        "columns": " ".join(f"{_CAMEL.sub(' ', name)} {_JOINERS.sub('', name)}" for name in doc.column_names),
        "description": doc.description,
        "context": " ".join([doc.municipality_name, *(EU_THEMES[t][0] for t in doc.themes if t in EU_THEMES)]),
    }
    freq: dict[str, float] = defaultdict(float)
    length = 0
    for name, value in fields.items():
        weight = FIELD_WEIGHTS[name]
        tokens = text.tokens(value)
        length += len(tokens)
        for token in tokens:
            for term in text.compound_terms(token, lexicon):
                freq[term] += weight
    norm = K1 * (1 - B + B * length / AVG_LENGTH)
    return {term: round(tf * (K1 + 1) / (tf + norm), 4) for term, tf in freq.items() if len(term) <= 80}


def facets(doc: Document) -> set[tuple[str, str]]:
    out = {
        ("city", doc.municipality_slug),
        ("class", (doc.protection_class or ProtectionClass.VERTRAULICH).value),
    }
    out.update(("theme", t) for t in doc.themes)
    out.update(("tag", k) for k in doc.keywords if k)
    out.update(("format", f) for f in doc.formats if f)
    if doc.license_id:
        out.add(("license", doc.license_id))
    key = title_key(doc.title)
    if key:
        out.add((TITLE_FACET, key))
    return out


def _table(model: type[Base]) -> Table:
    """The Core table of a model: Core inserts run at executemany speed, ORM bulk inserts do not."""
    return Base.metadata.tables[model.__tablename__]


def _documents(session: Session, ids: Sequence[int]) -> list[Document]:
    rows = session.execute(
        select(
            Dataset.id,
            Dataset.title,
            Dataset.description,
            Dataset.keywords,
            Dataset.themes,
            Municipality.slug,
            Municipality.name,
            Dataset.protection_class,
            Dataset.license_id,
        )
        .join(Municipality, Municipality.id == Dataset.municipality_id)
        .where(Dataset.id.in_(ids))
    )
    docs = {
        r[0]: Document(r[0], r[1] or "", r[2] or "", list(r[3] or []), list(r[4] or []), r[5], r[6], r[7], r[8])
        for r in rows
    }
    for dataset_id, fmt, columns in session.execute(
        select(Distribution.dataset_id, Distribution.format, Distribution.columns).where(
            Distribution.dataset_id.in_(ids)
        )
    ):
        doc = docs[dataset_id]
        if fmt and fmt not in doc.formats:
            doc.formats.append(fmt)
        doc.column_names.extend(str(c.get("name", "")) for c in columns or [] if isinstance(c, dict))
    return list(docs.values())


_LEXICON_CACHE: dict[str, tuple[float, frozenset[str]]] = {}
LEXICON_TTL = 300.0


def corpus_lexicon(session: Session) -> frozenset[str]:
    """Built-in word parts plus the words of the catalogue (cached per database for a few minutes)."""
    bind = session.get_bind()
    key = str(bind.url) if isinstance(bind, Engine) else str(id(bind))
    cached = _LEXICON_CACHE.get(key)
    if cached and time.monotonic() - cached[0] < LEXICON_TTL:
        return cached[1]
    words = frozenset(session.scalars(select(SearchWord.word))) | text.BUILTIN_PARTS
    _LEXICON_CACHE[key] = (time.monotonic(), words)
    return words


def _remember_words(session: Session, words: set[str]) -> None:
    if not words:
        return
    known: set[str] = set()
    ordered = sorted(words)
    for i in range(0, len(ordered), 500):
        known.update(session.scalars(select(SearchWord.word).where(SearchWord.word.in_(ordered[i : i + 500]))))
    new = [{"word": w} for w in ordered if w not in known]
    if new:
        session.execute(insert(_table(SearchWord)), new)


def _doc_words(doc: Document) -> Iterable[str]:
    yield doc.title
    yield doc.description
    yield from doc.keywords


def index_many(session: Session, ids: Sequence[int]) -> int:
    """Rebuild postings and facet rows of these datasets (deleted ids just lose theirs); returns postings."""
    total = 0
    # The same transaction tells every process's in-memory index which datasets to reload.
    search_state.record_change(session, ids)
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        docs = _documents(session, chunk)
        words = text.lexicon_words(w for doc in docs for w in _doc_words(doc))
        _remember_words(session, words)
        lexicon = corpus_lexicon(session) | words
        session.execute(delete(SearchPosting).where(SearchPosting.dataset_id.in_(chunk)))
        session.execute(delete(DatasetFacet).where(DatasetFacet.dataset_id.in_(chunk)))
        posting_rows: list[dict[str, Any]] = []
        facet_rows: list[dict[str, Any]] = []
        for doc in docs:
            posting_rows.extend(
                {"term": t, "dataset_id": doc.id, "weight": w} for t, w in postings(doc, lexicon).items()
            )
            facet_rows.extend({"dataset_id": doc.id, "facet": f, "value": v[:120]} for f, v in facets(doc))
        if posting_rows:
            session.execute(insert(_table(SearchPosting)), posting_rows)
        if facet_rows:
            session.execute(insert(_table(DatasetFacet)), facet_rows)
        total += len(posting_rows)
    return total


def reindex_all(session: Session) -> int:
    """Rebuild the whole index (after an upgrade of the analysis rules); returns the number of postings."""
    ids = list(session.scalars(select(Dataset.id).order_by(Dataset.id)))
    # First collect the corpus vocabulary, so compounds in early datasets can use words of later ones.
    for start in range(0, len(ids), CHUNK):
        docs = _documents(session, ids[start : start + CHUNK])
        _remember_words(session, text.lexicon_words(w for doc in docs for w in _doc_words(doc)))
    _LEXICON_CACHE.clear()
    return index_many(session, ids)


def idf(documents: int, matching: int) -> float:
    return math.log(1 + (documents - matching + 0.5) / (matching + 0.5))
