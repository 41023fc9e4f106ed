"""The in-process search index: postings, facets and sort keys of the catalogue in numpy arrays.

The database tables (``search_posting``, ``dataset_facet``, ``dataset``) stay the truth; every process
keeps a read-only copy for ranking and counting, because doing BM25 and facet counts in SQL over tens of
thousands of candidates per request is far too slow (0.3–2.5 s at 100,000 datasets).

* A **base** is built in bulk: a term dictionary sorted for prefix ranges (bisect) with CSR postings
  (positions int32, weights float32), facet values with CSR positions, and per-position arrays (dataset
  id, modified time, title rank).
* Changes arrive through the catalogue version (``search_state``): a **snapshot** is the base plus an
  overlay of the datasets changed since, which tombstones their base positions and holds their current
  documents in small Python structures. Snapshots are immutable; applying changes makes a new one, so
  concurrent searches never see half an update. When the overlay grows too large a background
  thread builds a fresh base and swaps it in (``search_runtime``: one index per database per process).
* Nothing here decides who may see what: ``search.py`` intersects with the visible-id set that the SQL
  policy (``kikz.tenancy.permissions.visible``) returns.
"""

from __future__ import annotations

import bisect
import logging
import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from kikz.catalog import search_state, text
from kikz.catalog.indexing import FACETS, TITLE_FACET
from kikz.catalog.models import Dataset, DatasetFacet, SearchPosting

log = logging.getLogger(__name__)

IN_CHUNK = 500
PREFIX_FACTOR = 0.6  # "rad" in "radio": weaker evidence than the exact stem
NO_TIME = -math.inf  # datasets without a modification time sort last

Arr = np.ndarray[Any, Any]
_UMLAUTS = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "é": "e", "è": "e", "à": "a"})


def title_sort_key(title: str) -> str:
    """Case- and accent-insensitive sort key, so "Ärzte" sorts with "Arzt" on every backend."""
    key = title.casefold()
    if key.isascii():
        return key
    key = key.translate(_UMLAUTS)
    if key.isascii():
        return key
    return "".join(c for c in unicodedata.normalize("NFKD", key) if not unicodedata.combining(c))


def _timestamp(value: Any) -> float:
    return float(value.timestamp()) if value is not None else NO_TIME


@dataclass(frozen=True)
class Doc:
    """One dataset as the overlay holds it."""

    id: int
    postings: dict[str, float]
    facets: frozenset[tuple[str, str]]
    modified: float
    title_key: str


@dataclass(frozen=True)
class BaseIndex:
    version: int
    token: str
    ids: Arr  # position -> dataset id (ascending)
    terms: list[str]  # sorted (Python order, so bisect gives prefix ranges)
    term_offsets: Arr  # int64, len(terms) + 1
    post_pos: Arr  # int32 positions, grouped by term
    post_weight: Arr  # float32
    facet_values: list[tuple[str, str]]  # value id -> (facet, value); counted facets only
    facet_ids: dict[tuple[str, str], int]
    facet_offsets: Arr  # int64, len(facet_values) + 1
    facet_pos: Arr  # int32 positions, grouped by value id (filtering)
    doc_offsets: Arr  # int64, per position: its range in doc_values (counting)
    doc_values: Arr  # int32 value ids, grouped by position
    titles: dict[str, Arr]  # normalised title -> positions (exact-title boost)
    modified: Arr  # float64 per position
    title_order: list[tuple[str, int]]  # (sort key, dataset id), sorted: where overlay titles fit in
    title_rank: Arr  # float64 per position


@dataclass(frozen=True)
class Snapshot:
    """Base plus overlay at one catalogue version; never changed after construction."""

    base: BaseIndex
    version: int
    token: str
    docs: dict[int, Doc]  # overlay: dataset id -> current document
    slots: dict[int, int]  # overlay: dataset id -> position (after the base positions)
    ids: Arr  # int64 position -> dataset id
    alive: Arr  # bool
    modified: Arr  # float64
    title_rank: Arr  # float64
    lookup: Arr  # int32 dataset id -> position, -1 if none
    overlay_postings: list[tuple[str, int, float]]  # (term, position, weight), sorted
    alive_count: int

    @property
    def size(self) -> int:
        return len(self.ids)

    def positions_of(self, dataset_ids: Arr) -> Arr:
        """Positions of these dataset ids (unknown ids dropped)."""
        ids = dataset_ids[(dataset_ids >= 0) & (dataset_ids < len(self.lookup))]
        pos = self.lookup[ids]
        return pos[pos >= 0]

    def mask_of(self, dataset_ids: Arr) -> Arr:
        mask = np.zeros(self.size, dtype=bool)
        mask[self.positions_of(dataset_ids)] = True
        return mask

    def word_weights(self, prefixes: Sequence[str]) -> Arr:
        """Best term weight per position for a query word (0 where it does not match)."""
        best = np.zeros(self.size, dtype=np.float32)
        base = self.base
        for prefix in prefixes:
            lo = bisect.bisect_left(base.terms, prefix)
            upper = text.prefix_upper_bound(prefix)
            hi = bisect.bisect_left(base.terms, upper) if upper is not None else len(base.terms)
            if hi <= lo:
                continue
            start, end = int(base.term_offsets[lo]), int(base.term_offsets[hi])
            exact_end = int(base.term_offsets[lo + 1]) if base.terms[lo] == prefix else start
            if exact_end < end:  # longer words the prefix starts: several may hit one dataset
                np.maximum.at(best, base.post_pos[exact_end:end], base.post_weight[exact_end:end] * PREFIX_FACTOR)
            if start < exact_end:  # one term: positions are unique, plain fancy indexing is exact
                pos = base.post_pos[start:exact_end]
                best[pos] = np.maximum(best[pos], base.post_weight[start:exact_end])
        if self.overlay_postings:
            for prefix in prefixes:
                upper = text.prefix_upper_bound(prefix)
                lo = bisect.bisect_left(self.overlay_postings, (prefix,))
                hi = (
                    bisect.bisect_left(self.overlay_postings, (upper,), lo)
                    if upper is not None
                    else len(self.overlay_postings)
                )
                for term, slot, weight in self.overlay_postings[lo:hi]:
                    value = weight if term == prefix else weight * PREFIX_FACTOR
                    if value > best[slot]:
                        best[slot] = value
        best[~self.alive] = 0.0
        return best

    def facet_mask(self, facet: str, values: Iterable[str]) -> Arr:
        """Positions having any of these values of one facet."""
        mask = np.zeros(self.size, dtype=bool)
        wanted = {(facet, v) for v in values}
        base = self.base
        for key in wanted:
            vid = base.facet_ids.get(key)
            if vid is not None:
                mask[base.facet_pos[base.facet_offsets[vid] : base.facet_offsets[vid + 1]]] = True
        for dataset_id, doc in self.docs.items():
            if doc.facets & wanted:
                mask[self.slots[dataset_id]] = True
        return mask & self.alive

    def facet_counts(self, candidates: Arr) -> dict[str, list[tuple[str, int]]]:
        """Value counts of every facet over the candidate positions, most frequent first."""
        base = self.base
        # Gather the facet rows of just the candidates: cost follows the candidates, not the catalogue.
        pos = np.flatnonzero(candidates[: len(base.ids)])
        starts = base.doc_offsets[pos]
        lengths = base.doc_offsets[pos + 1] - starts
        rows = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths) + np.arange(int(lengths.sum()))
        counts = np.bincount(base.doc_values[rows], minlength=len(base.facet_values))
        out: dict[str, dict[str, int]] = {name: {} for name in FACETS}
        for vid in np.flatnonzero(counts):
            facet, value = base.facet_values[vid]
            out[facet][value] = int(counts[vid])
        for dataset_id, doc in self.docs.items():
            if candidates[self.slots[dataset_id]]:
                for facet, value in doc.facets:
                    if facet in out:
                        out[facet][value] = out[facet].get(value, 0) + 1
        return {name: sorted(values.items(), key=lambda vc: (-vc[1], vc[0])) for name, values in out.items()}

    def title_positions(self, key: str) -> list[int]:
        found = [int(p) for p in self.base.titles.get(key, ())]
        found.extend(self.slots[i] for i, doc in self.docs.items() if (TITLE_FACET, key) in doc.facets)
        return found


# --- building -------------------------------------------------------------------------------------------


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), IN_CHUNK):
        yield list(ids[start : start + IN_CHUNK])


def _dense_lookup(ids: Arr, size: int | None = None) -> Arr:
    top = int(ids.max()) + 1 if len(ids) else 0
    lookup = np.full(max(top, size or 0), -1, dtype=np.int32)
    lookup[ids] = np.arange(len(ids), dtype=np.int32)
    return lookup


def _csr(
    conn: Connection, key_columns: list[Any], id_column: Any, weight_column: Any | None
) -> tuple[list[tuple[Any, ...]], Arr, Arr, Arr | None]:
    """Group keys with counts, then the grouped ids (and weights) in the same order, as numpy arrays.

    Two statements instead of one wide one: the second carries only numbers, which is what makes reading
    millions of postings fast. They run in one transaction, and the lengths are checked.
    """
    grouped = conn.execute(select(*key_columns, func.count()).group_by(*key_columns).order_by(*key_columns)).all()
    value_columns = [id_column] if weight_column is None else [id_column, weight_column]
    result = conn.execute(select(*value_columns).order_by(*key_columns, id_column))
    # Plain numbers need no result processing: reading the driver's cursor directly is ~30× faster.
    cursor = result.cursor
    batches: list[Arr] = []
    while True:
        rows = cursor.fetchmany(200_000)
        if not rows:
            break
        batches.append(np.array(rows, dtype=np.float64).reshape(len(rows), len(value_columns)))
    result.close()
    data = np.concatenate(batches) if batches else np.zeros((0, len(value_columns)))
    counts = np.array([int(r[-1]) for r in grouped], dtype=np.int64)
    if int(counts.sum()) != len(data):
        raise RuntimeError("catalogue changed while the search index was read")
    offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    ids = data[:, 0].astype(np.int64)
    weights = data[:, 1].astype(np.float32) if weight_column is not None else None
    return [tuple(r[:-1]) for r in grouped], offsets, ids, weights


def _reorder(keys: list[Any], offsets: Arr, *payload: Arr) -> tuple[list[Any], Arr, list[Arr]]:
    """Put CSR groups into Python's key order (the database's collation may differ)."""
    order = sorted(range(len(keys)), key=keys.__getitem__)
    if order == list(range(len(keys))):
        return keys, offsets, list(payload)
    counts = np.diff(offsets)[order]
    new_offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    starts = offsets[:-1][order]
    gather = np.repeat(starts - new_offsets[:-1], counts) + np.arange(int(new_offsets[-1]))
    return [keys[i] for i in order], new_offsets, [p[gather] for p in payload]


def build_base(conn: Connection) -> BaseIndex:
    """Read the whole catalogue index from the database (state first: later changes are replayed)."""
    if conn.dialect.name == "sqlite":
        # pysqlite runs bare SELECTs outside a transaction; one snapshot keeps the reads consistent.
        conn.exec_driver_sql("BEGIN")
    state = search_state.read_state(conn)
    rows = conn.execute(select(Dataset.id, Dataset.modified, Dataset.title).order_by(Dataset.id)).all()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    modified = np.array([_timestamp(r[1]) for r in rows], dtype=np.float64)
    title_order = sorted((title_sort_key(r[2] or ""), int(r[0])) for r in rows)
    lookup = _dense_lookup(ids)
    title_rank = np.empty(len(ids), dtype=np.float64)
    title_rank[lookup[np.array([i for _, i in title_order], dtype=np.int64)]] = np.arange(len(ids))

    term_keys, term_offsets, post_ids, post_weight = _csr(
        conn, [SearchPosting.term], SearchPosting.dataset_id, SearchPosting.weight
    )
    terms = [str(k[0]) for k in term_keys]
    post_pos = _positions(lookup, post_ids)
    assert post_weight is not None
    terms, term_offsets, (post_pos, post_weight) = _reorder(terms, term_offsets, post_pos, post_weight)

    facet_keys, facet_offsets, facet_ids_raw, _ = _csr(
        conn, [DatasetFacet.facet, DatasetFacet.value], DatasetFacet.dataset_id, None
    )
    facet_pos_all = _positions(lookup, facet_ids_raw)
    titles: dict[str, Arr] = {}
    counted: list[tuple[str, str]] = []
    counted_slices: list[Arr] = []
    for i, (facet, value) in enumerate(facet_keys):
        pos = facet_pos_all[facet_offsets[i] : facet_offsets[i + 1]]
        pos = pos[pos >= 0]
        if facet == TITLE_FACET:
            titles[str(value)] = pos
        elif facet in FACETS and len(pos):
            counted.append((str(facet), str(value)))
            counted_slices.append(pos)
    lengths = np.array([len(s) for s in counted_slices], dtype=np.int64)
    facet_pos = np.concatenate(counted_slices).astype(np.int32) if counted_slices else np.zeros(0, np.int32)
    value_of_row = np.repeat(np.arange(len(counted), dtype=np.int32), lengths)
    by_position = np.argsort(facet_pos, kind="stable")
    doc_offsets = np.concatenate(([0], np.cumsum(np.bincount(facet_pos, minlength=len(ids))))).astype(np.int64)
    return BaseIndex(
        version=state.version,
        token=state.token,
        ids=ids,
        terms=terms,
        term_offsets=term_offsets,
        post_pos=post_pos,
        post_weight=post_weight,
        facet_values=counted,
        facet_ids={key: i for i, key in enumerate(counted)},
        facet_offsets=np.concatenate(([0], np.cumsum(lengths))).astype(np.int64),
        facet_pos=facet_pos,
        doc_offsets=doc_offsets,
        doc_values=value_of_row[by_position],
        titles=titles,
        modified=modified,
        title_order=title_order,
        title_rank=title_rank,
    )


def _positions(lookup: Arr, dataset_ids: Arr) -> Arr:
    """Positions of dataset ids (-1 for ids without a dataset row, e.g. a posting of a vanished dataset)."""
    inside = (dataset_ids >= 0) & (dataset_ids < len(lookup))
    out = np.full(len(dataset_ids), -1, dtype=np.int32)
    out[inside] = lookup[dataset_ids[inside]]
    return out


def drop_orphans(base: BaseIndex) -> BaseIndex:
    """Postings whose dataset row is missing point at -1; drop them so every position is valid."""
    keep = base.post_pos >= 0
    if bool(keep.all()):
        return base
    term_of = np.repeat(np.arange(len(base.terms)), np.diff(base.term_offsets))
    counts = np.bincount(term_of[keep], minlength=len(base.terms))
    offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    return BaseIndex(
        **{
            **base.__dict__,
            "term_offsets": offsets,
            "post_pos": base.post_pos[keep],
            "post_weight": base.post_weight[keep],
        }
    )


def snapshot_of(base: BaseIndex) -> Snapshot:
    return Snapshot(
        base=base,
        version=base.version,
        token=base.token,
        docs={},
        slots={},
        ids=base.ids,
        alive=np.ones(len(base.ids), dtype=bool),
        modified=base.modified,
        title_rank=base.title_rank,
        lookup=_dense_lookup(base.ids),
        overlay_postings=[],
        alive_count=len(base.ids),
    )


def load_docs(conn: Connection | Session, dataset_ids: Iterable[int]) -> dict[int, Doc | None]:
    """Current documents of these datasets (None for a deleted one), read from the index tables."""
    wanted = sorted(set(dataset_ids))
    found: dict[int, tuple[float, str]] = {}
    postings: dict[int, dict[str, float]] = {i: {} for i in wanted}
    facets: dict[int, set[tuple[str, str]]] = {i: set() for i in wanted}
    for chunk in _chunks(wanted):
        for i, modified, title in conn.execute(
            select(Dataset.id, Dataset.modified, Dataset.title).where(Dataset.id.in_(chunk))
        ):
            found[int(i)] = (_timestamp(modified), title_sort_key(title or ""))
        for i, term, weight in conn.execute(
            select(SearchPosting.dataset_id, SearchPosting.term, SearchPosting.weight).where(
                SearchPosting.dataset_id.in_(chunk)
            )
        ):
            postings[int(i)][str(term)] = float(weight)
        for i, facet, value in conn.execute(
            select(DatasetFacet.dataset_id, DatasetFacet.facet, DatasetFacet.value).where(
                DatasetFacet.dataset_id.in_(chunk)
            )
        ):
            facets[int(i)].add((str(facet), str(value)))
    return {i: Doc(i, postings[i], frozenset(facets[i]), *found[i]) if i in found else None for i in wanted}


def apply(snapshot: Snapshot, changes: dict[int, Doc | None], version: int, token: str) -> Snapshot:
    """A new snapshot with these documents replaced (None: deleted); the old one stays valid."""
    base = snapshot.base
    n_base = len(base.ids)
    docs = dict(snapshot.docs)
    slots = dict(snapshot.slots)
    new_ids = [i for i, doc in changes.items() if doc is not None and i not in slots]
    for i in new_ids:
        slots[i] = n_base + len(slots)
    size = n_base + len(slots)
    grow = size - snapshot.size
    ids = np.concatenate((snapshot.ids, np.array(new_ids, dtype=np.int64))) if grow else snapshot.ids.copy()
    alive = np.concatenate((snapshot.alive, np.zeros(grow, dtype=bool)))
    modified = np.concatenate((snapshot.modified, np.full(grow, NO_TIME)))
    title_rank = np.concatenate((snapshot.title_rank, np.zeros(grow)))
    top = max([len(snapshot.lookup) - 1, *changes.keys()]) + 1 if changes else len(snapshot.lookup)
    lookup = (
        snapshot.lookup.copy()
        if top <= len(snapshot.lookup)
        else np.concatenate((snapshot.lookup, np.full(top - len(snapshot.lookup), -1, dtype=np.int32)))
    )
    for dataset_id, doc in changes.items():
        if dataset_id < len(snapshot.lookup):
            old = int(snapshot.lookup[dataset_id])
            if 0 <= old < n_base:
                alive[old] = False  # tombstone: the overlay holds this dataset from now on
        if doc is None:
            docs.pop(dataset_id, None)
            if dataset_id in slots:
                alive[slots[dataset_id]] = False
            continue
        docs[dataset_id] = doc
        pos = slots[dataset_id]
        alive[pos] = True
        modified[pos] = doc.modified
        lookup[dataset_id] = pos
    # Overlay titles sit between the base ranks they sort between; several in one gap share it evenly.
    gaps: dict[int, list[tuple[str, int]]] = {}
    for dataset_id, doc in docs.items():
        key = (doc.title_key, dataset_id)
        gaps.setdefault(bisect.bisect_left(base.title_order, key), []).append(key)
    for gap, keys in gaps.items():
        keys.sort()
        for j, (_, dataset_id) in enumerate(keys):
            title_rank[slots[dataset_id]] = gap - 1 + (j + 1) / (len(keys) + 1)
    replaced = {snapshot.slots[i] for i in changes if i in snapshot.slots}
    kept = [p for p in snapshot.overlay_postings if p[1] not in replaced]
    for dataset_id, doc in changes.items():
        if doc is not None:
            pos = slots[dataset_id]
            kept.extend((term, pos, weight) for term, weight in doc.postings.items())
    kept.sort()
    return Snapshot(
        base=base,
        version=version,
        token=token,
        docs=docs,
        slots=slots,
        ids=ids,
        alive=alive,
        modified=modified,
        title_rank=title_rank,
        lookup=lookup,
        overlay_postings=kept,
        alive_count=int(alive.sum()),
    )


__all__ = [
    "BaseIndex",
    "Doc",
    "Snapshot",
    "apply",
    "build_base",
    "drop_orphans",
    "load_docs",
    "snapshot_of",
    "title_sort_key",
]
