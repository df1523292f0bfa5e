"""CSV files as reps have them: encoding detection, sanity checks, safe writing.

Reading gives the header and the rows as text; what the cells mean is the
business of domain/columns.py. Writing produces UTF-8 with BOM (so Excel in
Japan opens it without mojibake) with formula-like cells neutralised.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

# Tried in this order, strictly; charset-normalizer only guesses beyond them.
# cp932 is Microsoft's Shift_JIS (Excel in Japan) and a superset of shift_jis.
ENCODINGS = ("utf-8-sig", "cp932")
# Characters no spreadsheet text holds: C0/C1 controls (but tab/newline), private use.
_IMPLAUSIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ue000-\uf8ff]")
# A guess is trusted only when the decoded text is this clean (0 = perfect).
MAX_CHAOS = 0.1
# Cells a spreadsheet would run as a formula (OWASP CSV injection): the ASCII
# signs, their full-width forms (Excel in Japan reads ＝ＳＵＭ(…) as a formula),
# and a leading tab, CR or line feed (spreadsheets strip them, then see the sign).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


class CsvError(Exception):
    """The file as a whole cannot be read; the message names the file and the fix."""


@dataclass
class CsvData:
    path: Path
    encoding: str
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (spreadsheet row number, cells); header is row 1


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _IMPLAUSIBLE.search(text):
            continue  # cp932 maps stray bytes to private-use and control codes: not text
        if encoding == "utf-8-sig":
            encoding = "UTF-8 with BOM" if data.startswith(b"\xef\xbb\xbf") else "UTF-8"
        return text, encoding
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.chaos > MAX_CHAOS:
        raise CsvError(
            f"{path}: cannot tell the text encoding (not UTF-8 or Shift_JIS); "
            "save it from Excel as 'CSV UTF-8' and try again"
        )
    return str(best), best.encoding


def _longest_line(data: bytes) -> int:
    """Longest line in bytes, without copying the file into a list of lines."""
    longest, start = 0, 0
    while True:
        end = data.find(b"\n", start)
        if end < 0:
            return max(longest, len(data) - start)
        longest = max(longest, end - start)
        start = end + 1


def read_csv(path: Path, *, max_line_bytes: int) -> CsvData:
    """Read and decode a whole CSV file; raise CsvError for an unusable file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CsvError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise CsvError(f"{path}: is a folder, not a CSV file") from None
    except OSError as exc:
        raise CsvError(f"{path}: cannot read ({exc.strerror})") from None
    if not data.strip(b"\xef\xbb\xbf \t\r\n"):
        raise CsvError(f"{path}: file is empty; expected a header row and account rows")
    if b"\x00" in data:
        raise CsvError(f"{path}: is a binary file, not CSV text (an .xlsx? save it as CSV)")
    longest = _longest_line(data)
    if longest > max_line_bytes:
        raise CsvError(
            f"{path}: a line is {longest:,} bytes long (limit {max_line_bytes:,}, "
            "config import.max_line_bytes); is this really a CSV file?"
        )
    text, encoding = _decode(path, data)
    del data  # the decoded text is all that is needed from here on
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), dialect=_sniff(text)))
    except csv.Error as exc:
        raise CsvError(f"{path}: not valid CSV ({exc})") from None
    numbered = [(i + 1, r) for i, r in enumerate(records) if any(cell.strip() for cell in r)]
    if not numbered:
        raise CsvError(f"{path}: file is empty; expected a header row and account rows")
    headers, rows = numbered[0][1], numbered[1:]
    if not rows:
        raise CsvError(f"{path}: has a header row but no account rows")
    return CsvData(path, encoding, headers, rows)


def _sniff(text: str) -> type[csv.Dialect]:
    """Comma by default; a tab- or semicolon-separated export is accepted too."""
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    delimiter = max(counts, key=lambda d: counts[d])
    if counts[delimiter] == 0 or delimiter == ",":
        return csv.excel
    return csv.excel_tab if delimiter == "\t" else _Semicolon


class _Semicolon(csv.excel):
    delimiter = ";"


def neutralise(cell: str) -> str:
    """Prefix ' to a text cell a spreadsheet would evaluate (=1+1, @SUM, -2+3, ＝1+1)."""
    if cell.startswith(FORMULA_START):
        return "'" + cell
    return cell


def write_csv(
    target: Path | IO[str],
    headers: Sequence[str],
    rows: Iterable[Sequence[str | int | float | None]],
) -> int:
    """Write UTF-8 with BOM. Text cells are neutralised; numbers are written as
    numbers (a negative longitude stays -0.12, never '-0.12). Returns the row count."""
    if isinstance(target, Path):
        from fieldsales.files import atomic_write

        with atomic_write(
            target, text=True, encoding="utf-8-sig", newline="", create_folder=True
        ) as fh:
            return _write(fh, headers, rows)
    target.write("\ufeff")
    return _write(target, headers, rows)


def _write(
    fh: IO[str],
    headers: Sequence[str],
    rows: Iterable[Sequence[str | int | float | None]],
) -> int:
    writer = csv.writer(fh, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in headers])
    n = 0
    for row in rows:
        writer.writerow(
            ["" if v is None else neutralise(v) if isinstance(v, str) else _number(v) for v in row]
        )
        n += 1
    return n


def _number(value: int | float) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return repr(value) if isinstance(value, float) else str(value)
