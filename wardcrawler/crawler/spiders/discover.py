"""`wardcrawler discover`: probe candidate hosts, fingerprint those that answer, find categories.

Each candidate host's home page is asked for (robots.txt first, as every request; a host that
does not resolve fails at once), one request at a time per host; a home page that names one of
the candidate's units and is of a known family (or generic) has its navigation links read as
the crawler reads them on a ward without `categories`: those that list articles are its
categories. Each candidate's outcome is appended to the state file as soon as it is known, so
that a second run skips what the first one probed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from wardcrawler.crawler.failures import failure_reason
from wardcrawler.crawler.spiders.wards import fetched
from wardcrawler.extract.bounds import ExtractionError
from wardcrawler.extract.listing import navigation_links
from wardcrawler.portals.discovery import Candidate, family_of, named_unit
from wardcrawler.portals.registry import Ward
from wardcrawler.reading import listing_items

MAX_CATEGORY_PROBES = 20  # navigation links of one home page read as possible categories
UNRESOLVED = "host name not found (DNS)"  # failures.failure_reason's words


@dataclass
class Probed:
    """What became of one candidate host (a line of the state file)."""

    host: str
    era: str
    codes: list[str]
    outcome: str  # unresolved, no answer, answered, recognised, proposed
    reason: str = ""
    code: str | None = None  # the unit the page names
    url: str | None = None  # the home page's address after redirects
    family: str | None = None
    categories: list[str] = field(default_factory=list)


class DiscoverSpider(scrapy.Spider):
    """Probe candidate hosts (spider arguments: `candidates`, `state`: the state file)."""

    name = "discover"

    def __init__(self, candidates: list[Candidate], state: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.candidates, self.state = candidates, Path(state)
        self.wards: list[Ward] = []  # the candidates' sites, for the own-site middleware
        self.pending: dict[str, tuple[Probed, dict[int, str | None]]] = {}

    async def start(self):
        for candidate in self.candidates:
            ward = Ward(candidate.host, candidate.host, "", f"http://{candidate.host}/", "generic")
            self.wards.append(ward)
            yield scrapy.Request(
                ward.url, callback=self.parse_home, errback=self.home_failed,
                cb_kwargs={"ward": ward, "candidate": candidate},
                meta={"download_slot": candidate.host}, dont_filter=True,
            )  # fmt: skip

    def parse_home(self, response: Response, ward: Ward, candidate: Candidate):
        """A home page: its unit, its family, then its navigation links as categories."""
        probed = Probed(candidate.host, candidate.era, list(candidate.codes), "answered")
        page = fetched(response)
        if response.status != 200:
            return self.done(probed, f"HTTP {response.status}")
        try:
            selector = page.selector()
        except (ValueError, TypeError) as exc:
            return self.done(probed, f"not a web page: {exc}")
        unit = named_unit(selector, candidate.units)
        if unit is None:
            names = " or ".join(u.name for u in candidate.units)
            return self.done(probed, f"the home page does not name {names}")
        probed.code, probed.url = unit.code, origin(response.url)
        probed.family = family_of(selector, response.url)
        if probed.family is None:
            return self.done(probed, "unrecognised: no article links of a known family or template")
        probed.outcome = "recognised"
        site = Ward(candidate.host, unit.name, "", probed.url, probed.family)
        try:
            links = list(navigation_links(selector, site.family, response.url))
        except ExtractionError as exc:
            return self.done(probed, str(exc))
        links = links[:MAX_CATEGORY_PROBES]
        if not links:
            return self.done(probed, "no navigation links to categories")
        self.pending[candidate.host] = (probed, dict.fromkeys(range(len(links))))
        return [
            scrapy.Request(
                link,
                callback=self.parse_category,
                errback=self.category_failed,
                cb_kwargs={"ward": site, "host": candidate.host, "rank": rank},
                meta={"download_slot": candidate.host},
                dont_filter=True,
            )  # fmt: skip
            for rank, link in enumerate(links)
        ]

    def parse_category(self, response: Response, ward: Ward, host: str, rank: int):
        """A navigation link: a category when it lists articles (as the crawler decides)."""
        listing, _ = listing_items(fetched(response), ward, response.url, discovering=True)
        self.category_done(host, rank, response.url if listing is not None else None)

    def category_failed(self, failure: Failure):
        kwargs = failure.request.cb_kwargs
        self.category_done(kwargs["host"], kwargs["rank"], None)

    def category_done(self, host: str, rank: int, url: str | None) -> None:
        probed, ranks = self.pending[host]
        ranks[rank] = url or ""
        if all(value is not None for value in ranks.values()):
            del self.pending[host]
            probed.categories = list(dict.fromkeys(category_path(u) for u in ranks.values() if u))
            if probed.categories:
                probed.outcome = "proposed"
                self.done(probed, "")
            else:
                self.done(probed, "no navigation link lists articles")

    def home_failed(self, failure: Failure):
        """No home page: unresolved, or why not."""
        candidate: Candidate = failure.request.cb_kwargs["candidate"]
        reason = failure_reason(failure, self.crawler.settings)
        outcome = "unresolved" if reason == UNRESOLVED else "no answer"
        self.done(Probed(candidate.host, candidate.era, list(candidate.codes), outcome), reason)

    def done(self, probed: Probed, reason: str) -> None:
        """Record a candidate's outcome in the state file."""
        probed.reason = reason
        with self.state.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(asdict(probed), ensure_ascii=False) + "\n")


def origin(url: str) -> str:
    """`scheme://host[:port]/` of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def category_path(url: str) -> str:
    """A category as the registry writes it: its path (and query) from the host's root."""
    parts = urlsplit(url)
    path = parts.path.lstrip("/") or "/"
    return path + (f"?{parts.query}" if parts.query else "")


def read_state(path: Path) -> list[Probed]:
    """The candidates probed so far (a truncated last line, from a killed run, is skipped)."""
    if not path.exists():
        return []
    probed = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            probed.append(Probed(**json.loads(line)))
        except (ValueError, TypeError):
            continue
    return probed
