"""Nesting removed from a page's HTML text, as browsers bound it, so that libxml2 reads it whole.

Up to `DEPTH_LIMIT` levels the page is kept as written (Chromium's parser stops nesting at 512
levels too). Below that depth a wrapper, an element that repeats the start tag of an open
element (`<div><div><div>...`) or opens a chain of start tags, is dropped with its end tag, its
text kept (a `<br>` keeps the paragraph break of a dropped block), so that the article's own
markup keeps its structure wherever it lies; from `HARD_DEPTH` on, every new element closes
the deepest open one first and becomes its sibling, as in Chromium. Text and document order are
kept whole. The tags are read with a model of libxml2's stack of open elements (its autoclose
and end-tag priority tables), and every element the model closes is closed explicitly.
"""

from __future__ import annotations

import re
from collections import Counter

from wardcrawler.extract.text import BLOCK_TAGS

DEPTH_LIMIT = 512  # levels kept as they are
HARD_DEPTH = 1000  # levels after which every new element becomes a sibling
VOID = frozenset(
    "area base basefont bgsound br col embed frame hr img input keygen link meta param source "  # noqa: SIM905
    "track wbr".split()
)
RAW_TEXT = frozenset("script style xmp iframe noembed noframes title textarea plaintext".split())  # noqa: SIM905
STRUCTURE = frozenset({"html", "head", "body"})
# libxml2's htmlStartClose table (HTMLparser.c): the start tags that close an open element.
_CLOSED_BY = {
    old: frozenset(new.split())
    for old, new in {
        "a": "a fieldset table td th",
        "address": "dd dl dt form li ul",
        "b": "center p td th",
        "big": "p",
        "caption": "col colgroup tbody tfoot thead tr",
        "col": "col colgroup tbody tfoot thead tr",
        "colgroup": "colgroup tbody tfoot thead tr",
        "dd": "dt",
        "dir": "dd dl dt form ul",
        "dl": "form li",
        "dt": "dd dl",
        "font": "center td th",
        "form": "form",
        **{f"h{n}": "fieldset form li p table" for n in range(1, 7)},
        "hr": "form",
        "i": "center p td th",
        "legend": "fieldset",
        "li": "li",
        "listing": "dd dl dt fieldset form li table ul",
        "menu": "dd dl dt form ul",
        "ol": "form",
        "option": "optgroup option",
        "p": "address blockquote body caption center col colgroup dd dir div dl dt fieldset "
        "form frameset h1 h2 h3 h4 h5 h6 head hr li listing menu ol p pre table tbody td "
        "tfoot th title tr ul xmp",
        "pre": "dd dl dt fieldset form li table ul",
        "s": "p",
        "small": "p",
        "span": "td th",
        "strike": "p",
        "tbody": "tbody tfoot",
        "td": "tbody td tfoot th tr",
        "tfoot": "tbody",
        "th": "tbody td tfoot th tr",
        "thead": "tbody tfoot",
        "tr": "tbody tfoot tr",
        "tt": "p",
        "u": "p td th",
        "ul": "address form menu pre",
        "xmp": "dd dl dt fieldset form li table ul",
    }.items()
}
# libxml2's htmlEndPriority: an end tag closes no open element of higher priority.
_END_PRIORITY = {"div": 150, "td": 160, "th": 160, "tr": 170, "thead": 180, "tbody": 180,
                 "tfoot": 180, "table": 190, "head": 200, "body": 200, "html": 220}  # fmt: skip
_SEARCH_LIMIT = 256  # open elements an end tag looks through for its start tag
SHIELD = "wardcrawler-flat"  # written for a dropped element that must stand between two others
_CHAIN = re.compile(r"(?:\s*<[A-Za-z][^>]*>){16}")  # a start tag opening a chain of wrappers
_ATTRS = r"""(?>=\s*"[^"]*"|=\s*'[^']*'|[^>])*+"""
_TOKEN = re.compile(
    r"<!--.*?(?:--!?>|\Z)|<[!?][^>]*>?"
    rf"|(?P<end></(?P<ename>[A-Za-z][^\s/>]*){_ATTRS}>)(?:\s*(?P=end))*"
    rf"|(?P<start><(?P<sname>[A-Za-z][^\s/>]*){_ATTRS}>)(?:\s*(?P=start))*",
    re.DOTALL,
)


def flatten(html: str) -> str:
    """The HTML with nesting beyond DEPTH_LIMIT removed (see the module's docstring)."""
    flattener = _Flattener()
    pos = 0
    while match := _TOKEN.search(html, pos):
        flattener.out.append(html[pos : match.start()])
        pos = flattener.token(match, html)
    flattener.out.append(html[pos:])
    return "".join(flattener.out)


class _Open:
    """An element of the document as written, and the name it has in the output (`written`:
    its own, SHIELD, or "" when dropped)."""

    __slots__ = ("count", "name", "tag", "written")

    def __init__(self, name: str, tag: str, written: str, count: int = 1) -> None:
        self.name, self.tag, self.written, self.count = name, tag, written, count

    @property
    def kept(self) -> bool:
        """Whether the output holds this element (under its own name or as a shield)."""
        return bool(self.written)

    def end(self) -> str:
        """What ends it in the output: its end tag; a shield's, plus the break of a block."""
        if self.written == SHIELD and self.name in BLOCK_TAGS:
            return f"</{SHIELD}><br>"
        return f"</{self.written}>" if self.written else ""


class _Flattener:
    """Reads tags in order, keeping a model of libxml2's stack of open elements."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.stack: list[_Open] = []  # every open element, kept or dropped (runs counted)
        self.kept: list[_Open] = []  # the open elements the output holds, outermost first
        self.names: Counter[str] = Counter()  # open elements by name
        self.tags: Counter[str] = Counter()  # open elements by start tag, as written
        self.html, self.after = "", 0  # the page, and where the last start tag ends

    def token(self, match: re.Match, html: str) -> int:
        """Copy or rewrite one token (a run of equal tags counts as one); the next position."""
        if match["sname"]:
            name, tag = match["sname"].lower(), match["start"]
            if name in RAW_TEXT:
                return self.raw_text(name, tag, match.start(), html)
            self.html, self.after = html, match.start() + len(tag)
            self.start(name, tag, match.group().split(tag))
        elif match["ename"]:
            self.end(match["ename"].lower(), match["end"], match.group().split(match["end"]))
        else:
            self.out.append(match.group())
        return match.end()

    def raw_text(self, name: str, tag: str, start: int, html: str) -> int:
        """A script, style or title: copied whole, up to its end tag."""
        self.autoclose(name)
        body = start + len(tag)
        close = re.compile(rf"</{name}[\s/>]", re.IGNORECASE).search(html, body)
        end = len(html) if close is None or name == "plaintext" else html.find(">", close.start())
        end = len(html) if end < 0 else end + 1
        self.out.append(html[start:end])
        return end

    def start(self, name: str, tag: str, gaps: list[str]) -> None:
        """A run of equal start tags; `gaps` are the texts around them (the first is empty)."""
        self.autoclose(name)
        if tag.endswith("/>") or name in VOID or name in STRUCTURE:
            self.out.append(tag.join(gaps))
            return
        if name in _CLOSED_BY.get(name, ()):  # <p><p><p>: siblings, one open at the end
            if len(self.kept) < DEPTH_LIMIT:
                self.out.append(tag.join(gaps[:-1]))
            else:  # each may be dropped: one by one
                for gap in gaps[1:-1]:
                    self.open_some(name, tag, ["", gap])
                    self.autoclose(name)
            gaps = ["", gaps[-1]]
        while len(gaps) > 1:
            gaps = self.open_some(name, tag, gaps)

    def open_some(self, name: str, tag: str, gaps: list[str]) -> list[str]:
        """Open as many tags of the run as the bounds allow; the gaps of those left."""
        room = DEPTH_LIMIT - len(self.kept)
        if room <= 0 and (self.tags[tag] or self.chained()):  # a wrapper: dropped, text kept
            self.drop(name, tag, len(gaps) - 1)
            self.out.append(("<br>" if name in BLOCK_TAGS else "") + "".join(gaps[1:]))
            return [""]
        if room <= 0 and len(self.kept) >= HARD_DEPTH:  # a sibling of the deepest, not a child
            self.close_kept()
        taken = max(room, 1)
        for gap in gaps[1 : taken + 1]:
            self.out.append(tag + gap)
            self.push(_Open(name, tag, name))
        return ["", *gaps[taken + 1 :]]

    def chained(self) -> bool:
        """Whether the start tag just read is followed by a long chain of start tags."""
        return bool(_CHAIN.match(self.html, self.after))

    def end(self, name: str, tag: str, gaps: list[str]) -> None:
        """A run of equal end tags, each closing the innermost open element of its name."""
        index = 1
        while index < len(gaps):
            found = self.find(name) if self.names[name] else -1
            if found is None:  # libxml2 ignores an end tag blocked by a higher one
                self.out.append("".join(gaps[index:]))
                return
            if found < 0:  # no such element open: as written (the parser copes with it)
                self.out.append(tag.join(["", *gaps[index:]]))
                return
            self.pop_above(found)
            index += self.close(self.stack[-1], tag, gaps[index:])

    def close(self, entry: _Open, tag: str, gaps: list[str]) -> int:
        """Close the top entry with some end tags of the run; how many were used."""
        if entry.kept:
            self.out.append((tag if entry.written == entry.name else entry.end()) + gaps[0])
            self.pop()
            return 1
        used = min(entry.count, len(gaps))
        entry.count -= used
        self.names[entry.name] -= used
        self.tags[entry.tag] -= used
        if not entry.count:
            self.stack.pop()
        self.out.append(("<br>" if entry.name in BLOCK_TAGS else "") + "".join(gaps[:used]))
        return used

    def find(self, name: str) -> int | None:
        """Index of the innermost open element `name`; None if a higher one blocks the way."""
        priority = _END_PRIORITY.get(name, 100)
        for steps, index in enumerate(range(len(self.stack) - 1, -1, -1)):
            entry = self.stack[index]
            if entry.name == name:
                return index
            if steps > _SEARCH_LIMIT or _END_PRIORITY.get(entry.name, 100) > priority:
                return None
        return None

    def autoclose(self, name: str) -> None:
        """Close what a start tag `name` closes (libxml2's htmlAutoClose), explicitly; and
        when a dropped element stands between the parser's current one and a start tag that
        would close it, write that element back (the parser would close the wrong one)."""
        while self.stack and name in _CLOSED_BY.get(self.stack[-1].name, ()):
            self.pop_above(len(self.stack) - 2)
        top = self.stack[-1] if self.stack else None
        if top and not top.kept and self.kept and name in _CLOSED_BY.get(self.kept[-1].name, ()):
            top.count -= 1
            self.names[top.name] -= 1
            self.tags[top.tag] -= 1
            if not top.count:
                self.stack.pop()
            self.out.append(f"<{SHIELD}>")
            self.push(_Open(top.name, top.tag, SHIELD))

    def pop_above(self, index: int) -> None:
        """Close every open element above `index`, writing the end tags of those kept."""
        while len(self.stack) > index + 1:
            top = self.stack[-1]
            if top.kept:
                self.out.append(top.end())
            elif top.name in BLOCK_TAGS:  # the end of a dropped block still ends a paragraph
                self.out.append("<br>")
            self.pop()

    def push(self, entry: _Open) -> None:
        self.stack.append(entry)
        self.names[entry.name] += entry.count
        self.tags[entry.tag] += entry.count
        if entry.kept:
            self.kept.append(entry)

    def pop(self) -> None:
        entry = self.stack.pop()
        self.names[entry.name] -= entry.count
        self.tags[entry.tag] -= entry.count
        if entry.kept:
            self.kept.pop()

    def drop(self, name: str, tag: str, count: int) -> None:
        """Record `count` dropped repeats of `tag` (merged with a dropped run below)."""
        top = self.stack[-1] if self.stack else None
        if top is not None and not top.kept and top.tag == tag:
            top.count += count
            self.names[name] += count
            self.tags[tag] += count
        else:
            self.push(_Open(name, tag, "", count))

    def close_kept(self) -> None:
        """Close the deepest element the output holds; its own end tag will be dropped."""
        entry = self.kept.pop()
        self.out.append(f"</{entry.written}>")
        entry.written = ""
