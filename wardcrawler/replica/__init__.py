"""Local replica ward portals with known ground truth, for tests and `wardcrawler demo`.

`ReplicaServer` serves seven wards of the three supported families, each on its own
127.0.0.1 origin, in the reference markup of `shared/portals/FAMILIES.md`, with the text
quirks and faults of the real sites. `ground_truth()` says what a perfect crawl stores:
``{"wards": [registry entry], "articles": [{"ward", "key", "url", "title", "posted_at",
"views", "body", "categories", "attachments"}], "dead_links": [url], "malformed": [url],
"robots_disallowed": [path], "fault_urls": {"503_once": [url], "slow": [url]}}``.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Any

from .server import ReplicaServer

__all__ = ["ReplicaServer", "serve_forever"]


def serve_forever(out_dir: Path, *, seed: int = 0) -> None:
    """Serve the replica, write `wards.toml` and `truth.json`, block until SIGINT/SIGTERM."""
    stop = threading.Event()
    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, lambda *_: stop.set())
    try:
        with ReplicaServer(seed=seed) as server:
            server.write(out_dir)
            for site in server.wards:
                print(site.slug, site.url, flush=True)
            while not stop.wait(0.2):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
