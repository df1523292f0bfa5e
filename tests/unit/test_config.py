"""Settings: look-up order, partial user files, and one clear line per mistake."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fieldsales import locations
from fieldsales.config import ConfigError, load_settings


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_defaults_hold_the_method_numbers() -> None:
    s = load_settings()
    w = s.scoring.weights
    assert (w.past_revenue, w.dormancy_length, w.reason_solvable) == (5, 4, 4)
    assert (w.competitor_status, w.proximity, w.digital_responsiveness) == (3, 2, 3)
    assert (s.scoring.ranks.a, s.scoring.ranks.b, s.scoring.ranks.c) == (170, 130, 90)
    assert s.roi.day_rate == 40000 and s.visits.duration_minutes == 30
    assert s.travel.detour_factor == 1.3 and s.travel.speed_kmh == 30


def test_user_file_sets_only_what_it_changes(tmp_path: Path) -> None:
    f = write(tmp_path / "mine.yaml", "language: ja\nscoring:\n  weights:\n    proximity: 6\n")
    s = load_settings(f)
    assert s.language == "ja"
    assert s.scoring.weights.proximity == 6
    assert s.scoring.weights.past_revenue == 5  # untouched default
    assert s.source_files[-1] == str(f)


def test_lookup_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = locations.user_config_file()
    user.parent.mkdir(parents=True)
    write(user, "language: ja\n")
    assert load_settings().language == "ja"
    env = write(tmp_path / "env.yaml", "language: en\nrep: env\n")
    monkeypatch.setenv("FIELDSALES_CONFIG", str(env))
    assert load_settings().rep == "env"
    explicit = write(tmp_path / "explicit.yaml", "rep: explicit\n")
    assert load_settings(explicit).rep == "explicit"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "scoring:\n  weights:\n    past_revenue: -1\n",
            "scoring.weights.past_revenue: must be >= 0, got -1",
        ),
        ("language: fr\n", "language: "),
        ("scoring:\n  wieghts: {}\n", "scoring.wieghts: unknown key"),
        ("visits:\n  work_start: '9h'\n", "visits.work_start: must be a time as HH:MM"),
        ("scoring:\n  ranks: {a: 100, b: 130, c: 90}\n", "a > b > c"),
        ("roi:\n  appointment_rate: {A: 1.5}\n", "roi.appointment_rate.A"),
        (
            "visits:\n  best_windows: [['11:00', '10:00']]\n",
            "visits.best_windows: window must end after it starts, got ['11:00', '10:00']",
        ),
        ("phone:\n  best_windows: 3\n", "phone.best_windows: must be a list of [HH:MM, HH:MM]"),
    ],
)
def test_bad_values_name_file_key_value(tmp_path: Path, text: str, expected: str) -> None:
    f = write(tmp_path / "bad.yaml", text)
    with pytest.raises(ConfigError) as err:
        load_settings(f)
    assert str(f) in str(err.value)
    assert expected in str(err.value)


def test_yaml_syntax_error_gives_line(tmp_path: Path) -> None:
    f = write(tmp_path / "broken.yaml", "language: en\nscoring:\n  weights: [1, 2\n")
    with pytest.raises(ConfigError, match=r"line \d+.*YAML syntax error"):
        load_settings(f)


def test_cli_bad_config_one_line_exit_2_no_traceback(tmp_path: Path, cli: Any) -> None:
    f = write(tmp_path / "config.yaml", "scoring:\n  weights:\n    past_revenue: -1\n")
    proc = cli("--config", str(f), "rank", home=tmp_path / "home")
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"{f}: scoring.weights.past_revenue: must be >= 0, got -1"
    assert "Traceback" not in proc.stderr


def test_import_values_read_numbers_and_flags_as_written(tmp_path: Path) -> None:
    f = write(
        tmp_path / "config.yaml",
        'import:\n  values:\n    do_not_contact: {2: true, "yes": false, 済: "0"}\n',
    )
    values = load_settings(f).import_.values
    assert values == {"do_not_contact": {"2": "true", "yes": "false", "済": "0"}}
    assert load_settings(write(tmp_path / "empty.yaml", "import: {}\n")).import_.values == {}


def test_import_values_refuse_an_unquoted_yes(tmp_path: Path) -> None:
    f = write(tmp_path / "config.yaml", "import:\n  values:\n    do_not_contact: {yes: false}\n")
    with pytest.raises(ConfigError, match="quote it"):
        load_settings(f)
