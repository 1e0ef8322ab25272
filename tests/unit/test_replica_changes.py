"""Replica portals that change between crawls: `advance()` posts, counts, edits and removes."""

from __future__ import annotations

import html
import http.client
import json
import re
import signal
import subprocess
import sys
import threading
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from wardcrawler.portals.families import FAMILIES
from wardcrawler.replica import ReplicaServer
from wardcrawler.replica.model import Site, vi_number

KEY = {
    "liferay-asset-publisher": re.compile(r"_101_urlTitle=([a-z0-9-]+)"),
    "hanoi-portal": re.compile(r"-(\d{19})\.htm\""),
    "liferay-view-content": re.compile(r"/view_content/(\d+)-"),
    "tandan-liferay": re.compile(r"/chi-tiet/[a-z0-9-]*?-(\d+)-\d+\.html"),
    "sharepoint-portal-pages": re.compile(r"/portal/Pages/(\d{4}-\d{1,2}-\d{1,2}/[\w-]+)\.aspx"),
    "danang-portal": re.compile(r"dinhdanh=(\d+)"),
}
PAGE = {
    "liferay-asset-publisher": "?p_p_id=101&p_p_lifecycle=0&_101_cur=",
    "hanoi-portal": "?page=",
    "liferay-view-content": "?cur=",
    "tandan-liferay": "?cur=",
    "sharepoint-portal-pages": "?page=",
    "danang-portal": "?page=",
}
# Where the column of other articles ("Tin xem nhiều") begins, after the listing itself.
SIDEBAR = {
    "tandan-liferay": 'id="column-2"',
    "sharepoint-portal-pages": 'id="sideNavBox"',
    "danang-portal": 'class="col-right sidebar"',
}
# The families the replica serves: all with a URL grammar (not the generic family).
PLATFORMS = [key for key, family in FAMILIES.items() if family.article_url is not None]


def get(url: str) -> tuple[int, dict[str, str], str]:
    """Status, headers and body of a GET, redirects not followed."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.netloc, timeout=5)
    try:
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        conn.close()


def reader_text(page: str) -> str:
    """What a reader sees: scripts and tags dropped, entities decoded, NFC, spaces collapsed."""
    text = re.sub(r"<[^>]+>", "", re.sub(r"<script\b.*?</script>", "", page, flags=re.S))
    return " ".join(unicodedata.normalize("NFC", html.unescape(text)).split())


def listing_part(site: Site, page: str) -> str:
    """A listing page without the column of other articles that some themes show after it."""
    marker = SIDEBAR.get(site.family)
    return page.split(marker)[0] if marker else page


def page_keys(site: Site, cat: str, number: int) -> list[str]:
    """Article keys linked from one listing page, in order, each once."""
    page = listing_part(site, get(site.absolute(f"/{cat}{PAGE[site.family]}{number}"))[2])
    return list(dict.fromkeys(KEY[site.family].findall(page)))


def pages(site: Site, cat: str) -> list[str]:
    """Every listing page of a category, page after page until a page repeats (past the last)."""
    found: list[str] = []
    for number in range(1, 60):
        page = listing_part(site, get(site.absolute(f"/{cat}{PAGE[site.family]}{number}"))[2])
        if found and KEY[site.family].findall(page) == KEY[site.family].findall(found[-1]):
            return found
        found.append(page)
    raise AssertionError("pagination never ended")


def listed(site: Site, cat: str) -> list[str]:
    """Every key listed in a category, in order."""
    return [k for page in pages(site, cat) for k in dict.fromkeys(KEY[site.family].findall(page))]


def by_key(truth: dict[str, Any], slug: str) -> dict[str, dict[str, Any]]:
    return {a["key"]: a for a in truth["articles"] if a["ward"] == slug}


@pytest.fixture(scope="module")
def night() -> Iterator[dict[str, Any]]:
    """A served replica before and after one `advance()`."""
    with ReplicaServer(slow_seconds=0) as server:
        before = server.ground_truth()
        lists = {s.slug: {c.path: listed(s, c.path) for c in s.categories} for s in server.wards}
        summary = server.advance()
        yield {
            "server": server,
            "before": before,
            "lists": lists,
            "summary": summary,
            "after": server.ground_truth(),
        }


def test_new_articles_head_every_first_category(night: dict[str, Any]) -> None:
    server, summary, after = night["server"], night["summary"], night["after"]
    for site in server.wards:
        first = site.categories[0]
        new, gone = summary["new"][site.slug], summary["removed"][site.slug]["key"]
        assert len(new) == 2 and len(set(new)) == 2
        assert page_keys(site, first.path, 1)[:2] == new
        old = [k for k in night["lists"][site.slug][first.path] if k != gone]
        assert listed(site, first.path) == new + old
        records = by_key(after, site.slug)
        newest_before = max(a["posted_at"] for a in by_key(night["before"], site.slug).values())
        for key in new:
            assert records[key]["posted_at"] > newest_before
            assert first.name in records[key]["categories"] and len(records[key]["categories"]) == 2
            status, _, page = get(records[key]["url"])
            assert status == 200 and records[key]["title"] in reader_text(page)
            assert records[key]["body"].split("\n\n")[0] in reader_text(page)
        assert len(records) == len(by_key(night["before"], site.slug)) + 1


def test_views_rise_on_pages_and_in_truth(night: dict[str, Any]) -> None:
    server, summary = night["server"], night["summary"]
    for site in server.wards:
        bumped = summary["views"][site.slug]
        if site.family == "hanoi-portal":
            assert bumped == {}
            continue
        assert len(bumped) == 5
        before, after = by_key(night["before"], site.slug), by_key(night["after"], site.slug)
        for key, views in bumped.items():
            assert 1 <= views - before[key]["views"] <= 50 and after[key]["views"] == views
            page = reader_text(get(after[key]["url"])[2])
            assert f"Lượt xem: {vi_number(views)}" in page


def test_edited_title_keeps_the_url_identity(night: dict[str, Any]) -> None:
    for site in night["server"].wards:
        key = night["summary"]["title"][site.slug]
        old, new = by_key(night["before"], site.slug)[key], by_key(night["after"], site.slug)[key]
        assert new["url"] == old["url"] and new["title"] != old["title"]
        assert new["title"].startswith(old["title"])
        status, _, page = get(old["url"])
        assert status == 200 and new["title"] in reader_text(page)
        cat = next(c.path for c in site.categories if c.name == new["categories"][0])
        assert any(new["title"] in reader_text(page) for page in pages(site, cat))


def test_edited_body_gains_a_paragraph(night: dict[str, Any]) -> None:
    for site in night["server"].wards:
        key = night["summary"]["body"][site.slug]
        assert key != night["summary"]["title"][site.slug]
        old, new = by_key(night["before"], site.slug)[key], by_key(night["after"], site.slug)[key]
        assert new["body"].startswith(old["body"] + "\n\n") and new["title"] == old["title"]
        assert new["body"].split("\n\n")[-1] in reader_text(get(new["url"])[2])


def test_removed_article_answers_gone_and_leaves_listings(night: dict[str, Any]) -> None:
    server, summary, after = night["server"], night["summary"], night["after"]
    statuses = {}
    for site in server.wards:
        removed = summary["removed"][site.slug]
        key, statuses[site.slug] = removed["key"], removed["status"]
        assert key in by_key(night["before"], site.slug)
        assert key not in by_key(after, site.slug)
        status, headers, _ = get(removed["url"])
        assert status == removed["status"]
        if status == 301:
            assert headers["Location"] == removed["location"] == site.url
        else:
            assert removed["location"] is None
        for cat in site.categories:
            assert key not in listed(site, cat.path)
        record = {"ward": site.slug, **removed}
        assert record in after["gone"]
    assert sorted(statuses.values()).count(301) == 1
    for family in PLATFORMS:  # every family has a ward answering 410 Gone
        assert 410 in {statuses[s.slug] for s in server.wards if s.family == family}
    assert (
        len(after["gone"]) == len(server.wards)
        and after["step"] == 1
        and night["before"]["step"] == 0
    )


def test_faults_seed_and_quirks_survive(night: dict[str, Any]) -> None:
    before, after = night["before"], night["after"]
    for field in ("wards", "dead_links", "malformed", "robots_disallowed", "fault_urls"):
        assert after[field] == before[field]
    urls = {u for urls in before["fault_urls"].values() for u in urls}
    marked = {  # the seed article (29 views) and the 1.234-views ones
        (site.slug, a.key)
        for site in night["server"].wards
        for a in site.articles
        if {"seed", "k1234"} & set(a.marks)
    }
    kept = [a for a in before["articles"] if a["url"] in urls or (a["ward"], a["key"]) in marked]
    assert {a["views"] for a in kept if (a["ward"], a["key"]) in marked} == {29, 1234}
    assert len(kept) >= 4 and all(a in after["articles"] for a in kept)


def normalized(truth: dict[str, Any]) -> str:
    return re.sub(
        r"127\.0\.0\.1:\d+", "HOST", json.dumps(truth, ensure_ascii=False, sort_keys=True)
    )


def test_same_seed_same_nights() -> None:
    with ReplicaServer(slow_seconds=0) as one, ReplicaServer(slow_seconds=0) as two:
        summaries = [[server.advance() for _ in range(2)] for server in (one, two)]
        assert normalized(one.ground_truth()) == normalized(two.ground_truth())
        assert normalized(summaries[0]) == normalized(summaries[1])
        wards = len(one.wards)
        assert one.ground_truth()["step"] == 2 and len(one.ground_truth()["gone"]) == 2 * wards
        assert summaries[0][0]["new"] != summaries[0][1]["new"]
    other = ReplicaServer(seed=1)
    other.advance()
    assert other.ground_truth()["articles"] != ReplicaServer(seed=1).ground_truth()["articles"]


def test_requests_during_advance_and_reset() -> None:
    with ReplicaServer(slow_seconds=0) as server:
        site = server.wards[0]
        done = threading.Event()

        def crawl() -> None:
            while not done.is_set():
                page_keys(site, site.categories[0].path, 1)

        reader = threading.Thread(target=crawl)
        reader.start()
        try:
            for _ in range(5):
                server.advance()
        finally:
            done.set()
            reader.join()
        assert server.requests and {r[3] for r in server.requests} == {200}
        server.reset_requests()
        assert server.requests == []
        get(site.absolute("/robots.txt"))
        assert server.requests == [(site.slug, "GET", "/robots.txt", 200)]


def test_cli_advances_on_sigusr1(tmp_path: Path) -> None:
    truth_file = tmp_path / "truth.json"
    command = [sys.executable, "-m", "wardcrawler", "replica", "--out", str(tmp_path)]
    with subprocess.Popen(
        [*command, "--advance-on-signal"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as proc:
        try:
            deadline = time.monotonic() + 8
            while not truth_file.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert json.loads(truth_file.read_text(encoding="utf-8"))["step"] == 0
            proc.send_signal(signal.SIGUSR1)
            truth: dict[str, Any] = {}
            while truth.get("step") != 1 and time.monotonic() < deadline:
                time.sleep(0.05)
                truth = json.loads(truth_file.read_text(encoding="utf-8"))
            assert truth["step"] == 1 and len(truth["gone"]) == len(truth["wards"])
            assert get(truth["gone"][0]["url"])[0] == truth["gone"][0]["status"]
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=5) == 0
