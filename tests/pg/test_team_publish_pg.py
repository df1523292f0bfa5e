"""The team's talk scripts and campaign targets: a lead publishes them to the team
database (`fieldsales team publish`), reps pull them with `fieldsales sync`, and the
app and the CLI use the team's version over the rep's own files, offline too."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
import yaml

from fieldsales import locations
from fieldsales.config import Settings, default_settings
from fieldsales.planning.calls import phone_script
from fieldsales.services.published import in_effect
from fieldsales.store.db import open_engine
from fieldsales.tui.app import make_app
from fieldsales.tui.screens.detail import DetailScreen

from .team_helpers import Team, local_db, make_team

TODAY = date(2026, 12, 1)
CAMPAIGN = """\
campaign:
  name: 冬の掘り起こし
  start: 2026-11-02
  end: 2027-01-31
  targets:
    A: {reactivations: 7, revenue: 3000000}
    B: {reactivations: 4, revenue: 800000}
"""


def _scripts(path: Path, marker: str) -> Path:
    """The bundled talk scripts with `marker` opening every phone script."""
    data = yaml.safe_load(locations.bundled_file("talk_scripts.yaml").read_text("utf-8"))
    for block in data.values():
        for entry in block["reasons"].values():
            entry["phone_script"] = f"{marker} {{contact}}. " + entry["phone_script"]
            entry["visit_opener"] = f"{marker}-VISIT " + entry["visit_opener"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _lead_config(tmp_path: Path, text: str = CAMPAIGN) -> Path:
    path = tmp_path / "lead.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _publish(cli: Callable[..., Any], team: Team, config: Path, *extra: str) -> Any:
    return cli("--config", str(config), "--db", team.url[team.lead], "team", "publish", *extra)


def _sync(cli: Callable[..., Any], db: Path, remote: str) -> tuple[int, int, int]:
    r = cli("--db", str(db), "sync", "--remote", remote)
    assert r.returncode == 0, r.stderr
    line = [x for x in r.stdout.splitlines() if "pushed" in x][-1]
    nums = [int(part.split()[-1]) for part in line.split(": ", 1)[1].split(", ")]
    return nums[0], nums[1], nums[2]


def _rows(url: str | Path, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = open_engine(url)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(sa.text(sql), params)]
    engine.dispose()
    return rows


def _campaign_json(cli: Callable[..., Any], db: Path | str) -> dict[str, Any]:
    r = cli("--db", str(db), "report", "--by", "campaign", "--format", "json")
    assert r.returncode == 0, r.stderr
    data: dict[str, Any] = json.loads(r.stdout)
    return data


def _plan_call_script(db: Path, settings: Settings) -> str:
    """The phone script the plan's call list gives an account of this database."""
    engine = open_engine(db)
    try:
        effective = in_effect(settings, engine)  # as `fieldsales plan` opens the database
    finally:
        engine.dispose()
    account = SimpleNamespace(
        company="会社0", site=None, contact_name="山田", last_order_date=date(2024, 1, 1),
        last_product=None, main_reason="price",
    )  # fmt: skip
    return phone_script(account, effective, TODAY)


async def _phone_script(db: Path, settings: Settings, account_id: str) -> tuple[str, str]:
    """The account's script view in the app: the phone script and the approach box."""
    engine = open_engine(db)
    app = make_app(settings, engine, today=TODAY, db_label="rep.db")
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(3):
                await pilot.pause()
                await app.workers.wait_for_complete()
            app.push_screen(DetailScreen(account_id))
            for _ in range(3):
                await pilot.pause()
                await app.workers.wait_for_complete()
            screen = app.screen
            assert isinstance(screen, DetailScreen)

            def text(sel: str) -> str:
                return str(screen.query_one(sel).render())

            return text("#phone-script"), text("#approach")
    finally:
        engine.dispose()


async def test_lead_publishes_rep_syncs_and_the_app_and_cli_use_them(
    pg_url: str, tmp_path: Path, cli: Callable[..., Any], settings: Settings
) -> None:
    team = make_team(pg_url)
    sato = team.reps[0]
    rep_db = local_db(tmp_path, "sato")
    assert _sync(cli, rep_db, team.url[sato]) == (0, 3, 0)
    account = team.accounts_of(sato)[0]
    # before the team publishes: the rep's own (bundled) scripts, no campaign
    script, approach = await _phone_script(rep_db, settings, account)
    assert "TEAM-V1" not in script and "team" not in approach
    r = cli("--db", str(rep_db), "report", "--by", "campaign")
    assert r.returncode != 0 and "no campaign targets set" in r.stderr

    scripts = _scripts(tmp_path / "team_scripts.yaml", "TEAM-V1")
    config = _lead_config(tmp_path)
    r = _publish(cli, team, config, "--scripts", str(scripts))
    assert r.returncode == 0, r.stderr
    assert f"talk scripts: published version 1 (from {scripts})" in r.stdout
    assert f"campaign targets: published version 1 (from {config})" in r.stdout
    # the lead, working directly on the team database, sees the team's campaign
    lead_view = _campaign_json(cli, team.url[team.lead])
    assert lead_view["campaign"] == "冬の掘り起こし"

    # the rep pulls both in the same pass as account changes: 2 more pulled
    assert _sync(cli, rep_db, team.url[sato]) == (0, 2, 0)
    assert _rows(rep_db, "SELECT kind, version FROM team_publication ORDER BY kind") == [
        ("campaign", 1),
        ("talk_scripts", 1),
    ]
    script, approach = await _phone_script(rep_db, settings, account)
    assert script.startswith("TEAM-V1")
    assert f"Talk scripts of the team: version 1, published by {team.lead}" in approach
    ja_script, ja_approach = await _phone_script(
        rep_db, settings.model_copy(update={"language": "ja"}), account
    )
    assert ja_script.startswith("TEAM-V1")
    assert f"チームのトークスクリプト: 第1版、{team.lead}" in ja_approach
    data = _campaign_json(cli, rep_db)
    assert data["campaign"] == "冬の掘り起こし"
    assert data["targets"]["A"] == {"reactivations": 7, "revenue": 3000000}
    assert data["targets"]["total"] == {"reactivations": 11, "revenue": 3800000}
    shown = cli("--db", str(rep_db), "config", "show")
    assert shown.returncode == 0, shown.stderr
    assert f"talk scripts:     team, version 1, published by {team.lead} at" in shown.stdout
    assert f"campaign targets: team, version 1, published by {team.lead} at" in shown.stdout
    # the plan's call list takes the team's phone scripts too
    assert _plan_call_script(rep_db, settings).startswith("TEAM-V1")


def test_a_second_publish_replaces_them_and_a_resync_pulls_only_the_change(
    pg_url: str, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    team = make_team(pg_url)
    sato = team.reps[0]
    rep_db = local_db(tmp_path, "sato")
    config = _lead_config(tmp_path)
    scripts = _scripts(tmp_path / "v1.yaml", "TEAM-V1")
    assert _publish(cli, team, config, "--scripts", str(scripts)).returncode == 0
    assert _sync(cli, rep_db, team.url[sato]) == (0, 3 + 2, 0)
    # the same files again: nothing new is published, nothing pulled
    again = _publish(cli, team, config, "--scripts", str(scripts))
    assert "talk scripts: unchanged since version 1, not published again" in again.stdout
    assert "campaign targets: unchanged since version 1, not published again" in again.stdout
    assert _sync(cli, rep_db, team.url[sato]) == (0, 0, 0)
    # new scripts, same campaign: only the scripts are a new version, and pulled
    v2 = _scripts(tmp_path / "v2.yaml", "TEAM-V2")
    r = _publish(cli, team, config, "--scripts", str(v2))
    assert "talk scripts: published version 2" in r.stdout
    assert "campaign targets: unchanged since version 1" in r.stdout
    assert _sync(cli, rep_db, team.url[sato]) == (0, 1, 0)
    assert _rows(rep_db, "SELECT kind, version FROM team_publication ORDER BY kind, version") == [
        ("campaign", 1),
        ("talk_scripts", 1),
        ("talk_scripts", 2),
    ]
    assert _plan_call_script(rep_db, default_settings()).startswith("TEAM-V2")
    # new targets only
    _lead_config(tmp_path, CAMPAIGN.replace("reactivations: 7", "reactivations: 9"))
    r = _publish(cli, team, config, "--only", "campaign")
    assert "campaign targets: published version 2" in r.stdout
    assert "talk scripts" not in r.stdout
    assert _sync(cli, rep_db, team.url[sato]) == (0, 1, 0)
    assert _campaign_json(cli, rep_db)["targets"]["A"]["reactivations"] == 9
    # versions are kept on the server, with who published them
    assert _rows(
        pg_url, "SELECT kind, version, published_by FROM team_publication ORDER BY kind, version"
    ) == [
        ("campaign", 1, team.lead),
        ("campaign", 2, team.lead),
        ("talk_scripts", 1, team.lead),
        ("talk_scripts", 2, team.lead),
    ]


def test_a_rep_cannot_publish_nor_change_or_delete_a_publication(
    pg_url: str, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    team = make_team(pg_url)
    sato = team.reps[0]
    config = _lead_config(tmp_path)
    r = cli("--config", str(config), "--db", team.url[sato], "team", "publish")
    assert r.returncode != 0
    err = r.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert "permission denied" in err and "only a lead may publish" in err
    assert "Traceback" not in err
    assert _rows(pg_url, "SELECT count(*) FROM team_publication") == [(0,)]
    assert _publish(cli, team, config).returncode == 0
    for sql in (
        "UPDATE team_publication SET body = '{}'",
        "DELETE FROM team_publication",
        "INSERT INTO team_publication (id, kind, version, body, digest, source, published_by) "
        "VALUES ('x', 'campaign', 9, '{}', 'd', 's', current_user)",
    ):
        with psycopg.connect(team.url[sato]) as conn, pytest.raises(psycopg.Error) as err_info:
            conn.execute(sql)
        assert err_info.value.sqlstate == "42501"  # permission denied
    with psycopg.connect(team.url[team.lead]) as conn, pytest.raises(psycopg.Error) as err_info:
        conn.execute("DELETE FROM team_publication")
    assert err_info.value.sqlstate == "42501"  # nobody deletes
    assert _rows(pg_url, "SELECT count(*) FROM team_publication") == [(2,)]


def test_a_bad_scripts_file_is_refused_before_anything_reaches_the_server(
    pg_url: str, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    team = make_team(pg_url)
    bad = _scripts(tmp_path / "bad.yaml", "X")
    data = yaml.safe_load(bad.read_text("utf-8"))
    del data["ja"]["reasons"]["price"]["offer"]
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    config = _lead_config(tmp_path)
    # not even a connection: the team database here is a closed port
    r = cli("--config", str(config), "--db", "postgresql://x@127.0.0.1:1/none", "team",
            "publish", "--scripts", str(bad))  # fmt: skip
    assert r.returncode != 0
    assert r.stderr.strip() == f"error: {bad}: ja.reasons.price.offer: missing"
    r = _publish(cli, team, config, "--scripts", str(bad))
    assert r.returncode != 0 and "ja.reasons.price.offer: missing" in r.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("en:\n  reasons: [unclosed\n", encoding="utf-8")
    r = _publish(cli, team, config, "--scripts", str(broken))
    assert r.returncode != 0 and "YAML syntax error" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    # a campaign that ends before it starts: refused as the config loader refuses it
    _lead_config(tmp_path, CAMPAIGN.replace("end: 2027-01-31", "end: 2026-10-01"))
    r = _publish(cli, team, config, "--scripts", str(_scripts(tmp_path / "ok.yaml", "OK")))
    assert r.returncode != 0 and "before start" in r.stderr
    assert _rows(pg_url, "SELECT count(*) FROM team_publication") == [(0,)]


def _env(home: Path) -> dict[str, str]:
    env = {"FIELDSALES_HOME": str(home), "PATH": "/usr/bin:/bin"}
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


def _local_state(db: Path) -> tuple[int, list[tuple[Any, ...]], bool]:
    engine = open_engine(db)
    with engine.connect() as conn:
        accounts = conn.execute(sa.text("SELECT count(*) FROM account")).scalar_one()
        pubs = [
            tuple(r)
            for r in conn.execute(
                sa.text("SELECT id, kind, version, digest FROM team_publication ORDER BY id")
            )
        ]
        synced = conn.execute(
            sa.text("SELECT count(*) FROM sync_state WHERE key = 'pull_xid'")
        ).scalar_one()
    engine.dispose()
    return int(accounts), pubs, bool(synced)


def test_a_sync_killed_during_the_pull_and_rerun_is_consistent(
    pg_url: str, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    team = make_team(pg_url, accounts_per_rep=1500)
    sato = team.reps[0]
    assert _publish(cli, team, _lead_config(tmp_path), "--scripts",
                    str(_scripts(tmp_path / "s.yaml", "TEAM-V1"))).returncode == 0  # fmt: skip
    server = _rows(pg_url, "SELECT id, kind, version, digest FROM team_publication ORDER BY id")
    db = local_db(tmp_path, "sato")
    cmd = [sys.executable, "-m", "fieldsales", "--db", str(db), "sync", "--remote", team.url[sato]]
    env = _env(tmp_path / "home")
    rng = random.Random(11)
    kills = 0
    with psycopg.connect(pg_url, autocommit=True) as watch:
        # until the pull was killed a few times: a run that ended before its kill
        # leaves a complete copy, whose next sync pulls nothing, so the rep starts
        # again from an empty file (on a fast machine the pull takes ~0.2 s)
        for _ in range(20):
            if kills >= 3:
                break
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            while proc.poll() is None:  # until the pull's snapshot is being read
                row = watch.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE usename = %s", (sato,)
                ).fetchone()
                if row and row[0]:
                    break
                time.sleep(0.005)
            time.sleep(rng.uniform(0.0, 0.4))
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                kills += 1
            proc.communicate(timeout=60)
            # all or nothing: the accounts, the publications and the checkpoint together
            accounts, pubs, synced = _local_state(db)
            if synced:
                assert (accounts, pubs) == (1500, server)
                for leftover in tmp_path.glob("sato.db*"):
                    leftover.unlink()
                local_db(tmp_path, "sato")
            else:
                assert (accounts, pubs) == (0, [])
    assert kills >= 3
    last = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert last.returncode == 0, last.stderr
    assert _local_state(db) == (1500, server, True)
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert "pushed 0, pulled 0, conflicts 0" in again.stdout


async def test_offline_after_the_sync_the_team_scripts_and_targets_stay(
    own_pg_server: tuple[str, Callable[[], None]],
    tmp_path: Path,
    cli: Callable[..., Any],
    settings: Settings,
) -> None:
    base, stop = own_pg_server
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    team = make_team(f"{base}/{name}")
    sato = team.reps[0]
    rep_db = local_db(tmp_path, "sato")
    scripts = _scripts(tmp_path / "s.yaml", "TEAM-V1")
    assert _publish(cli, team, _lead_config(tmp_path), "--scripts", str(scripts)).returncode == 0
    assert _sync(cli, rep_db, team.url[sato]) == (0, 3 + 2, 0)
    stop()  # the team database is gone
    r = cli("--db", str(rep_db), "sync", "--remote", team.url[sato])
    assert r.returncode != 0 and "run `fieldsales sync` again" in r.stderr
    account = _rows(rep_db, "SELECT id FROM account ORDER BY id")[0][0]
    script, approach = await _phone_script(rep_db, settings, account)
    assert script.startswith("TEAM-V1")
    assert "Talk scripts of the team: version 1" in approach
    assert _campaign_json(cli, rep_db)["campaign"] == "冬の掘り起こし"
