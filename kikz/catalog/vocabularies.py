"""Controlled vocabularies of DCAT-AP.de: licences (from the official file), EU themes, frequencies, file types."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz.catalog.models import License

VOCAB_DIR = Path(str(resources.files("kikz.catalog") / "vocab"))
LICENSE_BASE = "http://dcat-ap.de/def/licenses/"
THEME_BASE = "http://publications.europa.eu/resource/authority/data-theme/"
FREQUENCY_BASE = "http://publications.europa.eu/resource/authority/frequency/"
FILE_TYPE_BASE = "http://publications.europa.eu/resource/authority/file-type/"
ACCESS_RIGHT_BASE = "http://publications.europa.eu/resource/authority/access-right/"
CONTRIBUTOR_BASE = "http://dcat-ap.de/def/contributors/"
GEOCODING_LEVEL_BASE = "http://dcat-ap.de/def/politicalGeocoding/Level/"
REGIONAL_KEY_BASE = "http://dcat-ap.de/def/politicalGeocoding/regionalKey/"
HVD_LEGISLATION = "http://data.europa.eu/eli/reg_impl/2023/138/oj"
HVD_CATEGORY_BASE = "http://data.europa.eu/bna/"
# High-value dataset categories of Implementing Regulation (EU) 2023/138: code -> (German, English)
HVD_CATEGORIES: dict[str, tuple[str, str]] = {
    "c_ac64a52d": ("Georaum", "Geospatial"),
    "c_dd313021": ("Erdbeobachtung und Umwelt", "Earth observation and environment"),
    "c_164e0bf5": ("Meteorologie", "Meteorological"),
    "c_e1da4e07": ("Statistik", "Statistics"),
    "c_a9135398": ("Unternehmen und Eigentümerschaft von Unternehmen", "Companies and company ownership"),
    "c_b79e35eb": ("Mobilität", "Mobility"),
}

EU_THEMES: dict[str, tuple[str, str]] = {
    "AGRI": (
        "Landwirtschaft, Fischerei, Forstwirtschaft und Nahrungsmittel",
        "Agriculture, fisheries, forestry and food",
    ),
    "ECON": ("Wirtschaft und Finanzen", "Economy and finance"),
    "EDUC": ("Bildung, Kultur und Sport", "Education, culture and sport"),
    "ENER": ("Energie", "Energy"),
    "ENVI": ("Umwelt", "Environment"),
    "GOVE": ("Regierung und öffentlicher Sektor", "Government and public sector"),
    "HEAL": ("Gesundheit", "Health"),
    "INTR": ("Internationale Themen", "International issues"),
    "JUST": ("Justiz, Rechtssystem und öffentliche Sicherheit", "Justice, legal system and public safety"),
    "OP_DATPRO": ("Vorläufige Daten", "Provisional data"),
    "REGI": ("Regionen und Städte", "Regions and cities"),
    "SOCI": ("Bevölkerung und Gesellschaft", "Population and society"),
    "TECH": ("Wissenschaft und Technologie", "Science and technology"),
    "TRAN": ("Verkehr", "Transport"),
}

FREQUENCIES: dict[str, str] = {
    "CONT": "kontinuierlich",
    "UPDATE_CONT": "laufend aktualisiert",
    "HOURLY": "stündlich",
    "DAILY": "täglich",
    "WEEKLY": "wöchentlich",
    "BIWEEKLY": "zweiwöchentlich",
    "MONTHLY": "monatlich",
    "QUARTERLY": "vierteljährlich",
    "BIANNUAL": "halbjährlich",
    "ANNUAL": "jährlich",
    "BIENNIAL": "zweijährlich",
    "IRREG": "unregelmäßig",
    "NEVER": "nie",
    "OTHER": "sonstige",
    "UNKNOWN": "unbekannt",
}

# EU file-type code -> (IANA media type, machine readable, non-proprietary)
FILE_TYPES: dict[str, tuple[str, bool, bool]] = {
    "CSV": ("text/csv", True, True),
    "XLSX": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", True, True),
    "XLS": ("application/vnd.ms-excel", True, False),
    "JSON": ("application/json", True, True),
    "GEOJSON": ("application/geo+json", True, True),
    "PARQUET": ("application/vnd.apache.parquet", True, True),
    "XML": ("application/xml", True, True),
    "PDF": ("application/pdf", False, True),
    "HTML": ("text/html", False, True),
    "ZIP": ("application/zip", False, True),
    "SHP": ("application/x-shapefile", True, False),
    "GML": ("application/gml+xml", True, True),
    "KML": ("application/vnd.google-earth.kml+xml", True, True),
    "RDF_XML": ("application/rdf+xml", True, True),
    "RDF_TURTLE": ("text/turtle", True, True),
    "JSON_LD": ("application/ld+json", True, True),
    "TXT": ("text/plain", False, True),
    "WMS_SRVC": ("application/vnd.ogc.wms_xml", True, True),
    "WFS_SRVC": ("application/vnd.ogc.wfs_xml", True, True),
}

ACCESS_RIGHTS: dict[str, str] = {
    "PUBLIC": "öffentlich",
    "RESTRICTED": "eingeschränkt",
    "NON_PUBLIC": "nicht öffentlich",
}

EXTENSION_TO_FORMAT = {
    ".csv": "CSV",
    ".txt": "TXT",
    ".xlsx": "XLSX",
    ".xls": "XLS",
    ".json": "JSON",
    ".geojson": "GEOJSON",
    ".parquet": "PARQUET",
    ".xml": "XML",
    ".pdf": "PDF",
    ".zip": "ZIP",
    ".ttl": "RDF_TURTLE",
    ".rdf": "RDF_XML",
    ".jsonld": "JSON_LD",
}


@lru_cache
def official_licenses() -> tuple[tuple[str, str, str, str], ...]:
    """(id, iri, title, homepage) of every licence in the DCAT-AP.de licence vocabulary file we ship."""
    import rdflib
    from rdflib.namespace import DC, FOAF, SKOS

    graph = rdflib.Graph()
    graph.parse(VOCAB_DIR / "dcat-ap-de-licenses-open.rdf", format="xml")
    out: dict[str, tuple[str, str, str, str]] = {}
    for concept in graph.subjects(SKOS.inScheme, rdflib.URIRef(LICENSE_BASE.rstrip("/"))):
        iri = str(concept)
        ident = str(graph.value(concept, DC.identifier) or iri.removeprefix(LICENSE_BASE))
        title = str(graph.value(concept, SKOS.prefLabel) or ident)
        homepage = str(graph.value(concept, FOAF.homepage) or "")
        out[ident] = (iri.removeprefix(LICENSE_BASE), iri, title, homepage)
    return tuple(sorted(out.values()))


CLOSED_LICENSES = {"other-closed", "other-commercial", "officialWork"}
ATTRIBUTION_FREE = {"cc-zero", "dl-zero-de/2.0", "ccpdm/1.0", "odcpddl", "officialWork"}


def ensure_reference_data(session: Session) -> None:
    """Insert the licences if missing (idempotent; called on start-up and by migrations)."""
    known = set(session.scalars(select(License.id)))
    for ident, iri, title, homepage in official_licenses():
        if ident in known:
            continue
        session.add(
            License(
                id=ident,
                iri=iri,
                title=title,
                url=homepage,
                is_open=ident not in CLOSED_LICENSES,
                attribution_required=ident not in ATTRIBUTION_FREE and ident not in CLOSED_LICENSES,
            )
        )
    session.flush()


def license_id_from_iri(iri: str) -> str | None:
    """Map a licence IRI (also the common non-IRI forms) to our licence id, or None if it is not in the vocabulary."""
    iri = iri.strip()
    known = {ident for ident, *_ in official_licenses()}
    for prefix in (LICENSE_BASE, "https://dcat-ap.de/def/licenses/", "http://www.dcat-ap.de/def/licenses/"):
        if iri.startswith(prefix):
            candidate = iri[len(prefix) :].rstrip("/")
            return candidate if candidate in known else None
    return iri if iri in known else None
