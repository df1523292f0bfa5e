"""The import checks the next chunk in a thread while it writes this one:
the chunks arrive in order, an error in the file reaches the import where
it would have been raised, and an import that stops early leaves no thread
reading on."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from fieldsales.store.csvio import CsvError
from fieldsales.store.import_rows import Row, read_ahead


def chunk(k: int) -> list[Row]:
    return [Row(k, [str(k)], {"company": f"c{k}"}, ("id", str(k)))]


def threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name == "import-read-ahead"]


def test_chunks_arrive_in_order() -> None:
    got = [c[0].number for c in read_ahead(chunk(k) for k in range(50))]
    assert got == list(range(50))
    assert threads() == []


def test_an_error_while_reading_is_raised_after_the_chunks_before_it() -> None:
    def source() -> Iterator[list[Row]]:
        yield chunk(1)
        yield chunk(2)
        raise CsvError("big.csv: is not UTF-8 text after row 4,001")

    got: list[int] = []
    with pytest.raises(CsvError, match="after row 4,001"):
        for c in read_ahead(source()):
            got.append(c[0].number)
    assert got == [1, 2]
    assert threads() == []


def test_stopping_early_stops_the_reading() -> None:
    read: list[int] = []

    def source() -> Iterator[list[Row]]:
        for k in range(1000):
            read.append(k)
            yield chunk(k)

    with pytest.raises(RuntimeError, match="database gone"):
        for c in read_ahead(source()):
            if c[0].number == 3:
                raise RuntimeError("database gone")
    assert threads() == []
    assert len(read) <= 6  # the chunks written, the one checked ahead, not the file
