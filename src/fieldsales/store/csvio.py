"""CSV files as reps have them: sanity checks, row-level syntax errors, safe writing.

Reading gives the header and the rows as text; what the cells mean is the
business of domain/columns.py. Writing produces UTF-8 with BOM (so Excel in
Japan opens it without mojibake) with formula-like cells neutralised.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from fieldsales.errors import UserError
from fieldsales.store import textfile

# Control characters no cell keeps (tab and line breaks are the fields' business).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Cells a spreadsheet would run as a formula (OWASP CSV injection): the ASCII
# signs, their full-width forms (Excel in Japan reads ＝ＳＵＭ(…) as a formula),
# and a leading tab, CR or line feed (spreadsheets strip them, then see the sign).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# The largest file read by default (config import.max_file_bytes overrides it).
MAX_FILE_BYTES = 600_000_000
UNTERMINATED = 'unterminated quote: a cell opens with " and never closes (the rest of the line)'
STRAY_QUOTE = 'a quote inside a cell; write it as "" within a quoted cell'


class CsvError(UserError):
    """The file as a whole cannot be read; the message names the file and the fix."""

    title = "CSV file"


@dataclass
class CsvData:
    path: Path
    encoding: str
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (spreadsheet row number, cells); header is row 1
    # rows the CSV syntax broke: row number -> (reason, the line as written);
    # their cells are a best guess
    broken: dict[int, tuple[str, str]] = field(default_factory=dict)


def read_csv(
    path: Path,
    *,
    max_line_bytes: int,
    encoding: str | None = None,
    max_file_bytes: int = MAX_FILE_BYTES,
) -> CsvData:
    """Read and decode a whole CSV file; raise CsvError for an unusable file.

    A row the CSV syntax breaks (an unterminated or stray quote) is kept in
    `broken` and reading goes on at the next line, so that it is reported like
    any other bad row instead of swallowing the rows after it.
    """
    try:
        data = textfile.read_bytes(
            path, max_line_bytes=max_line_bytes, max_file_bytes=max_file_bytes
        )
        if not data.strip(b"\xef\xbb\xbf \t\r\n"):
            raise CsvError(f"{path}: file is empty; expected a header row and account rows")
        text, label = textfile.decode(path, data, encoding)
    except textfile.TextFileError as exc:
        raise CsvError(str(exc)) from None
    del data  # the decoded text is all that is needed from here on
    if text.startswith("\ufeff"):
        text = text[1:]  # a BOM left by --encoding utf-8 or utf-16-le
    records, broken = _parse(text, _sniff(text))
    numbered = [(i + 1, r) for i, r in enumerate(records) if any(cell.strip() for cell in r)]
    if not numbered:
        raise CsvError(f"{path}: file is empty; expected a header row and account rows")
    (first, headers), rows = numbered[0], numbered[1:]
    if first in broken:
        raise CsvError(f"{path}: the header row is not valid CSV ({broken[first][0]})")
    if not rows:
        raise CsvError(f"{path}: has a header row but no account rows")
    return CsvData(path, label, headers, rows, broken)


@dataclass
class CsvStream:
    """A CSV file read row by row: the header now, the rows as they are parsed
    (a file of millions of rows never holds them all)."""

    path: Path
    encoding: str
    headers: list[str]
    # (spreadsheet row number, cells, (reason, line) when the CSV syntax broke it)
    rows: Iterator[tuple[int, list[str], tuple[str, str] | None]]
    lines: int = 0  # line breaks in the file: the rows to expect, for a progress bar


def stream_csv(
    path: Path,
    *,
    max_line_bytes: int,
    encoding: str | None = None,
    max_file_bytes: int = MAX_FILE_BYTES,
    what: str = "rows",
) -> CsvStream:
    """Like read_csv, with the same checks and messages, but the rows come one
    at a time; empty lines are skipped (their row numbers count).

    The file is read twice, never whole: once in blocks to check it and tell
    its encoding (textfile.scan), then decoded as the rows are parsed."""
    try:
        source = textfile.scan(
            path, max_line_bytes=max_line_bytes, max_file_bytes=max_file_bytes, encoding=encoding
        )
    except textfile.TextFileError as exc:
        raise CsvError(str(exc)) from None
    if source.empty:
        raise CsvError(f"{path}: file is empty; expected a header row and {what}")
    records = _iter_records(_lines(source), source)
    for _, headers, broken in records:
        if any(cell.strip() for cell in headers):
            if broken is not None:
                raise CsvError(f"{path}: the header row is not valid CSV ({broken[0]})")
            break
    else:
        raise CsvError(f"{path}: file is empty; expected a header row and {what}")
    # a row with some text (joined: one test per row, not one per cell)
    rows = ((n, r, b) for n, r, b in records if not "".join(r).isspace() and any(r))
    first = next(rows, None)
    if first is None:
        raise CsvError(f"{path}: has a header row but no {what}")

    def all_rows() -> Iterator[tuple[int, list[str], tuple[str, str] | None]]:
        assert first is not None
        yield first
        yield from rows

    return CsvStream(path, source.label, headers, all_rows(), source.lines)


def _lines(source: textfile.TextSource) -> Iterator[str]:
    """The file's lines as decoded (\r\n, \r or \n kept); the first without a
    BOM that --encoding utf-8 or utf-16-le leaves."""
    try:
        with source.open() as fh:
            first = fh.readline()
            if first.startswith("\ufeff"):
                first = first[1:]
            if first:
                yield first
            yield from fh
    except OSError as exc:
        raise CsvError(f"{source.path}: cannot read ({exc.strerror})") from None


def _iter_records(
    lines: Iterator[str], source: textfile.TextSource
) -> Iterator[tuple[int, list[str], tuple[str, str] | None]]:
    """_parse as a generator: (record number, cells, broken) with the same
    recovery (a broken row is reported, reading goes on at its next line),
    keeping only the lines of the record being read. The dialect is told from
    the first line."""
    head = next(lines, "")
    dialect = _sniff(head)
    backlog: list[str] = [head] if head else []  # lines to read again, reversed
    consumed: list[str] = []  # the lines of the record being read

    def feed() -> Iterator[str]:
        while True:
            line = backlog.pop() if backlog else next(lines, "")
            if not line:
                return
            consumed.append(line)
            yield line

    number = 0
    while True:
        reader = csv.reader(feed(), dialect=dialect, strict=True)
        try:
            for record in reader:
                number += 1
                consumed.clear()
                if _CONTROL.search("".join(record)):
                    record = [_CONTROL.sub("", cell) for cell in record]
                yield number, record, None
            return
        except UnicodeDecodeError:  # scanned as good: the file changed since
            raise CsvError(
                f"{source.path}: is not {source.label} text after row {number + 1:,}; "
                "did it change while being read? Import it again"
            ) from None
        except csv.Error as exc:
            if "field larger" in str(exc):
                reason = f"a cell longer than {csv.field_size_limit():,} characters"
            elif len(consumed) > 1 or "end of data" in str(exc):
                reason = UNTERMINATED
            else:
                reason = STRAY_QUOTE
            line = _CONTROL.sub("", consumed[0].rstrip("\r\n")) if consumed else ""
            backlog.extend(reversed(consumed[1:]))
            consumed.clear()
            number += 1
            yield number, next(csv.reader([line], dialect=dialect), []), (reason, line)


def _parse(
    text: str, dialect: type[csv.Dialect]
) -> tuple[list[list[str]], dict[int, tuple[str, str]]]:
    lines = list(io.StringIO(text, newline=""))
    records: list[list[str]] = []
    broken: dict[int, tuple[str, str]] = {}
    at = 0  # the next line to read

    def feed() -> Iterator[str]:
        nonlocal at
        while at < len(lines):
            at += 1
            yield lines[at - 1]

    while at < len(lines):
        reader = csv.reader(feed(), dialect=dialect, strict=True)
        start = at
        try:
            for record in reader:
                records.append([_CONTROL.sub("", cell) for cell in record])
                start = at
            break
        except csv.Error as exc:
            # Quoted cells may span lines; an open quote that never closes, or
            # one closing before more text, breaks only the row it starts in.
            if "field larger" in str(exc):
                reason = f"a cell longer than {csv.field_size_limit():,} characters"
            elif at > start + 1 or "end of data" in str(exc):
                reason = UNTERMINATED
            else:
                reason = STRAY_QUOTE
            line = _CONTROL.sub("", lines[start].rstrip("\r\n"))
            records.append(next(csv.reader([line], dialect=dialect), []))
            broken[len(records)] = (reason, line)
            at = start + 1
    return records, broken


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
