"""Does a database hold the tables and columns this version's models expect?"""

from __future__ import annotations

from typing import Any


def missing_parts(inspector: Any, tables: set[str]) -> list[str]:
    """`table` or `table.column` names the models have and the database lacks."""
    from sqlmodel import SQLModel

    import fieldsales.store.models  # noqa: F401  (registers the tables)

    missing: list[str] = []
    for table in SQLModel.metadata.sorted_tables:
        if table.name not in tables:
            missing.append(table.name)
            continue
        have = {c["name"] for c in inspector.get_columns(table.name)}
        missing += [f"{table.name}.{c.name}" for c in table.columns if c.name not in have]
    return missing
