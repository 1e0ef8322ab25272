"""Golden extraction tests: every saved page gives exactly its reviewed expected JSON."""

import json
import unicodedata

import pytest

from tests.golden import PAGES, load, names, run
from wardcrawler.portals.families import FAMILIES


@pytest.mark.parametrize("name", names())
def test_page_matches_expected(name):
    spec, html = load(name)
    assert "expected" in spec, f"{name}: no expected result; write it with tests/golden.py"
    result = json.loads(json.dumps(run(spec, html), ensure_ascii=False))
    assert result == spec["expected"]


def test_every_family_and_kind_has_fixtures():
    kinds = {(load(n)[0]["family"], load(n)[0]["kind"]) for n in names()}
    for family in FAMILIES:
        assert {(family, "article"), (family, "listing")} <= kinds


def test_nfd_page_is_stored_in_nfc():
    spec, html = load("liferay-reference-article")
    result = run(spec, unicodedata.normalize("NFD", html))
    assert result["title"] == spec["expected"]["title"]
    assert result["body"] == spec["expected"]["body"]


def test_every_html_page_has_a_spec():
    assert sorted(p.stem for p in PAGES.glob("*.html")) == names()
