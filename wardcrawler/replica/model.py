"""Ground-truth data model of the replica portals and the text rules that derive truth from HTML."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

VN_TZ = timezone(timedelta(hours=7))

LIFERAY_AP = "liferay-asset-publisher"
HANOI_PORTAL = "hanoi-portal"
LIFERAY_VC = "liferay-view-content"
TANDAN = "tandan-liferay"
SHAREPOINT = "sharepoint-portal-pages"
DANANG = "danang-portal"
# Families whose pages show a posting date without a time of day: the truth is that day at
# 00:00 Vietnam time, as `normalize.parse_posted` stores a date-only value.
DATE_ONLY = (SHAREPOINT, DANANG)

_TAG = re.compile(r"<[^>]*>")
_SCRIPT = re.compile(r"<script\b.*?</script>", re.S | re.I)
_LINK = re.compile(r"""(?:src|href)="([^"]+)\"""")
_WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")


def visible(raw_html: str) -> str:
    """Text a reader sees in HTML: tags dropped, entities decoded, NFC, whitespace collapsed."""
    text = html.unescape(_TAG.sub("", _SCRIPT.sub("", raw_html)))
    return " ".join(unicodedata.normalize("NFC", text).split())


def links_in(raw_html: str) -> list[str]:
    """Decoded `src`/`href` values of an HTML fragment, in document order."""
    return [html.unescape(m) for m in _LINK.findall(raw_html)]


def strip_marks(text: str) -> str:
    """Remove Vietnamese diacritics (but not đ/Đ) and lowercase."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def url_title(title: str, taken: set[str]) -> str:
    """Liferay urlTitle: drop đ/Đ, strip marks, lowercase, hyphens, cut at 150, `-2` if taken."""
    folded = strip_marks(" ".join(title.replace("đ", "").replace("Đ", "").split()))
    base = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:150]
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    taken.add(candidate)
    return candidate


def d_slug(title: str) -> str:
    """Slug of the newer platforms: đ becomes d, marks stripped, lowercase, hyphens."""
    folded = strip_marks(title.replace("đ", "d").replace("Đ", "D"))
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:120].rstrip("-")


def weekday_vi(when: datetime, bay: str = "Bảy") -> str:
    """Vietnamese weekday name; `bay` picks the Saturday spelling (some hooks print "Bẩy")."""
    name = _WEEKDAYS[when.weekday()]
    return name.replace("Bảy", bay)


def vi_number(n: int) -> str:
    """Thousands separated with dots, as Vietnamese sites print counters (1234 -> 1.234)."""
    return f"{n:,}".replace(",", ".")


def meta_line(when: datetime, views: int, nbsp: bool = True) -> str:
    """The Liferay meta line `Ngày đăng DD/MM/YYYY | HH:MM  | Lượt xem: N` as HTML."""
    gap = "&nbsp; " if nbsp else " "
    return f"Ngày đăng {when:%d/%m/%Y} | {when:%H:%M}{gap}| Lượt xem: {vi_number(views)}"


@dataclass(frozen=True)
class Category:
    """A category (listing) page of a ward."""

    path: str
    name: str
    nav: str = ""
    ident: str = ""  # the portal's numeric category id (Tân Dân categoryId, Đà Nẵng cat)

    @property
    def nav_label(self) -> str:
        """Label of the navigation link (may differ from the name shown on the page)."""
        return self.nav or self.name


@dataclass
class Article:
    """One listed entry; `kind` is "article", "dead" (404) or "robots" (disallowed)."""

    key: str
    title_html: str
    posted: datetime
    views: int | None
    blocks: list[str]
    categories: list[str]
    asset_id: int = 0
    slug: str = ""
    created: datetime | None = None
    script: str = ""
    kind: str = "article"
    marks: list[str] = field(default_factory=list)
    seq: int = 0  # creation order: ties of `posted` (date-only portals) list newest first

    @property
    def title(self) -> str:
        """Title as a reader sees it."""
        return visible(self.title_html)

    @property
    def primary(self) -> str:
        """Path of the category the article belongs to (the topic page)."""
        return self.categories[-1]

    def body(self) -> str:
        """Body paragraphs as a reader sees them, joined by blank lines."""
        return "\n\n".join(t for t in (visible(b) for b in self.blocks) if t)

    def summary(self) -> str:
        """First words of the body, for listings."""
        words = self.body().split("\n\n")[0].split()
        return " ".join(words[:28]) + (" ..." if len(words) > 28 else "")

    def attachments(self) -> list[str]:
        """Root-relative URLs of images and documents in the body."""
        return [u for b in self.blocks for u in links_in(b)]


@dataclass
class Removed:
    """An article taken down: the status its URLs now answer and the redirect target path."""

    article: Article
    status: int
    location: str | None = None
    step: int = 0


@dataclass
class Site:
    """One ward portal: registry data, theme, categories and articles."""

    slug: str
    name: str
    province: str
    family: str
    theme: str
    categories: list[Category]
    articles: list[Article]
    district: str | None = None
    list_categories: bool = True
    page_size: int = 8
    static_pages: dict[str, tuple[str, str]] = field(default_factory=dict)
    robots_paths: list[str] = field(default_factory=list)
    meta_charset_only: bool = False
    faults: dict[str, str] = field(default_factory=dict)
    url: str = ""
    removed: dict[str, Removed] = field(default_factory=dict)

    def category(self, path: str) -> Category | None:
        """Category by page path (without slash), or None."""
        return next((c for c in self.categories if c.path == path), None)

    def listing(self, path: str) -> list[Article]:
        """Entries of one category page, newest first."""
        found = [a for a in self.articles if path in a.categories]
        return sorted(found, key=lambda a: (a.posted, a.seq, a.key), reverse=True)

    def pages(self, path: str) -> int:
        """Number of listing pages of a category."""
        return max(1, -(-len(self.listing(path)) // self.page_size))

    def page_of(self, path: str, number: int) -> tuple[int, list[Article]]:
        """Clamp a page number (past the last gives the last) and return its entries."""
        number = min(max(number, 1), self.pages(path))
        start = (number - 1) * self.page_size
        return number, self.listing(path)[start : start + self.page_size]

    def find(self, key: str) -> Article | None:
        """Entry by key, dead links excluded."""
        return next((a for a in self.articles if a.key == key and a.kind != "dead"), None)

    def absolute(self, path: str) -> str:
        """Absolute URL of a root-relative path on this ward's origin."""
        return self.url.rstrip("/") + path

    def unit(self) -> dict[str, str]:
        """The official unit the ward is named after, looked up in the units packages: a current
        one for a ward without a district, else a pre-2025 one (none when the name is ambiguous
        or unknown)."""
        from wardcrawler.portals.units import CURRENT, FORMER, find

        era = FORMER if self.district else CURRENT
        found = find(self.name, self.province, era, self.district)
        if len(found) != 1:
            return {}
        return {"code" if era == CURRENT else "former_code": found[0].code}

    def registry(self) -> dict[str, object]:
        """This ward's registry entry."""
        entry: dict[str, object] = {"slug": self.slug, "name": self.name, "province": self.province}
        if self.district:
            entry["district"] = self.district
        entry.update(self.unit())
        entry.update(url=self.url, family=self.family)
        if self.list_categories:
            entry["categories"] = [c.path for c in self.categories]
        return entry
