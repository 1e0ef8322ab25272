"""Issue 13, point 4: `wardcrawler discover` against local portals standing in for Hà Nội units.

Replica sites are renamed (after the server started) to real units that have no registered
portal, and served under those units' real host names through a resolve file; every other
host is left unresolvable, so nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import re
import tomllib
from urllib.parse import urlsplit

import pytest

from tests.acceptance.units.standins import port_of, site
from tests.helpers import FAST, query, run_cli
from wardcrawler.replica import ReplicaServer

# (replica slug, new name, new url, district) -> what discover must propose
STANDINS = {
    "hoankiem": (
        "replica-hanoi-phucloi",
        "Phường Hoàn Kiếm",
        "http://hoankiem.hanoi.gov.vn/",
        None,
    ),
    "socson": ("replica-tandan", "Xã Sóc Sơn", "http://socson.hanoi.gov.vn/", None),
    # pre-2025: Cự Khối, a Long Biên ward not in the shipped registry (former code 00154)
    "cukhoi": (
        "replica-giathuy",
        "Phường Cự Khối",
        "http://cukhoi.longbien.hanoi.gov.vn/",
        "Quận Long Biên",
    ),
    # a page that names another unit (Ba Đình) than its host suggests (Tây Hồ)
    "tayho": ("replica-dongda", "Phường Ba Đình", "http://tayho.hanoi.gov.vn/", None),
}
EXPECTED = {
    # slug: (code key, code, replica slug, host)
    "hanoi-hoankiem": ("code", "00070", "replica-hanoi-phucloi", "hoankiem.hanoi.gov.vn"),
    "hanoi-socson": ("code", "00376", "replica-tandan", "socson.hanoi.gov.vn"),
    "longbien-cukhoi": ("former_code", "00154", "replica-giathuy", "cukhoi.longbien.hanoi.gov.vn"),
}


@pytest.fixture(scope="module")
def discovered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("discover")
    shipped_before = run_cli("wards").stdout
    with ReplicaServer() as replica:
        families, categories, lines = {}, {}, []
        for original, name, url, district in STANDINS.values():
            s = site(replica, original)
            port = port_of(s.url)
            families[original] = s.family
            categories[original] = [c.path for c in s.categories]
            s.name = name
            s.url = url
            if district is not None:
                s.district = district
            lines.append(f"{urlsplit(url).hostname}=127.0.0.1:{port}")
        hosts = folder / "hosts.txt"
        hosts.write_text("# stand-ins\n" + "\n".join(lines) + "\n", encoding="utf-8")
        output = folder / "proposed.toml"
        result = run_cli(
            "discover",
            "--province",
            "1",
            "--output",
            str(output),
            "--resolve-file",
            str(hosts),
            *FAST,
        )
        truth = replica.ground_truth()
        crawl = None
        db = folder / "proposed.db"
        if result.returncode == 0 and output.exists():
            crawl = run_cli(
                "crawl",
                "--wards",
                str(output),
                "--db",
                str(db),
                "--resolve-file",
                str(hosts),
                *FAST,
            )
    shipped_after = run_cli("wards").stdout
    return dict(
        result=result,
        output=output,
        families=families,
        categories=categories,
        truth=truth,
        crawl=crawl,
        db=db,
        hosts=hosts,
        shipped=(shipped_before, shipped_after),
    )


def proposed(discovered) -> dict:
    assert discovered["result"].returncode == 0, discovered["result"].stderr
    data = tomllib.loads(discovered["output"].read_text(encoding="utf-8"))
    return {w["slug"]: w for w in data.get("ward", [])}


def figure(report: str, name: str) -> int:
    match = re.search(rf"\b{name}\b\s*[:=]?\s*(\d+)", report)
    assert match, f"no {name} figure in the report:\n{report}"
    return int(match.group(1))


def test_exactly_the_answering_units_are_proposed(discovered):
    wards = proposed(discovered)
    assert set(wards) == set(EXPECTED)
    codes = {w.get("code") or w.get("former_code") for w in wards.values()}
    assert codes == {"00070", "00376", "00154"}
    assert all(c != "00004" and c != "00103" for c in codes)  # neither Ba Đình nor Tây Hồ


def test_proposed_entries_have_code_family_url_name(discovered):
    wards = proposed(discovered)
    names = {
        "hanoi-hoankiem": "Phường Hoàn Kiếm",
        "hanoi-socson": "Xã Sóc Sơn",
        "longbien-cukhoi": "Phường Cự Khối",
    }
    for slug, (key, code, original, host) in EXPECTED.items():
        ward = wards[slug]
        assert ward[key] == code, ward
        other = "former_code" if key == "code" else "code"
        assert other not in ward, ward
        assert ward["name"] == names[slug]
        assert ward["province"] in ("Hà Nội", "Thành phố Hà Nội")
        assert urlsplit(ward["url"]).hostname == host
        assert ward["family"] == discovered["families"][original]
    assert wards["longbien-cukhoi"]["district"] == "Quận Long Biên"


@pytest.mark.parametrize("slug", sorted(EXPECTED))
def test_proposed_categories_are_the_portals_categories(discovered, slug):
    ward = proposed(discovered)[slug]
    original = EXPECTED[slug][2]
    got = [c.strip("/") for c in ward["categories"]]
    assert sorted(got) == sorted(c.strip("/") for c in discovered["categories"][original])


def test_report_figures(discovered):
    report = discovered["result"].stdout + discovered["result"].stderr
    assert figure(report, "units") >= 120  # Hà Nội's 126 but the registered ones
    assert figure(report, "candidates") > figure(report, "resolved")
    assert figure(report, "resolved") == 4  # only the mapped hosts resolve
    assert figure(report, "answered") == 4
    assert figure(report, "proposed") == 3
    assert 3 <= figure(report, "recognised") <= 4
    assert "tayho.hanoi.gov.vn" in report


def test_shipped_registry_is_not_edited(discovered):
    before, after = discovered["shipped"]
    assert before == after
    assert "hanoi-hoankiem" not in after


def test_proposed_registry_loads(discovered):
    result = run_cli("wards", "--wards", str(discovered["output"]))
    assert result.returncode == 0, result.stderr
    assert "00070" in result.stdout and "00154" in result.stdout


def test_proposed_registry_crawls_cleanly(discovered):
    crawl = discovered["crawl"]
    assert crawl is not None
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    db = discovered["db"]
    counts = {
        r["ward"]: r["n"]
        for r in query(db, "select ward, count(*) as n from articles group by ward")
    }
    assert set(counts) == set(EXPECTED)
    for slug, (_, _, original, host) in EXPECTED.items():
        expected = [a for a in discovered["truth"]["articles"] if a["ward"] == original]
        assert counts[slug] == len(expected), slug
        urls = {r["url"] for r in query(db, "select url from articles where ward = ?", (slug,))}
        assert {urlsplit(u).hostname for u in urls} == {host}
    dns = query(db, "select * from fetch_errors where reason like '%DNS%'")
    assert dns == []


def test_proposed_units_are_covered_after_the_crawl(discovered):
    db = discovered["db"]
    rows = {r.get("unit_code", r.get("code")): r for r in query(db, "select * from unit_coverage")}
    assert rows["00070"]["coverage"] == "archived"
    assert rows["00376"]["coverage"] == "archived"
    # Cự Khối became part of today's Long Biên (00148): its articles show there.
    long_bien = query(db, "select * from unit_articles where unit_code = '00148'")
    assert long_bien and {r["portal_of"] for r in long_bien} == {"former unit"}


def test_unknown_province_is_a_bad_option(tmp_path):
    result = run_cli(
        "discover",
        "--province",
        "99",
        "--output",
        str(tmp_path / "p.toml"),
        "--resolve",
        "x.hanoi.gov.vn=127.0.0.1:9",
        *FAST,
    )
    assert result.returncode == 2


def test_unknown_unit_is_a_bad_option(tmp_path):
    result = run_cli(
        "discover",
        "--unit",
        "99999",
        "--output",
        str(tmp_path / "p.toml"),
        "--resolve",
        "x.hanoi.gov.vn=127.0.0.1:9",
        *FAST,
    )
    assert result.returncode == 2


def test_bad_resolve_entry_is_a_bad_option(tmp_path):
    result = run_cli(
        "discover",
        "--unit",
        "00070",
        "--output",
        str(tmp_path / "p.toml"),
        "--resolve",
        "hoankiem.hanoi.gov.vn",
        *FAST,
    )
    assert result.returncode == 2
