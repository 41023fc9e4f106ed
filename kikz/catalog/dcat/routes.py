"""DCAT-AP.de catalogue endpoints: all cities and per city, in Turtle, RDF/XML or JSON-LD, paged with hydra.

    GET /catalog[.ttl|.rdf|.jsonld]?page=N
    GET /kommunen/{slug}/catalog[.ttl|.rdf|.jsonld]?page=N

Format: ``?format=ttl|rdf|jsonld`` wins, then the file extension, then the Accept header; Turtle by default.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from kikz.catalog.dcat.export import catalog_page
from kikz.catalog.dcat.rdfwriter import Format
from kikz.errors import KikzError
from kikz.web.deps import PrincipalDep, SessionDep, SettingsDep

router = APIRouter(tags=["DCAT-AP.de"])

FORMAT_NAMES: dict[str, Format] = {
    "ttl": "turtle",
    "turtle": "turtle",
    "rdf": "xml",
    "xml": "xml",
    "rdfxml": "xml",
    "jsonld": "json-ld",
    "json-ld": "json-ld",
}
ACCEPTED: dict[str, Format] = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}
EXTENSIONS: dict[str, Format] = {"": "turtle", ".ttl": "turtle", ".rdf": "xml", ".jsonld": "json-ld"}


class BadRequest(KikzError):
    status_code = 400
    code = "bad_request"


def negotiate(accept: str) -> Format | None:
    """The best supported RDF format in an Accept header (by q-value, then order), or None."""
    best: tuple[float, int, Format] | None = None
    for position, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        fmt = ACCEPTED.get(media.lower())
        if fmt is None:
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0 and (best is None or (quality, -position) > (best[0], -best[1])):
            best = (quality, position, fmt)
    return best[2] if best else None


def _format(request: Request, extension: str) -> Format:
    requested = request.query_params.get("format")
    if requested is not None:
        fmt = FORMAT_NAMES.get(requested.strip().lower())
        if fmt is None:
            raise BadRequest(f"Unbekanntes Format '{requested}' (erlaubt: ttl, rdf, jsonld).")
        return fmt
    if extension:
        return EXTENSIONS[extension]
    return negotiate(request.headers.get("accept", "")) or "turtle"


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page")
    if raw is None:
        return 1
    if not raw.strip().isdigit():
        raise BadRequest(f"Ungültige Seitenangabe '{raw}': erwartet wird eine Zahl ab 1.")
    return int(raw)


def _answer(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    extension: str,
    municipality: str | None = None,
) -> Response:
    fmt = _format(request, extension)
    page = catalog_page(
        session,
        principal=principal,
        fmt=fmt,
        base_url=settings.base_url,
        page=_page_number(request),
        page_size=settings.catalog_page_size,
        view_url=settings.base_url.rstrip("/") + request.url.path,
        municipality=municipality,
    )
    return Response(page.body, media_type=page.media_type, headers={"Vary": "Accept"})


def _register(extension: str) -> None:
    summary = f"DCAT-AP.de-Katalog ({EXTENSIONS[extension]})"

    @router.get(f"/catalog{extension}", summary=summary, response_class=Response)
    def all_cities(request: Request, session: SessionDep, principal: PrincipalDep, settings: SettingsDep) -> Response:
        return _answer(request, session, principal, settings, extension)

    city_summary = summary + " einer Kommune"

    @router.get(f"/kommunen/{{slug}}/catalog{extension}", summary=city_summary, response_class=Response)
    def one_city(
        slug: str, request: Request, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
    ) -> Response:
        return _answer(request, session, principal, settings, extension, municipality=slug)


for _extension in EXTENSIONS:
    _register(_extension)
