"""`config check` judges the settings together, refuses YAML aliases and a keymap that would not bind."""

from __future__ import annotations

import gc
import time
import typing
from pathlib import Path

import pytest

from fieldsales.cli import main
from fieldsales.config import StageKey
from fieldsales.domain.vocab import Stage


def check(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    cfg = tmp_path / "mine.yaml"
    cfg.write_text(text, encoding="utf-8")
    capsys.readouterr()
    code = main(["--config", str(cfg), "config", "check"])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, [line for line in err.splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('visits: {work_start: "18:00", work_end: "09:00"}', "must be after work_start"),
        ('visits: {work_start: "09:00", work_end: "09:00"}', "must be after work_start"),
        ("visits: {lunch_minutes: 180}", "does not fit lunch_window"),
        ('visits: {lunch_window: ["19:00", "20:00"]}', "outside the working day"),
        ("visits: {duration_minutes: 600}", "does not fit a 480-minute working day"),
        ("visits: {duration_by_rank: {A: 900, B: 30, C: 30, D: 20}}", "900 minutes"),
        ("travel: {speed_kmh: .inf}", "finite"),
        ("travel: {speed_kmh: .nan}", "speed_kmh"),
        ("travel: {speed_kmh: 0}", "speed_kmh"),
        ("visits: {work_weekdays: []}", "work_weekdays"),
        ("visits: {plan_stages: [dormant_mid, sleeping]}", "plan_stages.1"),
        ("rep: " + "x" * 500, "rep"),
        ("geocoding: {user_agent: ''}", "user_agent"),
        ("timezone: Mars/Olympus", "unknown time zone"),
    ],
)
def test_settings_that_cannot_work_together_are_named(
    text: str, words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = check(tmp_path, text, capsys)
    assert code == 2
    assert len(lines) == 1, lines
    assert "mine.yaml" in lines[0] and words in lines[0]


def test_all_zero_weights_give_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    zeros = ", ".join(
        f"{k}: 0"
        for k in (
            "past_revenue",
            "dormancy_length",
            "reason_solvable",
            "competitor_status",
            "proximity",
            "digital_responsiveness",
        )
    )
    code, lines = check(tmp_path, f"scoring: {{weights: {{{zeros}}}}}", capsys)
    assert code == 2
    assert len(lines) == 1 and "all weights are 0" in lines[0]
    code, lines = check(tmp_path, "scoring: {weights: {proximity: 0}}", capsys)
    assert code == 0  # one criterion left out is a choice


def test_a_timezone_is_a_setting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert check(tmp_path, "timezone: Europe/Berlin", capsys)[0] == 0


def test_the_stage_list_matches_the_vocabulary() -> None:
    assert set(typing.get_args(StageKey)) == {s.value for s in Stage}


def test_yaml_aliases_are_refused_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        bomb.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    t0 = time.monotonic()
    code, lines = check(tmp_path, "\n".join(bomb) + "\n", capsys)
    assert time.monotonic() - t0 < 10
    assert code == 2
    assert len(lines) == 1 and "mine.yaml: line 2" in lines[0] and "aliases" in lines[0]


def test_talk_scripts_refuse_aliases_too(tmp_path: Path) -> None:
    from fieldsales.domain.scripts import ScriptsError, load_scripts

    f = tmp_path / "talk_scripts.yaml"
    f.write_text("en: &x {a: 1}\nja: *x\n", encoding="utf-8")
    with pytest.raises(ScriptsError, match=r"line 2.*aliases"):
        load_scripts(f)


@pytest.mark.parametrize(
    ("keymap", "words"),
    [
        ('{serach: "ctrl+f"}', "keymap.serach: no binding has this id"),
        ('{search: "ctlr+f"}', "'ctlr+f' is not a key name"),
        ('{search: "ctrl+f,nosuchkey"}', "'nosuchkey' is not a key name"),
        ('{search: ""}', "is not a key name"),
    ],
)
def test_a_keymap_entry_that_would_not_bind_is_an_error(
    keymap: str, words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = check(tmp_path, f"keymap: {keymap}", capsys)
    assert code == 2
    assert len(lines) == 1 and words in lines[0] and "mine.yaml" in lines[0]


def test_a_good_keymap_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = check(tmp_path, 'keymap: {search: "slash,ctrl+f", quit: "ctrl+q"}', capsys)
    assert code == 0, lines


def test_the_app_refuses_a_bad_keymap_before_it_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "mine.yaml"
    cfg.write_text('keymap: {serach: "ctrl+f"}\n', encoding="utf-8")
    db = tmp_path / "x.db"
    assert main(["--config", str(cfg), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "keymap.serach" in err and len(err.strip().splitlines()) == 1
    assert not db.exists()
    assert gc.isenabled()  # off while the app starts (cli.main), on again when it cannot


def test_a_config_that_does_not_parse_stops_the_app_with_the_collector_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "mine.yaml"
    cfg.write_text("scoring: [unclosed\n", encoding="utf-8")
    assert main(["--config", str(cfg), "--db", str(tmp_path / "x.db")]) == 2
    err = capsys.readouterr().err
    assert "mine.yaml" in err and "Traceback" not in err
    assert gc.isenabled()
