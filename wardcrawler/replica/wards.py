"""Recipes of the ten replica wards: family, theme, categories, size and quirks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .model import DANANG, HANOI_PORTAL, LIFERAY_AP, LIFERAY_VC, SHAREPOINT, TANDAN, Category
from .seed import SEED_CATEGORY


@dataclass
class WardSpec:
    """Recipe of one replica ward."""

    slug: str
    name: str
    province: str
    district: str | None
    family: str
    theme: str
    categories: list[Category]
    count: int
    page_size: int
    start: datetime
    end: datetime
    specials: list[str]
    list_categories: bool = True
    static_pages: dict[str, tuple[str, str]] = field(default_factory=dict)
    meta_charset_only: bool = False
    id_prefix: str = ""
    gone_status: int = 404  # what the URL of a removed article answers: 404, 410 or 301 to "/"


C = Category
STATIC = {
    "gioi-thieu": ("Giới thiệu", "Phường có diện tích tự nhiên 246 ha, gồm 17 tổ dân phố."),
    "lien-he": ("Liên hệ", "Trụ sở UBND phường, điện thoại 024.3875.1234, thư điện tử."),
}
SPECS = [
    WardSpec(
        "replica-phucloi",
        "Phường Phúc Lợi",
        "Hà Nội",
        "Quận Long Biên",
        LIFERAY_AP,
        "reference",
        [
            C("tin-moi-nhat", "tin mới nhất", "Tin mới nhất"),
            C("hoat-dong-khoi-chinh-quyen", "Hoạt động khối chính quyền"),
            C("hoat-dong-to-dan-pho", SEED_CATEGORY, "Tổ dân phố"),
            C("thong-bao1", "thông báo", "Thông báo"),
        ],
        34,
        6,
        datetime(2022, 3, 1),
        datetime(2025, 6, 20),
        [
            "seed",
            "dup",
            "dup",
            "long",
            "typo",
            "ent",
            "k1234",
            "nfd",
            "slow",
            "img",
            "doc",
            "dspace",
        ],
    ),
    WardSpec(
        "replica-giathuy",
        "Phường Gia Thụy",
        "Hà Nội",
        "Quận Long Biên",
        LIFERAY_AP,
        "moh",
        [
            C("tin-moi-nhat", "Tin mới nhất"),
            C("dangbo", "Đảng bộ"),
            C("thong-baothong-bao", "thông báo", "Thông báo"),
        ],
        24,
        5,
        datetime(2022, 1, 10),
        datetime(2025, 6, 25),
        ["nfd", "script", "quot", "img", "doc"],
        list_categories=False,
        static_pages=STATIC,
        gone_status=410,
    ),
    WardSpec(
        "replica-thuongthanh",
        "Phường Thượng Thanh",
        "Hà Nội",
        "Quận Long Biên",
        LIFERAY_AP,
        "hook",
        [
            C("tin-moi-nhat", "tin mới nhất"),
            C("vanhoa", "Văn hóa - Xã hội"),
            C("tintuccacdonvi", "Tin tức các đơn vị"),
            C("baivietcacchuyende", "hoạt động khối chính quyền"),
        ],
        26,
        5,
        datetime(2023, 1, 5),
        datetime(2025, 6, 28),
        ["fffd", "sat", "k1234", "img", "doc", "ent"],
        meta_charset_only=True,
    ),
    WardSpec(
        "replica-hanoi-phucloi",
        "Phường Phúc Lợi",
        "Hà Nội",
        None,
        HANOI_PORTAL,
        "hanoi",
        [
            C("tin-tuc-su-kien", "Tin tức - Sự kiện"),
            C("dang-doan-the", "Đảng - Đoàn thể"),
            C("thong-tin-tuyen-truyen", "Thông tin tuyên truyền"),
        ],
        28,
        5,
        datetime(2025, 7, 1, 8),
        datetime(2025, 11, 20),
        ["dead", "amp", "nfd", "typo", "dspace"],
        id_prefix="2702",
        gone_status=410,
    ),
    WardSpec(
        "replica-dongda",
        "Phường Đống Đa",
        "Hà Nội",
        None,
        HANOI_PORTAL,
        "hanoi",
        [
            C("tin-tuc-su-kien", "Tin tức - Sự kiện"),
            C("cai-cach-hanh-chinh", "Cải cách hành chính"),
        ],
        20,
        5,
        datetime(2025, 7, 1, 8),
        datetime(2025, 11, 25),
        ["quot", "ent"],
        list_categories=False,
        static_pages={"gioi-thieu": STATIC["gioi-thieu"]},
        id_prefix="2806",
        gone_status=301,
    ),
    WardSpec(
        "replica-lacvien",
        "Phường Lạc Viên",
        "Hải Phòng",
        "Quận Ngô Quyền",
        LIFERAY_VC,
        "viewcontent",
        [
            C("tin-tuc", "Tin tức - Sự kiện"),
            C("thong-bao", "Thông báo"),
            C("van-hoa-xa-hoi", "Văn hoá - Xã hội"),
        ],
        26,
        6,
        datetime(2017, 2, 1),
        datetime(2019, 12, 20),
        ["503", "img", "doc", "nfd", "k1234"],
        meta_charset_only=True,
    ),
    WardSpec(
        "replica-leloi",
        "Phường Lê Lợi",
        "Hải Phòng",
        "Quận Ngô Quyền",
        LIFERAY_VC,
        "viewcontent",
        [C("tin-tuc", "Tin tức"), C("thong-bao", "Thông báo")],
        15,
        5,
        datetime(2018, 1, 3),
        datetime(2019, 6, 30),
        ["robots", "typo", "img", "broken"],
        gone_status=410,
    ),
    # FAMILIES.md section 4: markup unknown, designed here after each platform's defaults.
    WardSpec(
        "replica-tandan",
        "Xã Tân Dân",
        "Hà Nội",
        "Huyện Sóc Sơn",
        TANDAN,
        "tandan",
        [
            C("tin-tuc-su-kien", "Tin tức - Sự kiện", ident="10602"),
            C("hoat-dong-chinh-quyen", "Hoạt động chính quyền", ident="10605"),
            C("thong-bao", "Thông báo", ident="10611"),
        ],
        17,
        5,
        datetime(2021, 3, 1),
        datetime(2025, 6, 25),
        ["nfd", "typo", "img", "doc", "k1234", "dspace", "script"],
        gone_status=410,
    ),
    WardSpec(
        "replica-ninhthuan-phuha",
        "Phường Phủ Hà",
        "Ninh Thuận",
        "Thành phố Phan Rang - Tháp Chàm",
        SHAREPOINT,
        "sharepoint",
        [
            C("portal/Pages/Tin-tuc-su-kien.aspx", "Tin tức - Sự kiện"),
            C("portal/Pages/Thong-bao.aspx", "Thông báo"),
            C("portal/Pages/Van-hoa-xa-hoi.aspx", "Văn hóa - Xã hội"),
        ],
        16,
        5,
        datetime(2023, 6, 1),
        datetime(2025, 6, 20),
        ["ent", "quot", "img", "doc", "nfd", "dspace"],
        gone_status=410,
    ),
    WardSpec(
        "replica-danang-hoacuongbac",
        "Phường Hòa Cường Bắc",
        "Đà Nẵng",
        "Quận Hải Châu",
        DANANG,
        "danang",
        [
            C("tin-tuc-su-kien", "Tin tức - Sự kiện", ident="12"),
            C("thong-bao", "Thông báo", ident="15"),
            C("cai-cach-hanh-chinh", "Cải cách hành chính", ident="21"),
        ],
        17,
        5,
        datetime(2022, 8, 1),
        datetime(2025, 6, 15),
        ["typo", "amp", "img", "doc", "ent", "k1234"],
        gone_status=410,
    ),
]


def spec_of(slug: str) -> WardSpec:
    """The recipe of a ward by slug."""
    return next(spec for spec in SPECS if spec.slug == slug)
