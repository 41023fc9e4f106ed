"""Namespaces and controlled terms of DCAT-AP.de 3.0 as the export writes them and the validator checks them.

The EU authority tables (data theme, file type, access right, frequency, planned availability, language) are
built here from our code lists in ``kikz.catalog.vocabularies``; the DCAT-AP.de licences and contributors come
from the official RDF files shipped in ``kikz/catalog/vocab``.
"""

from __future__ import annotations

from kikz.catalog.vocabularies import (
    ACCESS_RIGHT_BASE,
    ACCESS_RIGHTS,
    CONTRIBUTOR_BASE,
    EU_THEMES,
    FILE_TYPE_BASE,
    FILE_TYPES,
    FREQUENCIES,
    FREQUENCY_BASE,
    GEOCODING_LEVEL_BASE,
    LICENSE_BASE,
    REGIONAL_KEY_BASE,
    THEME_BASE,
)
from kikz.types import ProtectionClass

PREFIXES: dict[str, str] = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "dcatde": "http://dcat-ap.de/def/dcatde/",
    "dcatap": "http://data.europa.eu/r5r/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "spdx": "http://spdx.org/rdf/terms#",
    "eli": "http://data.europa.eu/eli/ontology#",
    "hydra": "http://www.w3.org/ns/hydra/core#",
}

LANGUAGE_BASE = "http://publications.europa.eu/resource/authority/language/"
AVAILABILITY_BASE = "http://publications.europa.eu/resource/authority/planned-availability/"
PUBLISHER_TYPE_BASE = "http://purl.org/adms/publishertype/"
PUBLISHER_TYPE_SCHEME = "http://purl.org/adms/publishertype/1.0"
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
SHA256 = "http://spdx.org/rdf/terms#checksumAlgorithm_sha256"
CLOSED_LICENSE = "other-closed"

# ISO 639-1 (what we store) -> EU language authority code
LANGUAGES: dict[str, tuple[str, str]] = {
    "de": ("DEU", "Deutsch"),
    "en": ("ENG", "Englisch"),
    "fr": ("FRA", "Französisch"),
    "it": ("ITA", "Italienisch"),
    "nl": ("NLD", "Niederländisch"),
    "pl": ("POL", "Polnisch"),
    "tr": ("TUR", "Türkisch"),
    "es": ("SPA", "Spanisch"),
}

AVAILABILITY: dict[str, str] = {
    "AVAILABLE": "verfügbar",
    "STABLE": "stabil",
    "EXPERIMENTAL": "experimentell",
    "TEMPORARY": "vorübergehend",
    "OP_DATPRO": "vorläufige Daten",
}
DEFAULT_AVAILABILITY = "AVAILABLE"

GEOCODING_LEVELS: dict[str, str] = {
    "federal": "Bund",
    "state": "Land",
    "administrativeDistrict": "Regierungsbezirk",
    "district": "Kreis",
    "municipalityAssociation": "Gemeindeverband",
    "municipality": "Gemeinde",
}

PUBLISHER_TYPES: dict[str, str] = {
    "LocalAuthority": "Local Authority",
    "RegionalAuthority": "Regional Authority",
    "NationalAuthority": "National Authority",
}

# First two digits of the regional key (ARS) -> the GovData contributor through which that state's
# municipalities deliver. Municipalities deliver through their state portal; kikz cities have no direct
# GovData connection of their own, so every Hessian city (06...) is "hessen" (the Hessian open-data portal).
STATE_CONTRIBUTORS: dict[str, str] = {
    "01": "schleswigHolstein",
    "02": "transparenzportalHamburg",
    "03": "landNiedersachsen",
    "04": "transparenzportalBremen",
    "05": "openNRW",
    "06": "hessen",
    "07": "openGovernmentDataPortalRheinlandPfalz",
    "08": "datenBW",
    "09": "openDataBayern",
    "11": "berlinOpenData",
    "12": "openDataBrandenburg",
    "13": "mecklenburgVorpommern",
    "14": "freistaatSachsen",
    "15": "landSachsenAnhalt",
}

ACCESS_RIGHT_FOR_CLASS: dict[ProtectionClass, str] = {
    ProtectionClass.OEFFENTLICH: "PUBLIC",
    ProtectionClass.INTERN: "RESTRICTED",
    ProtectionClass.VERTRAULICH: "NON_PUBLIC",
    ProtectionClass.STRENG_VERTRAULICH: "NON_PUBLIC",
}


def access_right(code: str, protection_class: ProtectionClass | str | None) -> str:
    """The EU access-right code: the stored one if valid, else derived from the protection class."""
    if code in ACCESS_RIGHTS:
        return code
    klass = ProtectionClass(protection_class) if protection_class else ProtectionClass.VERTRAULICH
    return ACCESS_RIGHT_FOR_CLASS[klass]


def contributor_for(ars: str) -> str | None:
    ident = STATE_CONTRIBUTORS.get(ars[:2])
    return CONTRIBUTOR_BASE + ident if ident else None


def regional_key_iri(ars: str) -> str:
    return REGIONAL_KEY_BASE + ars


def theme_iri(code: str) -> str:
    return THEME_BASE + code


def file_type_iri(code: str) -> str:
    return FILE_TYPE_BASE + code


def frequency_iri(code: str) -> str:
    return FREQUENCY_BASE + code


def access_right_iri(code: str) -> str:
    return ACCESS_RIGHT_BASE + code


def language_iri(code: str) -> str | None:
    entry = LANGUAGES.get(code.lower())
    return LANGUAGE_BASE + entry[0] if entry else None


def license_iri(ident: str) -> str:
    return LICENSE_BASE + ident


def media_type_iri(media_type: str) -> str:
    return IANA_MEDIA_TYPES + media_type


def geocoding_level_iri(level: str) -> str:
    return GEOCODING_LEVEL_BASE + level


# Scheme IRI, concept base, {code: label}, classes the concept must have where DCAT-AP uses it.
EU_SCHEMES: tuple[tuple[str, str, dict[str, str], tuple[str, ...]], ...] = (
    (
        THEME_BASE.rstrip("/"),
        THEME_BASE,
        {code: labels[0] for code, labels in EU_THEMES.items()},
        ("skos:Concept",),
    ),
    (
        FILE_TYPE_BASE.rstrip("/"),
        FILE_TYPE_BASE,
        {code: code for code in FILE_TYPES},
        ("skos:Concept", "dct:MediaTypeOrExtent"),
    ),
    (
        ACCESS_RIGHT_BASE.rstrip("/"),
        ACCESS_RIGHT_BASE,
        ACCESS_RIGHTS,
        ("skos:Concept", "dct:RightsStatement"),
    ),
    (FREQUENCY_BASE.rstrip("/"), FREQUENCY_BASE, FREQUENCIES, ("skos:Concept", "dct:Frequency")),
    (AVAILABILITY_BASE.rstrip("/"), AVAILABILITY_BASE, AVAILABILITY, ("skos:Concept",)),
    (
        LANGUAGE_BASE.rstrip("/"),
        LANGUAGE_BASE,
        {code: label for code, label in LANGUAGES.values()},
        ("skos:Concept", "dct:LinguisticSystem"),
    ),
    (GEOCODING_LEVEL_BASE.rstrip("/"), GEOCODING_LEVEL_BASE, GEOCODING_LEVELS, ("skos:Concept",)),
    (PUBLISHER_TYPE_SCHEME, PUBLISHER_TYPE_BASE, PUBLISHER_TYPES, ("skos:Concept",)),
)


def expand(curie: str) -> str:
    prefix, _, local = curie.partition(":")
    return PREFIXES[prefix] + local
