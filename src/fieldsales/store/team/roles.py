"""`fieldsales team init | add-rep | add-lead`: the team database's roles and grants.

Run as a PostgreSQL role that may create roles (a superuser, usually
`postgres`). The group roles are named after the database (database
`fieldsales`: fieldsales_owner, fieldsales_lead, fieldsales_rep), because
PostgreSQL roles belong to the whole server, which may hold several teams.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from importlib import resources

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from fieldsales.store import urls
from fieldsales.store.db import StoreError, open_engine

GRANTS_FILE = "grants.sql"
# A login role is a rep's or lead's name in the team database (account.owner_rep).
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_PLACEHOLDER = re.compile(r"\{(owner|lead|rep|unassigned)\}")
# PostgreSQL's own default for SCRAM-SHA-256 verifiers.
SCRAM_ITERATIONS = 4096


class TeamError(StoreError):
    title = "Team"


@dataclass(frozen=True)
class TeamRoles:
    owner: str
    lead: str
    rep: str


def team_roles(database: str) -> TeamRoles:
    """The group roles of the team database named `database`."""
    base = re.sub(r"[^a-z0-9_]", "_", database.lower())[:50]
    if not base or not (base[0].isalpha() or base[0] == "_"):
        base = f"t_{base}"
    return TeamRoles(owner=f"{base}_owner", lead=f"{base}_lead", rep=f"{base}_rep")


def grants_sql(roles: TeamRoles, *, reps_see_unassigned: bool) -> str:
    """The reviewed grants file with the role names filled in."""
    text = resources.files(__package__).joinpath(GRANTS_FILE).read_text(encoding="utf-8")
    values = {
        "owner": roles.owner,
        "lead": roles.lead,
        "rep": roles.rep,
        "unassigned": "true" if reps_see_unassigned else "false",
    }
    return _PLACEHOLDER.sub(lambda m: values[m[1]], text)


def _postgres_engine(url: str) -> tuple[Engine, str]:
    engine = open_engine(url, create=False)
    if engine.dialect.name != "postgresql":
        engine.dispose()
        raise TeamError(
            f"{urls.mask(url)}: a team database is PostgreSQL; give --db postgresql://…"
        )
    return engine, str(engine.url.database or "")


def _run_script(engine: Engine, sql: str) -> None:
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        assert driver is not None
        driver.execute(sql)  # no parameters: several statements in one go
        raw.commit()
    finally:
        raw.close()


def init_team(url: str, *, reps_see_unassigned: bool) -> TeamRoles:
    """Migrate the database, create the group roles, hand the tables to the owner role
    and apply grants.sql. Running it again changes nothing."""
    engine, database = _postgres_engine(url)
    roles = team_roles(database)
    try:
        _run_script(engine, grants_sql(roles, reps_see_unassigned=reps_see_unassigned))
    except DBAPIError as exc:
        raise TeamError(f"{urls.mask(url)}: team init failed ({_line(exc)})") from None
    finally:
        engine.dispose()
    return roles


def scram_verifier(password: str) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802/7677):
    computed here, so the password itself never reaches the server or its logs."""
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, SCRAM_ITERATIONS)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    b64 = base64.b64encode
    return (
        f"SCRAM-SHA-256${SCRAM_ITERATIONS}:{b64(salt).decode()}"
        f"${b64(stored_key).decode()}:{b64(server_key).decode()}"
    )


def add_member(url: str, name: str, *, lead: bool, password: str) -> str:
    """Create login role `name` in the rep (or lead) group; returns the group's name."""
    if not ROLE_NAME.match(name):
        raise TeamError(
            f"{name!r}: not a usable name; use lower-case letters, digits and _ "
            "(it becomes the login name and the account owner name)"
        )
    if not password:
        raise TeamError("an empty password is refused")
    engine, database = _postgres_engine(url)
    roles = team_roles(database)
    group = roles.lead if lead else roles.rep
    try:
        with engine.begin() as conn:
            have = set(
                conn.execute(
                    sa.text("SELECT rolname FROM pg_roles WHERE rolname = ANY(:n)"),
                    {"n": [name, group]},
                ).scalars()
            )
            if group not in have:
                raise TeamError(
                    f"{urls.mask(url)}: no team roles yet; run `fieldsales team init` first"
                )
            if name in have:
                raise TeamError(f"{name}: that role exists already; choose another name")
            # The verifier is base64 and $ : only; the name matched ROLE_NAME.
            conn.exec_driver_sql(
                f"CREATE ROLE {name} LOGIN PASSWORD '{scram_verifier(password)}' IN ROLE {group}"
            )
    except DBAPIError as exc:
        raise TeamError(f"{urls.mask(url)}: cannot add {name} ({_line(exc)})") from None
    finally:
        engine.dispose()
    return group


def _line(exc: DBAPIError) -> str:
    return urls.mask(" ".join(str(exc.orig or exc).split()))
