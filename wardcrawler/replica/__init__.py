"""Local replica ward portals with known ground truth, for tests and `wardcrawler demo`.

`ReplicaServer` serves ten wards, each on its own 127.0.0.1 origin: seven of the three families
of `shared/portals/FAMILIES.md` §1-3 in their reference markup, and one of each family of §4
(`tandan-liferay`, `sharepoint-portal-pages`, `danang-portal`) in markup designed after its
platform (their real markup is unknown), with the text quirks and faults of the real sites.
Wards of a family whose pages show the day only (`model.DATE_ONLY`) have `posted_at` at
00:00 Vietnam time. The fake Wayback Machine archives the seven §1-3 wards only.
`ground_truth()` says what a perfect crawl stores now:
``{"wards": [registry entry], "articles": [{"ward", "key", "url", "title", "posted_at",
"views", "body", "categories", "attachments"}], "dead_links": [url], "malformed": [url],
"robots_disallowed": [path], "fault_urls": {"503_once": [url], "slow": [url]},
"gone": [{"ward", "key", "url", "status", "location"}], "step": k}``.
`advance()` applies one night of changes (new articles, views, edits, a removal); see
`changes.py`. `wayback.WaybackReplica` is a fake Wayback Machine holding captures of vanished
replica portals. Both are served from the command line by `wardcrawler replica` (with
`--web-archive` for the Wayback Machine), as `serve_forever` does here.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Any

from .server import ReplicaServer

__all__ = ["ReplicaServer", "serve_forever"]


def serve_forever(
    out_dir: Path,
    *,
    seed: int = 0,
    advance_on_signal: bool = False,
    web_archive: bool = False,
    rate_limit_every: int = 17,
) -> None:
    """Serve the replica, write `wards.toml` and `truth.json`, block until SIGINT/SIGTERM.

    The portals print one `slug url` line per ward; with `web_archive`, the fake Wayback Machine
    of the vanished portals prints its URL instead. With `advance_on_signal`, each SIGUSR1
    advances the portals by one night and rewrites both files.
    """
    stop, wake = threading.Event(), threading.Event()
    handlers: dict[signal.Signals, Any] = {signal.SIGINT: stop, signal.SIGTERM: stop}
    usr1 = getattr(signal, "SIGUSR1", None)
    if advance_on_signal and usr1 is not None and not web_archive:
        handlers[usr1] = wake
    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig, event in handlers.items():
            previous[sig] = signal.signal(sig, lambda *_, event=event: event.set())
    try:
        with _server(seed, web_archive, rate_limit_every) as server:
            server.write(out_dir)
            for line in _addresses(server):
                print(line, flush=True)
            while not stop.wait(0.1):
                if wake.is_set():
                    wake.clear()
                    summary = server.advance()
                    server.write(out_dir)
                    print(f"advanced to step {summary['step']}", flush=True)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _server(seed: int, web_archive: bool, rate_limit_every: int) -> Any:
    """The replica portals, or the fake Wayback Machine holding their vanished past."""
    if web_archive:
        from .wayback import WaybackReplica

        return WaybackReplica(seed, rate_limit_every)
    return ReplicaServer(seed=seed)


def _addresses(server: Any) -> list[str]:
    """What a served replica announces: its URL, or each ward's slug and URL."""
    if isinstance(server, ReplicaServer):
        return [f"{site.slug} {site.url}" for site in server.wards]
    return [server.url]
