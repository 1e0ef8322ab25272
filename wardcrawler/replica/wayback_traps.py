"""Archived captures that must not become articles: errors, redirects, soft 404s, a cut body.

Where they are, per ward (round numbers from 0):
- round 0: `http://www.HOST/` is a 301 to `http://HOST/`;
- round 1: a 500 (Tomcat error page) at the URL of an article captured earlier that round,
  and a 302 from a short URL (`/web/guest/...`, `/{cat}/-/view_content/{id}`, `/{id}.htm`)
  to the URL of an article captured that round;
- round 2: a soft 404 (200, "Không tìm thấy trang") at an article-looking URL with an unknown
  key; on `SOFT404_AT_ARTICLE` also at the URL of an article captured earlier that round;
- last round, on `TRUNCATED_IN`: the page of an article captured that round, captured again
  later and cut in the middle of the body (200, no `</html>`).
Besides: removed articles revisited (404/410 errors, 301 redirects on `replica-dongda`), the
dead link of `replica-hanoi-phucloi` (404), robots.txt, images and documents (non-html).
"""

from __future__ import annotations

import random
import re
from urllib.parse import urlencode

from .model import HANOI_PORTAL, LIFERAY_AP, Site
from .render_common import Page, esc, page
from .render_liferay import BASE, STRUTS
from .wards import spec_of
from .wayback_capture import HOSTS, ROUNDS, Builder, Capture, origin, path_of

TRUNCATED_IN = ("replica-phucloi", "replica-hanoi-phucloi", "replica-lacvien")
SOFT404_AT_ARTICLE = "replica-lacvien"
BODY_MARKERS = (
    "journal-content-article",
    '"contentDetail mt15"',
    'data-role="content"',
    '<div class="content">',
)
TOMCAT_500 = (
    "<!DOCTYPE html><html><head><title>Apache Tomcat/7.0.42 - Error report</title></head>"
    "<body><h1>HTTP Status 500 - </h1><p><b>type</b> Exception report</p><p><b>description"
    "</b> The server encountered an internal error that prevented it from fulfilling this "
    "request.</p></body></html>\n"
)
SOFT404 = (
    '<div class="portlet-msg-error">\n<h2>Không tìm thấy trang</h2>\n'
    "<p>Trang bạn yêu cầu không tồn tại hoặc đã được chuyển đi.</p>\n</div>"
)


def moved(status: int, target: str) -> Page:
    """A 301/302 answer with its small HTML body."""
    label = "Moved Permanently" if status == 301 else "Found"
    body = f'<html><head><title>{status} {label}</title></head><body><a href="{esc(target)}">'
    return Page(status, body + f"{label}</a></body></html>\n", "text/html", location=target)


def unknown_article_path(site: Site, number: int) -> str:
    """An article-looking path whose key no article has."""
    cat = site.categories[-1].path
    if site.family == LIFERAY_AP:
        title = ("_101_urlTitle", f"thong-bao-lich-tiep-cong-dan-thang-{number + 1}")
        return f"/{cat}?" + urlencode([*BASE, STRUTS, ("_101_type", "content"), title])
    if site.family == HANOI_PORTAL:
        key = f"{spec_of(site.slug).id_prefix}250101080000{number:03d}"
        return f"/{cat}/bai-viet-khong-ton-tai-{key}.htm"
    return f"/{cat}/-/view_content/{9000 + number}-bai-viet-khong-ton-tai.html"


def short_path(site: Site, capture: Capture) -> str:
    """An older short URL of the article of a capture, which redirects to it."""
    path = path_of(capture.original)
    if site.family == LIFERAY_AP:
        return "/web/guest" + path
    if site.family == HANOI_PORTAL:
        return f"/{capture.key}.htm"
    return re.sub(r"-[a-z0-9-]*\.html$", "", path)


def truncated(result: Page) -> Page:
    """The page cut in the middle of its article body (no `</html>`)."""
    text = str(result.body)
    start = next(text.index(m) for m in BODY_MARKERS if m in text)
    end = text.index("</div>", start)
    return Page(200, text[: start + (end - start) // 2], result.content_type)


class ArchiveBuilder(Builder):
    """`Builder` with the traps of the module docstring."""

    def take_traps(
        self, site: Site, rng: random.Random, number: int, chosen: list[Capture]
    ) -> None:
        """Add this round's traps for one ward."""
        host = HOSTS[site.slug]
        if number == 0:
            target = origin(site.slug, "/")
            self.add(site, rng, number, f"http://www.{host}/", moved(301, target), "redirect")
        if number == 1 and chosen:
            first, last = chosen[0], chosen[-1]
            error = Page(500, TOMCAT_500, "text/html;charset=utf-8")
            self.add(site, rng, number, first.original, error, "error", key=first.key)
            url = origin(site.slug, short_path(site, last))
            self.add(site, rng, number, url, moved(302, last.original), "redirect", key=last.key)
        if number == 2:
            soft = page(site, "Không tìm thấy trang", SOFT404)
            url = origin(site.slug, unknown_article_path(site, number))
            self.add(site, rng, number, url, soft, "soft404")
            if site.slug == SOFT404_AT_ARTICLE and chosen:
                self.add(site, rng, number, chosen[0].original, soft, "soft404", key=chosen[0].key)
        if number == ROUNDS - 1 and site.slug in TRUNCATED_IN and chosen:
            first = chosen[0]
            cut = truncated(self.render(site, first.original))
            self.add(site, rng, number, first.original, cut, "truncated", key=first.key)


def build_captures(seed: int = 0) -> tuple[list[Site], list[Capture]]:
    """The replica wards (after the last round) and every capture, in the order taken."""
    builder = ArchiveBuilder(seed)
    return builder.sites, builder.build()
