"""Finding the portals of units that have none: candidate hosts, and what a home page is.

Candidate hosts follow the host patterns of the known platforms (FAMILIES.md), the unit's name
written as portals write it (marks dropped, `đ` -> `d`, words joined: Phúc Lợi -> `phucloi`):

- a current unit: `{unit}.{province}.gov.vn` (Hà Nội's portals since July 2025; some former
  district host names now serve a ward of that name: `dongda.hanoi.gov.vn`), and `www.` before;
- each pre-2025 unit it was formed from: `{unit}.{district}.{province}.gov.vn` (the Long Biên
  Liferay portals) and `{unit}.{district}.gov.vn` (their aliases; Ngô Quyền's portals), and
  `www.` before each.

Collisions: units whose names are written alike (`Văn Lang`, `Văn Lăng`; `Phường X`, `Xã X`)
share a candidate host; a host that answers is the unit its home page names, with its type and
marks (`Phường Phúc Lợi`, any case, tone placement aside): a page naming none of them, such as
a district's portal on a ward's host name, is proposed for no unit.

A home page's family: the declared family most of whose article URLs (by its URL grammar) the
page links, at least MIN_FAMILY_LINKS; else `generic` when the page links articles of a
repeating URL template, its categories to be checked as listings; else it is unrecognised.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from parsel import Selector

from wardcrawler.extract.generic import template_articles
from wardcrawler.extract.urls import absolute, article_id
from wardcrawler.portals.families import FAMILIES, GENERIC
from wardcrawler.portals.registry import netloc_of
from wardcrawler.portals.units import (
    CURRENT,
    FORMER,
    Unit,
    ascii_name,
    current_units,
    former_units,
    lineage,
    spelling_key,
)

MIN_FAMILY_LINKS = 2  # article links of a family's grammar on a home page that tell the family


@dataclass(frozen=True)
class Candidate:
    """A host that may be the portal of one of its units (several when their names collide)."""

    host: str
    era: str  # CURRENT or FORMER: the era of its units
    codes: tuple[str, ...]

    @property
    def units(self) -> list[Unit]:
        """The units the host may belong to."""
        units = current_units() if self.era == CURRENT else former_units()
        return [units[c] for c in self.codes]


def candidates(units: Iterable[Unit], skip_former: frozenset[str] = frozenset()) -> list[Candidate]:
    """The candidate hosts of current units and of the pre-2025 units they were formed from
    (but those in `skip_former`), in the order of the units, each host once."""
    hosts: dict[tuple[str, str], list[str]] = {}
    formed_from: dict[str, list[str]] = {}
    for former, current in sorted(lineage()):
        formed_from.setdefault(current, []).append(former)
    for unit in units:
        province = ascii_name(unit.province)
        for host in _with_www(f"{ascii_name(unit.name)}.{province}.gov.vn"):
            hosts.setdefault((host, CURRENT), []).append(unit.code)
        for code in formed_from.get(unit.code, []):
            former = former_units()[code]
            if code in skip_former or not former.district:
                continue
            name, district = ascii_name(former.name), ascii_name(former.district)
            patterns = (f"{name}.{district}.{ascii_name(former.province)}.gov.vn",
                        f"{name}.{district}.gov.vn")  # fmt: skip
            for host in (h for pattern in patterns for h in _with_www(pattern)):
                codes = hosts.setdefault((host, FORMER), [])
                if code not in codes:
                    codes.append(code)
    return [Candidate(host, era, tuple(codes)) for (host, era), codes in hosts.items()]


def _with_www(host: str) -> tuple[str, str]:
    return host, f"www.{host}"


def named_unit(page: Selector, units: list[Unit]) -> Unit | None:
    """The unit among `units` that the page names with its type (title first, then the text)."""
    title = " ".join(page.xpath("//title//text()").getall())
    text = " ".join(page.xpath("//body//text()[not(ancestor::script or ancestor::style)]").getall())
    for where in (title, text):
        words = f" {spelling_key(where)} "
        found = [u for u in units if f" {spelling_key(u.name)} " in words]
        if found:
            return max(found, key=lambda u: len(u.name))
    return None


def family_of(page: Selector, url: str) -> str | None:
    """The family of a home page: declared by its article links, `generic` for article links
    of a URL template, None when unrecognised."""
    host = netloc_of(url)
    links: list[tuple[str, str]] = []
    for anchor in page.xpath("//a[@href]"):
        link = absolute(url, anchor.attrib.get("href"))
        if link and netloc_of(link) == host:
            links.append((link, " ".join(" ".join(anchor.xpath(".//text()").getall()).split())))
    counts = {
        key: len({article_id(family, link) for link, _ in links} - {None})
        for key, family in FAMILIES.items()
        if family.article_url is not None
    }
    best = max(counts, key=lambda key: counts[key])
    if counts[best] >= MIN_FAMILY_LINKS:
        return best
    return GENERIC.key if template_articles(links) else None
