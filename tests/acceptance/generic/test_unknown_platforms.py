"""`family = "generic"` on portals of platforms no family describes (unknown_portal.py).

Six portals (WordPress-like, Joomla-like, a CMS with rel=canonical and `?ref=home` links, a press
theme, one with machine-readable dates only, a Drupal-like one without view counter) are
registered with `family = "generic"` and their category pages, and crawled once. Every article
must be archived once with its exact title, posting time (+07:00), views and body; no static
page, listing or home page is an article; every stored URL is one the portal answers 200 for,
the canonical one where the page names it and free of tracking, session, redirect and paging
parameters everywhere; no request leaves 127.0.0.1 (a foreign host on 127.0.0.2, a logging proxy
for every other host name, and the `Host` header of each request say so).
"""

from __future__ import annotations

import difflib
import html
import re
import urllib.request
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import parse_qs, urlsplit

import pytest

from . import unknown_portal as U
from .harness import Run, clean_env, crawl, rows

KINDS = [cls.kind for cls in U.PLATFORMS]
FIELDS = ("title", "posted_at", "views", "body")


@dataclass(repr=False)
class Outcome:
    world: U.World
    run: Run
    db: Path
    articles: list[dict]
    fetch_errors: list[dict]
    captures: list[dict]
    log: dict[str, list[U.Hit]]  # portal kind -> requests during the crawl
    foreign: list[str]
    proxied: list[str]

    def __repr__(self) -> str:
        return f"Outcome(exit {self.run.rc}, {len(self.articles)} articles)"

    def portal(self, kind: str) -> U.Portal:
        return next(p for p in self.world.portals if p.kind == kind)

    def rows_of(self, p: U.Portal) -> list[dict]:
        return [r for r in self.articles if r["ward"] == p.slug]


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("generic_unknown")
    portals = U.build()
    with U.serve(portals) as world:
        registry = tmp / "wards.toml"
        U.write_registry(portals, registry)
        proxy = {
            k: world.proxy_url for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")
        }
        # 127.0.0.1 and the foreign 127.0.0.2 are reached directly; any other host name
        # (localhost, facebook.com, ...) goes to the logging proxy.
        proxy |= {"no_proxy": "127.0.0.1,127.0.0.2", "NO_PROXY": "127.0.0.1,127.0.0.2"}
        db = tmp / "archive.db"
        run = crawl(registry, db, clean_env(tmp, proxy))
        log = {p.kind: list(p.log) for p in portals}
        foreign, proxied = list(world.foreign.hits), list(world.proxy.hits)
        yield Outcome(
            world,
            run,
            db,
            rows(db, "select * from articles order by id"),
            rows(db, "select * from fetch_errors"),
            rows(db, "select url from captures"),
            log,
            foreign,
            proxied,
        )


def identify(p: U.Portal, row: dict) -> U.Article | None:
    """The truth article a row is (by the portal's own URL grammar, else by its exact title)."""
    url = row.get("url") or ""
    if urlsplit(url).netloc == f"127.0.0.1:{p.port}":
        n = p.key_of(url)
        if n is not None:
            return p.by_n(n)
    same = [a for a in p.articles if a.title == row.get("title")]
    return same[0] if len(same) == 1 else None


def matched(o: Outcome, p: U.Portal) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = defaultdict(list)
    for r in o.rows_of(p):
        a = identify(p, r)
        if a is not None:
            out[a.n].append(r)
    return out


def fetch(url: str) -> tuple[int, str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=10) as r:
            return r.status, r.read().decode("utf-8")
    except HTTPError as e:
        return e.code, ""


# --------------------------------------------------------------------------------------------
# The harness serves what its ground truth says
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_portal_serves_its_ground_truth(outcome, kind):
    p = outcome.portal(kind)
    assert len(p.articles) >= 10 and all(len(c.pages()) >= 1 for c in p.cats.values())
    assert max(len(c.pages()) for c in p.cats.values()) >= 2
    twice = [a for a in p.articles if len(a.cats) > 1]
    assert len(twice) == 1 and len(set(p.all_links(twice[0]))) == 2, p.all_links(twice[0])
    for a in p.articles:
        for url in p.all_links(a):
            status, page = fetch(url)
            assert status == 200 and p.key_of(url) == a.n, url
            text = U.expected_text(html.unescape(re.sub(r"<[^>]+>", " ", page)))
            assert a.title in text, (url, a.title)
            for para in a.paras:
                assert para in text, (url, para)
            if p.kind != "machine":
                assert a.posted.strftime("%d/%m/%Y") in page, url
            if a.views is not None:
                assert U.vn_num(a.views) in page, url
    for url in p.listing_urls() + p.static_urls() + p.procedure_urls():
        assert fetch(url)[0] == 200, url
        assert p.key_of(url) is None, url
    assert fetch(p.base + "/khong-co-trang-nay.html")[0] == 404


# --------------------------------------------------------------------------------------------
# The crawl
# --------------------------------------------------------------------------------------------


def test_crawl_finishes_healthy(outcome):
    assert outcome.run.rc == 0, outcome.run.tail()


@pytest.mark.parametrize("kind", KINDS)
def test_every_article_archived(outcome, kind):
    p = outcome.portal(kind)
    got = matched(outcome, p)
    missing = [(a.n, a.title, p.all_links(a)[0]) for a in p.articles if a.n not in got]
    assert not missing, (
        f"{kind}: {len(missing)} of {len(p.articles)} articles not archived:\n"
        + "\n".join(map(str, missing))
        + f"\nrun: {outcome.run.stderr[-250:]}"
    )


@pytest.mark.parametrize("kind", KINDS)
def test_each_article_archived_once(outcome, kind):
    p = outcome.portal(kind)
    twice = {n: [r["url"] for r in rs] for n, rs in matched(outcome, p).items() if len(rs) > 1}
    assert not twice, f"{kind}: articles stored more than once: {twice}"


@pytest.mark.parametrize("kind", KINDS)
def test_no_static_listing_or_home_page_stored(outcome, kind):
    p = outcome.portal(kind)
    strays = [
        (r["url"], r["title"], r["posted_at"]) for r in outcome.rows_of(p) if not identify(p, r)
    ]
    assert not strays, f"{kind}: rows that are no article of the portal:\n" + "\n".join(
        map(str, strays)
    )
    non_articles = set(p.listing_urls() + p.static_urls() + p.procedure_urls() + [p.base + "/"])
    names = set(p.static.values()) | {c.name for c in p.cats.values()} | set(U.PROCEDURES)
    bad = [r["url"] for r in outcome.rows_of(p) if r["url"] in non_articles or r["title"] in names]
    assert not bad, f"{kind}: {bad}"


@pytest.mark.parametrize("what", FIELDS)
@pytest.mark.parametrize("kind", KINDS)
def test_field_exact(outcome, kind, what):
    p = outcome.portal(kind)
    got = matched(outcome, p)
    assert got, f"{kind}: no article archived"
    wrong = []
    for a in p.articles:
        for r in got.get(a.n, []):
            want = getattr(a, what)
            if r[what] != want:
                if what == "body":
                    diff = "\n".join(
                        difflib.unified_diff(
                            want.split("\n\n"), (r[what] or "").split("\n\n"), lineterm="", n=0
                        )
                    )
                    wrong.append(f"{a.n} {r['url']}\n{diff[:1500]}")
                else:
                    wrong.append(f"{a.n} {r['url']}: want {want!r}, stored {r[what]!r}")
    assert not wrong, f"{kind} {what}: {len(wrong)} of {len(got)} wrong:\n" + "\n".join(wrong[:8])


@pytest.mark.parametrize("kind", KINDS)
def test_stored_url_is_served_and_names_the_article(outcome, kind):
    p = outcome.portal(kind)
    bad = []
    for r in outcome.rows_of(p):
        a = identify(p, r)
        if a is None:
            continue
        status, page = fetch(r["url"])
        if status != 200 or p.key_of(r["url"]) != a.n:
            bad.append((r["url"], status))
    assert not bad, f"{kind}: stored URLs the portal does not serve as the article: {bad}"


@pytest.mark.parametrize("kind", KINDS)
def test_stored_url_canonical_and_without_volatile_parameters(outcome, kind):
    p = outcome.portal(kind)
    bad = []
    for r in outcome.rows_of(p):
        a = identify(p, r)
        if a is None:
            continue
        url = r["url"] or ""
        sp = urlsplit(url)
        keys = {k.lower() for k in parse_qs(sp.query, keep_blank_values=True)}
        if keys & U.VOLATILE or ";jsessionid" in sp.path.lower():
            bad.append((url, sorted(keys & U.VOLATILE)))
        elif p.canonical(a) and url != p.canonical(a):
            bad.append((url, "canonical is " + p.canonical(a)))
    assert not bad, f"{kind}: {bad}"


def test_no_request_leaves_the_wards_hosts(outcome):
    assert not outcome.foreign, f"requests to the foreign host 127.0.0.2: {outcome.foreign[:10]}"
    assert not outcome.proxied, f"requests for other host names: {outcome.proxied[:10]}"
    wrong_host = [
        (kind, h.host, h.path)
        for kind, hits in outcome.log.items()
        for h in hits
        if h.host != f"127.0.0.1:{outcome.portal(kind).port}"
    ]
    assert not wrong_host, f"requests under another Host name: {wrong_host[:10]}"
    elsewhere = [
        u
        for u in [c["url"] for c in outcome.captures] + [e["url"] for e in outcome.fetch_errors]
        if u and urlsplit(u).hostname != "127.0.0.1"
    ]
    assert not elsewhere, f"captures or fetch errors of other hosts: {elsewhere[:10]}"
    assert outcome.captures, "the crawl captured nothing at all"


def test_endless_pager_stops_when_a_page_shows_nothing_new(outcome):
    p = outcome.portal("press")
    cat = next(iter(p.cats.values()))
    pages = []
    for h in outcome.log["press"]:
        sp = urlsplit(h.path)
        if sp.path == f"/{cat.cid}":
            pages.append(int(parse_qs(sp.query).get("trang", ["1"])[0]))
    last = len(cat.pages())
    assert last in pages, f"the last listing page ({last}) was never read: {sorted(set(pages))}"
    # page last+1 repeats page `last`: nothing new, so nothing beyond it is asked for
    assert max(pages) <= last + 1, f"pages requested: {sorted(set(pages))}"


@pytest.mark.parametrize("kind", KINDS)
def test_every_listing_page_read(outcome, kind):
    p = outcome.portal(kind)
    asked = set()
    for h in outcome.log[kind]:
        sp = urlsplit(h.path)
        q = {k: v[0] for k, v in parse_qs(sp.query, keep_blank_values=True).items()}
        hit = p.parse_listing(sp.path, q)
        if hit is not None and h.status == 200:
            asked.add((hit[0].cid, hit[1]))
    want = {(c.cid, n) for c in p.cats.values() for n in range(1, len(c.pages()) + 1)}
    assert want <= asked, f"{kind}: listing pages never read (category, page): {want - asked}"
