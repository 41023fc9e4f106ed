"""Maintainer tool: derive the shipped Musterdatenkatalog files from the published sources (offline).

    python -m kikz.governance.categorisation.build_data /path/to/musterdatenkatalog

Reads ``Musterdatenkatalog_Taxonomie_V4.xlsx`` (sheets *Taxonomie* and *Datensätze*) and
``labelled-municipal-datasets.csv`` and writes into ``kikz/governance/data/musterdatenkatalog/``:

* ``taxonomy.csv`` — the 242 MUSTERDATENSÄTZE of V4 with THEMA, English labels, descriptions, EU theme;
* ``crosswalk-v3-v4.csv`` — how each label of the older taxonomy used in the labelled CSV maps to V4;
* ``records.csv`` — the labelled real records of both sources in one table, labels in V4.

The labelled CSV was labelled with the previous taxonomy ("Abfallwirtschaft - Abfallkalender"); V4 renamed
and regrouped the labels ("Abfallentsorgung - Abfallkalender"). The crosswalk comes first from records that
appear (same title) in both sources, by majority; then from a reviewed table for frequent labels; labels
that map to nothing clear keep their EU themes for training but get no MUSTERDATENSATZ.
"""

from __future__ import annotations

import csv
import difflib
import sys
from collections import Counter, defaultdict
from pathlib import Path

from kikz.catalog.text import fold

OUT_DIR = Path(__file__).resolve().parent.parent / "data" / "musterdatenkatalog"

# Spelling variants of V4 THEMA names in the labelled sheet of the V4 workbook itself.
THEMA_ALIASES = {
    "Raumordnung, Raumplanung und Raumentwicklung": "Raumplanung",
    "Klima und Umweltschutz": "Klimaschutz und Umweltschutz",
}

# Labels of the V4 sheet that no spelling rule reaches (renamed between sheet and taxonomy).
V4_RENAMED = {
    "Bau - Bauprojekt": "Bau - Bauvorhaben",
    "Finanzen - Haushalt - Produktbereichssumme": "Finanzen - Haushalt - Produktplan",
    "Kultur - Kirche, Kapelle und Kloster": "Kultur - religiöse Einrichtung",
    "Verkehr - KFZ - Verkehrsaufkommen": "Verkehr - KFZ - Messung",
    "Verkehr - ÖPNV - Liniennetz": "Verkehr - ÖPNV - Liniennetz Sollfahrdaten Echtzeitdaten",
    "Verkehr - ÖPNV - Sollfahrdaten": "Verkehr - ÖPNV - Liniennetz Sollfahrdaten Echtzeitdaten",
    "Wirtschaft - Büro, Industrie und Gewerbefläche": "Wirtschaft - Bürofläche Industriefläche Gewerbefläche",
}

# Reviewed V3 → V4 mapping for old labels without records in both sources (checked against example titles).
V3_REVIEWED = {
    "Bau - Bauzeichnung": "Raumplanung - Bebauungsplan",
    "Infrastruktur - Straßen": "Raumplanung - Raumgliederung - Straße",
    "Bevölkerung - Arbeit": "Wirtschaft - Arbeitslosigkeit",
    "Bevölkerung - Wohnen": "Bevölkerungsstruktur - Haushaltszusammensetzung",
    "Bevölkerung - Migrationshintergrund": "Bevölkerungsstruktur - Migrationshintergrund",
    "Bevölkerung - Einwohnerzahlen": "Bevölkerungsstruktur - Einwohnerzahl",
    "Bevölkerung - Menschen mit Behinderung": "Soziale Hilfe - Behinderung - Menschen mit Behinderung",
    "Soziale Hilfen - Einrichtungen": "Soziale Hilfe - Angebot und Beratungsstelle",
    "Soziale Hilfen - Leistungsbezieher": "Soziale Hilfe - Finanzielle Unterstützung - Grundsicherung",
    "Soziale Hilfen - Ausbildung": "Soziale Hilfe - Finanzielle Unterstützung - Förderung",
    "Kultur - Veranstaltungen": "Kultur - Veranstaltung - Angebot",
    "Kultur - Besucherzahlen": "Kultur - Veranstaltung - Besucherzahl",
    "Wahlen - Wahlbezirke": "Politische Partizipation - Wahl - Wahlkreis und Wahlbezirk",
    "Wahlen - Kommunalwahl": "Politische Partizipation - Wahl - Kommunalwahl",
    "Wahlen - Wahlbeteiligung Kommunalwahlen": "Politische Partizipation - Wahl - Kommunalwahl",
    "Wahlen - Wahlergebnis Landtagswahl": "Politische Partizipation - Wahl - Landtagswahl",
    "Wahlen - Testdatensätze": "Politische Partizipation - Wahl - Verbundwahl",
    "Umweltschutz - Messstellen": "Klimaschutz und Umweltschutz - Bericht und Analyse - Luft und Emission",
    "Umweltschutz - Trinkwasser": "Klimaschutz und Umweltschutz - Bericht und Analyse - Wasser",
    "Stadtplan - Stadtpläne": "Raumplanung - Stadtplan",
    "Grünflächen - Parkanlagen": "Flora und Fauna - Fläche - Grünfläche und Grünflächenkataster",
    "Grünflächen - Naturschutz": "Flora und Fauna - Fläche - Naturschutzgebiet",
    "Senioren - Einrichtungen": "Soziale Hilfe - Pflege",
    "Gesundheitseinrichtungen - Pflege": "Soziale Hilfe - Pflege",
    "Infrastruktur - Adressen": "Raumplanung - Raumgliederung - Adresse",
    "Infrastruktur - Laufstrecken": "Verkehr - Fußverkehr - Laufstrecke und Wanderstrecke",
    "Infrastruktur - Öffentliche Toiletten": "Gesundheit - Öffentliche Toilette",
    "Infrastruktur - Tankstellen": "Verkehr - KFZ - Tankstelle",
    "Infrastruktur - Fahrradstraßen": "Verkehr - Radverkehr - Radweg und Radroute",
    "Volkshochschulen - Programm": "Bildung - Volkshochschule - Veranstaltung",
    "Individualverkehr - KFZ-Bestand": "Verkehr - KFZ - Fahrzeugzulassung",
    "Individualverkehr - Kennzahlen": "Verkehr - KFZ - Fahrzeugzulassung",
    "Haushalt - Ergebnisplan": "Finanzen - Haushalt - Plan",
    "Haushalt - Sicherungskonzept": "Finanzen - Haushalt - Controlling",
    "Haushalt - Haushaltskonsolidierung": "Finanzen - Haushalt - Controlling",
    "Öffentlichkeitsarbeit - Pressemitteilungen": "Öffentlichkeitsarbeit - Pressemitteilung und Veröffentlichung",
    "Tourismus - Fährverkehr": "Verkehr - Schiffsverkehr und Fährverkehr - Passagier",
    "Tourismus - Übernachtungen": "Tourismus - Gästezahl",
    "Tourismus - Stadtführungen": "Tourismus - Stadtführung",
    "ÖPNV - Verkehrsnetz": "Verkehr - ÖPNV - Liniennetz Sollfahrdaten Echtzeitdaten",
    "ÖPNV - Haltestellen": "Verkehr - ÖPNV - Liniennetz Sollfahrdaten Echtzeitdaten",
    "Wohnen - Wohnungseigentum": "Bau - Wohnungsbestand",
    "Wohnen - Wohnen": "Bau - Wohnungsbestand",
    "Wohnen - Sozialräume": "Raumplanung - Sozialraum",
    "Raumordnung - Baublockgrenzen": "Raumplanung - Raumgliederung - Block",
    "Liegenschaften - Satzungen": "Raumplanung - Liegenschaft - Satzung",
    "Liegenschaften - Gebäude": "Raumplanung - Liegenschaft - Grundstück und Gebäude",
    "Kindertageseinrichtungen - Kindertagesstätten": "Bildung - Kindertageseinrichtung - Standort",
    "Schwimmbäder - Besucher": "Freizeit - Bad und Freibad",
    "Sport- und Spielplätze - Einrichtungen": "Freizeit - Spielplatz und Spielstätte",
    "Stadtwerke - Beteiligungen": "Wirtschaft - Beteiligung an Öffentlicher Wirtschaft - Beteiligung",
    "Abfallwirtschaft - Beteiligungen": "Wirtschaft - Beteiligung an Öffentlicher Wirtschaft - Beteiligung",
    "Stadtwerke - Ausschreibungen Vergaben": (
        "Wirtschaft - Beteiligung an Öffentlicher Wirtschaft - Ausschreibung und Vergabe"
    ),
    "Abfallwirtschaft - Gremien": "Politische Partizipation - Politische Vertretung - Gremium",
    "Open Data - Wunschlisten": "Digitalisierung - Open Data - Planung",
    "Open Data - Information": "Digitalisierung - Open Data - Planung",
    "Rettungsdienst - Reanimationen": "Gesundheit - Rettungsdienst - Rettungsdiensteinsatz",
    "Feuerwehr - Kennzahlen": "Sicherheit - Feuerwehr - Feuerwehreinsatz",
}

# German dcat:theme labels in the labelled CSV: the EU names plus the older GovData category names.
EU_THEME_LABELS = {
    "Regierung und öffentlicher Sektor": "GOVE",
    "Öffentliche Verwaltung, Haushalt und Steuern": "GOVE",
    "Politik und Wahlen": "GOVE",
    "Bevölkerung und Gesellschaft": "SOCI",
    "Bevölkerung": "SOCI",
    "Soziales": "SOCI",
    "Verkehr": "TRAN",
    "Transport und Verkehr": "TRAN",
    "Bildung, Kultur und Sport": "EDUC",
    "Kultur, Freizeit, Sport und Tourismus": "EDUC",
    "Bildung und Wissenschaft": "EDUC",
    "Umwelt": "ENVI",
    "Umwelt und Klima": "ENVI",
    "Wirtschaft und Finanzen": "ECON",
    "Wirtschaft und Arbeit": "ECON",
    "Justiz, Rechtssystem und öffentliche Sicherheit": "JUST",
    "Gesundheit": "HEAL",
    "Regionen und Städte": "REGI",
    "Geographie, Geologie und Geobasisdaten": "REGI",
    "Infrastruktur, Bauen und Wohnen": "REGI",
    "Wissenschaft und Technologie": "TECH",
    "Energie": "ENER",
}


def theme_codes(value: str) -> list[str]:
    """EU codes of a comma-joined list of German theme labels (labels contain commas themselves)."""
    codes: list[str] = []
    rest = value.strip()
    while rest:
        for label in sorted(EU_THEME_LABELS, key=len, reverse=True):
            if rest.startswith(label):
                code = EU_THEME_LABELS[label]
                if code not in codes:
                    codes.append(code)
                rest = rest[len(label) :].lstrip(", ")
                break
        else:
            raise ValueError(f"unknown theme label in {value!r}")
    return codes


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, fold(a), fold(b)).ratio()


def read_taxonomy(xlsx: Path) -> tuple[list[dict[str, str]], list[tuple[str, str, str]]]:
    import openpyxl

    book = openpyxl.load_workbook(xlsx, read_only=True)
    taxonomy = []
    for row in list(book["Taxonomie"].iter_rows(values_only=True))[1:]:
        if not row[2]:
            continue
        thema, bezeichnung = str(row[2]).strip(), str(row[23]).strip()
        taxonomy.append(
            {
                "musterdatensatz": f"{thema} - {bezeichnung}",
                "thema": thema,
                "bezeichnung": bezeichnung,
                "thema_en": str(row[3] or "").strip(),
                "bezeichnung_en": str(row[24] or "").strip(),
                "thema_description": str(row[4] or "").strip(),
                "description": str(row[25] or "").strip(),
                "eu_theme": str(row[0] or "").rsplit("/", 1)[-1],
            }
        )
    sheet = []
    for row in list(book["Datensätze"].iter_rows(values_only=True))[1:]:
        if row[0]:
            description = "" if row[2] in (None, "None") else str(row[2])
            sheet.append((str(row[0]).strip(), str(row[1] or "").strip(), description.strip()))
    return taxonomy, sheet


def v4_label(label: str, known: dict[str, dict[str, str]]) -> str | None:
    """A label of the V4 sheet spelled as in the V4 taxonomy."""
    label = V4_RENAMED.get(label, label)
    if label in known:
        return label
    thema, _, rest = label.partition(" - ")
    thema = THEMA_ALIASES.get(thema, thema)
    candidates = [k for k, v in known.items() if v["thema"] == thema]
    best = max(candidates, key=lambda k: _similarity(known[k]["bezeichnung"], rest), default=None)
    if best and _similarity(known[best]["bezeichnung"], rest) >= 0.8:
        return best
    return None


def build(source: Path, out_dir: Path = OUT_DIR) -> dict[str, int]:
    taxonomy, sheet = read_taxonomy(source / "Musterdatenkatalog_Taxonomie_V4.xlsx")
    known = {t["musterdatensatz"]: t for t in taxonomy}
    with (source / "labelled-municipal-datasets.csv").open(encoding="utf-8") as fh:
        v3_rows = list(csv.DictReader(fh))

    sheet_labelled = [(v4_label(label, known), title, desc) for label, title, desc in sheet]
    pairs = zip(sheet, sheet_labelled, strict=True)
    unmapped_sheet = sorted({label for (label, _, _), (v4, _, _) in pairs if v4 is None})
    if unmapped_sheet:
        raise SystemExit(f"labels of the V4 sheet without a V4 taxonomy entry: {unmapped_sheet}")

    by_title: dict[str, list[str]] = defaultdict(list)
    for v4, title, _ in sheet_labelled:
        by_title[title].append(v4)  # type: ignore[arg-type]
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for row in v3_rows:
        for v4 in by_title.get(row["dct:title"], []):
            votes[row["MUSTERDATENSATZ"]][v4] += 1
    crosswalk: dict[str, tuple[str, str]] = {}
    for old, counter in votes.items():
        old_name = old.partition(" - ")[2]
        best = max(counter, key=lambda k: (counter[k], _similarity(known[k]["bezeichnung"], old_name)))
        crosswalk[old] = (best, "same records")
    for old, new in V3_REVIEWED.items():
        if new not in known:
            raise SystemExit(f"reviewed crosswalk target not in taxonomy: {new}")
        crosswalk.setdefault(old, (new, "reviewed"))

    records: list[dict[str, str]] = []
    seen: dict[tuple[str, str], dict[str, str]] = {}

    def add(source_name: str, ident: str, org: str, title: str, desc: str, label: str, mds: str, themes: list[str]):
        key = (fold(title), fold(desc)[:300])
        if key in seen:  # the same record in both sources or twice in one: keep it once
            prior = seen[key]
            prior["eu_themes"] = " ".join(dict.fromkeys(prior["eu_themes"].split() + themes))
            prior["musterdatensatz"] = prior["musterdatensatz"] or mds
            return
        rec = {
            "id": ident,
            "source": source_name,
            "org": org,
            "title": title,
            "description": desc,
            "source_label": label,
            "musterdatensatz": mds,
            "eu_themes": " ".join(themes),
        }
        seen[key] = rec
        records.append(rec)

    for (label, title, desc), (v4, _, _) in zip(sheet, sheet_labelled, strict=True):
        add("mdk-v4", "", "", title, desc, label, v4 or "", [])
    for row in v3_rows:
        old = row["MUSTERDATENSATZ"]
        mds = crosswalk.get(old, ("", ""))[0]
        title, desc = row["dct:title"].strip(), row["dct:description"].strip()
        add("mdk-v3", row["dct:identifier"], row["ORG"], title, desc, old, mds, theme_codes(row["dcat:theme"]))

    out_dir.mkdir(parents=True, exist_ok=True)
    _write(out_dir / "taxonomy.csv", taxonomy)
    old_counts = Counter(row["MUSTERDATENSATZ"] for row in v3_rows)
    _write(
        out_dir / "crosswalk-v3-v4.csv",
        [
            {
                "v3": old,
                "v4": crosswalk.get(old, ("", ""))[0],
                "method": crosswalk.get(old, ("", "unmapped"))[1],
                "records": str(n),
            }
            for old, n in sorted(old_counts.items())
        ],
    )
    _write(out_dir / "records.csv", records)
    return {
        "taxonomy": len(taxonomy),
        "records": len(records),
        "with_musterdatensatz": sum(1 for r in records if r["musterdatensatz"]),
        "with_eu_themes": sum(1 for r in records if r["eu_themes"]),
    }


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":  # pragma: no cover - maintainer tool
    print(build(Path(sys.argv[1])))
