"""A small hostile portal of the `hanoi-portal` family, and a foreign host that must never be asked.

One category listing links a well-formed article and one article per fault: a redirect off the
site, a redirect loop, bodies over the size limit (with and without Content-Length), a gzip bomb,
an answer slower than the timeout, a reset connection, a page robots.txt forbids. The portal counts
requests in flight at once; the foreign host (on 127.0.0.2) records every request it gets.
"""

from __future__ import annotations

import contextlib
import gzip
import select
import socket
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CATEGORY = "tin-tuc"
ENDLESS = "vo-tan"  # a category whose pager never ends
TITLE = "Phường tổ chức hội nghị tổng kết công tác năm"
POSTED = "08:15 03/12/2025"
BODY = "Sáng nay, Ủy ban nhân dân phường tổ chức hội nghị tổng kết ./."
# fault -> the article's numeric ID (the hanoi-portal identity)
FAULTS = {
    "ok": "2712250800000000001",
    "ok2": "2712250800000000011",
    "ok3": "2712250800000000012",
    "foreign": "2712250800000000002",
    "loop": "2712250800000000003",
    "large": "2712250800000000004",
    "large_chunked": "2712250800000000005",
    "bomb": "2712250800000000006",
    "slow": "2712250800000000007",
    "reset": "2712250800000000008",
    "robots": "2712250800000000009",
}
SIZE_LIMIT = 1_000_000  # the crawl's -s DOWNLOAD_MAXSIZE in the tests
SLOW_SECONDS = 4.0  # the crawl's DOWNLOAD_TIMEOUT is lower


def article_path(fault: str) -> str:
    """The path of the article of a fault."""
    folder = "cam" if fault == "robots" else CATEGORY
    return f"/{folder}/bai-{fault.replace('_', '-')}-{FAULTS[fault]}.htm"


@cache
def gzip_bomb() -> bytes:
    """About 200 kB on the wire, 200 times the size limit once decompressed."""
    return gzip.compress(b"\0" * (200 * SIZE_LIMIT), compresslevel=9)


def article_html(title: str = TITLE, padding: str = "") -> bytes:
    """A well-formed article page of the family."""
    return f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title>
</head><body><div class="detail-container">
<div class="detail-cate"><a href="/{CATEGORY}">Tin tức</a></div>
<h1 class="detail-title" data-role="title">{title}</h1>
<div class="detail-time"><div data-role="publishdate">{POSTED}</div></div>
<div class="detail-content afcbc-body" data-role="content"><p>{BODY}</p>{padding}</div>
</div></body></html>""".encode()


def listing_html(faults) -> bytes:
    """The category page, linking the articles of these faults."""
    items = "".join(
        f'<div class="box-stream-item"><h3><a class="box-stream-link-title" '
        f'href="{article_path(f)}">Bài {f}</a></h3></div>'
        for f in faults
    )
    return (
        f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"></head><body>'
        f'<div class="box-category"><h1 class="box-category-title">Tin tức</h1>'
        f'<div class="box-stream">{items}</div></div></body></html>'
    ).encode()


def endless_html(page: int, night: int = 0) -> bytes:
    """A page of a pager that never ends: three new articles and a link to the next page (every
    night, every page shows other articles)."""
    links = "".join(
        f'<div class="box-stream-item"><h3><a class="box-stream-link-title" '
        f'href="/{ENDLESS}/bai-{page}-{i}-2{night}{page:08d}{i:09d}.htm">Bài {page}.{i}</a>'
        "</h3></div>"
        for i in range(3)
    )
    return (
        f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"></head><body>'
        f'<div class="box-category"><h1 class="box-category-title">Vô tận</h1>'
        f'<div class="box-stream">{links}</div>'
        f'<a class="view-more" href="/{ENDLESS}?page={page + 1}">Xem thêm</a></div></body></html>'
    ).encode()


@dataclass
class Log:
    """What a server saw: every request's path and when it was being answered."""

    paths: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    spans: list[tuple[float, float, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str, respond) -> None:
        """Log a request and answer it with `respond()`."""
        start = time.monotonic()
        with self.lock:
            self.paths.append(path)
            self.times.append(start)
        try:
            respond()
        finally:
            with self.lock:
                self.spans.append((start, time.monotonic(), path))

    def most_in_flight(self, *leave_out: str) -> int:
        """The most requests answered at once, leaving out paths that hold any of `leave_out`."""
        events = sorted(
            (moment, step)
            for start, end, path in self.spans
            if not any(part in path for part in leave_out)
            for moment, step in ((start, 1), (end, -1))
        )
        most = current = 0
        for _, step in events:
            current += step
            most = max(most, current)
        return most


class FaultPortal:
    """The portal on 127.0.0.1 and the foreign host on 127.0.0.2, as a context manager."""

    def __init__(self, faults=tuple(FAULTS), robots: str = "", endless: bool = False) -> None:
        self.faults, self.robots, self.endless = faults, robots, endless
        self.night = 0  # the endless pager shows other articles each night
        self.log, self.foreign_log = Log(), Log()
        self.moved: set[str] = set()  # faults whose article now redirects to the foreign host
        self.servers = [self._server("127.0.0.1", self._portal), self._server("127.0.0.2", None)]

    def _server(self, host: str, route) -> ThreadingHTTPServer:
        log = self.log if route else self.foreign_log

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    log.answer(self.path, lambda: self.respond())

            def respond(self) -> None:
                if route is None:
                    self._send(200, article_html("Nội dung của một trang khác"))
                else:
                    route(self)

            def _send(self, status: int, body: bytes, **headers: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name.replace("_", "-"), value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        server = ThreadingHTTPServer((host, 0), Handler)
        server.daemon_threads = True
        return server

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.servers[0].server_port}/"

    @property
    def foreign(self) -> str:
        return f"http://127.0.0.2:{self.servers[1].server_port}"

    def registry(self) -> str:
        """The registry TOML of the hostile ward."""
        return (
            '[[ward]]\nslug = "fault-ward"\nname = "Phường Thử Lỗi"\nprovince = "Hà Nội"\n'
            f'url = "{self.url}"\nfamily = "hanoi-portal"\ncategories = {self.categories()}\n'
        )

    def categories(self) -> list[str]:
        """The category paths of the ward: the faults' listing, and the endless one if asked."""
        return [CATEGORY, ENDLESS] if self.endless else [CATEGORY]

    def _portal(self, handler) -> None:
        path = handler.path.split("?")[0]
        fault = next((f for f in FAULTS if path == article_path(f)), None)
        time.sleep(0.02)  # long enough for concurrent requests to overlap
        if path == "/robots.txt":
            body = f"User-agent: *\nDisallow: /cam/\n{self.robots}".encode()
            return handler._send(200, body, Content_Type="text/plain")
        if path == f"/{ENDLESS}":
            page = int(handler.path.partition("page=")[2] or 1)
            return handler._send(200, endless_html(page, self.night))
        if path.startswith(f"/{ENDLESS}/"):
            return handler._send(200, article_html())
        if path == f"/{CATEGORY}":
            return handler._send(200, listing_html(self.faults))
        if path.startswith("/loop"):
            return handler._send(302, b"", Location=f"/loop{len(path) % 2}")
        if fault in self.moved or fault == "foreign":
            return handler._send(301, b"", Location=f"{self.foreign}/moved")
        if fault == "loop":
            return handler._send(302, b"", Location="/loop0")
        if fault == "large":
            return handler._send(200, article_html(padding="x" * (3 * SIZE_LIMIT)))
        if fault == "large_chunked":
            return self._chunked(handler, article_html(padding="x" * (3 * SIZE_LIMIT)))
        if fault == "bomb":
            return handler._send(200, gzip_bomb(), Content_Encoding="gzip")
        if fault == "slow":
            return self._slow(handler)
        if fault == "reset":
            handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n<html>")
            handler.wfile.flush()
            handler.connection.shutdown(2)
            return None
        if fault in ("ok", "ok2", "ok3", "robots"):
            return handler._send(200, article_html())
        return handler._send(404, b"not here")

    @staticmethod
    def _slow(handler) -> None:
        """Answer after SLOW_SECONDS, or give up as soon as the client hangs up."""
        deadline = time.monotonic() + SLOW_SECONDS
        while time.monotonic() < deadline:
            readable, _, _ = select.select([handler.connection], [], [], 0.05)
            if readable and not handler.connection.recv(1, socket.MSG_PEEK):
                return None  # the crawler gave up (its timeout): no longer in flight
        return handler._send(200, article_html())

    @staticmethod
    def _chunked(handler, body: bytes) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        for start in range(0, len(body), 65536):
            chunk = body[start : start + 65536]
            handler.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        handler.wfile.write(b"0\r\n\r\n")

    def __enter__(self) -> FaultPortal:
        if "bomb" in self.faults:
            gzip_bomb()  # built before serving: compressing it takes about as long as the timeout
        for server in self.servers:
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                             daemon=True).start()  # fmt: skip
        return self

    def __exit__(self, *exc) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()
