"""HTML to text: first-match selector helpers and the paragraph walker used for bodies."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from lxml import etree
from parsel import Selector

from wardcrawler.normalize import clean_lines, clean_text

BLOCK_TAGS = frozenset(
    "address article aside blockquote center dd div dl dt figcaption figure footer h1 h2 h3 h4 "  # noqa: SIM905
    "h5 h6 header hr li main ol p pre section table tbody td th thead tfoot tr ul".split()
)
SKIP_TAGS = frozenset("script style noscript iframe template head svg object embed".split())  # noqa: SIM905
_HARD_SPACE = str.maketrans({"\n": " ", "\r": " ", "\t": " "})


def node_text(selector: Selector) -> str:
    """All text of an element, cleaned (NFC, collapsed spaces); scripts and styles skipped."""
    return clean_text(" ".join(paragraphs(selector, ())))


def first_text(root: Selector, selectors: Iterable[str]) -> tuple[str, Selector | None]:
    """Text and element of the first selector that matches an element with text."""
    for css in selectors:
        for element in root.css(css):
            text = node_text(element)
            if text:
                return text, element
    return "", None


def first_element(root: Selector, selectors: Iterable[str]) -> Selector | None:
    """The first element matched by the first selector that matches anything."""
    for css in selectors:
        found = root.css(css)
        if found:
            return found[0]
    return None


def excluded_nodes(root: Selector, selectors: Iterable[str]) -> set[etree._Element]:
    """The lxml nodes matched by any of `selectors` below `root`."""
    nodes: set[etree._Element] = set()
    for css in selectors:
        nodes.update(s.root for s in root.css(css) if isinstance(s.root, etree._Element))
    return nodes


def paragraphs(container: Selector, exclude: Iterable[str]) -> list[str]:
    """The container's text as paragraphs: one per block element, spacers dropped.

    `<br>` is kept as a line break inside a paragraph; elements matched by `exclude` (share
    bars, related lists, the title and meta line) are skipped with everything inside them.
    """
    skip = excluded_nodes(container, exclude)
    out: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        text = clean_lines("".join(buffer))
        buffer.clear()
        if text:
            out.append(text)

    for event, value in _walk(container.root, skip, top=True):
        if event == "text":
            buffer.append(value)
        else:
            flush()
    flush()
    return out


def _walk(node: etree._Element, skip: set, top: bool = False) -> Iterator[tuple[str, str]]:
    """Yield ("text", str) and ("break", "") events in document order."""
    tag = node.tag.lower() if isinstance(node.tag, str) else ""
    if tag and node not in skip and tag not in SKIP_TAGS:
        block = tag in BLOCK_TAGS
        if block:
            yield "break", ""
        if tag == "br":
            yield "text", "\n"
        yield "text", (node.text or "").translate(_HARD_SPACE)
        for child in node:
            yield from _walk(child, skip)
        if block:
            yield "break", ""
    if not top:
        yield "text", (node.tail or "").translate(_HARD_SPACE)
