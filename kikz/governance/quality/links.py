"""Reachability of external access and download URLs, checked by a background job only.

A page request never goes to the network: it reads the stored result of the last check. The check asks
with HEAD and falls back to a GET (body not read) when a server refuses HEAD; redirects are followed by hand
so that every hop passes the address check. Addresses inside private, loopback or link-local networks are
refused unless the caller allows them (tests), so user-supplied links cannot probe the internal network.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import socket
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kikz.catalog.models import Dataset, Distribution
from kikz.db import utcnow
from kikz.governance.quality.models import LinkCheck

TIMEOUT_SECONDS = 5.0
MAX_REDIRECTS = 5
MAX_AGE = dt.timedelta(days=7)
"""A result older than this is checked again."""
BATCH = 200
"""URLs one job checks; the job enqueues a follow-up for the rest, so no job runs for hours."""
PARALLEL = 8
USER_AGENT = "kikz-linkcheck/1.0 (metadata quality)"  # header values must be ASCII


@dataclass(frozen=True)
class CheckResult:
    status_code: int | None
    ok: bool
    error: str
    duration_ms: int


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def _public_host(host: str) -> bool:
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return True  # unresolvable: the request itself fails with a clear error
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            return False
    return True


def check_url(url: str, *, timeout: float = TIMEOUT_SECONDS, allow_private: bool = False) -> CheckResult:
    """One URL: ok when the final answer (after redirects) is a 2xx status."""
    started = time.monotonic()

    def done(status: int | None, error: str = "") -> CheckResult:
        ok = status is not None and 200 <= status < 300
        return CheckResult(status, ok, error[:500], int((time.monotonic() - started) * 1000))

    current = url
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False, headers={"user-agent": USER_AGENT}) as client:
            for _hop in range(MAX_REDIRECTS + 1):
                parts = urlsplit(current)
                if parts.scheme not in ("http", "https") or not parts.hostname:
                    return done(None, "Keine HTTP(S)-Adresse.")
                if not allow_private and not _public_host(parts.hostname):
                    return done(None, "Interne Netzadresse – wird nicht geprüft.")
                response = client.head(current)
                if response.status_code >= 400 and response.status_code not in (404, 410):
                    with client.stream("GET", current) as streamed:
                        response = streamed
                location = response.headers.get("location")
                if response.is_redirect and location:
                    current = urljoin(current, location)
                    continue
                return done(response.status_code)
            return done(None, f"Mehr als {MAX_REDIRECTS} Weiterleitungen.")
    except httpx.TimeoutException:
        return done(None, f"Keine Antwort innerhalb von {timeout:g} Sekunden.")
    except httpx.HTTPError as exc:
        return done(None, f"Verbindung fehlgeschlagen ({type(exc).__name__}).")


def latest_checks(session: Session, urls: Iterable[str]) -> dict[str, LinkCheck]:
    hashes = {url_hash(u): u for u in urls if u}
    out: dict[str, LinkCheck] = {}
    items = list(hashes)
    for start in range(0, len(items), 500):
        for row in session.scalars(select(LinkCheck).where(LinkCheck.url_hash.in_(items[start : start + 500]))):
            out[hashes[row.url_hash]] = row
    return out


def record(session: Session, url: str, result: CheckResult, *, now: dt.datetime | None = None) -> LinkCheck:
    key = url_hash(url)
    row = session.scalar(select(LinkCheck).where(LinkCheck.url_hash == key))
    if row is None:
        row = LinkCheck(url_hash=key, url=url)
        session.add(row)
    row.status_code = result.status_code
    row.ok = result.ok
    row.error = result.error
    row.duration_ms = result.duration_ms
    row.checked_at = now or utcnow()
    session.flush()
    return row


def external_urls(session: Session, *, base_url: str = "", dataset_ids: Sequence[int] | None = None) -> list[str]:
    """The external URLs the DCAT export names as access or download URL (own platform URLs excluded)."""
    stmt = (
        select(Distribution.access_url, Distribution.download_url, Dataset.landing_page)
        .join(Dataset, Dataset.id == Distribution.dataset_id)
        .where(or_(Distribution.checksum_sha256.is_(None), Distribution.access_url != ""))
    )
    if dataset_ids is not None:
        stmt = stmt.where(Distribution.dataset_id.in_(list(dataset_ids)))
    own = base_url.rstrip("/") + "/" if base_url else None
    seen: dict[str, None] = {}
    for access, download, landing in session.execute(stmt):
        # the export falls back to the landing page when a link distribution names no URL of its own
        for url in (access or "", download or "", "" if (access or download) else landing or ""):
            url = url.strip()
            if url and (own is None or not url.startswith(own)):
                seen.setdefault(url, None)
    return list(seen)


@dataclass(frozen=True)
class LinkCheckSummary:
    checked: int
    reachable: int
    remaining: int


def check_links(
    session: Session,
    *,
    urls: Sequence[str],
    max_age: dt.timedelta = MAX_AGE,
    batch: int = BATCH,
    timeout: float = TIMEOUT_SECONDS,
    allow_private: bool = False,
    now: dt.datetime | None = None,
) -> LinkCheckSummary:
    """Check the URLs not checked yet or not within ``max_age``, oldest first, at most ``batch``."""
    now = now or utcnow()
    known = latest_checks(session, urls)
    due = [u for u in urls if u not in known or known[u].checked_at <= now - max_age]
    due.sort(key=lambda u: known[u].checked_at if u in known else dt.datetime.min.replace(tzinfo=dt.UTC))
    todo, rest = due[:batch], due[batch:]
    # network work in threads, database work afterwards in this thread (sessions are not thread-safe)
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        results = list(pool.map(lambda u: check_url(u, timeout=timeout, allow_private=allow_private), todo))
    for url, result in zip(todo, results, strict=True):
        record(session, url, result, now=now)
    return LinkCheckSummary(checked=len(todo), reachable=sum(r.ok for r in results), remaining=len(rest))
