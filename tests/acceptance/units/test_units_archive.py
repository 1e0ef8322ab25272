"""Issue 13, points 1-3: the official units in the archive, the lineage, the views by unit."""

from __future__ import annotations

import json

import pytest

from tests.acceptance.units.standins import site, ward_table, write_registry
from tests.helpers import FAST, datasette_get, query, run_cli
from wardcrawler.replica import ReplicaServer


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """A fresh archive: one pre-2025 Long Biên portal (former Phúc Lợi, 00136) and the
    current Phúc Lợi portal (00136), both crawled from the replica."""
    folder = tmp_path_factory.mktemp("units-archive")
    with ReplicaServer() as replica:
        old = site(replica, "replica-phucloi")
        new = site(replica, "replica-hanoi-phucloi")
        registry = write_registry(
            folder / "wards.toml",
            ward_table(
                slug="old-phucloi",
                name="Phường Phúc Lợi",
                province="Hà Nội",
                district="Quận Long Biên",
                former_code="00136",
                url=old.url,
                family=old.family,
                categories=[c.path for c in old.categories],
            ),
            ward_table(
                slug="new-phucloi",
                name="Phường Phúc Lợi",
                province="Hà Nội",
                code="00136",
                url=new.url,
                family=new.family,
                categories=[c.path for c in new.categories],
            ),
        )
        db = folder / "wards.db"
        result = run_cli("crawl", "--wards", str(registry), "--db", str(db), *FAST)
    assert result.returncode == 0, result.stderr
    return db


def test_units_table_holds_the_3321_current_units(archive):
    rows = query(archive, "select code, name, kind, province_code, province from units")
    assert len(rows) == 3321
    kinds = {}
    for row in rows:
        kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
    assert kinds == {"xã": 2621, "phường": 687, "đặc khu": 13}
    assert all(len(str(r["code"])) == 5 and str(r["code"]).isdigit() for r in rows)
    assert len({r["code"] for r in rows}) == 3321


def test_hanoi_units_and_known_codes(archive):
    hanoi = query(
        archive, "select code, name, province from units where province_code in (1, '1', '01')"
    )
    assert len(hanoi) == 126
    assert {r["province"] for r in hanoi} == {"Thành phố Hà Nội"} or {
        r["province"] for r in hanoi
    } == {"Hà Nội"}
    by_code = {r["code"]: r["name"] for r in hanoi}
    assert by_code["00136"] == "Phường Phúc Lợi"
    assert by_code["00127"] == "Phường Việt Hưng"
    assert by_code["00130"] == "Phường Bồ Đề"
    assert sum(1 for n in by_code.values() if n.startswith("Phường ")) == 51
    assert sum(1 for n in by_code.values() if n.startswith("Xã ")) == 75


def test_units_come_from_the_package_and_the_source_is_recorded(archive):
    from vietnam_provinces import Ward

    expected = {f"{w.code:05d}": w.name for w in Ward.iter_all()}
    stored = {r["code"]: r["name"] for r in query(archive, "select code, name from units")}
    assert stored == expected
    meta = {r["key"]: r["value"] for r in query(archive, "select key, value from archive_meta")}
    assert "units_source" in meta
    assert (
        "vietnam-provinces" in meta["units_source"] or "vietnam_provinces" in meta["units_source"]
    )


def test_wards_carry_their_official_units(archive):
    rows = {r["slug"]: r for r in query(archive, "select * from wards")}
    assert rows["new-phucloi"]["unit_code"] == "00136"
    assert rows["new-phucloi"]["former_unit_code"] in (None, "")
    assert rows["old-phucloi"]["former_unit_code"] == "00136"
    assert rows["old-phucloi"]["unit_code"] in (None, "")
    assert str(rows["new-phucloi"]["province_code"]).lstrip("0") == "1"
    assert str(rows["old-phucloi"]["province_code"]).lstrip("0") == "1"


def test_former_unit_and_its_lineage_to_current_units(archive):
    former = query(archive, "select * from former_units where code = '00136'")
    assert len(former) == 1
    assert former[0]["name"] == "Phường Phúc Lợi"
    assert former[0]["district"] == "Quận Long Biên"
    became = {
        r["unit_code"]
        for r in query(archive, "select unit_code from unit_lineage where former_code = '00136'")
    }
    # The pre-2025 Phúc Lợi was split: part went to today's Phúc Lợi, part to Việt Hưng.
    assert {"00136", "00127"} <= became
    assert became <= {r["code"] for r in query(archive, "select code from units")}


def test_articles_carry_the_official_province_code(archive):
    rows = query(archive, "select distinct province_code from articles")
    assert [str(r["province_code"]).lstrip("0") for r in rows] == ["1"]


def test_unit_articles_view_unites_old_and_new_portals(archive):
    all_ids = {r["id"] for r in query(archive, "select id from articles")}
    new_ids = {
        r["id"] for r in query(archive, "select id from articles where ward = 'new-phucloi'")
    }
    old_ids = all_ids - new_ids
    assert new_ids and old_ids
    rows = query(archive, "select * from unit_articles where unit_code = '00136'")
    ids = [r.get("article_id", r.get("id")) for r in rows]
    assert len(ids) == len(set(ids)), "one row per unit and article"
    assert set(ids) == all_ids
    kinds = {r["portal_of"] for r in rows}
    assert kinds == {"current unit", "former unit"}
    # Việt Hưng today holds part of the old Phúc Lợi: its list shows the old portal's articles.
    viet_hung = query(archive, "select * from unit_articles where unit_code = '00127'")
    assert {r.get("article_id", r.get("id")) for r in viet_hung} == old_ids
    assert {r["portal_of"] for r in viet_hung} == {"former unit"}


def test_unit_articles_in_datasette(archive):
    (response,) = datasette_get(
        archive, "/wards/unit_articles.json?unit_code=00136&_shape=array&_size=max"
    )
    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == len(query(archive, "select id from articles"))
    assert {r["unit_code"] for r in rows} == {"00136"}


def test_articles_facet_by_official_province(archive):
    (response,) = datasette_get(archive, "/wards/articles.json?_facet=province_code&_size=0")
    assert response.status_code == 200
    facet = response.json()["facet_results"]
    facet = facet.get("results", facet)  # Datasette 0.65 / 1.0 shapes
    values = {str(v["value"]).lstrip("0"): v["count"] for v in facet["province_code"]["results"]}
    assert values == {"1": len(query(archive, "select id from articles"))}


def test_unit_coverage_view(archive):
    rows = {
        r["unit_code"] if "unit_code" in r else r["code"]: r
        for r in query(archive, "select * from unit_coverage")
    }
    assert len(rows) == 3321
    n_articles = len(query(archive, "select id from articles"))
    assert rows["00136"]["articles"] == n_articles
    assert rows["00136"]["portals"] == 2
    assert rows["00136"]["coverage"] == "archived"
    assert rows["00136"]["last_crawl"]
    assert rows["00070"]["coverage"] == "no portal"  # Hoàn Kiếm: nothing registered here
    assert not rows["00070"]["articles"]
    assert rows["00070"]["portals"] in (0, None)


def test_province_coverage_view(archive):
    rows = query(archive, "select * from province_coverage")
    assert len(rows) == 34
    hanoi = [
        r
        for r in rows
        if str(r.get("province_code", "")).lstrip("0") == "1"
        or r.get("province") in ("Hà Nội", "Thành phố Hà Nội")
    ]
    assert len(hanoi) == 1
    hanoi = hanoi[0]
    assert hanoi["units"] == 126
    assert hanoi["with_portal"] >= 1
    assert hanoi["with_portal"] + hanoi["without_portal"] == 126
    assert hanoi["with_articles"] >= 1
    assert hanoi["articles"] == len(query(archive, "select id from articles"))
    assert sum(r["units"] for r in rows) == 3321
    others = [r for r in rows if r is not hanoi]
    assert all(r["with_portal"] == 0 and r["without_portal"] == r["units"] for r in others)


def test_coverage_views_in_datasette(archive):
    first, second = datasette_get(
        archive,
        "/wards/unit_coverage.json?coverage=no+portal&_size=0",
        "/wards/province_coverage.json?_shape=array",
    )
    assert first.status_code == 200
    assert first.json()["filtered_table_rows_count"] >= 3321 - 2
    assert second.status_code == 200
    assert len(second.json()) == 34
    json.dumps(second.json())
