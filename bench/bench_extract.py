"""Extraction cost per MB: the reference article padded to 1, 5 and 10 MB, before and after.

Pages: tests/fixtures/pages/liferay-reference-article.html with its body padded by (a)
realistic markup (its own paragraphs, a note with a link), (b) nested divs around one
paragraph, (c) short flat paragraphs. "before" is the extraction as it was until issue 10
(recursive walk, every block's text read anew), kept below as `legacy_extract`; "after" is
`extract_article` with its size limits lifted (the result says whether the default limits,
10 MB and 150,000 elements, would refuse the page). Prints seconds per MB side by side and
their ratio; "error" is what the old code raised (RecursionError on deep pages).
Run: .venv/bin/python bench/bench_extract.py [SIZE_MB ...]
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

from parsel import Selector

from wardcrawler.extract.article import ExtractionError, extract_article
from wardcrawler.extract.bounds import bounded
from wardcrawler.extract.urls import absolute, is_document
from wardcrawler.normalize import clean_text, find_views_text, fold, parse_posted
from wardcrawler.portals.families import COMMON_BOILERPLATE, FAMILIES

PAGE = Path(__file__).parent.parent / "tests/fixtures/pages/liferay-reference-article.html"
REFERENCE = PAGE.read_text(encoding="utf-8")
FAMILY = FAMILIES["liferay-asset-publisher"]
URL = "http://phucloi.longbien.hanoi.gov.vn/tin?_101_urlTitle=chi-bo"
BODY = '<div class="journal-content-article">'
UNLIMITED = {"max_bytes": 10**12, "max_elements": 10**12}


def padded(kind: str, megabytes: float) -> str:
    """The reference page with about `megabytes` MB of `kind` markup in its body."""
    size = int(megabytes * 1_000_000)
    if kind == "realistic":
        paragraphs = "\n".join(re.findall(r"<p>.*?</p>", REFERENCE, re.DOTALL)[:4])
        unit = (
            paragraphs
            + '\n<div class="note"><span>Ghi chú</span> <a href="/x">liên kết</a></div>\n'
        )
        pad = unit * (size // len(unit.encode()))
    elif kind == "deep":
        levels = size // len(b"<div></div>")
        pad = "<div>" * levels + "<p>Đoạn sâu nhất.</p>" + "</div>" * levels
    else:
        unit = "<p>Đoạn văn ngắn số {}.</p>\n"
        pad = "".join(unit.format(n) for n in range(size // len(unit.format(10**5).encode())))
    return REFERENCE.replace(BODY, BODY + pad, 1)


def timed(function, html: str) -> tuple[float, str]:
    """Seconds for one extraction of a freshly parsed page, and what it gave."""
    page = Selector(text=html)
    start = time.perf_counter()
    try:
        fields = function(page)
        outcome = f"{len(fields.paragraphs)} paragraphs"
    except (RecursionError, ExtractionError) as exc:
        outcome = f"error: {type(exc).__name__}"
    return time.perf_counter() - start, outcome


def default_limits(html: str) -> str:
    """Whether the default limits accept the page."""
    try:
        bounded(Selector(text=html))
    except ExtractionError as exc:
        return f"refused by default ({str(exc).split(': ', 1)[1]})"
    return "accepted by default"


def main() -> None:
    sizes = [float(a) for a in sys.argv[1:]] or [1, 5, 10]
    print(f"{'page':>18} {'before s/MB':>12} {'after s/MB':>11} {'ratio':>7}  after gives / limits")
    for kind in ("realistic", "deep", "flat"):
        for megabytes in sizes:
            html = padded(kind, megabytes)
            real = len(html.encode()) / 1_000_000
            before, old = timed(legacy_extract, html)
            after, new = timed(lambda p: extract_article(p, FAMILY, URL, **UNLIMITED), html)
            ratio = f"{before / after:6.1f}x" if not old.startswith("error") else "   n/a"
            shown = f"{before / real:12.3f}" if not old.startswith("error") else f"{old:>12}"
            print(f"{kind:>10} {real:5.1f} MB {shown} {after / real:11.3f} {ratio}  "
                  f"{new} / {default_limits(html)}")  # fmt: skip


# --- the extraction as it was before issue 10 (text.py and article.py), for comparison ------

BLOCK_TAGS = frozenset(
    "address article aside blockquote center dd div dl dt figcaption figure footer h1 h2 h3 h4 "  # noqa: SIM905
    "h5 h6 header hr li main ol p pre section table tbody td th thead tfoot tr ul".split()
)
SKIP_TAGS = frozenset("script style noscript iframe template head svg object embed".split())  # noqa: SIM905
RELATED = frozenset({"tin lien quan", "tin khac", "cac tin khac", "bai viet lien quan",
                     "tin cung chuyen muc", "bai lien quan", "xem them", "doc them",
                     "tin moi hon", "tin cu hon", "tin da dua"})  # fmt: skip
TOOLS = frozenset({"in bai", "in bai viet", "ban in", "quay lai", "tro ve", "ve dau trang",
                   "len dau trang", "gui email", "gui bai", "chia se", "luu bai", "phong to",
                   "thu nho", "a+", "a-"})  # fmt: skip


def legacy_extract(page: Selector):
    """Title, meta line, body and attachments as the old code read them."""
    title, title_element = legacy_first_text(page, FAMILY.title)
    body = next((found[0] for css in FAMILY.body if (found := page.css(css))), None)
    scope = None
    if title_element is not None and body is not None:
        line = {title_element.root, *title_element.root.iterancestors()}
        scope = next((n for n in (body.root, *body.root.iterancestors()) if n in line), None)
    regions = [Selector(root=scope), page] if scope is not None else [page]
    texts = (clean_text(" ".join(e.css("::text").getall()))
             for r in regions for css in FAMILY.posted for e in r.css(css))  # fmt: skip
    posted = next((t for t in texts if t and parse_posted(t)), "")
    views = next((find_views_text(" ".join(e.css("::text").getall()))
                  for r in regions for css in FAMILY.views for e in r.css(css)), None)  # fmt: skip
    exclude = (*COMMON_BOILERPLATE, *FAMILY.body_exclude)
    skip = legacy_excluded(body, exclude)
    blocks = legacy_blocks(body, skip | legacy_related(body))
    for element in body.css("a[href], img[src]"):  # the attachments' loop
        if element.root in skip or any(p in skip for p in element.root.iterancestors()):
            continue
        link = absolute(URL, element.attrib.get("href") or element.attrib.get("src"))
        if link and is_document(link):
            clean_text(" ".join(element.css("::text").getall()))
    return type(
        "Fields", (), {"paragraphs": [b for b in blocks if b not in {title, posted, views}]}
    )


def legacy_first_text(root: Selector, selectors) -> tuple[str, Selector | None]:
    for css in selectors:
        for element in root.css(css):
            text = clean_text(" ".join(legacy_blocks(element, set())))
            if text:
                return text, element
    return "", None


def legacy_excluded(root: Selector, selectors) -> set:
    return {s.root for css in selectors for s in root.css(css)}


def legacy_related(container: Selector) -> set:
    found = set()
    for element in container.css("div, section, aside, ul, ol, table, p, h2, h3, h4, h5, h6"):
        text = clean_text(" ".join(legacy_blocks(element, set())))
        label = fold(text).strip(" :")
        parts = [p.strip(" :") for p in re.split(r"[|/•·-]", label)]
        if label in RELATED or (label and all(p in TOOLS for p in parts if p)):
            found.add(element.root)
            continue
        starts = any(label.startswith(f"{r} ") for r in RELATED)
        anchors = element.css("a")
        if element.root.tag in ("p", "h2", "h3", "h4", "h5", "h6") or not anchors:
            continue
        linked = sum(len(clean_text(" ".join(legacy_blocks(a, set())))) for a in anchors)
        if starts or (len(anchors) >= 2 and linked >= 0.7 * len(text)):
            found.add(element.root)
    return found


def legacy_blocks(container: Selector, skip: set) -> list[str]:
    out: list[str] = []
    buffer: list[str] = []
    for event, value in legacy_walk(container.root, skip, top=True):
        if event == "text":
            buffer.append(value)
        else:
            text = clean_text("".join(buffer))
            buffer.clear()
            if text:
                out.append(text)
    text = clean_text("".join(buffer))
    return [*out, text] if text else out


def legacy_walk(node, skip: set, top: bool = False):
    tag = node.tag.lower() if isinstance(node.tag, str) else ""
    if tag and node not in skip and tag not in SKIP_TAGS:
        block = tag in BLOCK_TAGS
        if block or tag == "br":
            yield "break", ""
        yield "text", node.text or ""
        for child in node:
            yield from legacy_walk(child, skip)
        if block:
            yield "break", ""
    if not top:
        yield "text", node.tail or ""


if __name__ == "__main__":
    main()
