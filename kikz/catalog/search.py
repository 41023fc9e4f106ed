"""Catalogue search: German words, compounds and prefixes over titles, descriptions, keywords and column
names, ranked BM25-style, with facet counts, and filtered by the permission policy *inside* the SQL.

Matching rules (see ``kikz.catalog.text`` for the analysis):

* every query word must match (AND), so adding a word narrows the result and facet counts stay meaningful;
  a compound query word that matches nothing at all is replaced by its parts ("Baumstandorte" →
  baum AND standort) before giving up;
* a query word matches an indexed term that starts with its stem (index range ``term >= p AND term < p'``),
  so "Rad" finds "Radverkehrszählung" and "Radweg" finds "Radwegenetz"; an exact stem scores higher than a
  longer word it is a prefix of;
* score = Σ over query words of idf × the best BM25 term weight (title > keywords > column names >
  description), plus a large boost when the whole query is the title.

Only portable SQL: the same statements run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    Float,
    Integer,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from kikz.catalog import indexing, text
from kikz.catalog.models import Dataset, DatasetFacet, SearchPosting
from kikz.errors import InvalidInput
from kikz.tenancy.permissions import Principal, visible

FACETS = indexing.FACETS
SORTS = ("relevance", "modified", "title")
MAX_QUERY_CHARS = 500  # a longer query is cut; nobody types more, and it bounds the work per request
MAX_QUERY_WORDS = 8
MAX_LIMIT = 100
MAX_OFFSET = 10_000
MAX_FILTER_VALUES = 30
PREFIX_FACTOR = 0.6  # "rad" in "radio": weaker evidence than the exact stem
TITLE_BOOST = 50.0
STATS_TTL = 600.0


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
    """(Re)build the search postings and facet rows of one dataset."""
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


def _term_range(model: Any, prefix: str) -> ColumnElement[bool]:
    upper = text.prefix_upper_bound(prefix)
    if upper is None:
        return model.term >= prefix
    return and_(model.term >= prefix, model.term < upper)


def _word_condition(model: Any, word: QueryWord) -> ColumnElement[bool]:
    return or_(*(_term_range(model, p) for p in word.prefixes))


# Term statistics change slowly; caching them per database keeps a count query out of most searches.
_STATS: dict[tuple[str, Any], tuple[float, int]] = {}


def _db_key(session: Session) -> str:
    bind = session.get_bind()
    return str(bind.url) if isinstance(bind, Engine) else str(id(bind))


def _cached(session: Session, key: Any, compute: Any) -> int:
    full = (_db_key(session), key)
    hit = _STATS.get(full)
    if hit and time.monotonic() - hit[0] < STATS_TTL:
        return hit[1]
    value = int(compute())
    if len(_STATS) > 50_000:
        _STATS.clear()
    if value:  # a word nobody used yet may appear any moment; only known statistics are kept
        _STATS[full] = (time.monotonic(), value)
    return value


def _document_count(session: Session) -> int:
    return _cached(session, "N", lambda: session.scalar(select(func.count()).select_from(Dataset)) or 0)


def _document_frequency(session: Session, word: QueryWord) -> int:
    stmt = select(func.count(func.distinct(SearchPosting.dataset_id))).where(
        _word_condition(SearchPosting, word)
    )
    return _cached(session, word.prefixes, lambda: session.scalar(stmt) or 0)


def _expand_unmatched(session: Session, words: list[QueryWord]) -> list[QueryWord]:
    """Replace a compound query word that matches nothing by its parts (which must then all match)."""
    out: list[QueryWord] = []
    lexicon = indexing.corpus_lexicon(session)
    for word in words:
        if _document_frequency(session, word) > 0:
            out.append(word)
            continue
        parts = text.split_compound(word.token, lexicon) if word.token else None
        if parts:
            out.extend(QueryWord((text.stem(p),)) for p in parts)
        else:
            out.append(word)
    return out[: MAX_QUERY_WORDS * 2]


def _validate(
    filters: dict[str, list[str]] | None, sort: str, limit: int, offset: int
) -> dict[str, list[str]]:
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


def _candidates(
    session: Session,
    principal: Principal,
    words: Sequence[QueryWord],
    filters: dict[str, list[str]],
    query: str,
) -> Any:  # a Select; its generic spelling differs between SQLAlchemy 2.0 and 2.1
    """SELECT id, score of every dataset the principal may see that matches words and filters."""
    conditions: list[ColumnElement[bool]] = [visible(principal, Dataset)]
    for name, values in filters.items():
        conditions.append(
            Dataset.id.in_(
                select(DatasetFacet.dataset_id).where(
                    DatasetFacet.facet == name, DatasetFacet.value.in_(values)
                )
            )
        )
    if not words:
        return select(Dataset.id.label("id"), literal(0.0).label("score")).where(*conditions)
    documents = max(_document_count(session), 1)
    # The rarest word drives: its postings are grouped once, every other word is a seek per candidate on
    # (dataset_id, term), so the cost follows the smallest posting list, not the largest.
    stats = sorted(
        ((_document_frequency(session, w), i, w) for i, w in enumerate(words)), key=lambda t: t[:2]
    )
    driver_word = stats[0][2]
    driver = (
        select(SearchPosting.dataset_id.label("id"), _best_weight(SearchPosting, driver_word).label("s"))
        .where(_word_condition(SearchPosting, driver_word))
        .group_by(SearchPosting.dataset_id)
        .subquery("driver")
    )
    score: ColumnElement[Any] = driver.c.s * indexing.idf(documents, stats[0][0])
    matches: list[ColumnElement[bool]] = []
    for df, _, word in stats[1:]:
        other = aliased(SearchPosting)
        best = (
            select(_best_weight(other, word))
            .where(other.dataset_id == driver.c.id, _word_condition(other, word))
            .scalar_subquery()
        )
        score = score + func.coalesce(best, 0.0) * indexing.idf(documents, df)
        matches.append(best.is_not(None))
    key = indexing.title_key(query[:MAX_QUERY_CHARS])
    if key:
        exact_title = select(DatasetFacet.dataset_id).where(
            DatasetFacet.facet == indexing.TITLE_FACET, DatasetFacet.value == key
        )
        score = score + case((Dataset.id.in_(exact_title), TITLE_BOOST), else_=0.0)
    return (
        select(Dataset.id.label("id"), score.label("score"))
        .select_from(driver)
        .join(Dataset, Dataset.id == driver.c.id)
        .where(*conditions, *matches)
    )


def _best_weight(model: Any, word: QueryWord) -> ColumnElement[Any]:
    exact = model.term.in_(word.prefixes)
    return func.max(model.weight * case((exact, 1.0), else_=PREFIX_FACTOR))


def _order(hits: Any, sort: str, ranked: bool) -> list[Any]:
    if sort == "relevance" and ranked:
        return [hits.c.score.desc(), hits.c.modified.desc(), hits.c.id.desc()]
    if sort == "title":
        return [func.lower(hits.c.title), hits.c.id]
    return [hits.c.modified.desc(), hits.c.id.desc()]


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

    Count, facet counts and the page come from one statement over one candidate set (a CTE that both
    backends materialise once), so they always agree and the permission filter is applied exactly once,
    before any of them.
    """
    clean = _validate(filters, sort, limit, offset)
    words = analyse_query(query or "")
    if words:
        words = _expand_unmatched(session, words)
    candidates = _candidates(session, principal, words, clean, query or "")
    # The title is fetched only when sorting by it: it lives in the wide row, everything else in an index.
    sort_columns: list[Any] = [Dataset.modified.label("modified")]
    if sort == "title":
        sort_columns.append(Dataset.title.label("title"))
    hits = candidates.add_columns(*sort_columns).cte("hits")
    no_int, no_str = cast(null(), Integer), cast(null(), String)
    count_part = select(
        literal(0).label("kind"), no_int.label("id"), no_int.label("pos"), no_str.label("facet"),
        no_str.label("value"), cast(func.count(), Float).label("num"),
    ).select_from(hits)  # fmt: skip
    facet_part = (
        select(literal(1), no_int, no_int, DatasetFacet.facet, DatasetFacet.value, cast(func.count(), Float))
        # "dataset_id IN (hits)" with no usable condition on facet: SQLite then seeks the few rows of each
        # hit by primary key instead of scanning all facet rows and probing the hits.
        .where(DatasetFacet.dataset_id.in_(select(hits.c.id)), DatasetFacet.facet != indexing.TITLE_FACET)
        .group_by(DatasetFacet.facet, DatasetFacet.value)
    )
    order = _order(hits, sort, bool(words))
    page = (
        select(hits.c.id, hits.c.score, func.row_number().over(order_by=order).label("pos"))
        .order_by(*order)
        .limit(limit)
        .offset(offset)
        .subquery("page")
    )
    page_part = select(literal(2), page.c.id, page.c.pos, no_str, no_str, cast(page.c.score, Float))
    rows = session.execute(union_all(count_part, facet_part, page_part)).all()
    total = 0
    facets: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
    ranked: list[tuple[int, int, float]] = []
    for kind, dataset_id, pos, facet, value, num in rows:
        if kind == 0:
            total = int(num)
        elif kind == 1 and facet in facets:
            facets[facet].append((value, int(num)))
        else:
            ranked.append((int(pos), int(dataset_id), float(num or 0.0)))
    for values in facets.values():
        values.sort(key=lambda vc: (-vc[1], vc[0]))
    ranked.sort()  # UNION ALL promises no row order; the page order comes back from row_number()
    ids = [dataset_id for _, dataset_id, _ in ranked]
    by_id = {d.id: d for d in session.scalars(select(Dataset).where(Dataset.id.in_(ids)))} if ids else {}
    page_hits = [SearchHit(dataset=by_id[i], score=score) for _, i, score in ranked if i in by_id]
    return SearchResult(total=total, hits=page_hits, facets=facets)


__all__ = ["FACETS", "SORTS", "SearchHit", "SearchResult", "index_dataset", "reindex_all", "search_datasets"]
