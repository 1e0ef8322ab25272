"""Selecting elements in time linear in the page: CSS selectors, exclusions, containment.

`select(root, css)` is `root.css(css)`. parsel translates `A B C` into
`descendant-or-self::A/descendant::B/descendant::C`, which libxml2 evaluates in time quadratic
in the number of elements that match A or B (it merges the descendants of each one without
duplicates): a listing of 40,000 items takes seconds per selector, and so does a page nested
hundreds of levels deep. A chain of descendant combinators is evaluated instead one step at a
time: the elements of each step (one pass of libxml2 over the tree) are kept when they lie
below an element of the previous step, found by walking up their ancestors, each ancestor
once. Same elements, same document order. `excluded_nodes` tests simple selectors together;
`Outside` tells whether elements lie outside excluded subtrees.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator

_TRANSLATOR = HTMLTranslator()
_STEP = re.compile(r"([\w*-]+)(?:\[(.*)\])?", re.DOTALL)
_LITERAL = re.compile(r"'[^']*'|\"[^\"]*\"")
_POSITIONAL = re.compile(r"position\(\)|last\(\)|^\s*\d+\s*$")
_SIMPLE_CSS = re.compile(r"(?=.)[\w.#*-]*(?:\[[^\]'\"]*\])*")


def select(root: Selector, css: str) -> list[Selector]:
    """The elements `css` matches below `root` (itself included), as `root.css(css)` gives."""
    steps = _steps(css)
    if steps is None:
        return list(root.css(css))
    return [Selector(root=node, _expr=css) for node in _chain(root.root, steps)]


def _chain(root: etree._Element, steps: tuple[str, ...]) -> list[etree._Element]:
    """The elements matched by the last step below elements of every step before, in order."""
    found = root.xpath(steps[0])
    for step in steps[1:]:
        if not found:
            return []
        holders = Subtrees(set(found), root)
        found = [n for n in root.xpath(step) if n is not root and holders.covers(n.getparent())]
    return found


@cache
def _steps(css: str) -> tuple[str, ...] | None:
    """The single-step XPaths of a chain of descendant combinators (`A B C`), or None for
    other selectors and single elements."""
    xpath = _TRANSLATOR.css_to_xpath(css)
    if not xpath.startswith("descendant-or-self::") or " | " in _LITERAL.sub("", xpath):
        return None
    parts = xpath.removeprefix("descendant-or-self::").split("/descendant::")
    if len(parts) < 2 or not all(_plain_step(part) for part in parts):
        return None
    return tuple(f"descendant-or-self::{part}" for part in parts)


def _plain_step(part: str) -> bool:
    """Whether one location step is a name test with at most one plain predicate."""
    match = _STEP.fullmatch(part)
    if match is None:
        return False
    bare = _LITERAL.sub("''", match[2] or "")
    return not ("/" in bare or "[" in bare or "]" in bare or _POSITIONAL.search(bare))


def elements(root: Selector, css: str) -> list[etree._Element]:
    """The lxml elements `css` matches below `root` (itself included), in document order."""
    steps = _steps(css)
    if steps is not None:
        return _chain(root.root, steps)
    return [s.root for s in root.css(css) if isinstance(s.root, etree._Element)]


WRAPPER_SHARE = 0.8  # a match holding this share of the elements wraps the page, it is no furniture


def excluded_nodes(root: Selector, selectors: Iterable[str]) -> set[etree._Element]:
    """The lxml nodes matched by any of `selectors` below `root`, but wrappers: a match that
    holds most of `root`'s elements (ASP.NET's page-wide `<form>`, a SharePoint theme's
    `div.sharepoint-…`) is the page itself, not a part to leave out.

    Simple selectors (one element, no combinator) are tested together, in one pass per
    attribute they need; the others one by one."""
    nodes = {node for node in _matched(root, selectors) if not _sections_own(node)}
    if nodes:
        floor = WRAPPER_SHARE * _size(root.root)
        nodes = {node for node in nodes if _size(node) < floor}
    return nodes


def _sections_own(node: etree._Element) -> bool:
    """Whether `node` is the header or footer of an article or of the main content (HTML's
    sectioning: WordPress puts the title and meta line in `<article><header>`), not the page's."""
    return (
        node.tag in ("header", "footer")
        and next(node.iterancestors("article", "main"), None) is not None
    )


_COUNT_ELEMENTS = etree.XPath("count(descendant-or-self::*)")


def _size(node: etree._Element) -> int:
    """How many elements `node`'s subtree holds (itself included), counted by libxml2 (no
    Python object made for each: a page's `iter()` made 1.2 million in a crawl of 2,685)."""
    return int(_COUNT_ELEMENTS(node))


def _matched(root: Selector, selectors: Iterable[str]) -> set[etree._Element]:
    """The lxml nodes matched by any of `selectors` below `root`."""
    nodes: set[etree._Element] = set()
    tags: list[str] = []
    tests: dict[str, list[str]] = {}
    for css in selectors:
        test = _element_test(css)
        if test is None:
            nodes.update(elements(root, css))
        elif test[1] is None:
            tags.append(test[0])
        else:
            tests.setdefault(test[1], []).append(test[0])
    if tags:
        nodes.update(root.root.iter(*tags))
    for attribute, found in tests.items():
        having = f"[@{attribute}]" if attribute else ""
        nodes.update(root.root.xpath(f"descendant-or-self::*{having}[{' or '.join(found)}]"))
    return nodes


@cache
def _element_test(css: str) -> tuple[str, str | None] | None:
    """For a simple selector (`nav`, `.share`, `h3.title`, `[class*=x]`): its tag name and None,
    or its XPath test and the attribute it needs ("" for none); None for other selectors."""
    if not _SIMPLE_CSS.fullmatch(css):
        return None
    xpath = _TRANSLATOR.css_to_xpath(css)
    name, _, predicate = xpath.removeprefix("descendant-or-self::").partition("[")
    if "/" in name or "][" in predicate:
        return None
    if not predicate:
        return (name, None) if name != "*" else ("true()", "")
    needs = re.match(r"@([\w-]+)", predicate)
    test = f"({predicate[:-1]})" if name == "*" else f"(self::{name} and ({predicate[:-1]}))"
    return test, needs[1] if needs else ""


class Subtrees:
    """Whether elements lie in a subtree of `nodes` (they or an ancestor, up to `root`, is one of
    them); remembered, so that each ancestor is looked at once: a page costs O(nodes)."""

    def __init__(self, nodes: set[etree._Element], root: etree._Element | None = None) -> None:
        self.nodes, self.root = nodes, root
        self.known: dict[etree._Element, bool] = {}

    def covers(self, node: etree._Element | None) -> bool:
        """True when `node` or one of its ancestors (up to `root`) is one of the nodes."""
        path: list[etree._Element] = []
        held = False
        while node is not None:
            known = self.known.get(node)
            if known is not None:
                held = known
                break
            if node in self.nodes:
                held = True
                break
            path.append(node)
            node = node.getparent() if node is not self.root else None
        for seen in path:
            self.known[seen] = held
        return held


class Outside(Subtrees):
    """Whether nodes lie outside every subtree of `skip`."""

    def __init__(self, skip: set[etree._Element]) -> None:
        super().__init__(skip)

    def __call__(self, node: etree._Element) -> bool:
        """True when neither `node` nor any of its ancestors is in `skip`."""
        return not self.covers(node)
