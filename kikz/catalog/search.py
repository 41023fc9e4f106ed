"""Catalogue search: German words, compounds and prefixes over titles, descriptions, keywords and column
names, ranked BM25-style, with facet counts, and restricted by the permission policy before anything is
ranked, counted or paged.

Matching rules (see ``kikz.catalog.text`` for the analysis):

* every query word must match (AND), so adding a word narrows the result and facet counts stay meaningful;
  a compound query word that matches nothing at all is replaced by its parts ("Baumstandorte" →
  baum AND standort) before giving up;
* a query word matches an indexed term that starts with its stem (index range ``term >= p AND term < p'``),
  so "Rad" finds "Radverkehrszählung" and "Radweg" finds "Radwegenetz"; an exact stem scores higher than a
  longer word it is a prefix of;
* score = Σ over query words of idf × the best BM25 term weight (title > keywords > column names >
  description), plus a large boost when the whole query is the title.

How it runs: matching, ranking and counting happen in the in-process index (``search_index``, numpy arrays
built from the index tables and kept current through the catalogue version in ``search_state``); who may see
what is always the SQL condition ``permissions.visible``, whose result (the visible ids, memoised exactly in
``search_visibility``) is intersected with the candidates first. Only the page's rows are read from the
database, again through ``visible``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz.catalog import indexing, search_index, search_runtime, search_state, search_visibility, text
from kikz.catalog.models import Dataset
from kikz.errors import InvalidInput
from kikz.tenancy.permissions import Principal, visible

FACETS = indexing.FACETS
SORTS = ("relevance", "modified", "title")
MAX_QUERY_CHARS = 500  # a longer query is cut; nobody types more, and it bounds the work per request
MAX_QUERY_WORDS = 8
MAX_LIMIT = 100
MAX_OFFSET = 10_000
MAX_FILTER_VALUES = 30
PREFIX_FACTOR = search_index.PREFIX_FACTOR
TITLE_BOOST = 50.0

Arr = np.ndarray[Any, Any]


@dataclass(frozen=True)
class QueryWord:
    """One query word: index-term prefixes any of which may match (the stem and its synonyms)."""

    prefixes: tuple[str, ...]
    token: str = ""


@dataclass
class SearchHit:
    dataset: Dataset
    score: float


@dataclass
class SearchResult:
    total: int
    hits: list[SearchHit]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


def index_dataset(session: Session, dataset: Dataset) -> None:
    """(Re)build the search postings and facet rows of one dataset (and log the change for every process)."""
    session.flush()
    indexing.index_many(session, [dataset.id])


def reindex_all(session: Session) -> int:
    """Rebuild the index of every dataset; returns the number of postings written."""
    return indexing.reindex_all(session)


def analyse_query(query: str) -> list[QueryWord]:
    """Query words as prefix alternatives (stop words dropped, synonyms added, at most 8 words)."""
    out: list[QueryWord] = []
    for token in dict.fromkeys(text.tokens(query[:MAX_QUERY_CHARS])):
        if len(token) < 2:
            continue
        prefixes = [text.stem(token)]
        prefixes.extend(text.stem(s) for s in text.SYNONYMS.get(token, ()))
        out.append(QueryWord(tuple(dict.fromkeys(prefixes)), token))
        if len(out) == MAX_QUERY_WORDS:
            break
    return out


def _validate(filters: dict[str, list[str]] | None, sort: str, limit: int, offset: int) -> dict[str, list[str]]:
    if sort not in SORTS:
        raise InvalidInput(f"Unbekannte Sortierung '{str(sort)[:40]}' (erlaubt: {', '.join(SORTS)}).")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"Die Seitengröße muss zwischen 1 und {MAX_LIMIT} liegen.")
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidInput(f"Der Versatz muss zwischen 0 und {MAX_OFFSET} liegen.")
    clean: dict[str, list[str]] = {}
    for name, values in (filters or {}).items():
        if name not in FACETS:
            raise InvalidInput(f"Unbekannter Filter '{str(name)[:40]}' (erlaubt: {', '.join(FACETS)}).")
        if isinstance(values, str):
            values = [values]
        kept = list(dict.fromkeys(str(v)[:120] for v in values if str(v).strip()))
        if len(kept) > MAX_FILTER_VALUES:
            raise InvalidInput(f"Zu viele Werte für den Filter '{name}' (höchstens {MAX_FILTER_VALUES}).")
        if kept:
            clean[name] = kept
    return clean


def _snapshot(session: Session) -> tuple[search_index.Snapshot, search_state.State]:
    """The index as this session must see it, and the catalogue state it read."""
    state = search_state.read_state(session)
    if not search_state.is_uncommitted(session):
        return search_runtime.current(session, state), state
    # This transaction changed the catalogue: the shared (committed) index plus, privately, whatever this
    # session sees changed since; nothing of it is kept, since it may still roll back.
    shared = search_runtime.committed(search_runtime.engine_of(session))
    if shared.token not in (state.token, ""):  # pragma: no cover - the database was replaced meanwhile
        raise RuntimeError("catalogue identity changed during a transaction")
    changed = search_state.changed_since(session, shared.version)
    private = search_index.apply(shared, search_index.load_docs(session, changed), state.version, state.token)
    return private, state


def _scored_words(session: Session, snapshot: search_index.Snapshot, words: list[QueryWord]) -> list[tuple[Arr, int]]:
    """Per query word the best weight per position and its document frequency.

    A compound query word that matches nothing is replaced by its parts, which must then all match.
    """
    out: list[tuple[Arr, int]] = []
    lexicon: frozenset[str] | None = None
    for word in words:
        weights = snapshot.word_weights(word.prefixes)
        matching = int(np.count_nonzero(weights))
        if matching or not word.token:
            out.append((weights, matching))
            continue
        lexicon = lexicon or indexing.corpus_lexicon(session)
        parts = text.split_compound(word.token, lexicon)
        if not parts:
            out.append((weights, matching))
            continue
        for part in parts:
            part_weights = snapshot.word_weights((text.stem(part),))
            out.append((part_weights, int(np.count_nonzero(part_weights))))
    return out[: MAX_QUERY_WORDS * 2]


def _top(candidates: Arr, keys: Sequence[Arr], offset: int, limit: int) -> Arr:
    """Positions of one page in ascending order of ``keys`` (first key most significant), exactly.

    Only the candidates up to the page's last primary-key value are fully sorted, so a page costs
    O(candidates) plus a sort of offset + limit items, not a sort of all candidates.
    """
    want = offset + limit
    primary = keys[0][candidates]
    if len(candidates) > 2 * want:
        threshold = np.partition(primary, want - 1)[want - 1]
        near = primary <= threshold
        candidates, primary = candidates[near], primary[near]
    order = np.lexsort([k[candidates] for k in reversed(keys[1:])] + [primary])
    return candidates[order][offset:want]


def search_datasets(
    session: Session,
    *,
    principal: Principal,
    query: str = "",
    filters: dict[str, list[str]] | None = None,
    sort: str = "relevance",
    limit: int = 20,
    offset: int = 0,
) -> SearchResult:
    """Visible datasets matching ``query`` and ``filters`` (AND across facets, OR within one): one page.

    The visible set (decided by the SQL policy) is intersected with the candidates before anything is
    ranked, counted or paged, so totals, facet counts and pages never include what the principal may not
    see; the page's rows are read with the policy condition once more.
    """
    clean = _validate(filters, sort, limit, offset)
    words = analyse_query(query or "")
    snapshot, state = _snapshot(session)
    candidates = snapshot.alive & search_visibility.visible_mask(session, principal, snapshot, state)
    for name, values in clean.items():
        candidates &= snapshot.facet_mask(name, values)
    score: Arr | None = None
    if words:
        documents = max(snapshot.alive_count, 1)
        score = np.zeros(snapshot.size, dtype=np.float64)
        for weights, matching in _scored_words(session, snapshot, words):
            candidates &= weights > 0
            score += weights * indexing.idf(documents, matching)
        key = indexing.title_key(query[:MAX_QUERY_CHARS])
        if key:
            score[snapshot.title_positions(key)] += TITLE_BOOST
    positions = np.flatnonzero(candidates)
    facets = snapshot.facet_counts(candidates)
    newest = [-snapshot.modified, -snapshot.ids]
    if sort == "title":
        keys = [snapshot.title_rank]
    elif sort == "relevance" and score is not None:
        keys = [-score, *newest]
    else:
        keys = newest
    page = _top(positions, keys, offset, limit) if offset < len(positions) else positions[:0]
    ids = [int(snapshot.ids[p]) for p in page]
    scores = [float(score[p]) if score is not None else 0.0 for p in page]
    by_id: dict[int, Dataset] = {}
    if ids:
        stmt = select(Dataset).where(Dataset.id.in_(ids), visible(principal, Dataset))
        by_id = {d.id: d for d in session.scalars(stmt)}
    hits = [SearchHit(dataset=by_id[i], score=s) for i, s in zip(ids, scores, strict=True) if i in by_id]
    return SearchResult(total=len(positions), hits=hits, facets=facets)


__all__ = ["FACETS", "SORTS", "SearchHit", "SearchResult", "index_dataset", "reindex_all", "search_datasets"]
