"""Files the app writes: whole, only onto regular files, with the right permissions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.issue16.conftest import Run, dump, one_line


def _char_device(path: Path) -> Path:
    try:  # the same device as /dev/full, made in the test's folder
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    except (PermissionError, OSError):
        pytest.skip("cannot make a device node here")
    return path


@pytest.mark.parametrize("kind", ["symlink", "fifo", "device", "folder"])
def test_export_refuses_what_is_not_a_regular_file(
    kind: str, tmp_path: Path, team_db: Path, run: Run
) -> None:
    before = dump(team_db)
    target = tmp_path / "out.csv"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    if kind == "symlink":
        target.symlink_to(victim)
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "device":
        _char_device(target)
    else:
        target.mkdir()
    mode = target.lstat().st_mode
    code, _out, err = run("--db", str(team_db), "export", "-o", str(target))
    line = one_line(err)
    assert code != 0
    assert str(target) in line
    assert "regular file" in line or "folder" in line
    assert target.lstat().st_mode == mode  # not replaced by a file
    assert victim.read_text() == "keep me"
    assert dump(team_db) == before


def test_export_under_a_file_or_into_a_missing_folder(
    tmp_path: Path, team_db: Path, run: Run
) -> None:
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    for target, words in (
        (plain / "out.csv", "a file, not a folder"),
        (tmp_path / "nowhere" / "out.csv", "no such folder"),
    ):
        code, _out, err = run("--db", str(team_db), "export", "-o", str(target))
        assert code != 0
        assert words in one_line(err)
    assert not (tmp_path / "nowhere").exists()


def test_exports_follow_the_umask(tmp_path: Path, team_db: Path, run: Run) -> None:
    old = os.umask(0o027)
    try:
        code, _out, err = run("--db", str(team_db), "export", "-o", str(tmp_path / "a.csv"))
    finally:
        os.umask(old)
    assert code == 0, err
    assert stat.S_IMODE((tmp_path / "a.csv").stat().st_mode) == 0o640


def test_database_and_data_folder_are_private(tmp_path: Path, run: Run) -> None:
    folder = tmp_path / "new" / "data"
    db = folder / "f.db"
    old = os.umask(0o022)
    try:
        code, _out, err = run("--db", str(db), "log", "NOPE", "--channel", "phone",
                              "--result", "contacted")  # fmt: skip
    finally:
        os.umask(old)
    assert "Traceback" not in err
    assert code != 0  # no such account; the database exists all the same
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.iterdir():
        if path.name.startswith("f.db"):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_config_init_is_private_and_never_overwrites(isolated_home: Path, run: Run) -> None:
    code, out, err = run("config", "init")
    assert code == 0, err
    target = Path(out.strip())
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    target.write_text("language: ja\n")
    code, _out, err = run("config", "init")
    assert code == 1
    assert "already exists" in one_line(err)
    assert target.read_text() == "language: ja\n"


def test_config_init_into_a_folder_that_is_a_file(isolated_home: Path, run: Run) -> None:
    isolated_home.mkdir(parents=True)
    (isolated_home / "config").write_text("not a folder")
    code, _out, err = run("config", "init")
    assert code == 1
    assert "config" in one_line(err)


def test_plan_export_onto_a_file_or_under_one_saves_nothing(
    tmp_path: Path, team_db: Path, run: Run
) -> None:
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    before = dump(team_db)
    for out in (plain, plain / "sub"):
        code, _out, err = run(
            "--db", str(team_db), "plan", "--date", "2026-12-01", "--save", "--export", str(out)
        )
        assert code == 1
        line = one_line(err.replace("planning…", ""))
        assert "plan --export" in line and "a file, not a folder" in line
    assert dump(team_db) == before
    assert plain.read_text() == "x"


def test_rejects_file_that_cannot_be_written(tmp_path: Path, team_db: Path, run: Run) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text("company,address,lifetime_revenue\nA社,東京都千代田区丸の内1-1,abc\n"
                   "B社,東京都千代田区丸の内2-1,1000\n", encoding="utf-8")  # fmt: skip
    (tmp_path / "bad.rejects.csv").mkdir()  # where the rejects would go
    before = dump(team_db)
    code, _out, err = run("--db", str(team_db), "import", str(csv), "--skip-invalid")
    assert code != 0
    assert "bad.rejects.csv" in one_line(err)
    assert dump(team_db) == before


def test_the_apps_own_folder_and_database_are_made_private_again(
    isolated_home: Path, run: Run
) -> None:
    from fieldsales import locations

    _code, _out, err = run("log", "X", "--channel", "phone", "--result", "contacted")
    assert "Traceback" not in err
    db, folder = locations.default_db_file(), locations.data_dir()
    folder.chmod(0o755)  # as an older version left them
    db.chmod(0o644)
    run("rank")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
