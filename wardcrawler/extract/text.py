"""HTML to text: first-match selector helpers and the paragraph walker used for bodies.

Every walk over a tree is iterative (no recursion, whatever the depth) and every per-element
figure (the text of each block, the links below it, the short texts of a page) comes from one
pass over the tree, so that extracting a page costs time linear in its number of nodes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree
from parsel import Selector

from wardcrawler.extract.select import excluded_nodes, select
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
# Headings and tool bars are short: a longer block is never read as one.
LABEL_CHARS = 200
_NOT_LABEL = re.compile(r"[^\w\s:+|/•·\u0300-\u036f-]|[\d_]")  # a character no label folds from
_RELATED_STARTS = tuple(f"{r} " for r in RELATED_LABELS)
_HEAD_CHARS = 64  # enough of a long block to see whether it starts with a related heading
_CANDIDATES = frozenset("div section aside ul ol table p h2 h3 h4 h5 h6".split())  # noqa: SIM905
_HEADINGS = ("p", "h2", "h3", "h4", "h5", "h6")
_NO_SKIP: frozenset = frozenset()


def node_text(selector: Selector) -> str:
    """All text of an element, cleaned (NFC, collapsed spaces); scripts and styles skipped."""
    return clean_text(" ".join(_blocks(selector.root, _NO_SKIP)))


def first_text(root: Selector, selectors: Iterable[str]) -> tuple[str, Selector | None]:
    """Text and element of the first selector that matches an element with text."""
    for css in selectors:
        for element in select(root, css):
            text = node_text(element)
            if text:
                return text, element
    return "", None


def first_element(root: Selector, selectors: Iterable[str]) -> Selector | None:
    """The first element matched by the first selector that matches anything."""
    for css in selectors:
        found = select(root, css)
        if found:
            return found[0]
    return None


def paragraphs(
    container: Selector, exclude: Iterable[str], excluded: set[etree._Element] | None = None
) -> list[str]:
    """The container's text as paragraphs: one per block element or `<br>` line, spacers dropped.

    Elements matched by `exclude` (share bars, the title and meta line; `excluded`: those
    elements, when already known) and blocks of related links ("Tin liên quan") are skipped with
    everything inside them.
    """
    texts = BlockTexts(container.root)
    if excluded is None:
        excluded = excluded_nodes(container, exclude)
    skip = excluded | related_blocks(container, texts)
    return _blocks(container.root, skip, reuse=texts.spans, changed=_ancestors(skip))


def _ancestors(nodes: Iterable[etree._Element]) -> set[etree._Element]:
    """The nodes and all their ancestors (each ancestor visited once)."""
    found: set[etree._Element] = set()
    for node in nodes:
        while node is not None and node not in found:
            found.add(node)
            node = node.getparent()
    return found


def _only_tools(label: str) -> bool:
    """Whether a block's folded text is only page tools (`In bài | Quay lại`)."""
    parts = [p.strip(" :") for p in re.split(r"[|/•·-]", label)]
    return bool(label) and all(p in TOOL_LABELS for p in parts if p)


def _blocks(
    root: etree._Element,
    skip: set | frozenset,
    spans: dict | None = None,
    hidden: list | None = None,
    reuse: dict | None = None,
    changed: set | frozenset = _NO_SKIP,
) -> list[str]:
    """The text of each block under `root` (its tail excluded), skipping the `skip` elements.

    With `spans`, records for each block element the range of the blocks it holds; with
    `hidden`, collects the elements not walked because of SKIP_TAGS. With `reuse` (`spans` of an
    earlier walk without `skip`), block elements not in `changed` (holding no skipped element)
    take their blocks from it instead of being walked again."""
    out: list[str] = []
    buffer: list[str] = []
    stack: list = [root]
    while stack:
        node = stack.pop()
        if node.__class__ is tuple:  # leaving an element
            node, block, start = node
            if block:
                if buffer:
                    _flush(buffer, out)
                if spans is not None:
                    spans[node] = (out, start, len(out))
            if node is not root:
                _tail(node, buffer)
            continue
        tag = node.tag
        low = tag.lower() if isinstance(tag, str) else ""
        if not low or low in SKIP_TAGS or node in skip:
            if low and hidden is not None and node not in skip:
                hidden.append(node)
            if node is not root:
                _tail(node, buffer)
            continue
        block = low in BLOCK_TAGS
        if (block or low == "br") and buffer:
            _flush(buffer, out)
        if block and reuse is not None and node not in changed and node in reuse:
            blocks, first, end = reuse[node]
            out.extend(blocks[first:end])
        elif len(node):
            if node.text:
                buffer.append(node.text)
            stack.append((node, block, len(out)))
            stack.extend(reversed(node))
            continue
        elif block:  # a block without children: its text is one block
            start = len(out)
            if node.text:
                buffer.append(node.text)
                _flush(buffer, out)
            if spans is not None:
                spans[node] = (out, start, len(out))
        elif node.text:
            buffer.append(node.text)
        if node is not root:
            _tail(node, buffer)
    if buffer:
        _flush(buffer, out)
    return out


def _tail(node: etree._Element, buffer: list[str]) -> None:
    """Add the text after an element to the current block (not spaces opening a block)."""
    tail = node.tail
    if tail and (buffer or not tail.isspace()):
        buffer.append(tail)


def _flush(buffer: list[str], out: list[str]) -> None:
    """End the current block: its cleaned text joins `out` unless empty."""
    raw = buffer[0] if len(buffer) == 1 else "".join(buffer)
    buffer.clear()
    if not raw.isspace():
        text = clean_text(raw)
        if text:
            out.append(text)


class BlockTexts:
    """The text of every block element under a root, from one walk (and one per hidden part)."""

    def __init__(self, root: etree._Element) -> None:
        self.spans: dict[etree._Element, tuple[list[str], int, int]] = {}
        self.offsets: dict[int, list[int]] = {}
        self.streams: list[list[str]] = []  # kept alive: `offsets` is keyed by their id
        todo = [root]
        while todo:
            hidden: list[etree._Element] = []
            blocks = _blocks(todo.pop(), _NO_SKIP, self.spans, hidden)
            self.offsets[id(blocks)] = _offsets(blocks)
            self.streams.append(blocks)
            todo.extend(c for h in hidden for c in h if isinstance(c.tag, str))

    def length(self, node: etree._Element) -> int:
        """The length of the element's text (as `node_text` gives it)."""
        blocks, start, end = self.spans[node]
        offsets = self.offsets[id(blocks)]
        return offsets[end] - offsets[start] - 1 if end > start else 0

    def text(self, node: etree._Element, chars: int | None = None) -> str:
        """The element's text (as `node_text` gives it), or its first `chars` characters."""
        blocks, start, end = self.spans[node]
        if chars is None:
            return " ".join(blocks[start:end])
        head: list[str] = []
        for block in blocks[start:end]:
            head.append(block[:chars])
            chars -= len(block) + 1
            if chars <= 0:
                break
        return " ".join(head)


def _offsets(blocks: list[str]) -> list[int]:
    """Where each block starts in the blocks joined by spaces, plus one (cumulative)."""
    offsets = [0]
    for block in blocks:
        offsets.append(offsets[-1] + len(block) + 1)
    return offsets


class Links:
    """How many links lie below each element, and the length of their texts, from one pass.

    A link inside a link (invalid HTML) is walked again for its own text while the walks stay
    within the page's number of nodes; past that, an outer link adds no text of its own."""

    def __init__(self, root: etree._Element) -> None:
        self.count: dict[etree._Element, int] = {}
        self.linked: dict[etree._Element, int] = {}
        budget = sum(1 for _ in root.iter())
        for node in reversed([*root.iter(etree.Element)]):
            count, linked = self.count.get(node, 0), self.linked.get(node, 0)
            if node.tag == "a":
                if not count or budget > 0:
                    linked += len(clean_text(" ".join(_blocks(node, _NO_SKIP))))
                    budget -= sum(1 for _ in node.iter()) if count else 0
                count += 1
            if not count:
                continue
            self.count[node], self.linked[node] = count, linked
            parent = node.getparent()
            if parent is not None and node is not root:
                self.count[parent] = self.count.get(parent, 0) + count
                self.linked[parent] = self.linked.get(parent, 0) + linked


def related_blocks(container: Selector, texts: BlockTexts | None = None) -> set[etree._Element]:
    """Blocks inside a body that only list other articles: a "related" heading or mostly links.

    `texts`: the container's BlockTexts, when already made."""
    found: set[etree._Element] = set()
    texts = texts or BlockTexts(container.root)
    links: Links | None = None
    for node, (blocks, start, end) in texts.spans.items():  # every candidate is a block
        if node.tag not in _CANDIDATES:
            continue
        offsets = texts.offsets[id(blocks)]
        length = offsets[end] - offsets[start] - 1 if end > start else 0
        text = " ".join(blocks[start:end]) if length <= LABEL_CHARS else None
        label = None
        if text is not None and not _NOT_LABEL.search(text):
            label = fold(text).strip(" :")
            if label in RELATED_LABELS or _only_tools(label):
                found.add(node)  # a heading or a print/back bar, not article text
                continue
        if node.tag in _HEADINGS:
            continue
        if links is None:
            links = Links(container.root)
        anchors = links.count.get(node, 0)
        if not anchors:
            continue
        mostly_links = anchors >= 2 and links.linked[node] >= 0.7 * length
        if mostly_links or _starts_related(texts, node, text, label):
            found.add(node)
    return found


def _starts_related(texts: BlockTexts, node: etree._Element, text: str | None, label) -> bool:
    """Whether a block's text begins with a related heading (`Tin liên quan: ...`)."""
    if label is None and text is not None:
        label = fold(text).strip(" :")
    elif label is None:  # a long text: its head is enough
        label = fold(texts.text(node, _HEAD_CHARS)).lstrip(" :")
    return label.startswith(_RELATED_STARTS)
