"""The generic family's listings: article links by URL template, menus left out, identities."""

from __future__ import annotations

from parsel import Selector

from wardcrawler.extract.listing import extract_listing
from wardcrawler.portals.families import GENERIC

SITE = "http://phuong.example.gov.vn"
TITLES = [
    "Hội nghị tổng kết công tác năm 2024 của phường",
    "Thông báo lịch tiếp công dân tháng 3 năm 2025",
    "Ra quân tổng vệ sinh môi trường tại các tổ dân phố",
    "Tập huấn phòng cháy chữa cháy cho hộ kinh doanh",
]


def listing(items: str, menu: str = "", url: str = f"{SITE}/portal/Pages/Tin-tuc.aspx") -> dict:
    html = f"<html><body>{menu}<div class='list'>{items}</div></body></html>"
    return extract_listing(Selector(text=html), GENERIC, url, url).articles


def entry(path: str, title: str) -> str:
    return f'<div class="item"><a href="{path}">{title}</a> <span>(01/06/2025)</span></div>'


def test_a_menu_of_category_pages_with_regular_urls_is_no_list_of_articles():
    menu = (
        '<div role="navigation"><ul>'
        + "".join(
            f'<li><a href="/portal/Pages/{p}.aspx">{n}</a></li>'
            for p, n in [
                ("default", "Trang chủ"),
                ("Tin-tuc", "Tin tức - Sự kiện"),
                ("Thong-bao", "Thông báo chung"),
                ("Van-hoa", "Văn hóa - Xã hội"),
            ]
        )  # fmt: skip
        + "</ul></div>"
    )
    items = "".join(
        entry(f"/portal/Pages/2025-{i + 1}-2/bai-{i}.aspx", t) for i, t in enumerate(TITLES)
    )
    found = listing(items, menu)
    assert sorted(found) == sorted(
        f"{SITE}/portal/Pages/2025-{i + 1}-2/bai-{i}.aspx" for i in range(4)
    )
    id_menu = menu.replace('role="navigation"', 'id="menu"')
    assert sorted(listing(items, id_menu)) == sorted(found)


def test_two_articles_of_one_title_in_two_date_folders_are_two_articles():
    same = "cong-bo-quy-hoach-phan-khu"
    page1 = "".join(entry(f"/portal/Pages/2024-{i + 1}-5/{s}.aspx", t) for i, (s, t) in
                    enumerate(zip(["a", "b", same], TITLES, strict=False)))  # fmt: skip
    page2 = "".join(entry(f"/portal/Pages/2023-{i + 1}-9/{s}.aspx", t) for i, (s, t) in
                    enumerate(zip([same, "c", "d"], TITLES, strict=False)))  # fmt: skip
    first, second = listing(page1), listing(page2)
    old = first[f"{SITE}/portal/Pages/2024-3-5/{same}.aspx"]
    new = second[f"{SITE}/portal/Pages/2023-1-9/{same}.aspx"]
    assert old != new


def test_one_article_reached_from_two_categories_is_one_article():
    def page(category: str) -> dict:
        items = "".join(entry(f"/{category}/bai-{i}-48{i}.html", t) for i, t in enumerate(TITLES))
        return listing(items, url=f"{SITE}/{category}")

    news, notices = page("tin-tuc"), page("thong-bao")
    assert news[f"{SITE}/tin-tuc/bai-2-482.html"] == notices[f"{SITE}/thong-bao/bai-2-482.html"]


def test_dated_wordpress_paths_keep_their_date_in_the_identity():
    items = "".join(entry(f"/2021/12/0{i + 1}/bai-{i}/", t) for i, t in enumerate(TITLES))
    keys = listing(items, url=f"{SITE}/category/tin-tuc/")
    assert keys[f"{SITE}/2021/12/01/bai-0/"] == "/2021/12/01/bai-0"
