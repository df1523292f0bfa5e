"""New accounts' ids: UUID version 7 (RFC 9562), unique, and in the order
they were given, within one chunk and across chunks (so that inserts go to
the end of the primary key's index)."""

from __future__ import annotations

import time
import uuid

from fieldsales.store.importer import ordered_ids


def test_ids_are_uuid7_unique_and_in_the_order_given() -> None:
    before = time.time_ns() // 1_000_000
    chunks = [ordered_ids(n) for n in (1, 2000, 5000, 3)]
    ids = [i for chunk in chunks for i in chunk]
    assert len(set(ids)) == len(ids) == 7004
    assert ids == sorted(ids)
    for text in ids:
        u = uuid.UUID(text)
        assert str(u) == text
        assert u.version == 7
        assert u.variant == uuid.RFC_4122
    first_ms = uuid.UUID(ids[0]).int >> 80
    assert before <= first_ms <= time.time_ns() // 1_000_000 + 10


def test_the_random_part_differs() -> None:
    low = {uuid.UUID(i).int & ((1 << 62) - 1) for i in ordered_ids(1000)}
    assert len(low) == 1000
