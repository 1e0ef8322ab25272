"""Deterministic generation of the replica wards, categories and articles (the ground truth)."""

from __future__ import annotations

import html
import random
import unicodedata
import uuid
from datetime import datetime, timedelta

from . import vocab
from .model import (
    DANANG,
    DATE_ONLY,
    HANOI_PORTAL,
    LIFERAY_AP,
    SHAREPOINT,
    TANDAN,
    VN_TZ,
    Article,
    Site,
    d_slug,
    url_title,
)
from .seed import SEED_PARAGRAPHS, SEED_POSTED, SEED_TITLE, SEED_VIEWS
from .wards import SPECS, WardSpec, spec_of

# Paths each platform disallows on top of the search page.
ROBOTS = {
    LIFERAY_AP: ["/c/"],
    TANDAN: ["/c/", "/group/"],
    SHAREPOINT: ["/_layouts/", "/_vti_bin/"],
    DANANG: ["/Admin/"],
}
# Words of a ward (phường) that a commune (xã) says otherwise.
COMMUNE_WORDS = (
    ("tổ dân phố", "thôn"),
    ("Tổ dân phố", "Thôn"),
    ("TỔ DÂN PHỐ", "THÔN"),
    ("phường", "xã"),
    ("Phường", "Xã"),
    ("PHƯỜNG", "XÃ"),
)


def build_sites(seed: int = 0) -> list[Site]:
    """All replica wards, generated deterministically from `seed`."""
    return [_build(spec, random.Random(f"{seed}:{spec.slug}")) for spec in SPECS]


def new_article(
    site: Site, rng: random.Random, when: datetime, taken: set[str], index: int
) -> Article:
    """A fresh plain article posted at `when`, listed on the first category and its topic page."""
    article = _article(spec_of(site.slug), site, rng, when, [], taken, index)
    article.categories = [site.categories[0].path, article.primary]
    if article.views is not None:
        article.views = rng.randint(0, 12)
    return article


def story(
    rng: random.Random, ward: str, when: datetime
) -> tuple[str, dict[str, object], str, list[str]]:
    """A plain article's topic, the values its sentences name, its title and paragraphs."""
    topic = rng.choice(sorted(vocab.TOPICS))
    values = _fill(rng, ward, when)
    title = rng.choice(vocab.TOPICS[topic][0]).format(**values)
    return topic, values, title, _paragraphs(rng, topic, values)


def _fill(rng: random.Random, ward: str, when: datetime) -> dict[str, object]:
    """Values for the template placeholders."""
    later = when + timedelta(days=rng.randint(3, 20))
    values: dict[str, object] = dict(
        ward=ward.removeprefix("Phường ").removeprefix("Xã "),
        n=rng.randint(1, 24),
        q=(when.month - 1) // 3 + 1,
        y=when.year,
        m=when.month,
        num=rng.randint(12, 420),
        k=rng.randint(2, 9),
        d=f"{when.day}/{when.month}/{when.year}",
        d2=f"{later.day}/{later.month}/{later.year}",
        person=rng.choice(vocab.PEOPLE),
    )
    values["role"] = rng.choice(vocab.ROLES).format(**values)
    values["place"] = rng.choice(vocab.PLACES).format(**values)
    return values


def _quirky(text: str, rng: random.Random) -> str:
    """HTML-escape text and sprinkle double spaces and `&nbsp;` as editors leave them."""
    words = html.escape(text, quote=True).split(" ")
    out = words[0]
    for word in words[1:]:
        out += rng.choices([" ", "  ", "&nbsp; ", " &nbsp;"], [40, 2, 1, 1])[0] + word
    return out


def _paragraphs(rng: random.Random, topic: str, values: dict[str, object]) -> list[str]:
    """Body paragraphs (plain text) of a generated article."""
    sentences = [s.format(**values) for s in rng.sample(vocab.TOPICS[topic][1], 3)]
    extra = vocab.TOPICS[topic][1][rng.randrange(len(vocab.TOPICS[topic][1]))].format(**values)
    paras = sentences + ([extra] if rng.random() < 0.3 and extra not in sentences else [])
    if rng.random() < 0.5:
        paras[-1] = paras[-1].removesuffix(".") + "./."
    return paras


def _dates(spec: WardSpec, rng: random.Random) -> list[datetime]:
    """Distinct posting times inside the ward's range, oldest first, office hours."""
    span = (spec.end - spec.start).days
    times: set[datetime] = set()
    while len(times) < spec.count:
        day = spec.start + timedelta(days=rng.randrange(span))
        times.add(day.replace(hour=rng.randint(7, 22), minute=rng.randrange(60), second=0))
    return sorted(times)


def _build(spec: WardSpec, rng: random.Random) -> Site:
    """One ward from its recipe."""
    dates = _dates(spec, rng)
    specials: dict[int, list[str]] = {}
    for special, index in zip(
        spec.specials, rng.sample(range(spec.count), len(spec.specials)), strict=True
    ):
        specials.setdefault(index, []).append(special)
    site = Site(
        spec.slug,
        spec.name,
        spec.province,
        spec.family,
        spec.theme,
        spec.categories,
        [],
        district=spec.district,
        list_categories=spec.list_categories,
        page_size=spec.page_size,
        static_pages=spec.static_pages,
        meta_charset_only=spec.meta_charset_only,
        robots_paths=["/tim-kiem", *ROBOTS.get(spec.family, [])],
    )
    taken: set[str] = set()
    for index, when in enumerate(dates):
        marks = specials.get(index, [])
        if "seed" in marks:
            when = SEED_POSTED
        if "sat" in marks:
            when = when + timedelta(days=(5 - when.weekday()) % 7)
        site.articles.append(_article(spec, site, rng, when, marks, taken, index))
    site.articles.sort(key=lambda a: a.posted)
    assert len({a.key for a in site.articles}) == len(site.articles), spec.slug
    return site


def _article(
    spec: WardSpec,
    site: Site,
    rng: random.Random,
    when: datetime,
    marks: list[str],
    taken: set[str],
    index: int,
) -> Article:
    """One article (or dead/robots entry) with its quirks."""
    if spec.family in DATE_ONLY:  # the portal keeps the day only
        when = when.replace(hour=0, minute=0, second=0, microsecond=0)
    topic, values, title, paras = story(rng, spec.name, when)
    views: int | None = int(rng.paretovariate(1.3) * 20) + rng.randint(0, 30)
    views = min(views, 980)
    cat_index = _topic_category(spec, rng, topic)
    if "seed" in marks:
        title, paras, views = SEED_TITLE, list(SEED_PARAGRAPHS), SEED_VIEWS
        cat_index = 2
    title = _title_marks(title, marks, values)
    if "typo" in marks:
        paras.insert(1, vocab.TYPO_SENTENCE.format(**values))
    if "fffd" in marks:
        paras.insert(0, vocab.FFFD_SENTENCE.format(**values))
    if "ent" in marks:
        paras.append("Uỷ ban nhân dân phường tổ chức kiểm tra, đôn đốc các tổ dân phố thực hiện.")
    if "k1234" in marks:
        views = 1234
    if spec.name.startswith("Xã "):
        title, paras = as_commune(title), [as_commune(p) for p in paras]
    blocks = _blocks(rng, paras, topic, values, marks, when, spec)
    if "ent" in marks:
        blocks = [b.replace("ổ", "&#7893;") for b in blocks]
    script = vocab.SCRIPT.format(**values) if "script" in marks else ""
    if "nfd" in marks:
        title = unicodedata.normalize("NFD", title)
        blocks = [unicodedata.normalize("NFD", b) for b in blocks]
    categories = [c.path for c in spec.categories]
    primary = categories[cat_index]
    both = spec.family == LIFERAY_AP or rng.random() < 0.6
    listed = [categories[0], primary] if both else [primary]
    article = Article(
        "",
        html.escape(title, quote=True),
        when,
        views,
        blocks,
        listed,
        script=script,
        kind="robots" if "robots" in marks else "article",
        marks=list(marks),
        seq=index,
    )
    if "dead" in marks:
        article.kind = "dead"
    if "broken" in marks:
        article.kind = "broken"
    _identify(spec, site, rng, article, taken, index)
    for fault in ("slow", "503", "broken"):
        if fault in marks:
            site.faults[article.key] = fault
    return article


def _topic_category(spec: WardSpec, rng: random.Random, topic: str) -> int:
    """Index of the topic page of an article: notices on the notice page, the rest anywhere."""
    paths = [c.path for c in spec.categories]
    notices = [i for i, p in enumerate(paths) if "thong-bao" in p.lower()]
    if topic == "notice" and notices:
        return notices[0]
    return rng.randrange(1, len(paths))


def as_commune(text: str) -> str:
    """The text as a commune (xã) writes it: xã for phường, thôn for tổ dân phố."""
    for ward_word, commune_word in COMMUNE_WORDS:
        text = text.replace(ward_word, commune_word)
    return text


def _title_marks(title: str, marks: list[str], values: dict[str, object]) -> str:
    """Apply the title specials."""
    if "dup" in marks:
        return vocab.DUPLICATE_TITLE
    if "long" in marks:
        return vocab.LONG_TITLE
    if "amp" in marks:
        return vocab.ENTITY_TITLE
    if "quot" in marks:
        return vocab.TOPICS["culture"][0][2]
    if "dspace" in marks:
        return "KẾ HOẠCH  " + title[0].lower() + title[1:]
    return title


def _blocks(
    rng: random.Random,
    paras: list[str],
    topic: str,
    values: dict[str, object],
    marks: list[str],
    when: datetime,
    spec: WardSpec,
) -> list[str]:
    """Body paragraphs as HTML, with spacers, images and document links."""
    styles = ["<p>", "<p>", '<p style="text-align:justify">', '<p class="MsoNormal">']
    verbatim = "seed" in marks
    blocks = [
        rng.choice(styles) + (html.escape(p) if verbatim else _quirky(p, rng)) + "</p>"
        for p in paras
    ]
    stamp = int(when.replace(tzinfo=VN_TZ).timestamp() * 1000)
    has_files = spec.family != HANOI_PORTAL
    if {"img", "seed"} & set(marks) or (has_files and rng.random() < 0.2):
        src = _image(spec, rng, when, stamp)
        img = f'<p style="text-align:center"><img alt="" src="{src}"/></p>'
        caption = f'<p style="text-align:center"><em>{vocab.TOPICS[topic][2]}</em></p>'
        blocks[1:1] = [img] if verbatim else [img, caption]
    if "doc" in marks or (has_files and not verbatim and rng.random() < 0.1):
        file, label = (x.format(**values) for x in rng.choice(vocab.DOCUMENTS))
        href = _document(spec, rng, when, file, stamp)
        blocks.append(f'<p>Chi tiết xem tại: <a href="{href}">{label}</a></p>')
    if rng.random() < 0.35 or {"typo", "seed"} & set(marks):
        blocks.insert(rng.randint(1, len(blocks) - 1), "<p>&nbsp;</p>")
    return blocks


def _image(spec: WardSpec, rng: random.Random, when: datetime, stamp: int) -> str:
    """Root-relative `src` (HTML-escaped) of a body image, where the platform keeps images."""
    number = rng.randint(100000, 999999)
    if spec.family == SHAREPOINT:
        return f"/portal/PublishingImages/{when:%Y}/{when:%m}/IMG_{number}.jpg"
    if spec.family == DANANG:
        return f"/Uploads/images/{when:%Y}/{when:%m}/{when:%d}/{number}.jpg"
    return f"/image/journal/article?img_id={number}&amp;t={stamp}"


def _document(spec: WardSpec, rng: random.Random, when: datetime, file: str, stamp: int) -> str:
    """Root-relative `href` of a linked document, where the platform keeps documents."""
    if spec.family == SHAREPOINT:
        return f"/portal/VanBan/{when:%Y}/{file.replace('+', '-')}"
    if spec.family == DANANG:
        return f"/Uploads/files/{when:%Y}/{when:%m}/{file.replace('+', '-')}"
    doc_id = uuid.UUID(int=rng.getrandbits(128), version=4)
    folder = f"{20182 + rng.randrange(9)}/{rng.randint(0, 99999)}"
    return f"/documents/{folder}/{file}/{doc_id}?t={stamp}"


def _page_name(title: str, when: datetime, taken: set[str]) -> tuple[str, str]:
    """SharePoint page of an article: (`{y}-{m}-{d}/{Name}` key, Name), unique per site."""
    base = d_slug(title)[:90].rstrip("-")
    base = base[:1].upper() + base[1:]
    folder = f"{when.year}-{when.month}-{when.day}"
    name, n = base, 1
    while f"{folder}/{name}" in taken:
        n += 1
        name = f"{base}-{n}"
    taken.add(f"{folder}/{name}")
    return f"{folder}/{name}", name


def _identify(
    spec: WardSpec, site: Site, rng: random.Random, article: Article, taken: set[str], index: int
) -> None:
    """Give an article its key (urlTitle or numeric ID), slug and creation time."""
    title = article.title
    if spec.family == LIFERAY_AP:
        article.key = url_title(title, taken)
        article.asset_id = 1_040_000 + index * 317 + rng.randint(0, 300)
    elif spec.family == HANOI_PORTAL:
        article.views = None
        created = article.posted - timedelta(minutes=rng.randint(5, 300), seconds=rng.randrange(60))
        article.created = created
        article.key = f"{spec.id_prefix}{created:%y%m%d%H%M%S}{rng.randrange(1000):03d}"
        article.slug = d_slug(title)
        if article.kind == "dead":
            article.categories = article.categories[-1:]
    elif spec.family == TANDAN:
        article.key = str(1_152_000 + index * 53 + rng.randint(0, 50))
        article.slug = d_slug(title)
    elif spec.family == SHAREPOINT:
        article.key, article.slug = _page_name(title, article.posted, taken)
    elif spec.family == DANANG:
        article.key = str(32_400 + index * 29 + rng.randint(0, 28))
    else:
        article.key = str(21_000 + index * 41 + rng.randint(0, 40))
        article.slug = d_slug(title)
        if article.kind == "robots":
            article.categories = article.categories[-1:]
            path = f"/{article.primary}/-/view_content/{article.key}-{article.slug}.html"
            site.robots_paths.append(path)
