"""End to end: a crawled archive read by official unit, old portals and new, in Datasette.

The replica has two portals of Phúc Lợi: the pre-2025 Liferay one of Phường Phúc Lợi (Quận
Long Biên, former code 00136) and the current one of Phường Phúc Lợi (code 00136), which the
former became part of; no other replica ward's unit went into it.
"""

from __future__ import annotations

from tests.helpers import datasette_get, query
from wardcrawler.portals.units import became, current_units

PHUC_LOI = "00136"


def covering(truth: dict, code: str) -> set[str]:
    """Slugs of the replica wards whose unit is, or became part of, the current unit `code`."""
    return {
        w["slug"]
        for w in truth["wards"]
        if w.get("code") == code or (w.get("former_code") and code in became(w["former_code"]))
    }


def units_of(ward: dict) -> list[str]:
    """The current units a replica ward covers: its own, or those its former unit became."""
    return [ward["code"]] if ward.get("code") else became(ward.get("former_code", ""))


def test_the_wards_carry_their_official_units(crawl):
    rows = {r["slug"]: r for r in query(crawl.db, "select * from wards")}
    for ward in crawl.truth["wards"]:
        row = rows[ward["slug"]]
        assert row["unit_code"] == ward.get("code")
        assert row["former_unit_code"] == ward.get("former_code")
    assert rows["replica-hanoi-phucloi"]["province_code"] == "01"
    assert rows["replica-phucloi"]["province_code"] == "01"  # the former unit's current province


def test_articles_of_a_current_unit_come_from_its_own_and_its_former_portals(crawl):
    wards = covering(crawl.truth, PHUC_LOI)
    assert wards == {"replica-phucloi", "replica-hanoi-phucloi"}
    expected = sorted((a["ward"], a["key"]) for a in crawl.truth["articles"] if a["ward"] in wards)
    (page,) = datasette_get(
        crawl.db, f"/wards/unit_articles.json?unit_code={PHUC_LOI}&_shape=objects&_size=max"
    )
    rows = page.json()["rows"]
    assert sorted((r["ward"], r["article_key"]) for r in rows) == expected
    assert {r["portal_of"] for r in rows} == {"current unit", "former unit"}
    assert {r["unit_name"] for r in rows} == {current_units()[PHUC_LOI].name}


def test_coverage_counts_units_with_portals_and_articles(crawl):
    (page,) = datasette_get(crawl.db, "/wards/unit_coverage.json?code=00136&_shape=objects")
    (row,) = page.json()["rows"]
    truth_count = sum(a["ward"] in covering(crawl.truth, PHUC_LOI) for a in crawl.truth["articles"])
    assert row["articles"] == truth_count
    assert row["coverage"] == "archived"
    assert row["last_crawl"]
    units = query(crawl.db, "select count(*) as n from unit_coverage")[0]["n"]
    assert units == 3321
    hanoi = query(crawl.db, "select * from province_coverage where province_code = '01'")[0]
    hanoi_wards = [w for w in crawl.truth["wards"] if w["province"] == "Hà Nội"]
    covered = {c for w in hanoi_wards for c in units_of(w)}
    assert hanoi["with_portal"] == len(covered)
    assert hanoi["without_portal"] == 126 - len(covered)
