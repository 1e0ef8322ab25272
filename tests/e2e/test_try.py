"""End to end: `wardcrawler try` reads a page of a served replica ward as the crawl would.

Each family's first article, fetched from its replica ward (a real HTTP server on 127.0.0.1),
gives the ground truth's fields; the same page read as `generic` too; a listing gives its
articles and next page; a page robots.txt forbids is not fetched; a saved golden page is read
without any fetch.
"""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.golden import PAGES
from tests.helpers import FAST, run_cli
from wardcrawler.extract.urls import category_url
from wardcrawler.replica import ReplicaServer


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("try")
    with ReplicaServer() as replica:
        replica.write(folder)
        truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
        yield {"registry": folder / "wards.toml", "truth": truth}


def tried(served, url: str, *args: str):
    result = run_cli("try", url, "--wards", str(served["registry"]), "--json", *FAST, *args)
    return result.returncode, json.loads(result.stdout) if result.stdout.startswith("{") else {}


def first_articles(truth: dict) -> list[dict]:
    """The first article of each family's first ward."""
    families = {}
    for ward in truth["wards"]:
        families.setdefault(ward["family"], ward["slug"])
    return [next(a for a in truth["articles"] if a["ward"] == slug) for slug in families.values()]


@pytest.fixture(scope="module")
def results(served):
    return {a["url"]: tried(served, a["url"]) for a in first_articles(served["truth"])}


def test_each_family_reads_its_article_as_the_ground_truth_has_it(served, results):
    for expected in first_articles(served["truth"]):
        code, result = results[expected["url"]]
        assert code == 0, (expected["url"], result)
        article = result["article"]
        assert article["title"] == expected["title"], expected["url"]
        assert article["posted_at"] == expected["posted_at"], expected["url"]
        assert article["views"] == expected["views"], expected["url"]
        assert article["body"] == expected["body"], expected["url"]
        assert article["key"] == expected["key"], expected["url"]


def test_each_field_names_where_it_was_found(served, results):
    for expected in first_articles(served["truth"]):
        sources = results[expected["url"]][1]["article"]["sources"]
        for name in ("title", "posted", "body"):
            assert sources.get(name), (expected["url"], name, sources)
            assert not sources[name].startswith("no "), (expected["url"], name, sources)


def test_the_family_is_the_registry_wards_and_can_be_overridden(served, results):
    families = {w["slug"]: w["family"] for w in served["truth"]["wards"]}
    for expected in first_articles(served["truth"]):
        result = results[expected["url"]][1]
        assert (result["ward"], result["family"]) == (expected["ward"], families[expected["ward"]])
    expected = first_articles(served["truth"])[0]
    code, result = tried(served, expected["url"], "--family", "generic")
    assert code == 0 and result["family"] == "generic"
    assert result["article"]["title"] == expected["title"]
    assert result["article"]["posted_at"] == expected["posted_at"]
    assert "trafilatura" in result["article"]["sources"]["body"]


def test_a_listing_gives_its_articles_and_next_page(served):
    truth = served["truth"]
    ward = max(truth["wards"], key=lambda w: sum(a["ward"] == w["slug"] for a in truth["articles"]))
    url = category_url(ward["url"], ward["categories"][0])
    code, result = tried(served, url)
    assert code == 0, result
    keys = {a["key"] for a in truth["articles"] if a["ward"] == ward["slug"]}
    listed = [link["key"] for link in result["listing"]["articles"]]
    assert len(set(listed) & keys) >= 3, listed
    assert result["listing"]["next"], result["listing"]
    code, following = tried(served, result["listing"]["next"])
    later = {link["key"] for link in following["listing"]["articles"]}
    assert later and not later & set(listed)


def test_a_page_robots_txt_forbids_is_not_fetched(served):
    ward = next(w for w in served["truth"]["wards"] if w["family"] == "sharepoint-portal-pages")
    with urllib.request.urlopen(ward["url"] + "robots.txt", timeout=10) as answer:
        rules = answer.read().decode()
    disallowed = [line.partition(":")[2].strip() for line in rules.splitlines()
                  if line.lower().startswith("disallow:")]  # fmt: skip
    path = next(p for p in disallowed if p)
    url = ward["url"].rstrip("/") + path.rstrip("*$") + "x.aspx"
    code, result = tried(served, url)
    assert code == 1
    assert "robots.txt" in result["fetch_error"]
    assert "article" not in result


def test_a_saved_page_is_read_without_fetching(tmp_path):
    name = "danang-portal-article"
    case = json.loads((PAGES / f"{name}.json").read_text(encoding="utf-8"))
    page = str(PAGES / f"{name}.html")
    result = run_cli("try", case["url"], "--html", page, "--family", case["family"], "--json")
    assert result.returncode == 0, result.stderr
    article, expected = json.loads(result.stdout)["article"], case["expected"]
    assert article["title"] == expected["title"]
    assert article["posted_at"] == expected["posted_at"]
    assert article["views"] == expected["views"]
    assert article["body"] == expected["body"]


def test_text_output_shows_fields_with_their_sources(served):
    expected = first_articles(served["truth"])[-1]
    result = run_cli("try", expected["url"], "--wards", str(served["registry"]), *FAST)
    assert result.returncode == 0, result.stderr
    assert expected["title"] in result.stdout
    assert f"posted:   {expected['posted_at']}" in result.stdout
    assert "As a listing:" in result.stdout
