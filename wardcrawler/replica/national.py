"""The national simulator: one portal per commune-level unit, each on its own loopback address.

`build_portals(n)` makes a `Site` for each of the first `n` current units (`portals.units`, in
code order: 3,321 in all), named as the unit, of the `hanoi-portal` and
`liferay-asset-publisher` families in turn, with `categories` categories of `articles` articles
posted over the last `days` days. Each is served by the replica's own renderers under the host
`{ward}.{province}.sim.test` on its own address 127.1.x.y, all on one port, every answer
(robots.txt too) held back `latency` seconds. `simulator.Simulator` runs it as a child process (one
thread, Twisted), as `python -m wardcrawler.replica.national --out DIR [--portals N] ...` does:
it writes DIR/wards.toml (the registry) and DIR/hosts.txt (a `--resolve-file`), then prints
`ready CONTROL_URL`. The control server on 127.0.0.1 answers `POST /advance` (one night: each
portal posts one article now, first on its first category's first page, and view counters
rise; returns `[{"ward", "key", "url"}]`), `GET /articles` (every article served, as `[ward,
key]`) and `GET /requests?since=N` (the request log from entry N: `[ward, method, path, status,
arrival, completion]` in `time.monotonic()` seconds, a clock the machine's processes share;
status 0: the client left before the answer). `politeness` reads such a log.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET
from twisted.web.server import Site as WebSite

from wardcrawler.portals.registry import registry_text
from wardcrawler.portals.units import ascii_name, current_units

from . import render_hanoi, render_liferay
from .content import as_commune, story  # the replica's own text, not a copy of it
from .model import HANOI_PORTAL, LIFERAY_AP, VN_TZ, Article, Category, Site, d_slug, url_title
from .render_common import Page
from .server import ROUTERS

FAMILIES = (HANOI_PORTAL, LIFERAY_AP)
CATEGORIES = [("tin-tuc", "Tin tức"), ("thong-bao", "Thông báo"),
              ("hoat-dong-chinh-quyen", "Hoạt động chính quyền"),
              ("van-hoa-xa-hoi", "Văn hoá - Xã hội"), ("kinh-te", "Kinh tế")]  # fmt: skip


def address(index: int) -> str:
    """Loopback address of portal `index` (from 0): 127.1.0.1 ... 127.1.0.250, 127.1.1.1 ..."""
    return f"127.1.{index // 250}.{index % 250 + 1}"


def _now() -> datetime:
    """Vietnam's wall time to the minute, as the portals print it (naive)."""
    return datetime.now(VN_TZ).replace(tzinfo=None, second=0, microsecond=0)


def build_portals(
    count: int, categories: int = 2, articles: int = 6, days: int = 180, seed: int = 0
) -> list[Site]:
    """The first `count` units' portals, their content drawn from `seed`."""
    now, sites, slugs = _now(), [], set()
    for index, unit in enumerate(list(current_units().values())[:count]):
        province, ward = ascii_name(unit.province), ascii_name(unit.name) or unit.code
        ward = ward if f"{province}-{ward}" not in slugs else f"{ward}-{unit.code}"
        slugs.add(f"{province}-{ward}")
        cats = [Category(*_category(number)) for number in range(categories)]
        site = Site(f"{province}-{ward}", unit.name, unit.province, FAMILIES[index % 2],
                    "reference", cats, [], robots_paths=["/tim-kiem"])  # fmt: skip
        site.url = f"http://{ward}.{province}.sim.test/"
        rng, taken = random.Random(f"{seed}:{unit.code}"), set()
        for number in range(categories * articles):
            when = (now - timedelta(days=rng.uniform(1, days))).replace(second=0, microsecond=0)
            post(site, rng, when, cats[number % categories], taken)
        sites.append(site)
    return sites


def _category(number: int) -> tuple[str, str]:
    """Path and name of a portal's category `number` (from 0)."""
    if number < len(CATEGORIES):
        return CATEGORIES[number]
    return f"chuyen-muc-{number}", f"Chuyên mục {number}"


def post(site: Site, rng: random.Random, when: datetime, cat: Category, taken: set[str]) -> Article:
    """Post a plain article at `when` in `cat`, keyed as the family keys them (not in `taken`)."""
    _, _, title, paras = story(rng, site.name, when)
    if site.name.startswith("Xã "):
        title, paras = as_commune(title), [as_commune(p) for p in paras]
    index = len(site.articles)
    blocks = [f"<p>{html.escape(p)}</p>" for p in paras]
    article = Article("", html.escape(title), when, rng.randint(0, 900), blocks, [cat.path],
                      seq=index)  # fmt: skip
    if site.family == LIFERAY_AP:
        article.key = url_title(title, taken)
        article.asset_id = 1_040_000 + index * 317 + rng.randint(0, 300)
    else:  # a 19-digit ID of the creation time; the platform shows no counter
        article.views, article.slug = None, d_slug(title)
        while not article.key or article.key in taken:
            created = when - timedelta(minutes=rng.randint(5, 300), seconds=rng.randrange(60))
            article.key = f"2707{created:%y%m%d%H%M%S}{rng.randrange(1000):03d}"
        taken.add(article.key)
    site.articles.append(article)
    return article


def article_url(site: Site, article: Article) -> str:
    """Absolute canonical URL of an article."""
    if site.family == LIFERAY_AP:
        return site.absolute(render_liferay.article_url(site, article.primary, article))
    return site.absolute(render_hanoi.article_url(site, article))


def advance(sites: list[Site], step: int, seed: int = 0) -> list[dict[str, str]]:
    """One night: each portal posts one article (now, first category) and counters rise."""
    now, fresh = _now(), []
    for site in sites:
        rng = random.Random(f"{seed}:{site.slug}:night:{step}")
        for old in site.articles:
            if old.views is not None:
                old.views += rng.randint(0, 40)
        when, taken = now - timedelta(minutes=rng.randint(1, 30)), {a.key for a in site.articles}
        article = post(site, rng, when, site.categories[0], taken)
        fresh.append({"ward": site.slug, "key": article.key, "url": article_url(site, article)})
    return fresh


# --- the server: one Twisted reactor for every portal and the control server -------------


class _Portals(Resource):
    """Every portal (found by the local address a request came to), its log, the latency."""

    isLeaf = True

    def __init__(self, sites: list[Site], latency: float) -> None:
        super().__init__()
        self.by_address = {address(i): site for i, site in enumerate(sites)}
        self.latency = latency
        self.log: list[list[Any]] = []

    def render_GET(self, request: Any) -> Any:
        from twisted.internet import reactor

        site = self.by_address[request.getHost().host]
        uri = request.uri.decode("latin-1")
        entry = [site.slug, request.method.decode(), uri, 0, time.monotonic(), None]
        self.log.append(entry)
        host = (request.getHeader("host") or "").partition(":")[0].lower()
        if host != urlsplit(site.url).hostname:  # a crawler that mixes portals up is told so
            result = Page(421, f"not {host}\n", "text/plain")
        else:
            parts = urlsplit(uri)
            try:
                result = ROUTERS[site.family](site, parts.path, parse_qs(parts.query, True))
            except Exception:  # noqa: BLE001 - a replica bug must still answer
                result = Page(500, "Internal error", "text/plain")
        call = reactor.callLater(self.latency, _answer, request, result, entry)
        request.notifyFinish().addErrback(lambda _: _left(call, entry))
        return NOT_DONE_YET

    render_HEAD = render_GET


def _left(call: Any, entry: list[Any]) -> None:
    """The client left before its answer: no answer, completion now, status 0."""
    if call.active():
        call.cancel()
    entry[5] = time.monotonic()


def _answer(request: Any, result: Page, entry: list[Any]) -> None:
    """Send a page now and complete its log entry."""
    body = result.body.encode() if isinstance(result.body, str) else result.body
    request.setResponseCode(result.status)
    for name, value in (("Content-Type", result.content_type), ("Server", "Apache-Coyote/1.1"),
                        ("Content-Length", str(len(body)))):  # fmt: skip
        request.setHeader(name, value)
    request.write(body)
    request.finish()
    entry[3], entry[5] = result.status, time.monotonic()


class _Control(Resource):
    """The control server: advance one night, list the articles, read the request log."""

    isLeaf = True

    def __init__(self, sites: list[Site], portals: _Portals, seed: int) -> None:
        super().__init__()
        self.sites, self.portals, self.seed, self.step = sites, portals, seed, 0

    def render_POST(self, request: Any) -> bytes:
        if request.path != b"/advance":
            return _json(request, {"error": "no such control"}, 404)
        self.step += 1
        return _json(request, advance(self.sites, self.step, self.seed))

    def render_GET(self, request: Any) -> bytes:
        if request.path == b"/articles":
            return _json(request, [[s.slug, a.key] for s in self.sites for a in s.articles])
        if request.path == b"/requests":
            since = int((request.args.get(b"since") or [b"0"])[0])
            return _json(request, self.portals.log[since:])
        return _json(request, {"error": "no such control"}, 404)


def _json(request: Any, value: Any, status: int = 200) -> bytes:
    """A JSON answer."""
    request.setResponseCode(status)
    request.setHeader("Content-Type", "application/json")
    return json.dumps(value, ensure_ascii=False).encode()


class _Quiet(WebSite):
    """A twisted.web site without an access log."""

    noisy = False

    def log(self, request: Any) -> None:
        """No access log (the portals keep their own)."""


def serve(args: argparse.Namespace) -> None:
    """Serve the portals, write the registry and the host map, run until SIGTERM/SIGINT."""
    from twisted.internet import reactor
    from twisted.internet.error import CannotListenError

    sites = build_portals(args.portals, args.categories, args.articles, args.days, args.seed)
    portals = _Portals(sites, args.latency)
    factory = _Quiet(portals)
    for _attempt in range(5):  # another process may hold the port on one of the addresses
        first = reactor.listenTCP(0, factory, interface=address(0))
        ports, port = [first], first.getHost().port
        try:
            for index in range(1, len(sites)):
                ports.append(reactor.listenTCP(port, factory, interface=address(index)))
            break
        except CannotListenError:
            for listening in ports:
                listening.stopListening()
    else:
        raise SystemExit("no port free on every address")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    registry = registry_text([s.registry() for s in sites], "the national simulator's portals")
    (out / "wards.toml").write_text(registry, encoding="utf-8")
    hosts = [f"{urlsplit(s.url).hostname}={address(i)}:{port}" for i, s in enumerate(sites)]
    (out / "hosts.txt").write_text("\n".join(hosts) + "\n", encoding="utf-8")
    control = reactor.listenTCP(0, _Quiet(_Control(sites, portals, args.seed)),
                                interface="127.0.0.1")  # fmt: skip
    print(f"ready http://127.0.0.1:{control.getHost().port}", flush=True)
    reactor.run()


def main() -> None:
    """Serve the national simulator (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder for wards.toml and hosts.txt")
    parser.add_argument("--portals", type=int, default=3321)
    parser.add_argument("--latency", type=float, default=0.5, help="seconds before each answer")
    parser.add_argument("--categories", type=int, default=2)
    parser.add_argument("--articles", type=int, default=6, help="per category at the start")
    parser.add_argument("--days", type=int, default=180, help="articles posted over these days")
    parser.add_argument("--seed", type=int, default=0)
    serve(parser.parse_args())


if __name__ == "__main__":
    main()
