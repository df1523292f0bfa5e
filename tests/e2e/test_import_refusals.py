"""Issue 16 for `fieldsales import`: nothing lost, nothing leaked, no traceback.

Every refused input gives one line naming the thing and the fix, a non-zero
exit and a database identical (a full SQL dump) to the one before.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from fieldsales.cli import main
from fieldsales.store import db as dbmod
from fieldsales.store.db import open_engine

HEADER = "顧客コード,会社名,住所,累計取引額,備考"
GOOD = "C1,株式会社山田工業,東京都千代田区丸の内1-2-3,1200000,"
LATIN = "company,address,notes\nMüller GmbH,Königstraße 5,Café\nFrançois Société,Besançon,\n"


def dump(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return list(conn.iterdump())


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A database holding one imported account."""
    path = tmp_path / "f.db"
    seed = tmp_path / "seed.csv"
    seed.write_text(f"{HEADER}\n{GOOD}\n", encoding="utf-8")
    assert main(["--db", str(path), "import", "--no-locate", str(seed)]) == 0
    return path


def run(db: Path, *args: str) -> int:
    return main(["--db", str(db), "import", "--no-locate", *args])


def refused(
    db: Path, capsys: pytest.CaptureFixture[str], *args: str, code: int = 1, lines: int = 1
) -> str:
    """Run an import that must fail: exit code, no traceback, the database as it was."""
    before = dump(db)
    capsys.readouterr()
    assert run(db, *args) == code
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert len(err.strip().splitlines()) == lines, err
    assert dump(db) == before
    return err


def companies(db: Path) -> list[str]:
    engine = open_engine(db)
    with engine.connect() as conn:
        names = conn.execute(sa.text("SELECT company FROM account ORDER BY company")).scalars()
        result = list(names)
    engine.dispose()
    return result


# --- encodings -------------------------------------------------------------


@pytest.mark.parametrize(
    "text, codec",
    [
        (LATIN, "latin-1"),
        ("company\nSéverine\n", "latin-1"),
        ("company,city\nBjörk AB,Göteborg\nÆrø Shipping,Ærøskøbing\n", "latin-1"),
        ("company\nÉCOLE NORMALE\n", "latin-1"),
        ("company\n“Quoted” Ltd — Paris\n", "cp1252"),
        ("company\nŁódź Sp. z o.o.\n", "cp1250"),
    ],
)
def test_an_encoding_that_cannot_be_told_is_refused(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, codec: str
) -> None:
    path = tmp_path / "clients.csv"
    path.write_bytes(text.encode(codec))
    err = refused(db, capsys, str(path))
    assert f"{path}: could not tell the encoding; use --encoding NAME" in err


def test_encoding_option_reads_a_latin1_file(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "clients.csv"
    path.write_bytes(LATIN.encode("latin-1"))
    assert run(db, "--encoding", "latin-1", str(path)) == 0
    assert "Müller GmbH" in companies(db) and "François Société" in companies(db)


@pytest.mark.parametrize("name", ["klingon", "base64", "rot13"])
def test_unknown_encoding_name_is_one_line(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    path = tmp_path / "a.csv"
    path.write_text(f"{HEADER}\n{GOOD}\n", encoding="utf-8")
    err = refused(db, capsys, "--encoding", name, str(path), code=2)
    assert f"{name!r}" in err and "--encoding" in err


def test_wrong_encoding_option_names_the_line(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(f"{HEADER}\nC2,東和商事,港区,1,\n".encode("cp932"))
    err = refused(db, capsys, "--encoding", "utf-8", str(path))
    assert "is not utf-8 text" in err and "line 1" in err and "--encoding" in err


def test_excel_unicode_text_utf16_tab_separated_is_read(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "unicode.txt"
    text = "会社名\t住所\t累計取引額\r\n東和商事株式会社\t横浜市西区高島2-1\t500\r\n"
    path.write_bytes(text.encode("utf-16"))  # with BOM, as Excel saves it
    assert run(db, str(path)) == 0
    assert "東和商事株式会社" in companies(db)


@pytest.mark.parametrize(
    "codec", ["utf-8", "utf-8-sig", "cp932", "shift_jis", "utf-16-le-bom", "utf-16-be-bom"]
)
def test_japanese_files_keep_working(db: Path, tmp_path: Path, codec: str) -> None:
    text = f"{HEADER}\r\nC2,東和商事株式会社,横浜市西区高島２丁目１,５００００円,ｶﾌﾞｼｷｶﾞｲｼｬ\r\n"
    path = tmp_path / "a.csv"
    if codec.endswith("-bom"):
        path.write_bytes(("\ufeff" + text).encode(codec.removesuffix("-bom")))
    else:
        path.write_bytes(text.encode(codec))
    assert run(db, str(path)) == 0
    assert companies(db) == ["東和商事株式会社", "株式会社山田工業"]


# --- CSV structure ---------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        'C2,"東和商事,港区芝1-1,100,',  # never closes: would swallow the rows below
        'C2,東和商事,"港区"芝1-1,100,',  # closes before more text
        "C2,東和商事,港区芝1-1,100,メモ,余分",  # more cells than headers
    ],
)
def test_broken_rows_are_row_errors_with_their_number(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], bad: str
) -> None:
    path = tmp_path / "broken.csv"
    after = "C3,北関東運輸,前橋市1-1,300,"
    path.write_text(f"{HEADER}\n{GOOD}\n{bad}\n{after}\n", encoding="utf-8")
    err = refused(db, capsys, str(path), lines=2)
    assert err.startswith("broken.csv: row 3, ")
    assert "1 bad row(s) of 3; nothing was imported" in err
    # --skip-invalid imports the rows around it; the broken one goes to the rejects file.
    assert run(db, "--skip-invalid", str(path)) == 0
    assert companies(db) == ["北関東運輸", "株式会社山田工業"]
    rejects = (tmp_path / "broken.rejects.csv").read_text(encoding="utf-8-sig")
    assert rejects.splitlines()[1].startswith("3,C2,")


# --- content ---------------------------------------------------------------


def test_control_characters_are_stripped(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "ctl.csv"
    path.write_text(
        f'{HEADER}\nC2,東和\x07商事\x1b[31m,港区\x00芝1-1,100,"一行目\n二行目\x0c"\n',
        encoding="utf-8",
    )
    # NUL is a binary file; without it the controls go and the notes keep their line break
    path.write_bytes(path.read_bytes().replace(b"\x00", b""))
    assert run(db, str(path)) == 0
    engine = open_engine(db)
    with engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT company, address, notes FROM account WHERE external_id = 'C2'")
        ).one()
    engine.dispose()
    assert tuple(row) == ("東和商事[31m", "港区芝1-1", "一行目\n二行目")


@pytest.mark.parametrize("value", ["1e30", "9223372036854775808", "-9999999999999999999999"])
def test_an_integer_beyond_the_column_is_a_row_error(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    path = tmp_path / "big.csv"
    path.write_text(f"{HEADER}\nC2,東和商事,港区芝1-1,{value},\n", encoding="utf-8")
    err = refused(db, capsys, str(path), lines=2)
    assert "big.csv: row 2, lifetime_revenue:" in err
    assert "too large for the database" in err or "must not be negative" in err


def test_cycle_days_beyond_the_column(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "big.csv"
    path.write_text(f"会社名,購買周期(日)\n東和商事,{10**19}\n", encoding="utf-8")
    err = refused(db, capsys, str(path), lines=2)
    assert "row 2, purchase_cycle_days: too large for the database (at most 9,223,372" in err


# --- huge and odd files ----------------------------------------------------


def test_dev_zero_is_not_a_regular_file(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = refused(db, capsys, "/dev/zero")
    assert (
        err.strip()
        == "error: /dev/zero: is not a regular file (a device or pipe?); give a CSV file"
    )


def test_a_file_without_line_breaks_is_refused(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "zeros.csv"
    path.write_bytes(b"0" * 3_000_000)
    err = refused(db, capsys, str(path))
    assert "a line is 3,000,000 bytes long (limit 1,000,000, config import.max_line_bytes)" in err


def test_a_file_above_the_size_limit_is_refused(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("import:\n  max_file_bytes: 100\n", encoding="utf-8")
    path = tmp_path / "big.csv"
    path.write_text(f"{HEADER}\n" + f"{GOOD}\n" * 10, encoding="utf-8")
    before = dump(db)
    capsys.readouterr()
    assert main(["--config", str(config), "--db", str(db), "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert "config import.max_file_bytes); split it into smaller files" in err
    assert len(err.strip().splitlines()) == 1
    assert dump(db) == before


def test_folder_missing_and_unreadable_files(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "is a folder, not a CSV file" in refused(db, capsys, str(tmp_path))
    assert "file not found" in refused(db, capsys, str(tmp_path / "nope.csv"))
    locked = tmp_path / "locked.csv"
    locked.write_text(f"{HEADER}\n{GOOD}\n", encoding="utf-8")
    real_open = Path.open

    def deny(self: Path, *args: object, **kw: object) -> object:
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kw)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", deny)  # root reads a chmod 000 file anyway
    err = refused(db, capsys, str(locked))
    assert err.strip() == f"error: {locked}: cannot read (Permission denied)"


# --- busy database ---------------------------------------------------------


def test_busy_database_waits_then_says_so_and_writes_nothing(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "new.csv"
    path.write_text(f"{HEADER}\nC2,東和商事,港区芝1-1,100,\n", encoding="utf-8")
    before = dump(db)
    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 300)
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another fieldsales in the middle of a write
    try:
        capsys.readouterr()
        assert run(db, str(path)) == 1
        out, err = capsys.readouterr()
    finally:
        writer.rollback()
        writer.close()
    assert err.strip() == (
        f"error: {db}: the database is busy (another fieldsales is writing); try again"
    )
    assert "Traceback" not in out + err
    assert dump(db) == before
