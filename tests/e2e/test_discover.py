"""End to end: `wardcrawler discover --province 1` against local portals standing in for units.

Three replica wards are renamed and served as the portals of three Hà Nội units, at the host
names of their platforms: Phường Hoàn Kiếm (hanoi-portal, `hoankiem.hanoi.gov.vn`), Phường Ba
Đình (sharepoint-portal-pages, `badinh.hanoi.gov.vn`) and the pre-2025 Phường Ngọc Lâm of Quận
Long Biên (liferay-asset-publisher, `ngoclam.longbien.hanoi.gov.vn`). `longbien.hanoi.gov.vn`,
a candidate of today's Phường Long Biên, answers with a page naming another unit. Every other
host is left out of the resolve file, hence unresolvable. The truth: those three units, their
families, their official codes, their category pages; the proposed registry crawls cleanly.
"""

from __future__ import annotations

import tomllib
from urllib.parse import urlsplit

import pytest

from tests.helpers import FAST, query, run_cli
from wardcrawler.portals.units import CURRENT, FORMER, find
from wardcrawler.replica import ReplicaServer

STAND_INS = {  # replica ward -> (unit name, era, district, host)
    "replica-dongda": ("Phường Hoàn Kiếm", CURRENT, None, "hoankiem.hanoi.gov.vn"),
    "replica-ninhthuan-phuha": ("Phường Ba Đình", CURRENT, None, "badinh.hanoi.gov.vn"),
    "replica-giathuy": ("Phường Ngọc Lâm", FORMER, "Quận Long Biên",
                        "ngoclam.longbien.hanoi.gov.vn"),
}  # fmt: skip
NAMES_ANOTHER = "longbien.hanoi.gov.vn"


@pytest.fixture(scope="module")
def discovered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("discover")
    with ReplicaServer() as replica:
        lines, expected = [], {}
        for site in replica.sites:
            if site.slug not in STAND_INS:
                continue
            name, era, district, host = STAND_INS[site.slug]
            port = urlsplit(site.url).port
            site.name, site.district, site.url = name, district, f"http://{host}/"
            lines.append(f"{host}=127.0.0.1:{port}")
            if site.slug == "replica-giathuy":
                lines.append(f"{NAMES_ANOTHER}=127.0.0.1:{port}")
            (unit,) = find(name, "Hà Nội", era, district)
            expected[unit.code] = {"site": site, "era": era, "host": host}
        hosts = folder / "hosts.txt"
        hosts.write_text("\n".join(lines) + "\n", encoding="utf-8")
        output = folder / "proposed.toml"
        args = ("discover", "--province", "1", "--output", str(output), "--resolve-file",
                str(hosts), *FAST)  # fmt: skip
        first = run_cli(*args)
        replica.reset_requests()
        again = run_cli(*args)
        resumed_requests = list(replica.requests)
        truth = replica.ground_truth()
        db = folder / "crawl.db"
        crawled = run_cli("crawl", "--wards", str(output), "--db", str(db), "--resolve-file",
                          str(hosts), *FAST)  # fmt: skip
        yield {
            "first": first, "again": again, "resumed_requests": resumed_requests,
            "proposed": tomllib.loads(output.read_text(encoding="utf-8"))["ward"],
            "expected": expected, "truth": truth, "crawled": crawled, "db": db,
        }  # fmt: skip


def test_exactly_the_units_that_answer_are_proposed_with_family_code_and_categories(discovered):
    assert discovered["first"].returncode == 0, discovered["first"].stderr[-2000:]
    proposed = {w.get("code") or w.get("former_code"): w for w in discovered["proposed"]}
    assert set(proposed) == set(discovered["expected"])
    for code, want in discovered["expected"].items():
        entry, site = proposed[code], want["site"]
        assert entry["family"] == site.family, code
        assert ("code" in entry) == (want["era"] == CURRENT), entry
        assert entry["url"] == f"http://{want['host']}/"
        assert entry["categories"] == [c.path for c in site.categories], code
        assert entry["name"] == site.name


def test_the_report_counts_what_was_probed(discovered):
    report = discovered["first"].stdout
    figures = dict(line.split(": ", 1) for line in report.splitlines() if not line.startswith(" "))
    assert figures["units"] == "123"  # Hà Nội's 126, but the registry's three
    assert figures["resolved"] == "4" and figures["answered"] == "4"
    assert figures["recognised"] == "3"
    assert figures["proposed"].startswith("3 ")
    assert f"{NAMES_ANOTHER}: answered" in report and "does not name Phường Long Biên" in report


def test_a_second_run_resumes_from_its_state_without_probing_again(discovered):
    assert discovered["again"].returncode == 0
    assert discovered["again"].stdout == discovered["first"].stdout
    assert discovered["resumed_requests"] == []


def test_the_proposed_registry_crawls_cleanly(discovered):
    assert discovered["crawled"].returncode == 0, discovered["crawled"].stderr[-2000:]
    rows = query(discovered["db"], "select ward, count(*) as n from articles group by ward")
    slugs = {w["slug"]: w for w in discovered["proposed"]}
    stored = {slugs[r["ward"]]["url"]: r["n"] for r in rows}
    for want in discovered["expected"].values():
        site = want["site"]
        count = sum(a["ward"] == site.slug for a in discovered["truth"]["articles"])
        assert stored[site.url] == count, site.slug


def test_units_need_a_province_or_a_unit(tmp_path):
    result = run_cli("discover", "--output", str(tmp_path / "p.toml"))
    assert result.returncode == 2 and "--province" in result.stderr
    result = run_cli("discover", "--province", "99", "--output", str(tmp_path / "p.toml"))
    assert result.returncode == 2 and "no province has official code '99'" in result.stderr
