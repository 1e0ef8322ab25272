"""What extraction agrees to read: size limits per page, and nesting bounded as browsers do.

A page of more than `MAX_EXTRACT_BYTES` of HTML (counted in UTF-8), or of more than
`MAX_EXTRACT_ELEMENTS` elements, is not extracted: it raises ExtractionError, which the crawl
records in `fetch_errors` (the raw page stays in the WARC). Extraction costs time linear in the
number of elements (5 to 60 µs each, at worst), so the element limit is what bounds it; the
byte limit bounds parsing and memory.

lxml's HTML parser (libxml2) stops reading a document at 2,048 levels of nesting: everything
after that point is missing from the tree, silently. A page whose tree goes deeper than
`DEPTH_LIMIT` levels is therefore read again from its text with the excess nesting removed
(see `flatten`).
"""

from __future__ import annotations

from lxml import etree
from parsel import Selector

from wardcrawler.extract.flatten import DEPTH_LIMIT, flatten

# Real ward pages are 50-300 KB, a few thousand elements at most; some carry inline base64 images
# of a few MB (pasted from Word), which cost nothing to extract. 10 MB is 30 times the largest
# ordinary page with room for such images. 150,000 elements is 30 times a large real page (a
# 5 MB page of 100,000 short paragraphs passes); at that size an article page extracts in about
# a second (bench/bench_extract.py); listing pages cost about 60 µs per link (URL parsing).
MAX_EXTRACT_BYTES = 10_000_000
MAX_EXTRACT_ELEMENTS = 150_000
MAX_FLAT_DEPTH = 1500  # a flattened page still deeper than this is refused, not half-read


class ExtractionError(ValueError):
    """A fetched page that is not a usable article or listing; the message says why."""


def bounded(
    page: Selector, max_bytes: int | None = None, max_elements: int | None = None
) -> Selector:
    """The page to extract from: `page` itself, or `page` read again with its nesting bounded.

    Raises ExtractionError when the page is over a size limit (`max_bytes`, `max_elements`; by
    default `MAX_EXTRACT_BYTES`, `MAX_EXTRACT_ELEMENTS`) or still too deep once flattened."""
    limit = MAX_EXTRACT_BYTES if max_bytes is None else max_bytes
    text = getattr(page, "_text", None)  # parsel keeps the text a Selector was made from
    size = html_size(page, text, limit)
    if size > limit:
        raise ExtractionError(f"page too large to extract: {size} bytes, limit {limit}")
    if text is not None and deeper_than(page.root, DEPTH_LIMIT):
        page = Selector(text=flatten(text), base_url=page.root.getroottree().docinfo.URL)
        if deeper_than(page.root, MAX_FLAT_DEPTH):
            raise ExtractionError(
                f"page nested too deeply to extract: over {MAX_FLAT_DEPTH} levels"
            )
    most = MAX_EXTRACT_ELEMENTS if max_elements is None else max_elements
    elements = int(page.root.xpath("count(descendant-or-self::*)"))
    if elements > most:
        raise ExtractionError(f"page too large to extract: {elements} elements, limit {most}")
    return page


def html_size(page: Selector, text: str | None, limit: int) -> int:
    """The page's HTML size in bytes (UTF-8): exact when it may be over `limit`."""
    if text is None:
        return len(etree.tostring(page.root, encoding="utf-8"))
    return len(text) if len(text) * 4 <= limit else len(text.encode("utf-8"))


def deeper_than(root: etree._Element, depth: int) -> bool:
    """Whether the tree under `root` (at level 1) has elements below level `depth`."""
    return bool(root.xpath("/".join(["*"] * depth)))
