"""`wardcrawler discover`: propose registry entries for units that have no portal registered."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

from wardcrawler.cli.options import (
    SET_OPTION,
    WARDS_OPTION,
    BadInput,
    check_registry,
    parse_overrides,
    parse_routes_option,
    resolve_options,
)
from wardcrawler.portals.registry import registry_text
from wardcrawler.portals.units import (
    CURRENT,
    Unit,
    ascii_name,
    current_of_province,
    current_units,
    former_units,
)

REVIEW_NOTE = "Proposed by `wardcrawler discover`: review each entry before registering it."
# Probing many hosts: many at once (each host is its own download slot: one request at a time
# per host, about a second apart), short timeouts, no retries (a host that failed is probed
# again once its line is taken out of the state file).
DISCOVER_DEFAULTS = {
    "CONCURRENT_REQUESTS": 64,
    "DOWNLOAD_TIMEOUT": 15,
    "DNS_TIMEOUT": 10,
    "RETRY_TIMES": 0,
    "DOWNLOAD_DELAY": 1.0,
}


@click.command()
@click.option("--province", "provinces", multiple=True, metavar="CODE",
              help="Units of this province, by official code (1: Hà Nội); repeatable.")  # fmt: skip
@click.option("--unit", "unit_codes", multiple=True, metavar="CODE",
              help="This current unit, by official code (00136); repeatable.")  # fmt: skip
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the proposed [[ward]] tables (TOML).")  # fmt: skip
@click.option("--state", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Hosts probed so far, to resume [OUTPUT.state.jsonl].")  # fmt: skip
@WARDS_OPTION
@SET_OPTION
@resolve_options
def discover(provinces, unit_codes, output, state, wards_file, settings, resolve, resolve_file):
    """Propose registry entries for units that have no portal in the registry.

    Candidate hosts come from the platforms' host patterns and the units' names; each is
    probed politely (robots.txt, then the home page; one request at a time per host); a host
    whose home page names its unit and shows a known family (or generic article links) is
    proposed with its categories. OUTPUT is for a person to review: the registry (--wards, by
    default the shipped one) is never edited. With --resolve or --resolve-file, only the hosts
    given are resolved.

    Example: wardcrawler discover --province 1 --output proposed.toml
    """
    from wardcrawler.crawler.probe import probe_settings
    from wardcrawler.crawler.progress import enable as enable_progress
    from wardcrawler.crawler.resolve import apply_routes
    from wardcrawler.crawler.spiders.discover import read_state
    from wardcrawler.portals.discovery import candidates

    units = chosen_units(provinces, unit_codes)
    registered = check_registry(wards_file, ())
    have = {w.code for w in registered if w.code}
    units = [u for u in units if u.code not in have]
    skip_former = frozenset(w.former_code for w in registered if w.former_code)
    found = candidates(units, skip_former)
    state = state or output.with_name(output.name + ".state.jsonl")
    seen = {p.host for p in read_state(state)}
    todo = [c for c in found if c.host not in seen]
    routes = parse_routes_option(resolve, resolve_file)
    overrides = {k: str(v) for k, v in DISCOVER_DEFAULTS.items()} | parse_overrides(settings)
    crawl_settings = probe_settings(overrides)
    enable_progress(crawl_settings)  # on a terminal only (WARDCRAWLER_PROGRESS: off)
    apply_routes(crawl_settings, routes)
    if todo:
        run(todo, state, crawl_settings)
    probed = [p for p in read_state(state) if p.host in {c.host for c in found}]
    proposals = proposed(probed)
    text = registry_text(proposal_entries(proposals), REVIEW_NOTE)
    output.write_text(text, encoding="utf-8")
    click.echo(report(units, found, probed, proposals, output))
    sys.exit(0)


def chosen_units(provinces: tuple[str, ...], unit_codes: tuple[str, ...]) -> list[Unit]:
    """The current units of the provinces and the units named, in code order."""
    if not (provinces or unit_codes):
        raise BadInput("give --province CODE or --unit CODE (see `wardcrawler discover --help`)")
    chosen: dict[str, Unit] = {}
    for province in provinces:
        if not province.isdigit() or not current_of_province(province):
            raise BadInput(f"--province: no province has official code {province!r}")
        chosen.update((u.code, u) for u in current_of_province(province))
    for code in unit_codes:
        unit = current_units().get(code.zfill(5)) if code.isdigit() else None
        if unit is None:
            raise BadInput(f"--unit: no current unit has official code {code!r}")
        chosen[unit.code] = unit
    return [chosen[c] for c in sorted(chosen)]


def run(todo, state: Path, settings) -> None:
    """Probe the candidates with one crawl."""
    from scrapy.crawler import CrawlerProcess

    from wardcrawler.crawler.spiders.discover import DiscoverSpider

    state.parent.mkdir(parents=True, exist_ok=True)
    process = CrawlerProcess(settings)
    process.crawl(DiscoverSpider, candidates=todo, state=state)
    process.start()


def proposed(probed: list) -> list:
    """One proposal per unit: its first host that was proposed (hosts in candidate order)."""
    chosen: dict[tuple[str, str], object] = {}
    for p in probed:
        if p.outcome == "proposed":
            chosen.setdefault((p.era, p.code), p)
    return list(chosen.values())


def proposal_entries(proposals: list) -> list[dict]:
    """The proposals as registry entries (slug `{province or district}-{unit}`)."""
    entries, slugs = [], Counter()
    for p in proposals:
        unit = current_units()[p.code] if p.era == CURRENT else former_units()[p.code]
        slug = f"{ascii_name(unit.district or unit.province)}-{ascii_name(unit.name)}"
        slugs[slug] += 1
        entry = {"slug": slug if slugs[slug] == 1 else f"{slug}-{unit.code}", "name": unit.name,
                 "code" if p.era == CURRENT else "former_code": unit.code,
                 "province": short_province(unit.province)}  # fmt: skip
        if unit.district:
            entry["district"] = unit.district
        entries.append({**entry, "url": p.url, "family": p.family, "categories": p.categories})
    return entries


def short_province(name: str) -> str:
    """`Thành phố Hà Nội` -> `Hà Nội`, `Tỉnh Ninh Bình` -> `Ninh Bình`, as registries write it."""
    for prefix in ("Thành phố ", "Tỉnh "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def report(units, found, probed, proposals, output: Path) -> str:
    """What was probed and found, in figures, then each answering host."""
    outcomes = Counter(p.outcome for p in probed)
    answered = len(probed) - outcomes["unresolved"] - outcomes["no answer"]
    recognised = outcomes["recognised"] + outcomes["proposed"]
    lines = [
        f"units: {len(units)}",
        f"candidates: {len(found)} hosts",
        f"resolved: {len(probed) - outcomes['unresolved']}",
        f"answered: {answered}",
        f"recognised: {recognised}",
        f"proposed: {len(proposals)} (written to {output})",
    ]
    for p in probed:
        if p.outcome not in ("unresolved", "no answer"):
            what = f"{p.family} {p.code}" if p.family else p.code or ""
            lines.append(f"  {p.host}: {p.outcome} {what} {p.reason}".rstrip())
    return "\n".join(lines)
