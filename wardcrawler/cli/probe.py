"""`wardcrawler try`: what the crawler reads on one page, and where it found each field."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from wardcrawler.cli.options import SET_OPTION, WARDS_OPTION, check_registry, parse_overrides
from wardcrawler.clock import now
from wardcrawler.extract import generic
from wardcrawler.extract.urls import article_id, page_number
from wardcrawler.items import ArticleGone, ArticlePage, PageFailure
from wardcrawler.portals.families import FAMILIES, GENERIC
from wardcrawler.portals.registry import Ward, netloc_of
from wardcrawler.reading import Fetched, article_items, listing_items
from wardcrawler.store.recorder import read_article

EXIT_READ, EXIT_NOTHING = 0, 1
SHOWN_LINKS = 10  # article links printed in text output (--json has them all)


@click.command("try")
@click.argument("url")
@click.option(
    "--family",
    type=click.Choice(sorted(FAMILIES)),
    default=None,
    help="Read the page as this family [the registry ward's on this host, else generic].",
)
@click.option(
    "--html",
    "html_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Read this saved page as if fetched from URL (nothing is fetched).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@WARDS_OPTION
@SET_OPTION
def probe(url, family, html_file, as_json, wards_file, settings) -> None:
    """Show what a crawl would read on the page at URL, without storing anything.

    As an article: title, posted time, views, category, body, attachments, each with the
    selector or rule that found it. As a listing: its article links with their identities,
    its next page and pager links. The page is fetched as a crawl fetches it (User-Agent,
    robots.txt, limits; -s NAME=VALUE as for crawl). Exit 0 when the page reads as an article
    or lists articles, 1 when it was not fetched or gave neither, 2 on bad options.

    Example: wardcrawler try https://phucloi.longbien.gov.vn/tin-tuc/x-2712250800000000001.htm
    """
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise click.BadParameter("expected an http(s) URL", param_hint="URL")
    ward = ward_for(url, family, check_registry(wards_file, ()))
    if html_file is not None:
        page, reason = Fetched(url, 200, html_file.read_bytes(), "", now()), None
    else:
        from wardcrawler.crawler.probe import fetch_one, probe_settings

        fetched = fetch_one(url, ward, probe_settings(parse_overrides(settings)))
        page, reason = fetched.page, fetched.reason
    result = look(page, ward) if page is not None else {}
    result = {"url": url, "ward": ward.slug, "family": ward.family_key, **result}
    if reason:
        result["fetch_error"] = reason
    click.echo(json.dumps(result, ensure_ascii=False, indent=2) if as_json else as_text(result))
    read = "article" in result or (result.get("listing") or {}).get("articles")
    sys.exit(EXIT_READ if read else EXIT_NOTHING)


def ward_for(url: str, family: str | None, wards: list[Ward]) -> Ward:
    """The registry ward whose site holds `url` (read as `family` if given), else a ward of
    `url`'s host alone, of `family` or generic."""
    host = netloc_of(url)
    ward = next((w for w in wards if host in w.netlocs), None)
    if ward is None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}/"
        return Ward("(not in the registry)", host, "", origin, family or GENERIC.key)
    return dataclasses.replace(ward, family_key=family) if family else ward


def look(page: Fetched, ward: Ward) -> dict[str, Any]:
    """The page read as an article and as a listing of `ward`."""
    result: dict[str, Any] = {"status": page.status, "fetched_url": page.url}
    key = page_key(ward, page.url)
    if key is None:
        result["article_error"] = "the URL is no article URL of the family's grammar"
    else:
        result.update(article_view(page, ward, key))
    result["listing"] = listing_view(page, ward)
    return result


def page_key(ward: Ward, url: str) -> str | None:
    """The article identity the URL gives (by the family's grammar; generic: the URL alone)."""
    if ward.family.article_url is None:
        return generic.key_of(url)
    return article_id(ward.family, url)


def article_view(page: Fetched, ward: Ward, key: str) -> dict[str, Any]:
    """The article's normalised fields, as stored, with where each was found."""
    first = article_items(page, ward, key)[0]
    if isinstance(first, PageFailure):
        return {"article_error": first.reason}
    if isinstance(first, ArticleGone):
        where = f" to {first.location}" if first.location else ""
        return {"article_error": f"gone: HTTP {first.status}{where}"}
    assert isinstance(first, ArticlePage)
    record, notes = read_article(first)
    paragraphs = [p for p in record.body.split("\n\n") if p]
    article = {
        "key": key,
        "url": record.url,
        "title": record.title,
        "posted_at": record.posted_at,
        "posted_raw": record.posted_raw,
        "posted_flag": notes.posted_flag,
        "views": record.views,
        "category": first.fields.category,
        "paragraphs": len(paragraphs),
        "body": record.body,
        "attachments": record.attachments,
        "sources": first.fields.sources,
        "problems": [problem for problem, _ in notes.problems],
    }
    return {"article": article}


def listing_view(page: Fetched, ward: Ward) -> dict[str, Any]:
    """The article links the page lists, with their identities, and its pager."""
    from wardcrawler.crawler.spiders.wards import next_page

    listing, items = listing_items(page, ward, page.url, discovering=False)
    if listing is None:
        return {"error": next((i.reason for i in items if isinstance(i, PageFailure)), "")}
    following = listing.next or next_page(listing.pages, page_number(page.url))
    return {
        "name": listing.name,
        "articles": [{"key": key, "url": url} for url, key in listing.articles.items()],
        "next": following,
        "pages": listing.pages,
        "found_by": "the family's listing selectors" if listing.structured else "URL templates",
    }


def as_text(result: dict[str, Any]) -> str:
    """The result for a person."""
    lines = [f"{result['url']}", f"  ward: {result['ward']}  family: {result['family']}"]
    if "fetch_error" in result:
        lines.append(f"  not fetched: {result['fetch_error']}")
        return "\n".join(lines)
    if result["fetched_url"] != result["url"]:
        lines.append(f"  fetched: {result['fetched_url']}")
    lines.append(f"  status: {result['status']}")
    lines += _article_lines(result)
    lines += _listing_lines(result["listing"])
    return "\n".join(lines)


def _article_lines(result: dict[str, Any]) -> list[str]:
    if "article" not in result:
        return ["", f"As an article: {result['article_error']}"]
    a = result["article"]
    sources = a["sources"]
    posted = a["posted_at"] or f"(none: {a['posted_flag']})"
    views = a["views"] if a["views"] is not None else "(none)"
    body = a["body"]
    first, last = body.split("\n\n")[0] if body else "", body.rsplit("\n\n", 1)[-1]
    lines = [
        "",
        f"As an article ({a['key']}):",
        f"  url:      {a['url']}",
        f"  title:    {a['title']}",
        f"            [{sources.get('title', '')}]",
        f"  posted:   {posted}  ({a['posted_raw']})",
        f"            [{sources.get('posted', '')}]",
        f"  views:    {views}",
        f"            [{sources.get('views', '')}]",
        f"  category: {a['category'] or '(none)'}",
        f"            [{sources.get('category', '')}]",
        f"  body:     {a['paragraphs']} paragraphs, {len(body)} characters",
        f"            [{sources.get('body', '')}]",
    ]
    if body:
        lines += [f"    first: {_short(first)}", f"    last:  {_short(last)}"]
    if a["attachments"]:
        lines.append(f"  attachments: {len(a['attachments'])}")
        lines += [f"    {x['kind']}: {x['url']}" for x in a["attachments"]]
    lines += [f"  problem:  {p}" for p in a["problems"]]
    return lines


def _listing_lines(listing: dict[str, Any]) -> list[str]:
    if "articles" not in listing:
        return ["", f"As a listing: {listing['error'] or 'not a listing'}"]
    links = listing["articles"]
    lines = ["", f"As a listing: {len(links)} article links (by {listing['found_by']})"]
    lines += [f"  {link['key']}  {link['url']}" for link in links[:SHOWN_LINKS]]
    if len(links) > SHOWN_LINKS:
        lines.append(f"  ... and {len(links) - SHOWN_LINKS} more (--json lists them all)")
    lines.append(f"  next page: {listing['next'] or '(none)'}")
    if listing["pages"]:
        lines.append(f"  pager links: {len(listing['pages'])}")
    return lines


def _short(text: str, width: int = 100) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
