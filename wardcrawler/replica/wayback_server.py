"""The HTTP side of the fake Wayback Machine: CDX queries, raw replay, 429s, request log.

`WaybackServer(captures)` serves on one 127.0.0.1 port (`.url`, no trailing slash):
- `GET /cdx/search/cdx?url=...` the CDX index (see `wayback_cdx`);
- `GET /web/{timestamp}id_/{original}` the raw capture: its status, Content-Type, Location and
  body, with `Memento-Datetime`; another timestamp of a known URL (same original, else same
  urlkey: other scheme, `www.`, parameter order) is a 302 to the nearest capture; an unknown URL
  is a 404 archive page without `Memento-Datetime`;
- every `rate_limit_every`-th request (counting all requests) is a 429 with `Retry-After: 1`.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlsplit

from .wayback_capture import Capture
from .wayback_cdx import CdxError, CdxIndex, surt

Answer = tuple[int, dict[str, str], bytes]
REPLAY = re.compile(r"^/web/(\d{1,14})([a-z]{2}_)?/(.+)$", re.S)
NOT_ARCHIVED = (
    b"<!DOCTYPE html><html><head><title>Wayback Machine</title></head><body>"
    b"<h2>Hrm.</h2><p>The Wayback Machine has not archived that URL.</p></body></html>\n"
)


class _ArchiveHTTPServer(ThreadingHTTPServer):
    """The archive's HTTP server; knows the `WaybackServer` it serves."""

    daemon_threads = True

    def __init__(self, archive: WaybackServer) -> None:
        self.archive = archive
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client goes away mid-response."""


class _Handler(BaseHTTPRequestHandler):
    """Answers CDX queries and raw replays; logs every request."""

    server: _ArchiveHTTPServer

    def version_string(self) -> str:
        """The `Server` header."""
        return "nginx"

    def do_GET(self) -> None:
        """Serve a GET request."""
        self._serve(head=False)

    def do_HEAD(self) -> None:
        """Serve a HEAD request."""
        self._serve(head=True)

    def _serve(self, head: bool) -> None:
        status, headers, body = self.server.archive.answer(self.path)
        self.server.archive.log(self.command, self.path, status)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """No stderr logging."""


class WaybackServer:
    """Serves captures as a Wayback Machine (CDX API and `id_` replay) on 127.0.0.1."""

    def __init__(self, captures: Sequence[Capture], rate_limit_every: int = 17) -> None:
        self.captures, self.rate_limit_every = list(captures), rate_limit_every
        self.index = CdxIndex(self.captures)
        self.url = ""
        self._lock = threading.Lock()
        self._requests: list[tuple[str, str, int, float]] = []
        self._count = 0
        self._httpd: _ArchiveHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def requests(self) -> list[tuple[str, str, int, float]]:
        """Copy of the request log: (method, path with query, status, time.time())."""
        with self._lock:
            return list(self._requests)

    def reset_requests(self) -> None:
        """Clear the request log (the rate-limit counter keeps counting)."""
        with self._lock:
            self._requests.clear()

    def log(self, method: str, path: str, status: int) -> None:
        """Record one answered request."""
        with self._lock:
            self._requests.append((method, path, status, time.time()))

    def answer(self, raw_path: str) -> Answer:
        """Status, headers and body for a request path (with its query)."""
        with self._lock:
            self._count += 1
            throttled = self.rate_limit_every > 0 and self._count % self.rate_limit_every == 0
        if throttled:
            headers = {"Content-Type": "text/plain", "Retry-After": "1"}
            return 429, headers, b"Too Many Requests\n"
        parts = urlsplit(raw_path)
        if parts.path == "/cdx/search/cdx":
            return self.cdx(parse_qs(parts.query, keep_blank_values=True))
        if raw_path.startswith("/web/"):
            return self.replay(raw_path)
        return 404, {"Content-Type": "text/html; charset=utf-8"}, NOT_ARCHIVED

    def cdx(self, params: dict[str, list[str]]) -> Answer:
        """A CDX query as JSON (`output=json`) or space-separated text."""
        try:
            fields, rows, key = self.index.query(params)
        except CdxError as exc:
            return 400, {"Content-Type": "text/plain"}, f"{exc}\n".encode()
        if params.get("output", [""])[-1] == "json":
            table: list[list[str]] = [fields, *rows] if rows else []
            if key:
                table += [[], [key]]
            body = "[" + ",\n".join(json.dumps(r) for r in table) + "]\n"
            return 200, {"Content-Type": "application/json"}, body.encode()
        text = "".join(" ".join(r) + "\n" for r in rows) + (f"\n{key}\n" if key else "")
        return 200, {"Content-Type": "text/plain"}, text.encode()

    def replay(self, raw_path: str) -> Answer:
        """Raw (`id_`) replay of a capture, or a 302 to the nearest one, or a 404."""
        found = REPLAY.match(raw_path)
        html = {"Content-Type": "text/html; charset=utf-8"}
        if not found:
            return 404, html, NOT_ARCHIVED
        stamp, modifier, url = found.groups()
        if modifier != "id_":
            message = b"This archive replays raw captures only: /web/{timestamp}id_/{url}\n"
            return 400, {"Content-Type": "text/plain"}, message
        url = re.sub(r"^(https?):/+", r"\1://", url)
        url = url if re.match(r"^https?://", url) else f"http://{url}"
        same = self.index.by_key.get(surt(url)) or self.index.by_key.get(surt(unquote(url)), [])
        if not same:
            return 404, html, NOT_ARCHIVED
        exact = [c for c in same if c.original == url] or same
        at = [c for c in exact if c.timestamp == stamp] or [c for c in same if c.timestamp == stamp]
        if at:
            return self._capture(at[0])
        wanted = _seconds(stamp)
        near = min(exact, key=lambda c: (abs(_seconds(c.timestamp) - wanted), c.timestamp))
        location = f"/web/{near.timestamp}id_/{near.original}"
        return 302, {**html, "Location": location}, b"Found\n"

    def _capture(self, capture: Capture) -> Answer:
        """The stored response of one capture."""
        when = datetime.strptime(capture.timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        headers = {
            "Content-Type": capture.content_type,
            "Memento-Datetime": format_datetime(when, usegmt=True),
        }
        if capture.location:
            headers["Location"] = capture.location
        return capture.status, headers, capture.body

    def start(self) -> Self:
        """Bind 127.0.0.1:0 and serve in a daemon thread."""
        self._httpd = _ArchiveHTTPServer(self)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        self._httpd = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _seconds(stamp: str) -> float:
    """Seconds since the epoch of a (possibly partial) 14-digit timestamp."""
    full = stamp + "19700101000000"[len(stamp) :]
    try:
        return datetime.strptime(full, "%Y%m%d%H%M%S").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return float(full)
