"""The replica portals serve what their ground truth says, with the promised quirks and faults."""

from __future__ import annotations

import html
import json
import re
import time
import tomllib
import unicodedata
import urllib.error
import urllib.request
import urllib.robotparser
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from wardcrawler.extract.urls import article_id, canonical_article_url
from wardcrawler.portals.families import FAMILIES
from wardcrawler.replica import ReplicaServer
from wardcrawler.replica.model import DATE_ONLY, Site, url_title, vi_number
from wardcrawler.replica.render_liferay import toolbar_meta
from wardcrawler.replica.wards import SPECS

SLOW = 0.3
SEED_KEY = "chi-bo-to-dan-pho-so-2-ang-bo-phuong-phuc-loi-to-chuc-sinh-hoat-chinh-tri-tu-tuong"
PAGE_PARAM = {
    "liferay-asset-publisher": "?p_p_id=101&p_p_lifecycle=0&_101_delta=10&_101_cur=",
    "hanoi-portal": "?page=",
    "liferay-view-content": "?cur=",
    "tandan-liferay": "?cur=",
    "sharepoint-portal-pages": "?page=",
    "danang-portal": "?page=",
}
# Every family with a URL grammar is a platform the replica serves (the generic family, for
# portals of unknown platform, has none and no replica ward).
PLATFORMS = [key for key, family in FAMILIES.items() if family.article_url is not None]
SECTION4 = ("tandan-liferay", "sharepoint-portal-pages", "danang-portal")


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaServer]:
    with ReplicaServer(slow_seconds=SLOW) as server:
        yield server


@pytest.fixture(scope="module")
def truth(replica: ReplicaServer) -> dict[str, Any]:
    return replica.ground_truth()


def fetch(url: str) -> tuple[int, str, str]:
    """Status, Content-Type and body text of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers["Content-Type"], error.read().decode()


def reader_text(page: str) -> str:
    """What a reader sees: scripts and tags dropped, entities decoded, NFC, spaces collapsed."""
    text = re.sub(r"<[^>]+>", "", re.sub(r"<script\b.*?</script>", "", page, flags=re.S))
    return " ".join(unicodedata.normalize("NFC", html.unescape(text)).split())


def ward(replica: ReplicaServer, slug: str) -> Site:
    return next(site for site in replica.wards if site.slug == slug)


def first_of(replica: ReplicaServer, family: str) -> Site:
    return next(site for site in replica.wards if site.family == family)


def articles_of(truth: dict[str, Any], slug: str) -> list[dict[str, Any]]:
    return [a for a in truth["articles"] if a["ward"] == slug]


def test_registry_lists_ten_wards_of_six_families(replica: ReplicaServer) -> None:
    wards = tomllib.loads(replica.registry_toml())["ward"]
    assert [w["family"] for w in wards].count("liferay-asset-publisher") == 3
    assert [w["family"] for w in wards].count("hanoi-portal") == 2
    assert [w["family"] for w in wards].count("liferay-view-content") == 2
    for family in SECTION4:
        assert [w["family"] for w in wards].count(family) == 1
    assert {w["family"] for w in wards} == set(PLATFORMS)
    for entry, site in zip(wards, replica.wards, strict=True):
        assert entry["url"] == site.url and site.url.startswith("http://127.0.0.1:")
        known = {"slug", "name", "province", "district", "url", "family", "categories"}
        assert set(entry) <= known | {"code", "former_code"}
    uncoded = {w["slug"] for w in wards if not ("code" in w or "former_code" in w)}
    assert uncoded == {"replica-lacvien", "replica-leloi"}  # not in the mid-2025 unit list
    without = {w["slug"] for w in wards if "categories" not in w}
    assert without == {"replica-giathuy", "replica-dongda"}
    assert len({w["url"] for w in wards}) == len(SPECS) == 10


@pytest.mark.parametrize("family", PLATFORMS)
def test_listing_and_article_show_ground_truth(
    replica: ReplicaServer, truth: dict[str, Any], family: str
) -> None:
    site = first_of(replica, family)
    for cat in site.categories:
        status, _, page = fetch(site.absolute(f"/{cat.path}"))
        assert status == 200
        newest = site.listing(cat.path)[0]
        assert newest.title in reader_text(page)
        assert cat.name in reader_text(page)
    records = articles_of(truth, site.slug)
    assert 15 <= len(records) <= 40
    for record in records[:5]:
        status, _, page = fetch(record["url"])
        text = reader_text(page)
        assert status == 200
        assert record["title"] in text
        assert all(paragraph in text for paragraph in record["body"].split("\n\n"))


@pytest.mark.parametrize("family", PLATFORMS)
def test_page_past_the_last_repeats_the_last(replica: ReplicaServer, family: str) -> None:
    site = first_of(replica, family)
    cat = max(site.categories, key=lambda c: site.pages(c.path))
    last = site.pages(cat.path)
    assert last >= 3
    base = site.absolute(f"/{cat.path}{PAGE_PARAM[family]}")
    first_page, last_page, beyond = (fetch(f"{base}{n}")[2] for n in (1, last, last + 7))
    assert beyond == last_page
    assert first_page != last_page
    assert site.listing(cat.path)[-1].title in reader_text(last_page)


def test_robots_txt_disallows_linked_paths(replica: ReplicaServer, truth: dict[str, Any]) -> None:
    for site in replica.wards:
        status, ctype, body = fetch(site.absolute("/robots.txt"))
        assert status == 200 and ctype.startswith("text/plain")
        assert "Disallow: /tim-kiem" in body
        assert 'href="/tim-kiem' in fetch(site.url)[2]
    leloi = ward(replica, "replica-leloi")
    rules = urllib.robotparser.RobotFileParser()
    rules.parse(fetch(leloi.absolute("/robots.txt"))[2].splitlines())
    blocked = [p for p in truth["robots_disallowed"] if p.endswith(".html")]
    assert len(blocked) == 1 and not rules.can_fetch("*", leloi.absolute(blocked[0]))
    listings = "".join(fetch(leloi.absolute(f"/thong-bao?cur={n}"))[2] for n in (1, 2, 3))
    assert f'href="{blocked[0]}"' in listings
    assert all(blocked[0] not in a["url"] for a in truth["articles"])


def test_first_request_of_the_fault_article_is_503() -> None:
    with ReplicaServer(slow_seconds=0) as server:
        (url,) = server.ground_truth()["fault_urls"]["503_once"]
        assert fetch(url)[0] == 503
        status, _, page = fetch(url)
        assert status == 200
        assert [entry[3] for entry in server.requests] == [503, 200]
        parts = urlsplit(url)
        assert server.requests[0][:3] == ("replica-lacvien", "GET", parts.path)
        assert not parts.query


def test_every_truth_article_is_served(truth: dict[str, Any]) -> None:
    retry = set(truth["fault_urls"]["503_once"])
    listed = sum(spec.count for spec in SPECS)  # dead, robots and broken entries are no articles
    assert len(truth["articles"]) == listed - 3 >= 150
    for record in truth["articles"]:
        status, _, page = fetch(record["url"])
        if status == 503 and record["url"] in retry:
            status, _, page = fetch(record["url"])
        assert status == 200, record["url"]
        assert record["title"] in reader_text(page), record["url"]


def test_dead_link_is_listed_and_404(replica: ReplicaServer, truth: dict[str, Any]) -> None:
    (dead,) = truth["dead_links"]
    assert fetch(dead)[0] == 404
    site = next(s for s in replica.wards if dead.startswith(s.url))
    path = dead.removeprefix(site.url.rstrip("/"))
    cat = path.split("/")[1]
    pages = "".join(fetch(site.absolute(f"/{cat}?page={n}"))[2] for n in range(1, 6))
    assert f'href="{path}"' in pages


def test_slow_page_is_slow(replica: ReplicaServer, truth: dict[str, Any]) -> None:
    (url,) = truth["fault_urls"]["slow"]
    start = time.monotonic()
    assert fetch(url)[0] == 200
    assert time.monotonic() - start >= SLOW


def test_liferay_article_under_any_category_and_parameter_order(
    replica: ReplicaServer, truth: dict[str, Any]
) -> None:
    site = ward(replica, "replica-phucloi")
    seed = next(a for a in articles_of(truth, site.slug) if a["views"] == 29)
    key = seed["key"]
    assert key == SEED_KEY

    text = reader_text(fetch(site.absolute(f"/thong-bao1?_101_urlTitle={key}&p_p_id=101"))[2])
    assert "thông báo" in text and seed["title"] in text
    assert "Ngày đăng 15/09/2023 | 18:02 | Lượt xem: 29" in text
    listing = reader_text(fetch(site.absolute(f"/thong-bao1?_101_urlTitle={key}"))[2])
    assert "Ngày đăng" not in listing
    assert fetch(site.absolute("/thong-bao1?p_p_id=101&_101_urlTitle=no-such-title"))[0] == 404
    assert fetch(site.absolute(f"/khong-co?p_p_id=101&_101_urlTitle={key}"))[0] == 404


def test_seed_article_ground_truth(truth: dict[str, Any]) -> None:
    seed = next(a for a in truth["articles"] if a["ward"] == "replica-phucloi" and a["views"] == 29)
    assert seed["title"] == (
        "Chi bộ tổ dân phố số 2, Đảng bộ phường Phúc Lợi tổ chức sinh hoạt chính trị, tư tưởng"
    )
    assert seed["posted_at"] == "2023-09-15T18:02:00+07:00"
    assert seed["categories"] == ["Hoạt động tổ dân phố và các đơn vị hiệp quản", "tin mới nhất"]
    paragraphs = seed["body"].split("\n\n")
    assert len(paragraphs) == 5
    assert paragraphs[0].startswith("Thực hiện Kế hoạch số 82-KH/ĐU, ngày 13/9/2023")
    assert paragraphs[-1].endswith("của Ban thường vụ Thành uỷ./.")
    assert "kỷ luật và ý thức trách nhiệm" in seed["body"]  # double space collapsed
    assert "quán triệt mục đích" in seed["body"]  # NBSP collapsed
    assert (
        len(seed["attachments"]) == 1 and "/image/journal/article?img_id=" in seed["attachments"][0]
    )


def test_text_quirks_and_their_truth(replica: ReplicaServer, truth: dict[str, Any]) -> None:
    pages = {a["url"]: fetch(a["url"])[2] for a in truth["articles"] if "503" not in a["url"]}
    raw = "".join(pages.values())
    assert sum(unicodedata.normalize("NFC", p) != p for p in pages.values()) >= 3
    assert "\ufffd" in raw and "&#7893;" in raw and "tổ đân phố" in raw
    assert "<p>&nbsp;</p>" in raw and "<script" in raw and "&amp;" in raw and "&quot;" in raw
    assert "Lượt xem: 1.234" in raw
    assert any(a["views"] == 1234 for a in truth["articles"])
    assert any("\ufffd" in a["body"] for a in truth["articles"])
    assert any("tổ đân phố" in a["body"] for a in truth["articles"])
    for record in truth["articles"]:
        for field in ("title", "body"):
            value = record[field]
            assert value == unicodedata.normalize("NFC", value)
            assert "  " not in value and "\xa0" not in value and "&nbsp;" not in value
        assert ("var " not in record["body"]) and record["body"]
    hanoi = [a for a in truth["articles"] if a["ward"].startswith("replica-hanoi")]
    assert all(a["views"] is None for a in hanoi)


def test_dates_and_charset_by_theme(replica: ReplicaServer, truth: dict[str, Any]) -> None:
    hook = ward(replica, "replica-thuongthanh")
    saturdays = 0
    for record in articles_of(truth, hook.slug):
        status, ctype, page = fetch(record["url"])
        assert ctype == "text/html" and 'charset=UTF-8"' in page
        date, clock = record["posted_at"][:10], record["posted_at"][11:16]
        shown = f"{date[8:10]}/{date[5:7]}/{date[:4]} {clock}"
        match = re.search(r'asset-publish-date"><span>([^<]+)</span>', page)
        assert match and match.group(1).endswith(f"ngày {shown}")
        saturdays += match.group(1).startswith("Thứ Bẩy,")
    assert saturdays >= 1
    hanoi = first_of(replica, "hanoi-portal")
    record = articles_of(truth, hanoi.slug)[0]
    date, clock = record["posted_at"][:10], record["posted_at"][11:16]
    page = fetch(record["url"])[2]
    assert f'data-role="publishdate">{clock} {date[8:10]}/{date[5:7]}/{date[:4]}<' in page


def test_attachments_are_absolute_and_served(truth: dict[str, Any]) -> None:
    files = [u for a in truth["articles"] for u in a["attachments"]]
    assert any("/documents/" in u for u in files) and any("/image/journal/" in u for u in files)
    for url in files[:10]:
        assert url.startswith("http://127.0.0.1:") and fetch_status(url) == 200


def fetch_status(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as response:
        response.read()
        return response.status


def test_request_log_and_write(replica: ReplicaServer, tmp_path: Path) -> None:
    site = ward(replica, "replica-dongda")
    fetch(site.absolute("/gioi-thieu"))
    assert ("replica-dongda", "GET", "/gioi-thieu", 200) in replica.requests
    replica.write(tmp_path / "out")
    written = json.loads((tmp_path / "out" / "truth.json").read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(replica.ground_truth()))
    assert "Phường Phúc Lợi" in (tmp_path / "out" / "truth.json").read_text(encoding="utf-8")
    assert tomllib.loads((tmp_path / "out" / "wards.toml").read_text(encoding="utf-8"))["ward"]


def test_content_is_deterministic() -> None:
    first, second, other = ReplicaServer(seed=0), ReplicaServer(seed=0), ReplicaServer(seed=1)
    assert first.ground_truth() == second.ground_truth()
    assert first.ground_truth() != other.ground_truth()


def test_url_title_rules() -> None:
    taken: set[str] = set()
    assert url_title("Ý kiến cộng đồng", taken) == "y-kien-cong-ong"
    assert url_title("Ý kiến cộng đồng", taken) == "y-kien-cong-ong-2"
    long = url_title("Hội nghị " * 40, set())
    assert len(long) == 150 and long.startswith("hoi-nghi-hoi-nghi")


def shown(record: dict[str, Any], form: str) -> str:
    """A truth record's posting time in a strftime form."""
    from datetime import datetime

    return datetime.fromisoformat(record["posted_at"]).strftime(form)


META = {  # the meta line of FAMILIES.md section 4, as each replica prints it
    "tandan-liferay": lambda r: (
        f"Ngày đăng: {shown(r, '%d/%m/%Y %H:%M')} | Lượt xem: {vi_number(r['views'])}"
    ),
    "sharepoint-portal-pages": lambda r: (
        f"Đăng ngày {shown(r, '%d - %m - %Y')} Lượt xem: {vi_number(r['views'])}"
    ),
    "danang-portal": lambda r: (
        f"Người đăng tin: Admin Ngày đăng tin: {shown(r, '%d/%m/%Y')} "
        f"Lượt xem: {vi_number(r['views'])}"
    ),
}
SIDEBAR = {  # where the column of other articles begins (after the listing or the article)
    "tandan-liferay": 'id="column-2"',
    "sharepoint-portal-pages": 'id="sideNavBox"',
    "danang-portal": 'class="col-right sidebar"',
}


@pytest.mark.parametrize("family", SECTION4)
def test_section4_article_pages_show_the_meta_line_and_follow_the_grammar(
    replica: ReplicaServer, truth: dict[str, Any], family: str
) -> None:
    site = first_of(replica, family)
    grammar = FAMILIES[family]
    records = articles_of(truth, site.slug)
    assert 15 <= len(records) <= 18
    for record in records:
        assert article_id(grammar, record["url"]) == record["key"]
        assert canonical_article_url(grammar, record["url"], site.url) == record["url"]
        if family in DATE_ONLY:
            assert record["posted_at"].endswith("T00:00:00+07:00")  # the day, at midnight
        status, ctype, page = fetch(record["url"])
        assert status == 200 and ctype == "text/html; charset=utf-8"
        text = reader_text(page)
        assert META[family](record) in text
        main, sidebar = page.split(SIDEBAR[family])
        assert "Tin xem nhiều" in sidebar and "Lượt xem: " in sidebar
        assert "Cập nhật: " in reader_text(sidebar)  # the footer's update line
        assert record["body"].split("\n\n")[-1] in reader_text(main)
    bodies = [r["body"] for r in records]
    assert any(b.endswith("./.") for b in bodies)
    assert any(len(b.split("\n\n")) >= 4 for b in bodies)
    assert any(r["attachments"] for r in records)
    for url in (u for r in records for u in r["attachments"]):
        assert fetch_status(url) == 200


@pytest.mark.parametrize("family", SECTION4)
def test_section4_listings_paginate_with_numbers_next_and_last(
    replica: ReplicaServer, family: str
) -> None:
    site = first_of(replica, family)
    cat = max(site.categories, key=lambda c: site.pages(c.path))
    last = site.pages(cat.path)
    base = site.absolute(f"/{cat.path}{PAGE_PARAM[family]}")
    keys: list[str] = []
    for number in range(1, last + 1):
        page = fetch(base + str(number))[2]
        main = page.split(SIDEBAR[family])[0]
        hrefs = [html.unescape(h) for h in re.findall(r'href="([^"]+)"', main)]
        listed = {article_id(FAMILIES[family], h) for h in hrefs} - {None}
        assert len(listed) == len(site.page_of(cat.path, number)[1])
        keys += sorted(listed)
        if number < last:
            assert ">Tiếp</a>" in main and ">»</a>" in main
            assert f">{number + 1}</a>" in main
        assert ('rel="next"' in page) == (family == "danang-portal" and number < last)
    assert sorted(keys) == sorted(a.key for a in site.listing(cat.path))


def test_liferay_toolbar_theme_keeps_the_truth(
    replica: ReplicaServer, truth: dict[str, Any]
) -> None:
    site = ward(replica, "replica-phucloi")
    records = {r["key"]: r for r in articles_of(truth, site.slug)}
    chosen = [a for a in site.articles if a.kind == "article" and toolbar_meta(site, a)]
    assert len(records) / 5 <= len(chosen) <= len(records) / 2
    for a in chosen:
        record = records[a.key]
        page = fetch(record["url"])[2]
        start = page.index('<div class="asset-full-content')
        end = page.index('<div class="tinlienquan">')
        before, article, after = page[:start], page[start:end], page[end:]
        date = f"{shown(record, '%d/%m/%Y | %H:%M')}"
        assert '<div class="social-share-toolbar"><span class="date">Ngày đăng: ' + date in article
        assert f'<span class="luot-xem">Lượt xem: {vi_number(record["views"])}</span>' in article
        assert "asset-metadata" not in page
        for box in (before, after):
            assert box.count("Ngày đăng: ") >= 3 and box.count("Lượt xem: ") >= 3
        assert record["body"].split("\n\n")[0] in reader_text(article)
    plain = next(a for a in site.articles if a.kind == "article" and not toolbar_meta(site, a))
    assert 'class="asset-metadata"' in fetch(records[plain.key]["url"])[2]
