"""High-value dataset category (Implementing Regulation (EU) 2023/138): rules plus the model.

There are no labelled HVD examples, so the answer combines two sources of evidence:

* the MUSTERDATENSATZ probabilities, through a reviewed table of the types whose content the regulation's
  annex names (addresses and cadastral parcels → geospatial, land-use plans and environmental measurements →
  earth observation & environment, weather measurements → meteorological, population and labour statistics →
  statistics, transport networks, timetables, parking and charging points → mobility);
* keyword rules over title, keywords and column names for unambiguous signals (GTFS, Niederschlag, ALKIS …).

Most municipal datasets are no HVD; the answer is "none" unless the evidence reaches ``THRESHOLD``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from kikz.catalog.text import fold

GEOSPATIAL, ENVIRONMENT, METEOROLOGICAL, STATISTICS, COMPANIES, MOBILITY = (
    "c_ac64a52d",
    "c_dd313021",
    "c_164e0bf5",
    "c_e1da4e07",
    "c_a9135398",
    "c_b79e35eb",
)
THRESHOLD = 0.5

# MUSTERDATENSATZ (V4) → HVD category. Land-use plans count as environment (annex 2: INSPIRE land use).
BY_MUSTERDATENSATZ: dict[str, str] = {
    "Raumplanung - Raumgliederung - Adresse": GEOSPATIAL,
    "Raumplanung - Raumgliederung - Hausnummer": GEOSPATIAL,
    "Raumplanung - Raumgliederung - Straße": GEOSPATIAL,
    "Raumplanung - Raumgliederung - Ortsteil": GEOSPATIAL,
    "Raumplanung - Raumgliederung - Stadtgebiet": GEOSPATIAL,
    "Raumplanung - Raumgliederung - Block": GEOSPATIAL,
    "Raumplanung - Raumgliederung - Postleitzahlengebiet": GEOSPATIAL,
    "Raumplanung - Liegenschaft - Liegenschaftskataster": GEOSPATIAL,
    "Raumplanung - Liegenschaft - Grundstück und Gebäude": GEOSPATIAL,
    "Raumplanung - Orthofoto": GEOSPATIAL,
    "Raumplanung - Stadtplan": GEOSPATIAL,
    "Raumplanung - Bebauungsplan": ENVIRONMENT,
    "Raumplanung - Bauleitplan": ENVIRONMENT,
    "Raumplanung - Flächennutzung": ENVIRONMENT,
    "Klimaschutz und Umweltschutz - Bericht und Analyse - Luft und Emission": ENVIRONMENT,
    "Klimaschutz und Umweltschutz - Bericht und Analyse - Wasser": ENVIRONMENT,
    "Klimaschutz und Umweltschutz - Radioaktivitätsmessung": ENVIRONMENT,
    "Klimaschutz und Umweltschutz - Umweltzone": ENVIRONMENT,
    "Flora und Fauna - Fläche - Naturschutzgebiet": ENVIRONMENT,
    "Flora und Fauna - Fläche - Biotopfläche": ENVIRONMENT,
    "Flora und Fauna - Fläche - Waldfläche": ENVIRONMENT,
    "Flora und Fauna - Gewässer - Pegelstand": ENVIRONMENT,
    "Flora und Fauna - Gewässer - Wasserfläche": ENVIRONMENT,
    "Wetter - Messung": METEOROLOGICAL,
    "Wetter - Hitze": METEOROLOGICAL,
    "Bevölkerungsstruktur - Einwohnerzahl": STATISTICS,
    "Bevölkerungsstruktur - Demografiebericht": STATISTICS,
    "Bevölkerungsstruktur - Haushaltszusammensetzung": STATISTICS,
    "Bevölkerungsstruktur - Migrationshintergrund": STATISTICS,
    "Bevölkerungsstruktur - Staatsangehörigkeit": STATISTICS,
    "Bevölkerungsstruktur - Religionszugehörigkeit": STATISTICS,
    "Wirtschaft - Arbeitslosigkeit": STATISTICS,
    "Wirtschaft - Beschäftigung": STATISTICS,
    "Wirtschaft - Berufspendler": STATISTICS,
    "Tourismus - Gästezahl": STATISTICS,
    "Bau - Baufertigstellung": STATISTICS,
    "Bau - Baugenehmigung": STATISTICS,
    "Bau - Wohnungsbestand": STATISTICS,
    "Wirtschaft - Insolvenz": COMPANIES,
    "Verkehr - ÖPNV - Liniennetz Sollfahrdaten Echtzeitdaten": MOBILITY,
    "Verkehr - KFZ - Parkplatz": MOBILITY,
    "Verkehr - KFZ - Elektrotankstelle": MOBILITY,
    "Verkehr - KFZ - Messung": MOBILITY,
    "Verkehr - Radverkehr - Ladestation": MOBILITY,
    "Verkehr - Radverkehr - Radweg und Radroute": MOBILITY,
    "Verkehr - Radverkehr - Messung": MOBILITY,
    "Verkehr - Ampelanlage": MOBILITY,
    "Verkehr - Schiffsverkehr und Fährverkehr - Anlegestelle": MOBILITY,
}

# Folded word stems that on their own identify a category. Long stems match inside compounds
# ("Radverkehrszählung"), short ones only at a word start.
KEYWORDS: dict[str, tuple[str, ...]] = {
    GEOSPATIAL: (
        "alkis",
        "flurstuck",
        "liegenschaftskataster",
        "orthofoto",
        "luftbild",
        "hausumring",
        "gebaudeumring",
        "verwaltungsgrenze",
        "gemarkung",
        "hauskoordinate",
        "adressen",
    ),
    ENVIRONMENT: (
        "luftqualitat",
        "luftmess",
        "feinstaub",
        "stickstoffdioxid",
        "pm10",
        "pm2",
        "larmkart",
        "pegel",
        "hochwasser",
        "naturschutzgebiet",
        "biotop",
        "grundwasser",
        "bebauungsplan",
        "flachennutzungsplan",
        "bodenbelast",
        "emission",
    ),
    METEOROLOGICAL: (
        "niederschlag",
        "wetterstation",
        "wetterdaten",
        "lufttemperatur",
        "windgeschwindigkeit",
        "luftfeuchte",
        "luftfeuchtigkeit",
        "wetter",
    ),
    STATISTICS: (
        "einwohnerzahl",
        "einwohnerstatistik",
        "bevolkerungsstand",
        "bevolkerungsentwicklung",
        "arbeitslos",
        "sozialversicherungspflichtig",
        "zensus",
        "wanderungsstatistik",
    ),
    COMPANIES: ("handelsregister", "unternehmensregister", "insolvenz"),
    MOBILITY: (
        "gtfs",
        "netex",
        "haltestelle",
        "fahrplan",
        "parkhaus",
        "parkplatz",
        "ladesaule",
        "ladestation",
        "ladepunkt",
        "verkehrszahl",
        "zahlstelle",
        "verkehrsfluss",
        "carsharing",
        "bikesharing",
    ),
}


def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) if len(w) >= 8 else r"\b" + re.escape(w) for w in words))


_PATTERNS = {code: _pattern(words) for code, words in KEYWORDS.items()}


def keyword_hits(text: str) -> dict[str, list[str]]:
    folded = fold(text)
    hits: dict[str, list[str]] = {}
    for code, pattern in _PATTERNS.items():
        found = sorted(set(pattern.findall(folded)))
        if found:
            hits[code] = found
    return hits


def hvd_category(musterdatensatz_probabilities: Mapping[str, float], signal_text: str) -> tuple[str | None, float, str]:
    """(category code or None, confidence, German reason)."""
    scores = dict.fromkeys(KEYWORDS, 0.0)
    for label, p in musterdatensatz_probabilities.items():
        code = BY_MUSTERDATENSATZ.get(label)
        if code:
            scores[code] += p
    hits = keyword_hits(signal_text)
    for code, words in hits.items():
        # One clear word is good evidence, several are strong; the model's view still adds on top.
        scores[code] = min(0.95, max(scores[code], 0.55 + 0.1 * (len(words) - 1)) + 0.2 * scores[code])
    best = max(scores, key=lambda c: scores[c])
    if scores[best] < THRESHOLD:
        return None, round(1.0 - scores[best], 3), "kein Hinweis auf einen hochwertigen Datensatz"
    reason = []
    if best in hits:
        reason.append("Begriffe: " + ", ".join(hits[best]))
    model_share = sum(p for lab, p in musterdatensatz_probabilities.items() if BY_MUSTERDATENSATZ.get(lab) == best)
    if model_share >= 0.2:
        reason.append(f"Musterdatensatz-Typ spricht dafür ({model_share:.0%})")
    return best, round(min(scores[best], 0.99), 3), "; ".join(reason)
