"""HTML to text: first-match selector helpers and the paragraph walker used for bodies."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from lxml import etree
from parsel import Selector

from wardcrawler.normalize import clean_text, fold

BLOCK_TAGS = frozenset(
    "address article aside blockquote center dd div dl dt figcaption figure footer h1 h2 h3 h4 "  # noqa: SIM905
    "h5 h6 header hr li main ol p pre section table tbody td th thead tfoot tr ul".split()
)
SKIP_TAGS = frozenset("script style noscript iframe template head svg object embed".split())  # noqa: SIM905
# Headings of lists of other articles placed inside article bodies (folded text).
RELATED_LABELS = frozenset(
    {"tin lien quan", "tin khac", "cac tin khac", "bai viet lien quan", "tin cung chuyen muc",
     "bai lien quan", "xem them", "doc them", "tin moi hon", "tin cu hon", "tin da dua"}
)  # fmt: skip
# Page tools that themes put inside article bodies (folded text).
TOOL_LABELS = frozenset(
    {"in bai", "in bai viet", "ban in", "quay lai", "tro ve", "ve dau trang", "len dau trang",
     "gui email", "gui bai", "chia se", "luu bai", "phong to", "thu nho", "a+", "a-"}
)  # fmt: skip
_HARD_SPACE = str.maketrans({"\n": " ", "\r": " ", "\t": " "})


def node_text(selector: Selector) -> str:
    """All text of an element, cleaned (NFC, collapsed spaces); scripts and styles skipped."""
    return clean_text(" ".join(_blocks(selector, set())))


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
    """The container's text as paragraphs: one per block element or `<br>` line, spacers dropped.

    Elements matched by `exclude` (share bars, the title and meta line) and blocks of related
    links ("Tin liên quan") are skipped with everything inside them.
    """
    return _blocks(container, excluded_nodes(container, exclude) | related_blocks(container))


def _only_tools(label: str) -> bool:
    """Whether a block's folded text is only page tools (`In bài | Quay lại`)."""
    parts = [p.strip(" :") for p in re.split(r"[|/•·-]", label)]
    return bool(label) and all(p in TOOL_LABELS for p in parts if p)


def _blocks(container: Selector, skip: set[etree._Element]) -> list[str]:
    """The text of each block of the container, skipping the `skip` elements."""
    out: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        text = clean_text("".join(buffer))
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


def related_blocks(container: Selector) -> set[etree._Element]:
    """Blocks inside a body that only list other articles: a "related" heading or mostly links."""
    found: set[etree._Element] = set()
    for element in container.css("div, section, aside, ul, ol, table, p, h2, h3, h4, h5, h6"):
        text = node_text(element)
        label = fold(text).strip(" :")
        if label in RELATED_LABELS or _only_tools(label):
            found.add(element.root)  # a heading or a print/back bar, not article text
            continue
        starts_related = any(label.startswith(f"{r} ") for r in RELATED_LABELS)
        anchors = element.css("a")
        if element.root.tag in ("p", "h2", "h3", "h4", "h5", "h6") or not anchors:
            continue
        linked = sum(len(node_text(a)) for a in anchors)
        if starts_related or (len(anchors) >= 2 and linked >= 0.7 * len(text)):
            found.add(element.root)
    return found


def _walk(node: etree._Element, skip: set, top: bool = False) -> Iterator[tuple[str, str]]:
    """Yield ("text", str) and ("break", "") events in document order."""
    tag = node.tag.lower() if isinstance(node.tag, str) else ""
    if tag and node not in skip and tag not in SKIP_TAGS:
        block = tag in BLOCK_TAGS
        if block:
            yield "break", ""
        if tag == "br":
            yield "break", ""
        yield "text", (node.text or "").translate(_HARD_SPACE)
        for child in node:
            yield from _walk(child, skip)
        if block:
            yield "break", ""
    if not top:
        yield "text", (node.tail or "").translate(_HARD_SPACE)
