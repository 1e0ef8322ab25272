"""Captures of the replica wards for the fake Wayback Machine: rounds, URL variants and traps.

`build_captures(seed)` builds the replica sites (never served), renders their pages through the
family routers and takes `ROUNDS` capture rounds, with one night of changes (`advance()`) between
rounds. Every absolute link to the replica's 127.0.0.1 origin is rewritten to the ward's original
host (`HOSTS`), so a capture holds what the original site served. Traps (captures that must not
become articles) are added by `wayback_traps.ArchiveBuilder`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from . import render_hanoi, render_liferay, render_viewcontent
from .model import HANOI_PORTAL, LIFERAY_AP, VN_TZ, Article, Site
from .render_common import Page, quote_url
from .server import ROUTERS, ReplicaServer

HOSTS = {
    "replica-phucloi": "phucloi.longbien.example",
    "replica-giathuy": "giathuy.longbien.example",
    "replica-thuongthanh": "thuongthanh.longbien.example",
    "replica-hanoi-phucloi": "phucloi.hanoi.example",
    "replica-dongda": "dongda.hanoi.example",
    "replica-lacvien": "lacvien.ngoquyen.example",
    "replica-leloi": "leloi.ngoquyen.example",
}
ALIASES = {"replica-phucloi": ["phucloi.longbien-alias.example"]}
ROUNDS = 4
ROUND_GAP = timedelta(days=30)
PORT0 = 47100  # placeholder ports of the never-served replica origins
TRACKED = 24  # about how many articles of a ward the archive follows
NOT_ARTICLE = ("error", "redirect", "soft404", "non-html", "truncated")


@dataclass
class Capture:
    """One archived response: what the CDX index lists and what `id_` replay returns."""

    ward: str
    round: int
    timestamp: str
    original: str
    status: int
    content_type: str
    body: bytes
    kind: str  # article, listing, page, or one of NOT_ARTICLE
    location: str | None = None
    key: str | None = None
    state: dict[str, Any] | None = None
    listed: tuple[str, ...] = ()
    category: str = ""

    @property
    def mimetype(self) -> str:
        """MIME type without parameters, as the CDX index lists it."""
        return self.content_type.split(";")[0].strip()


def origin(slug: str, path: str, scheme: str = "http", host: str | None = None) -> str:
    """Absolute original URL of a root-relative path on a ward's (or an alias) host."""
    return f"{scheme}://{host or HOSTS[slug]}{path}"


def path_of(url: str) -> str:
    """Path and query of an absolute URL."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def article_paths(site: Site, a: Article) -> list[str]:
    """Every root-relative URL variant under which the article page is served."""
    if site.family == HANOI_PORTAL:
        return [render_hanoi.article_url(site, a)]
    if site.family != LIFERAY_AP:
        return [render_viewcontent.article_url(site, cat, a) for cat in a.categories]
    paths = []
    for cat in a.categories:
        redirect = quote_url(origin(site.slug, f"/{cat}"))
        for variant in range(5):
            path = render_liferay.article_url(site, cat, a, variant)
            paths += [path, f"{path}&_101_redirect={redirect}"]
    return paths


def listing_path(site: Site, cat: str, number: int) -> str:
    """Root-relative URL of listing page `number` of a category."""
    if site.family == LIFERAY_AP:
        return render_liferay.listing_url(site, cat, number)
    if number == 1:
        return f"/{cat}"
    return f"/{cat}?{'page' if site.family == HANOI_PORTAL else 'cur'}={number}"


def state_of(a: Article) -> dict[str, Any]:
    """Ground-truth fields of an article as a capture shows it now."""
    posted = a.posted.replace(tzinfo=VN_TZ).isoformat()
    return {"title": a.title, "posted_at": posted, "views": a.views, "body": a.body()}


class Builder:
    """Takes the capture rounds of every ward; `captures` holds the result."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.replica = ReplicaServer(seed=seed)  # its sites and routers only; never started
        # Only the wards with an original host are archived (not the FAMILIES.md §4 wards).
        self.replica.sites = [site for site in self.replica.sites if site.slug in HOSTS]
        for index, site in enumerate(self.replica.sites):
            site.url = f"http://127.0.0.1:{PORT0 + index}/"
        self.captures: list[Capture] = []
        self.tracked: dict[str, set[str]] = {s.slug: set() for s in self.sites}
        self.seen: set[tuple[str, str]] = set()
        self.urls: dict[tuple[str, str], str] = {}  # last captured URL of an article
        self.files: set[str] = set()
        self.clock: dict[str, datetime] = {}
        self.starts: dict[str, datetime] = {}
        self.share: dict[str, float] = {}

    @property
    def sites(self) -> list[Site]:
        """The replica wards."""
        return self.replica.sites

    def build(self) -> list[Capture]:
        """Take every round, advancing the wards by one night between rounds."""
        for number in range(ROUNDS):
            if number:
                self.replica.advance()
            for site in self.sites:
                self.take_round(site, number)
        return self.captures

    def rewrite(self, site: Site, text: str) -> str:
        """Point absolute links (plain and percent-encoded) at the ward's original host."""
        old, new = site.url.rstrip("/"), origin(site.slug, "")
        text = text.replace(old, new).replace(quote(old, safe=""), quote(new, safe=""))
        assert "127.0.0.1" not in text, site.slug
        return text

    def render(self, site: Site, url: str) -> Page:
        """What the replica serves at the path and query of `url`."""
        parts = urlsplit(url)
        return ROUTERS[site.family](site, parts.path, parse_qs(parts.query, True))

    def add(
        self, site: Site, rng: random.Random, number: int, url: str, result: Page, kind: str,
        **extra: Any,
    ) -> Capture:  # fmt: skip
        """Record one capture a few seconds after the previous capture of the ward."""
        self.clock[site.slug] += timedelta(seconds=rng.randint(2, 45))
        body = result.body
        if isinstance(body, str):
            body = self.rewrite(site, body).encode()
        location = self.rewrite(site, result.location) if result.location else None
        stamp = f"{self.clock[site.slug]:%Y%m%d%H%M%S}"
        capture = Capture(
            site.slug, number, stamp, url, result.status, result.content_type, body, kind,
            location, **extra,
        )  # fmt: skip
        self.captures.append(capture)
        return capture

    def take_round(self, site: Site, number: int) -> None:
        """One capture round of one ward: home, robots, listings, articles, removals, traps."""
        rng = random.Random(f"{self.seed}:{site.slug}:wayback:{number}")
        if number == 0:
            newest = max(a.posted for a in site.articles)
            self.starts[site.slug] = (newest + timedelta(days=1)).replace(hour=1, minute=7)
            self.clock[site.slug] = self.starts[site.slug]
            alive = sum(a.kind == "article" for a in site.articles)
            self.share[site.slug] = min(1.0, TRACKED / alive)
        base = self.starts[site.slug] + number * ROUND_GAP
        self.clock[site.slug] = max(self.clock[site.slug], base)
        home = origin(site.slug, "/")
        self.add(site, rng, number, home, self.render(site, home), "page")
        if number in (0, 2):
            robots = origin(site.slug, "/robots.txt")
            self.add(site, rng, number, robots, self.render(site, robots), "non-html")
        self.take_listings(site, rng, number)
        chosen = self.take_articles(site, rng, number)
        self.take_gone(site, rng, number)
        self.take_traps(site, rng, number, chosen)

    def take_traps(
        self, site: Site, rng: random.Random, number: int, chosen: list[Capture]
    ) -> None:
        """Captures that must not become articles; see `wayback_traps.ArchiveBuilder`."""

    def take_listings(self, site: Site, rng: random.Random, number: int) -> None:
        """Every page of every category listing, always under the same URLs."""
        for cat in site.categories:
            for page_number in range(1, site.pages(cat.path) + 1):
                url = origin(site.slug, listing_path(site, cat.path, page_number))
                keys = tuple(a.key for a in site.page_of(cat.path, page_number)[1])
                result = self.render(site, url)
                self.add(site, rng, number, url, result, "listing", listed=keys, category=cat.name)

    def article_url(self, site: Site, rng: random.Random, a: Article) -> str:
        """The URL under which the archive takes an article: often the last one again."""
        last = self.urls.get((site.slug, a.key))
        if last and rng.random() < 0.5:
            return last
        path = rng.choice(article_paths(site, a))
        https = rng.random() < (0.6 if site.family == HANOI_PORTAL else 0.25)
        hosts = [HOSTS[site.slug], f"www.{HOSTS[site.slug]}", *ALIASES.get(site.slug, [])]
        host = rng.choices(hosts, [6, 2, 2][: len(hosts)])[0]
        return origin(site.slug, path, "https" if https else "http", host)

    def take_article(self, site: Site, rng: random.Random, number: int, a: Article) -> Capture:
        """One good capture of an article, and of its images and documents the first time."""
        url = self.article_url(site, rng, a)
        result = self.render(site, url)
        assert result.status == 200 and result.article is a, url
        self.urls[(site.slug, a.key)] = url
        capture = self.add(site, rng, number, url, result, "article", key=a.key, state=state_of(a))
        for path in a.attachments():
            file_url = origin(site.slug, path)
            if file_url not in self.files:
                self.files.add(file_url)
                self.add(site, rng, number, file_url, self.render(site, file_url), "non-html")
        return capture

    def take_articles(self, site: Site, rng: random.Random, number: int) -> list[Capture]:
        """Most followed articles, some twice under another URL; returns the captures."""
        alive = [a for a in site.articles if a.kind == "article"]
        for a in alive:
            if (site.slug, a.key) not in self.seen:
                self.seen.add((site.slug, a.key))
                if rng.random() < self.share[site.slug]:
                    self.tracked[site.slug].add(a.key)
        chosen = [a for a in alive if a.key in self.tracked[site.slug] and rng.random() < 0.7]
        rng.shuffle(chosen)
        captures = []
        for a in chosen:
            captures.append(self.take_article(site, rng, number, a))
            if rng.random() < 0.2:
                captures.append(self.take_article(site, rng, number, a))
        return captures

    def take_gone(self, site: Site, rng: random.Random, number: int) -> None:
        """Revisit URLs of removed followed articles (404/410, or 301) and of dead links (404)."""
        for key, removed in site.removed.items():
            if key in self.tracked[site.slug] and rng.random() < 0.6:
                url = self.urls.get((site.slug, key)) or self.article_url(
                    site, rng, removed.article
                )
                result = self.render(site, url)
                kind = "redirect" if 300 <= result.status < 400 else "error"
                self.add(site, rng, number, url, result, kind, key=key)
        if number % 2 == 0:
            for a in site.articles:
                if a.kind == "dead":
                    url = origin(site.slug, path_of(self.replica.canonical_url(site, a)))
                    self.add(site, rng, number, url, self.render(site, url), "error", key=a.key)
