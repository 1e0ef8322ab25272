"""CSS selection that stays linear on huge pages: `select(root, css)` is `root.css(css)`.

parsel translates `A B C` into `descendant-or-self::A/descendant::B/descendant::C`, which
libxml2 evaluates in time quadratic in the number of elements that match A or B (it merges the
descendants of each one without duplicates): a listing of 40,000 items takes seconds per
selector, and so does a page nested hundreds of levels deep. A chain of descendant combinators
is evaluated instead one step at a time: the elements of each step (one pass of libxml2 over
the tree) are kept when they lie below an element of the previous step, found by walking up
their ancestors, each ancestor once. Same elements, same document order.
"""

from __future__ import annotations

import re
from functools import cache

from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator

_TRANSLATOR = HTMLTranslator()
_STEP = re.compile(r"([\w*-]+)(?:\[(.*)\])?", re.DOTALL)
_LITERAL = re.compile(r"'[^']*'|\"[^\"]*\"")
_POSITIONAL = re.compile(r"position\(\)|last\(\)|^\s*\d+\s*$")


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
        holders = _Holders(set(found), root)
        found = [node for node in root.xpath(step) if holders.above(node)]
    return found


class _Holders:
    """Whether an element lies strictly below one of `nodes` (within `root`); each ancestor
    is looked at once, whatever the number of elements asked about."""

    def __init__(self, nodes: set[etree._Element], root: etree._Element) -> None:
        self.nodes, self.root = nodes, root
        self.known: dict[etree._Element, bool] = {}

    def above(self, node: etree._Element) -> bool:
        """True when an ancestor of `node` is one of the nodes."""
        path: list[etree._Element] = []
        held = False
        parent = node.getparent() if node is not self.root else None
        while parent is not None:
            known = self.known.get(parent)
            if known is not None:
                held = known
                break
            if parent in self.nodes:
                held = True
                break
            path.append(parent)
            parent = parent.getparent() if parent is not self.root else None
        for seen in path:
            self.known[seen] = held
        return held


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
    """The lxml elements `css` matches below `root` (itself included)."""
    return [s.root for s in select(root, css) if isinstance(s.root, etree._Element)]
