"""German text analysis for the catalogue search: tokens, folding, Snowball stems, stop words, compounds.

Index and query go through the same functions, so whatever spelling a citizen types ("Zählung",
"Zaehlung", "ZAHLUNG") meets the same indexed term. Compounds are split into known parts
("Radverkehrszählung" → rad + verkehr + zählung) with a lexicon of frequent municipal word parts plus the
words seen in the catalogue itself.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache

import snowballstemmer

MIN_PART = 3
MAX_TOKEN = 40  # longer "words" are hashes, URLs or garbage; indexing them only bloats the index
MAX_SPLIT = 30  # compound splitting is quadratic; longer tokens are kept whole

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STEMMER = snowballstemmer.stemmer("german")
_FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss", "é": "e", "è": "e", "à": "a"})

# Fugenelemente between compound parts; "e" covers plural-style joints such as "Radwege-netz".
LINKING = ("", "s", "es", "n", "en", "er", "e")
# Inflection endings a final part may carry ("Zählstellen" = zählstelle + n).
ENDINGS = ("", "e", "en", "n", "s", "es", "er", "ern", "nen", "se")


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


STOP_WORDS = _word_set(
    """
    aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes auch
    auf aus bei beim bis bzw da damit dann der den des dem die das dass dies diese diesem diesen dieser
    dieses doch dort du durch ein eine einem einen einer eines einige er es etwa etwas fur gegen hat
    hatte hier ihr ihre im in ins ist je jede jedem jeden jeder jedes kann kein keine mit nach nicht
    noch nur ob oder ohne pro sein seine sich sie sind so sowie uber um und uns unter usw vom von vor
    wann war was welche wenn wer werden wie wir wird wo zu zum zur zwischen sowohl bzw z b ca ggf inkl
    the of and or for to with on at by from is are
    """
)

# Frequent parts of municipal dataset vocabulary (folded: lower case, no umlauts, ß → ss). The corpus
# vocabulary is added to these at indexing time.
BUILTIN_PARTS = _word_set(
    """
    abfall abgabe abwasser adresse akte aktion altglas amt anlage anmeldung anteil antrag anzahl arbeit
    arbeitslos art arzt ausbau ausgabe auskunft ausleihe auto bad bahn bahnhof bau baum baustelle
    bebauung bedarf beleuchtung belegung bereich berg bericht beschluss besucher betrieb bevolkerung
    bewohner bezirk bibliothek bildung biotop blitzer boden brand brucke brunnen burger buro bus dach
    daten denkmal dienst dorf ebene einrichtung einsatz einwohner eltern energie entsorgung erfassung
    ergebnis fahrrad fahrt fahrzeug fahrbahn familie feld fest feuer feuerwehr flache fluss flur forst
    freizeit friedhof fruh fuss fussganger garten gas gebaude gebiet gebuhr gefahr geld gemeinde gerat
    gesamt geschaft geschwindigkeit gesundheit gewasser gewerbe grenze grun grund gruppe gut hafen halle
    haltestelle handel haus haushalt heim hilfe hoch hochwasser hof holz hund hydrant immission
    information infrastruktur jahr jugend kamera karte kataster kind kinder kirche klasse klima kosten
    kraft kreis kreuzung kultur kunst lade ladesaule land larm lage lauf leistung licht linie liste luft
    markt mast mess messung messstation miete mobilitat monat muhl mull museum nacht natur netz nutzung
    ort park parkhaus parkplatz personal person pflanze pflege plan platz polizei preis projekt punkt
    qualitat quartier rad rat raum recht regen rettung richtung ring sammlung satz schaden schule schutz
    see sitzung solar sozial spiel spielplatz sport stadt stadtteil standort station statistik stelle
    steuer strasse strecke strom stunde tag tarif teil tempo tier tor tourismus treffen turm uberwachung
    umwelt unfall unterkunft verbrauch verein verkehr verkauf versorgung verwaltung verzeichnis viertel
    volk wahl wahlbezirk wald wander wanderweg wasser wechsel weg welt werk wert wetter wiese wind
    wirtschaft woche wohn wohnung zahl zahler zahlung zahlstelle zeit zentrum zone zug zulassung bestand
    kindertagesstatte statte tagesstatte schwimmbad hallenbad freibad sportstatte gemeinderat stadtrat
    ergebnis kommunalwahl wahlergebnis haltepunkt ampel signal anlage grunflache lehr schuler student
    hochschule universitat verordnung satzung gesetz bauleitplan bebauungsplan flachennutzung
    flachennutzungsplan luftqualitat feinstaub stickstoff ozon temperatur niederschlag pegel stand
    grundwasser trinkwasser toilette hotspot wlan funk ladestation elektro photovoltaik potenzial
    gewerbeanmeldung betriebe haushaltsplan finanz finanzen einnahme ausgaben zuschuss forderung
    zuweisung
    """
)

SYNONYMS: dict[str, tuple[str, ...]] = {
    "kita": ("kindertagesstatte",),
    "kitas": ("kindertagesstatte",),
    "opnv": ("nahverkehr", "haltestelle"),
    "ov": ("nahverkehr",),
    "pv": ("photovoltaik",),
    "aed": ("defibrillator",),
    "wlan": ("hotspot",),
    "kfz": ("kraftfahrzeug",),
    "ev": ("elektro",),
}


def fold(text: str) -> str:
    """Lower case without umlauts and accents, so every spelling of a word compares equal."""
    text = text.casefold().translate(_FOLD)
    if text.isascii():
        return text
    # Letters without an ASCII base are dropped: index terms stay within [0-9a-z], which sorts the same
    # under every collation, so prefix ranges mean the same on SQLite and PostgreSQL.
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def words(text: str) -> Iterator[str]:
    """Raw words of a text in order (letters and digits; punctuation and hyphens separate words)."""
    for match in _WORD.finditer(text):
        yield match.group()


def tokens(text: str) -> list[str]:
    """Folded words without stop words and without over-long garbage."""
    out = []
    for word in words(text):
        token = fold(word)
        if token and len(token) <= MAX_TOKEN and token not in STOP_WORDS and token.isalnum():
            out.append(token)
    return out


@lru_cache(maxsize=200_000)
def stem(token: str) -> str:
    """Snowball German stem of a folded token (the stemmer also maps ae/oe/ue spellings)."""
    if token.isdigit() or len(token) <= 2:
        return token
    return fold(_STEMMER.stemWord(token))


def split_compound(token: str, lexicon: frozenset[str] | set[str]) -> list[str] | None:
    """The known parts of a compound, with linking elements removed, or None if it is no known compound.

    Among all segmentations into lexicon words (each ≥ 3 letters, joined by a Fugenelement, the last one
    possibly inflected) the one with the fewest, then the longest-leading parts wins.
    """
    n = len(token)
    if n < 2 * MIN_PART or n > MAX_SPLIT:
        return None
    # best[i]: best segmentation of token[i:] as (number of parts, parts) or None
    best: list[tuple[int, list[str]] | None] = [None] * (n + 1)
    for i in range(n - MIN_PART, -1, -1):
        candidates: list[tuple[int, list[str]]] = []
        for j in range(i + MIN_PART, n + 1):
            part = token[i:j]
            if part not in lexicon:
                continue
            # A lexicon word covering the whole token (Kindertagesstätte) is still split at the top level.
            if token[j:] in ENDINGS and i > 0:
                candidates.append((1, [part]))
            for link in LINKING:
                k = j + len(link)
                if k < n and token[j:k] == link and best[k] is not None:
                    count, parts = best[k]  # type: ignore[misc]
                    candidates.append((count + 1, [part, *parts]))
        if candidates:
            best[i] = min(candidates, key=lambda c: (c[0], -len(c[1][0])))
    result = best[0]
    return result[1] if result is not None else None


@lru_cache(maxsize=200_000)
def compound_terms(token: str, lexicon: frozenset[str]) -> tuple[str, ...]:
    """Index terms of one token: its stem and, for a compound, the stems of every tail and every part.

    Tails ("verkehrszählung" of "radverkehrszählung") let a query for an inner compound match by prefix;
    parts let "Zählung" find "Radverkehrszählung".
    """
    whole = stem(token)
    parts = split_compound(token, lexicon)
    if not parts:
        return (whole,)
    out = [whole]
    # Rebuild tails from the original spelling so linking elements stay where they were.
    pos = 0
    starts = []
    for part in parts:
        idx = token.find(part, pos)
        starts.append(idx)
        pos = idx + len(part)
    for start in starts[1:]:
        out.append(stem(token[start:]))
    out.extend(stem(part) for part in parts)
    return tuple(dict.fromkeys(t for t in out if len(t) >= 2))


def lexicon_words(texts: Iterable[str]) -> set[str]:
    """Words of a corpus that may serve as compound parts (not too short, not numbers)."""
    out = set()
    for text in texts:
        for token in tokens(text):
            if 4 <= len(token) <= 20 and token.isalpha():
                out.add(token)
    return out


_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def prefix_upper_bound(prefix: str) -> str | None:
    """Smallest term after every term starting with ``prefix`` (terms are [0-9a-z]); None if unbounded.

    "rad" → "rae", "raz" → "rb", "a9" → "aa": ``term >= prefix AND term < bound`` is an index range scan.
    """
    chars = list(prefix)
    while chars:
        pos = _ALPHABET.find(chars[-1])
        if 0 <= pos < len(_ALPHABET) - 1:
            chars[-1] = _ALPHABET[pos + 1]
            return "".join(chars)
        chars.pop()
    return None
