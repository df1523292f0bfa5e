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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

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
# accented capital a half-width kana beside a letter ("ﾉCOLE"): a letter, a
# non-ASCII character and a letter; a letter and a half-width kana; or the other
# way round. Written to begin with one character class, which the regex engine
# finds without trying the pattern at every position (a third faster on a big
# file; the same texts match: tests/store/test_textfile_patterns.py).
_LATIN_MISREAD = re.compile(
    "[A-Za-z\uff61-\uff9f]"
    "(?:(?<=[A-Za-z])[^\x00-\x7f](?=[A-Za-z])|(?<=[A-Za-z])[\uff61-\uff9f]"
    "|(?<=[\uff61-\uff9f])[A-Za-z])"
)
# Encodings charset-normalizer may name for a Shift_JIS file.
_SHIFT_JIS = frozenset({"cp932", "shift_jis", "shift_jis_2004", "shift_jisx0213"})
READ_BLOCK = 1 << 16
SCAN_BLOCK = 1 << 20  # bytes read at a time by scan(): whole lines, about 1 MB
SAMPLE_BYTES = 1 << 20  # of a big file, what charset-normalizer is shown
BLANK_BYTES = b"\xef\xbb\xbf \t\r\n"  # a file of only these is empty
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
    _check_file(path, max_file_bytes)
    parts: list[bytes] = []
    total = 0
    try:
        with path.open("rb") as fh:
            while line := fh.readline(max_line_bytes + 2):  # room for the line's \r\n
                if len(line.rstrip(b"\r\n")) > max_line_bytes:
                    longest = len(line) + _rest_of_line(fh)
                    raise _too_long(path, longest, max_line_bytes)
                parts.append(line)
                total += len(line)
                if total > max_file_bytes:  # grew while being read
                    raise TextFileError(f"{path}: larger than {max_file_bytes:,} bytes")
    except OSError as exc:
        raise TextFileError(f"{path}: cannot read ({exc.strerror})") from None
    return b"".join(parts)


def _too_long(path: Path, length: int, max_line_bytes: int) -> TextFileError:
    return TextFileError(
        f"{path}: a line is {length:,} bytes long (limit {max_line_bytes:,}, "
        "config import.max_line_bytes); is this really a CSV file?"
    )


def _check_file(path: Path, max_file_bytes: int) -> None:
    """A regular file of at most max_file_bytes, or TextFileError."""
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


# -- streaming: checked and its encoding told in one pass, then read as text ------


@dataclass(frozen=True)
class TextSource:
    """A file scan() found readable: open() reads it as text, line by line."""

    path: Path
    codec: str  # what open() decodes with
    label: str  # the encoding, as shown to the user
    lines: int  # line breaks in the file (the rows to expect, for a progress bar)
    empty: bool  # nothing but blanks (and a BOM)

    def open(self) -> TextIO:
        """The text, decoded as it is read; lines keep their \\r\\n, \\r or \\n."""
        return self.path.open(encoding=self.codec, newline="", errors="strict")


@dataclass
class _Decoding:
    """One candidate encoding followed through the file's blocks."""

    codec: str
    told: bool = True  # told from the bytes (not named): implausible text rules it out
    judge: bool = False  # cp932: also collect the evidence that it is Japanese
    error: tuple[int, int] | None = None  # (bad byte, its line)
    implausible: bool = False
    non_ascii: bool = False  # read some non-ASCII text before any error
    chars: int = 0
    foreign: int = 0

    def __post_init__(self) -> None:
        self.decoder = codecs.getincrementaldecoder(self.codec)("strict")

    @property
    def ok(self) -> bool:
        return self.error is None and not self.implausible

    def feed(self, block: bytes, line: int, final: bool = False) -> None:
        """Decode the next block (whole lines; `line`: lines before it)."""
        if not self.ok:
            return
        try:
            text = self.decoder.decode(block, final)
        except UnicodeDecodeError as exc:
            at = min(exc.start, max(len(block) - 1, 0))
            byte = block[at] if block else 0
            self.error = (byte, line + block[:at].count(b"\n") + 1)
            return
        self.chars += len(text)
        if not self.told or text.isascii():
            return
        self.non_ascii = True
        if _IMPLAUSIBLE.search(text):
            self.implausible = True
        elif self.judge:
            if _LATIN_MISREAD.search(text):
                self.implausible = True
            self.foreign += len(_FOREIGN.findall(text))


def scan(
    path: Path, *, max_line_bytes: int, max_file_bytes: int, encoding: str | None = None
) -> TextSource:
    """Check a file as read_bytes and tell its encoding as decode does, reading it
    a block at a time (memory does not grow with the file). Raises TextFileError.

    UTF-8 is tried on the way; only when it fails is the file read again as
    cp932. An undecodable byte names its line."""
    _check_file(path, max_file_bytes)
    with _open(path) as fh:
        start = fh.read(4)
    codec, label = (encoding, encoding) if encoding is not None else _bom(start)
    first = _Decoding(codec or "utf-8", told=codec is None)
    lines, has_nul, content = 0, False, False
    for before, block in _blocks(path, max_line_bytes, max_file_bytes):
        lines = before + block.count(b"\n")
        has_nul = has_nul or b"\x00" in block
        content = content or bool(block.strip(BLANK_BYTES))
        first.feed(block, before)
    first.feed(b"", lines, final=True)
    if not content:
        return TextSource(path, codec or "utf-8", label or "UTF-8", lines, True)
    if codec is not None:  # named, or told by a byte-order mark: it is that or nothing
        if first.error is not None:
            raise _not_text(path, codec, first.error)
        return TextSource(path, codec, label or codec, lines, False)
    if has_nul:
        raise TextFileError(f"{path}: is a binary file, not CSV text (an .xlsx? save it as CSV)")
    if first.ok:
        return TextSource(path, "utf-8", "UTF-8", lines, False)
    second = _Decoding("cp932", judge=True)
    for before, block in _blocks(path, max_line_bytes, max_file_bytes):
        second.feed(block, before)
        if not second.ok:
            break
    second.feed(b"", lines, final=True)
    if second.ok and _japanese(path, second):
        return TextSource(path, "cp932", "cp932", lines, False)
    # Neither reads it. Text that read well until one bad byte is named with its line.
    for tried, name in ((first, "UTF-8"), (second, "Shift_JIS (cp932)")):
        if tried.error is not None and tried.non_ascii and not tried.implausible:
            raise _not_text(path, name, tried.error)
    raise TextFileError(
        f"{path}: could not tell the encoding; use --encoding NAME (e.g. latin-1, cp1252; "
        "UTF-8 and Shift_JIS are found alone), or save it from Excel as 'CSV UTF-8'"
    )


def _open(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as exc:
        raise TextFileError(f"{path}: cannot read ({exc.strerror})") from None


def _bom(start: bytes) -> tuple[str | None, str | None]:
    for bom, codec, label in _BOMS:
        if start.startswith(bom):
            return codec, label
    return None, None


def _not_text(path: Path, codec: str, error: tuple[int, int]) -> TextFileError:
    byte, line = error
    return TextFileError(
        f"{path}: is not {codec} text (byte {byte:#04x} on line {line:,}); "
        "fix that line, or give the right --encoding NAME"
    )


def _japanese(path: Path, cp932: _Decoding) -> bool:
    """_reads_as_japanese from what the scan collected; charset-normalizer is
    shown the first megabyte (it samples a few hundred bytes of it anyway)."""
    if not cp932.foreign:
        return True
    if cp932.foreign * 10 >= cp932.chars:
        return False
    from charset_normalizer import from_bytes

    with _open(path) as fh:
        sample = fh.read(SAMPLE_BYTES)
    cut = sample.rfind(b"\n")
    best = from_bytes(sample[: cut + 1] if cut > 0 else sample).best()
    return best is not None and best.encoding in _SHIFT_JIS


def _blocks(path: Path, max_line_bytes: int, max_file_bytes: int) -> Iterator[tuple[int, bytes]]:
    """(line breaks before it, block) of about SCAN_BLOCK bytes, each ending
    with a line break (the last may not); every line checked against
    max_line_bytes, the file against max_file_bytes as it is read."""
    lines = total = 0
    carry = b""
    try:
        with _open(path) as fh:
            while True:
                block = fh.read(SCAN_BLOCK)
                total += len(block)
                if total > max_file_bytes:  # grew while being read
                    raise TextFileError(f"{path}: larger than {max_file_bytes:,} bytes")
                if not block:
                    if carry:
                        yield lines, carry
                    return
                data = carry + block if carry else block
                cut = data.rfind(b"\n") + 1
                whole, carry = data[:cut], data[cut:]
                if len(carry.rstrip(b"\r")) > max_line_bytes:
                    raise _too_long(path, len(carry) + _rest_of_line(fh), max_line_bytes)
                if not whole:
                    continue
                if len(whole) > max_line_bytes + 2:
                    longest = max(map(len, whole.split(b"\n")))
                    if longest > max_line_bytes:
                        for one in whole.split(b"\n"):
                            if len(one.rstrip(b"\r")) > max_line_bytes:
                                raise _too_long(path, len(one), max_line_bytes)
                yield lines, whole
                lines += whole.count(b"\n")
    except OSError as exc:
        raise TextFileError(f"{path}: cannot read ({exc.strerror})") from None
