"""Text files from unknown sources: which encoding, is it text at all, and its lines in bounded memory."""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from kikz.errors import InvalidInput

SAMPLE_BYTES = 512 * 1024
"""Bytes read to detect the encoding and dialect; the rest of the file is only streamed."""
CHUNK_BYTES = 1024 * 1024
MAX_LINE_CHARS = 32 * 1024 * 1024
"""A physical line longer than this is refused; it keeps memory bounded on files without line breaks."""

ASCII_COMPATIBLE = frozenset({"utf-8", "utf-8-sig", "windows-1252", "iso-8859-1"})
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_MAGIC = (
    (b"PK\x03\x04", "ein ZIP-Archiv oder eine Excel-Datei (XLSX)"),
    (b"\xd0\xcf\x11\xe0", "eine Datei im alten Office-Format (z. B. XLS)"),
    (b"%PDF", "ein PDF-Dokument"),
    (b"PAR1", "eine Parquet-Datei"),
    (b"\x1f\x8b", "ein GZIP-Archiv"),
    (b"\x89PNG", "ein PNG-Bild"),
    (b"\xff\xd8\xff", "ein JPEG-Bild"),
)

LENIENT = "kikz-cp1252"
"""Decoding error handler: bytes that are not valid UTF-8 are read as Windows-1252.

Mixed files are common (an UTF-8 export edited in an old Excel), and a stray byte late in a
multi-gigabyte file must not make the whole file unreadable.
"""


def _lenient(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    raw = exc.object[exc.start : exc.end]
    return "".join(_cp1252_char(b) for b in raw), exc.end


def _cp1252_char(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)


codecs.register_error(LENIENT, _lenient)


def detect_encoding(head: bytes, *, complete: bool) -> str:
    """A Python codec name for the file's start; UTF-8 first, then Windows-1252 (Excel on German Windows)."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    utf16 = _utf16_without_bom(head)
    if utf16:
        return utf16
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    valid, invalid = utf8_evidence(head)
    if valid > invalid:
        return "utf-8"  # mostly UTF-8 with a few stray single-byte characters; LENIENT reads both
    return _single_byte(head)


def _single_byte(data: bytes) -> str:
    return "iso-8859-1" if any(b in data for b in _CP1252_UNDEFINED) else "windows-1252"


_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_ASCII = bytes(range(128))


def utf8_evidence(data: bytes) -> tuple[int, int]:
    """(valid UTF-8 multi-byte sequences, non-ASCII bytes outside them).

    Windows-1252 text almost never forms valid UTF-8 sequences by accident ("Gießen" is
    47 69 65 DF 65 6E: DF must be followed by a byte from 80-BF), so the two counts tell a
    mostly-UTF-8 file with a few stray bytes from a single-byte file.
    """
    sequences = _UTF8_SEQUENCE.findall(data)
    non_ascii = len(data.translate(None, _ASCII))
    return len(sequences), non_ascii - sum(len(s) for s in sequences)


def _utf16_without_bom(head: bytes) -> str:
    sample = head[:4096]
    pairs = len(sample) // 2
    if pairs < 2:
        return ""
    odd_nuls = sample[1::2].count(0)
    even_nuls = sample[0::2].count(0)
    if odd_nuls > 0.4 * pairs and even_nuls == 0:
        return "utf-16-le"
    if even_nuls > 0.4 * pairs and odd_nuls == 0:
        return "utf-16-be"
    return ""


def decode_sample(head: bytes, encoding: str, *, complete: bool) -> str:
    decoder = codecs.getincrementaldecoder(encoding)(LENIENT if encoding.startswith("utf-8") else "replace")
    return decoder.decode(head, final=complete)


def ensure_text(text: str, head: bytes, what: str) -> None:
    """Refuse binary content with a message that says what the file seems to be instead."""
    controls = len(_CONTROL.findall(text))
    if "\x00" not in text and controls <= max(2, len(text) // 100):
        return
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            raise InvalidInput(f"Die Datei ist keine {what}-Datei, sondern offenbar {kind}.")
    raise InvalidInput(f"Die Datei ist keine lesbare {what}-Datei: sie enthält Binärdaten.")


def line_terminator(text: str) -> str:
    """Old Mac exports end lines with CR only; everything else ends them with LF (CR LF included)."""
    return "\r" if "\n" not in text and "\r" in text else "\n"


def iter_lines(
    path: Path,
    codec: str,
    *,
    errors: str = "strict",
    terminator: str = "\n",
    on_chunk: Callable[[bytes], None] | None = None,
) -> Iterator[str]:
    """Physical lines with their terminator, read chunk by chunk; on_chunk sees every raw chunk."""
    decoder = codecs.getincrementaldecoder(codec)(errors)
    carry = ""
    lines = 0
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(CHUNK_BYTES)
            if chunk and on_chunk is not None:
                on_chunk(chunk)
            parts = (carry + decoder.decode(chunk, final=not chunk)).split(terminator)
            carry = parts.pop()
            if len(carry) > MAX_LINE_CHARS:
                raise InvalidInput(
                    f"Zeile {lines + len(parts) + 1} ist länger als {MAX_LINE_CHARS // (1024 * 1024)} MB "
                    "ohne Zeilenumbruch; die Datei ist keine lesbare Tabelle."
                )
            lines += len(parts)
            for part in parts:
                yield part + terminator
            if not chunk:
                break
    if carry:
        yield carry


class EncodingCheck:
    """Watches raw chunks during a full pass to confirm the encoding guessed from the sample."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._utf8 = encoding.startswith("utf-8")
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._valid = self._invalid = 0
        self._undefined = False

    def __call__(self, chunk: bytes) -> None:
        if not self._undefined and self.encoding in ASCII_COMPATIBLE:
            self._undefined = any(b in chunk for b in _CP1252_UNDEFINED)
        if not self._utf8:
            return
        try:
            self._decoder.decode(chunk)
        except UnicodeDecodeError:
            self._decoder = codecs.getincrementaldecoder("utf-8")()
            valid, invalid = utf8_evidence(chunk)
            self._valid += valid
            self._invalid += invalid

    def result(self) -> str:
        if not self._utf8:
            if self.encoding == "windows-1252" and self._undefined:
                return "iso-8859-1"
            return self.encoding
        if not self._invalid:
            return self.encoding
        # Only ASCII was seen in the sample, or the file mixes encodings.
        if self._valid > self._invalid:
            return self.encoding
        return "iso-8859-1" if self._undefined else "windows-1252"
