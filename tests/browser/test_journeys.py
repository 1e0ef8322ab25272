"""Researchers' journeys in a real browser (Debian's Chromium, driven by Playwright).

Screenshots go to build/screenshots/ so that a person can look at them; the tests also check
that the pages read as Vietnamese (no mojibake, no escaped text).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.helpers import free_port, wait_for_json

CHROMIUM = os.environ.get("WARDCRAWLER_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).parents[2] / "build" / "screenshots"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MOJIBAKE = re.compile(r"Ã.|Æ°|áº|\\u[0-9a-f]{4}")


@pytest.fixture(scope="module")
def site(crawl):
    """`wardcrawler serve` on the crawled archive, on a free port."""
    port = free_port()
    command = [sys.executable, "-m", "wardcrawler", "serve", "--db", str(crawl.db),
               "--port", str(port)]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_for_json(base + "/-/versions.json", server, 30)
    yield base
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM}: `make test` installs it"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    tab = context.new_page()
    yield tab
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=SHOTS / f"{request.node.name}.png", full_page=False)
    context.close()


def assert_readable(page: Page) -> str:
    text = page.inner_text("body")
    assert not MOJIBAKE.search(text), MOJIBAKE.search(text).group()
    assert "Phường" in text or "phường" in text
    return text


def test_search_without_diacritics_then_open_a_hit(page, site, crawl):
    page.goto(site + "/wards/articles")
    page.fill("input#_search", "dang bo phuong")
    page.press("input#_search", "Enter")
    page.wait_for_url(re.compile(r"_search=dang\+bo\+phuong"))
    count = page.inner_text("h3")
    assert re.match(r"\d+ rows? where search matches", count), count
    assert_readable(page)
    page.click("table.rows-and-columns tbody tr:first-child td.col-id a")
    page.wait_for_url(re.compile(r"/wards/articles/\d+$"))
    text = assert_readable(page)
    titles = {a["title"] for a in crawl.truth["articles"]}
    assert any(t in text for t in titles)


def test_click_a_facet(page, site, crawl):
    page.goto(site + "/wards/articles")
    facet = page.locator(".facet-info[data-column=ward] li a").first
    label = facet.inner_text()
    facet.click()
    page.wait_for_url(re.compile(r"ward="))
    ward = re.search(r"ward=([\w-]+)", page.url).group(1)
    expected = sum(a["ward"] == ward for a in crawl.truth["articles"])
    assert f"{expected} row" in page.inner_text("h3"), label
    assert_readable(page)


def test_relevance_search_page_highlights(page, site):
    page.goto(site + "/wards/search?q=thanh+uy&ward=&since=&until=")
    marks = page.locator("td mark").all_inner_texts()
    assert {"Thành", "uỷ"} <= set(marks) or {"thành", "ủy"} <= {m.lower() for m in marks}
    assert_readable(page)


def test_dashboard_draws_charts(page, site):
    page.goto(site + "/-/dashboards/overview")
    page.wait_for_selector("svg.marks, canvas.marks", timeout=15000)
    text = page.inner_text("body")
    assert "Số bài theo tháng · Articles per month per ward" in text
    assert "Tình trạng các lần thu thập" in text


def test_follow_a_download_link(page, site, crawl):
    page.goto(site + "/wards/downloads")
    ward = crawl.truth["wards"][0]
    row = page.locator("table.rows-and-columns tbody tr", has_text=ward["slug"]).first
    with page.expect_download() as info:
        row.locator("a", has_text="jsonl").click()
    content = Path(info.value.path()).read_text(encoding="utf-8")
    records = [json.loads(line) for line in content.splitlines()]
    assert len(records) == sum(a["ward"] == ward["slug"] for a in crawl.truth["articles"])
    assert "\\u" not in content and ward["name"] in content


def test_read_an_articles_citation_and_copy_it(page, site, crawl):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    article = crawl.truth["articles"][0]
    page.goto(site + f"/wards/articles?ward={article['ward']}&article_key={article['key']}")
    page.click("table.rows-and-columns tbody tr:first-child td.col-id a")
    page.wait_for_url(re.compile(r"/wards/articles/\d+$"))
    assert page.is_visible("h3#trich-dan")
    citation = page.inner_text("pre.citation-text")
    ward = next(w for w in crawl.truth["wards"] if w["slug"] == article["ward"])
    assert article["title"] in citation and ward["name"] in citation
    page.click("text=Sao chép · Copy")
    assert page.evaluate("navigator.clipboard.readText()") == citation
    page.click("summary:has-text('BibTeX')")
    assert page.inner_text("pre.citation-bibtex").startswith("@online{")
    assert page.locator("ul.captures a", has_text="raw page").count() >= 1
    assert_readable(page)


def test_coverage_map_and_a_units_articles_old_and_new(page, site, crawl):
    """A researcher opens the coverage of Hà Nội, sees the units on a map drawn offline, picks
    today's Phường Phúc Lợi and reads the articles of its own and its former portal together."""
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(site + "/wards/unit_coverage?province_code=01&coverage=archived")
    page.wait_for_selector(".leaflet-marker-icon, .marker-cluster", timeout=15000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "coverage-map.png", full_page=True)
    text = assert_readable(page)
    assert "Phường Phúc Lợi" in text
    assert all(u.startswith(site) for u in requests), [
        u for u in requests if not u.startswith(site)
    ]
    page.goto(site + "/wards/unit_articles?unit_code=00136")
    text = assert_readable(page)
    assert "current unit" in text and "former unit" in text
    expected = sum(a["ward"] in ("replica-phucloi", "replica-hanoi-phucloi")
                   for a in crawl.truth["articles"])  # fmt: skip
    assert re.search(rf"\b{expected} rows?\b", text), text[:500]
