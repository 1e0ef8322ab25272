"""Golden extraction fixtures: saved pages in tests/fixtures/pages with expected JSON beside them.

Each `NAME.json` holds the inputs (`family`, `url`, `kind`, and `category` for listings) and the
`expected` result, reviewed by a human. Write or refresh the expected result of a page with

    python tests/golden.py NAME [--update]

which refuses to overwrite an existing expectation without --update.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from parsel import Selector

from wardcrawler.extract.article import extract_article
from wardcrawler.extract.generic import key_of
from wardcrawler.extract.listing import extract_listing
from wardcrawler.extract.urls import article_id, canonical_article_url
from wardcrawler.items import ArticlePage
from wardcrawler.portals.families import FAMILIES
from wardcrawler.store.recorder import to_record

PAGES = Path(__file__).parent / "fixtures" / "pages"


def names() -> list[str]:
    """Every fixture that has a spec."""
    return sorted(p.stem for p in PAGES.glob("*.json"))


def load(name: str) -> tuple[dict, str]:
    spec = json.loads((PAGES / f"{name}.json").read_text(encoding="utf-8"))
    return spec, (PAGES / f"{name}.html").read_text(encoding="utf-8")


def run(spec: dict, html: str) -> dict:
    """What wardcrawler reads from the page: the stored record, or the listing."""
    family = FAMILIES[spec["family"]]
    page = Selector(text=html, base_url=spec["url"])
    if spec["kind"] == "listing":
        listing = extract_listing(page, family, spec["url"], spec["category"])
        result = dataclasses.asdict(listing)
        if not family.generic:
            result.pop("next")  # only pages read the generic way find their next page so
        return result
    fields = extract_article(page, family, spec["url"])
    url = canonical_article_url(family, spec["url"], spec["url"])
    key = article_id(family, spec["url"]) if family.article_url else key_of(spec["url"])
    record = to_record(ArticlePage("fixture", key, url, fields))
    result = dataclasses.asdict(record)
    result["category"] = fields.category
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name")
    parser.add_argument("--update", action="store_true", help="overwrite the expected result")
    args = parser.parse_args()
    spec, html = load(args.name)
    if "expected" in spec and not args.update:
        sys.exit(f"{args.name}: expected result exists; use --update to overwrite it")
    spec["expected"] = run({k: v for k, v in spec.items() if k != "expected"}, html)
    text = json.dumps(spec, ensure_ascii=False, sort_keys=True, indent=1)
    (PAGES / f"{args.name}.json").write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
