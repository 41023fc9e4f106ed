"""Profile and classify a 1,000,000-row, 20-column CSV; compare with Presidio cell by cell.

    .venv/bin/python benchmarks/classify_1m.py [--rows 1000000] [--presidio-cells 20000]

Writes the CSV (semicolon, Windows-1252, mixed personal and non-personal columns) into a temp dir,
runs the full scan (profile + detectors + proposal) and prints wall time, cells/s and peak RSS.
Then runs presidio-analyzer's ``AnalyzerEngine.analyze`` on a sample of the same cells, one call per
cell, with the same entity set (e-mail, phone, IBAN, IP) and a blank German spaCy pipeline (no
model download; tldextract's bundled suffix list, no network), and prints its extrapolated cells/s
and the ratio. Presidio is a dev dependency; without it only the first part runs.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kikz.governance.evalset.generators import DISTRICTS, POSTCODES, STREETS, Gen
from kikz.governance.scan import analyse_file

COLUMNS = [
    "ID",
    "Vorname",
    "Nachname",
    "E-Mail",
    "Telefon",
    "IBAN",
    "Geburtsdatum",
    "Straße",
    "PLZ",
    "Stadtteil",
    "Eingangsdatum",
    "Betrag",
    "Anzahl",
    "Status",
    "Kategorie",
    "Bemerkung",
    "Zählstelle",
    "Messwert",
    "Kennzeichen",
    "Client-IP",
]


def generate(path: Path, rows: int) -> None:
    g = Gen(7)
    r = random.Random(7)
    pools = {
        "first": [g.first() for _ in range(300)],
        "last": [g.last() for _ in range(500)],
        "email": [g.email(g.first(), g.last()) for _ in range(20000)],
        "phone": [g.phone() for _ in range(20000)],
        "iban": [g.iban() for _ in range(5000)],
        "birth": [g.birth_date() for _ in range(20000)],
        "street": [g.street_address() for _ in range(5000)],
        "date": [g.date() for _ in range(365)],
        "plate": [g.plate() for _ in range(20000)],
        "ip": [g.ip() for _ in range(20000)],
        "remark": [
            "",
            "",
            "",
            "Rückruf erbeten",
            "Unterlagen vollständig",
            "Bitte Termin vereinbaren, Tel. 069 8065-2211",
            "Antragsteller Herr Schmidt telefonisch informiert",
            "Nachweis fehlt noch",
        ],
    }
    with path.open("w", encoding="cp1252", errors="replace", newline="") as fh:
        fh.write(";".join(COLUMNS) + "\r\n")
        choice = r.choice
        for i in range(rows):
            fh.write(
                ";".join(
                    (
                        str(i + 1),
                        choice(pools["first"]),
                        choice(pools["last"]),
                        choice(pools["email"]),
                        choice(pools["phone"]),
                        choice(pools["iban"]),
                        choice(pools["birth"]),
                        choice(pools["street"]),
                        choice(POSTCODES),
                        choice(DISTRICTS),
                        choice(pools["date"]),
                        f"{r.random() * 900:.2f}".replace(".", ","),
                        str(r.randint(0, 50)),
                        choice(("offen", "erledigt", "in Bearbeitung")),
                        choice(("A", "B", "C")),
                        choice(pools["remark"]),
                        f"Zählstelle {choice(STREETS)}",
                        f"{r.random() * 100:.1f}".replace(".", ","),
                        choice(pools["plate"]),
                        choice(pools["ip"]),
                    )
                )
                + "\r\n"
            )


def presidio_cells_per_second(path: Path, cells: int) -> float | None:
    try:
        import spacy
        import tldextract
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import SpacyNlpEngine
        from presidio_analyzer.predefined_recognizers import (
            EmailRecognizer,
            IbanRecognizer,
            IpRecognizer,
            PhoneRecognizer,
        )
    except ImportError:
        print("presidio-analyzer is not installed (pip install -e '.[dev]'); comparison skipped")
        return None
    offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    tldextract.extract = offline  # the e-mail recogniser would otherwise fetch the public suffix list

    class BlankGerman(SpacyNlpEngine):
        def __init__(self) -> None:
            super().__init__(models=[{"lang_code": "de", "model_name": "blank:de"}])

        def load(self) -> None:
            self.nlp = {"de": spacy.blank("de")}

    engine = BlankGerman()
    engine.load()
    registry = RecognizerRegistry(supported_languages=["de"])
    for recogniser in (
        EmailRecognizer(supported_language="de"),
        IbanRecognizer(supported_language="de"),
        PhoneRecognizer(supported_language="de", supported_regions=("DE",)),
        IpRecognizer(supported_language="de"),
    ):
        registry.add_recognizer(recogniser)
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["de"])
    values: list[str] = []
    with path.open(encoding="cp1252") as fh:
        next(fh)
        for line in fh:
            values.extend(line.rstrip("\r\n").split(";"))
            if len(values) >= cells:
                break
    values = values[:cells]
    started = time.perf_counter()
    for value in values:
        analyzer.analyze(text=value, language="de")
    return len(values) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--presidio-cells", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "antraege.csv"
        started = time.perf_counter()
        generate(path, args.rows)
        print(
            f"generated {args.rows:,} x {len(COLUMNS)} CSV, {path.stat().st_size / 1e6:.0f} MB "
            f"in {time.perf_counter() - started:.1f} s"
        )
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        analysis = analyse_file(path, "CSV")
        wall = time.perf_counter() - started
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        assert analysis.profile is not None, analysis.proposal.explanation_de
        cells = analysis.profile.rows_seen * len(COLUMNS)
        ours = cells / wall
        print(
            f"kikz scan: {analysis.profile.rows_seen:,} rows, sampled={analysis.profile.sampled}, "
            f"wall {wall:.2f} s, "
            f"{ours:,.0f} cells/s, peak RSS {rss / 1024:.0f} MB (before scan {rss_before / 1024:.0f} MB)"
        )
        print(
            f"proposal: {analysis.proposal.protection_class.label}; personal columns: "
            + ", ".join(
                sorted(
                    {
                        f.column or ""
                        for f in analysis.findings
                        if f.category.value in {"personal", "art9"} and f.confidence >= 0.5
                    }
                )
            )
        )
        theirs = presidio_cells_per_second(path, args.presidio_cells)
        if theirs:
            print(
                f"presidio AnalyzerEngine.analyze cell by cell ({args.presidio_cells:,} cells): "
                f"{theirs:,.0f} cells/s "
                f"-> {cells / theirs:.0f} s extrapolated for {cells:,} cells"
            )
            print(f"ratio kikz / presidio: {ours / theirs:,.0f}x")


if __name__ == "__main__":
    main()
