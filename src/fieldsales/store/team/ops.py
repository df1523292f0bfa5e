"""What the sync's parts share: its error, its result, an outbox operation."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from fieldsales.store.db import StoreError
from fieldsales.store.team.adopt import Adopted

CLIENT_ID, REMOTE, PULL_XID, SYNCED_AT = "client_id", "remote", "pull_xid", "synced_at"
# the account columns a pull copies (the server's own team columns stay there)


class SyncError(StoreError):
    title = "Sync"


@dataclass
class SyncResult:
    pushed: int = 0
    pulled: int = 0
    conflicts: int = 0
    duplicates: int = 0  # operations the server had already (a rerun after a kill)
    touched: list[str] = field(default_factory=list)  # accounts whose data the pull changed
    adopted: Adopted | None = None  # a first sync: what it did with the laptop's own accounts


@dataclass(frozen=True)
class Op:
    """One outbox row, as pushed."""

    seq: int
    op_id: str
    kind: str
    ref_id: str
    payload: str


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
