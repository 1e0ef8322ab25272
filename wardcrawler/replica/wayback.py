"""A local fake Wayback Machine holding captures of the (vanished) replica ward portals.

`WaybackReplica(seed)` builds the captures (`wayback_capture`, `wayback_traps`) and serves them
as a context manager (`wayback_server`: CDX API, `id_` replay, 429s, request log).
`registry_toml()` lists the wards on their original hosts; `ground_truth()` says what a perfect
backfill stores: ``{"wards", "hosts": {slug: host}, "articles": [{"ward", "key", "title",
"posted_at", "views", "body", "url", "captures": [{"timestamp", "original", "views", "title"}],
"categories"}], "not_articles": [{"ward", "original", "timestamp", "status", "reason", "key"}],
"cdx_rows": {host: rows}, "seed"}``.
`wardcrawler replica --web-archive --out DIR [--seed N]` serves it until SIGINT/SIGTERM.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from wardcrawler.portals.registry import registry_text

from .server import write_files
from .wayback_capture import ALIASES, HOSTS, NOT_ARTICLE, Capture
from .wayback_cdx import surt
from .wayback_server import WaybackServer
from .wayback_traps import build_captures


class WaybackReplica(WaybackServer):
    """Captures of the replica wards at several dates, served as a Wayback Machine."""

    def __init__(self, seed: int = 0, rate_limit_every: int = 17) -> None:
        self.seed = seed
        self.sites, captures = build_captures(seed)
        super().__init__(captures, rate_limit_every)

    def registry(self) -> list[dict[str, object]]:
        """Registry entries of the archived wards, on their original hosts."""
        entries = []
        for site in self.sites:
            entry = {**site.registry(), "url": f"http://{HOSTS[site.slug]}/"}
            if site.slug in ALIASES:
                entry["aliases"] = list(ALIASES[site.slug])
            entries.append(entry)
        return entries

    def registry_toml(self) -> str:
        """The wards as a registry TOML document."""
        return registry_text(self.registry())

    def ground_truth(self) -> dict[str, Any]:
        """What a perfect backfill stores, and the captures it must not take for articles."""
        good: dict[tuple[str, str], list[Capture]] = {}
        listed: dict[tuple[str, str], dict[int, set[str]]] = {}
        for c in sorted(self.captures, key=lambda c: c.timestamp):
            if c.kind == "article" and c.key:
                good.setdefault((c.ward, c.key), []).append(c)
            for key in c.listed:
                listed.setdefault((c.ward, key), {}).setdefault(c.round, set()).add(c.category)
        order = {site.slug: n for n, site in enumerate(self.sites)}
        articles = []
        for (ward, key), caps in sorted(good.items(), key=lambda i: (order[i[0][0]], i[0][1])):
            rounds = listed.get((ward, key), {})
            names = sorted(rounds[max(rounds)]) if rounds else []
            history = [
                {"timestamp": c.timestamp, "original": c.original, **_pick(c, "views", "title")}
                for c in caps
            ]
            latest = caps[-1]
            state = _pick(latest, "title", "posted_at", "views", "body")
            articles.append(
                {"ward": ward, "key": key, **state, "url": latest.original, "captures": history}
                | {"categories": names}
            )
        traps = sorted(
            (c for c in self.captures if c.kind in NOT_ARTICLE), key=lambda c: (c.ward, c.timestamp)
        )
        hosts = Counter(_host(surt(c.original)) for c in self.captures)
        return {
            "wards": self.registry(),
            "hosts": dict(HOSTS),
            "articles": articles,
            "not_articles": [
                {"ward": c.ward, "original": c.original, "timestamp": c.timestamp}
                | {"status": c.status, "reason": c.kind, "key": c.key}
                for c in traps
            ],
            "cdx_rows": dict(sorted(hosts.items())),
            "seed": self.seed,
        }

    def write(self, out_dir: Path | str) -> None:
        """Write `wards.toml` and `truth.json` into `out_dir`."""
        write_files(out_dir, self.registry_toml(), self.ground_truth())


def _pick(capture: Capture, *names: str) -> dict[str, Any]:
    """Some ground-truth fields of an article capture."""
    state = capture.state or {}
    return {name: state[name] for name in names}


def _host(urlkey: str) -> str:
    """Host name (without `www.`) of a SURT urlkey."""
    return ".".join(reversed(urlkey.split(")", 1)[0].split(",")))
