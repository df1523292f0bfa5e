"""A text file as reps send it: checked before it is read, read in bounded
lines, and decoded only when the encoding is certain.

Certain means: a byte-order mark (UTF-8, or UTF-16 as Excel's "Unicode text"),
valid UTF-8, or Shift_JIS (cp932) that reads as Japanese. Anything else (a
Latin-1 file reads as cp932 or cp1250 without an error, garbled) is refused
unless the user names the encoding with --encoding.
"""

from __future__ import annotations

import codecs
import re
import stat
from pathlib import Path
from typing import BinaryIO

# Characters a wrong decoding produces and spreadsheet text does not hold: C1
# controls and private use (cp932 maps stray bytes there). C0 controls are no
# evidence either way (the same bytes in every encoding): the importer strips them.
_IMPLAUSIBLE = re.compile("[\x80-\x9f\ue000-\uf8ff\ufffd]")
# Japanese script as Shift_JIS holds it: symbols (× ° Ω ※ ○ △ ①), CJK punctuation,
# kana, ㈱, kanji (髙 﨑 too), full- and half-width forms, ￥.
_JAPANESE = re.compile(
    "[\u00a7\u00a8\u00b0\u00b1\u00b4\u00b6\u00d7\u00f7\u0391-\u03c9\u0401-\u0451\u2010-\u27ff\u3000-\u30ff\u3200-\u33ff\u4e00-\u9fff\uf900-\ufaff"
    "\uff01-\uff9f\uffe0-\uffe5]"
)
# Any other non-ASCII character (found by the regex engine: a file of millions
# of rows is not walked character by character in Python).
_FOREIGN = re.compile("[^\x00-\x7f" + _JAPANESE.pattern[1:-1] + "]")
# Latin-1 read as cp932: é between letters becomes a kanji ("Fran輟is"), an
# accented capital a half-width kana beside a letter ("ﾉCOLE").
_LATIN_MISREAD = re.compile(
    "[A-Za-z][^\x00-\x7f][A-Za-z]|[A-Za-z][\uff61-\uff9f]|[\uff61-\uff9f][A-Za-z]"
)
# Encodings charset-normalizer may name for a Shift_JIS file.
_SHIFT_JIS = frozenset({"cp932", "shift_jis", "shift_jis_2004", "shift_jisx0213"})
READ_BLOCK = 1 << 16
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with BOM"),
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),  # before UTF-16 LE: same first two bytes
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)


class TextFileError(Exception):
    """The file cannot be read as text; the message names the file and the fix."""


def check_encoding_name(name: str) -> str:
    """The codec's canonical name; ValueError (one line) for an unknown or non-text codec."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise ValueError(
            f"unknown encoding {name!r} (--encoding); use a name such as utf-8, cp932, "
            "latin-1, cp1252 or utf-16"
        ) from None
    if not getattr(info, "_is_text_encoding", True):
        raise ValueError(f"{name!r} is not a text encoding (--encoding); use e.g. utf-8 or cp932")
    return info.name


def read_bytes(path: Path, *, max_line_bytes: int, max_file_bytes: int) -> bytes:
    """The whole file, after checking it is a regular file of sane size whose
    lines all end within max_line_bytes (read line by line: never unbounded)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise TextFileError(f"{path}: file not found") from None
    except OSError as exc:
        raise TextFileError(f"{path}: cannot read ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise TextFileError(f"{path}: is a folder, not a CSV file")
    if not stat.S_ISREG(info.st_mode):
        raise TextFileError(f"{path}: is not a regular file (a device or pipe?); give a CSV file")
    if info.st_size > max_file_bytes:
        raise TextFileError(
            f"{path}: is {info.st_size:,} bytes (limit {max_file_bytes:,}, config "
            "import.max_file_bytes); split it into smaller files"
        )
    parts: list[bytes] = []
    total = 0
    try:
        with path.open("rb") as fh:
            while line := fh.readline(max_line_bytes + 2):  # room for the line's \r\n
                if len(line.rstrip(b"\r\n")) > max_line_bytes:
                    longest = len(line) + _rest_of_line(fh)
                    raise TextFileError(
                        f"{path}: a line is {longest:,} bytes long (limit {max_line_bytes:,}, "
                        "config import.max_line_bytes); is this really a CSV file?"
                    )
                parts.append(line)
                total += len(line)
                if total > max_file_bytes:  # grew while being read
                    raise TextFileError(f"{path}: larger than {max_file_bytes:,} bytes")
    except OSError as exc:
        raise TextFileError(f"{path}: cannot read ({exc.strerror})") from None
    return b"".join(parts)


def _rest_of_line(fh: BinaryIO) -> int:
    """Bytes up to the next line break, counted in blocks (the file's size is bounded)."""
    count = 0
    while block := fh.read(READ_BLOCK):
        end = block.find(b"\n")
        if end >= 0:
            return count + end
        count += len(block)
    return count


def decode(path: Path, data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """(text, a name for the encoding to show). Raises TextFileError."""
    if encoding is not None:
        return _decode_as(path, data, encoding), encoding
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            return _decode_as(path, data, codec), label
    if b"\x00" in data:
        raise TextFileError(f"{path}: is a binary file, not CSV text (an .xlsx? save it as CSV)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if not _IMPLAUSIBLE.search(text):
            return text, "UTF-8"
    try:
        text = data.decode("cp932")
    except UnicodeDecodeError:
        pass
    else:
        if _reads_as_japanese(text, data):
            return text, "cp932"
    raise TextFileError(
        f"{path}: could not tell the encoding; use --encoding NAME (e.g. latin-1, cp1252; "
        "UTF-8 and Shift_JIS are found alone), or save it from Excel as 'CSV UTF-8'"
    )


def _decode_as(path: Path, data: bytes, codec: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TextFileError(
            f"{path}: is not {codec} text (byte {data[exc.start]:#04x} on line {line}); "
            "give the right --encoding NAME"
        ) from None


def _reads_as_japanese(text: str, data: bytes) -> bool:
    """cp932 decodes many non-Japanese files without an error: trust it only when
    the text is Japanese script and charset-normalizer agrees, or the script
    alone is unmistakable (every non-ASCII character Japanese, none inside a
    Latin word)."""
    if _IMPLAUSIBLE.search(text) or _LATIN_MISREAD.search(text):
        return False
    foreign = _FOREIGN.findall(text)
    if not foreign:
        return True
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return best is not None and best.encoding in _SHIFT_JIS and len(foreign) * 10 < len(text)
