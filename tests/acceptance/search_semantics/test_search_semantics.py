"""Acceptance tests for issue 11: Vietnamese search semantics.

A word typed with any Vietnamese mark matches only words with the same letters and the same
tone (whatever case, NFC/NFD or old/new tone placement); a word typed without marks matches every
spelling that folds to it; mixed queries mix; quoted phrases work word by word, in order.
The same for `?_search=` on /wards/articles, the canned `search` query and `search_feed.atom`.

The truth comes from an oracle written here, from the texts themselves, not from the project.
"""

from __future__ import annotations

import html
import re
import sqlite3
import unicodedata
import urllib.parse
import xml.etree.ElementTree as ET

import pytest

from tests.helpers import datasette_get
from wardcrawler.normalize import content_hash
from wardcrawler.store.archive import Archive, ArticleRecord

# --------------------------------------------------------------------------- oracle

TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
WORD_RE = re.compile(r"\w+")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def words(text: str) -> list[str]:
    """Words of a text: NFC, lowercase, runs of letters and digits."""
    return WORD_RE.findall(nfc(text).lower())


def fold(word: str) -> str:
    """The word without any mark: every combining mark stripped, đ → d."""
    stripped = "".join(c for c in nfd(word.lower()) if not unicodedata.combining(c))
    return stripped.replace("đ", "d")


def exact_key(word: str) -> str:
    """Letters with their vowel marks, then the tone once (old and new placements agree)."""
    decomposed = nfd(word.lower())
    tones = "".join(c for c in decomposed if c in TONE_MARKS)
    base = nfc("".join(c for c in decomposed if c not in TONE_MARKS))
    return base + "|" + tones


def is_marked(word: str) -> bool:
    return fold(word) != nfc(word.lower())


def word_matches(query_word: str, text_word: str) -> bool:
    if is_marked(query_word):
        return exact_key(query_word) == exact_key(text_word)
    return fold(query_word) == fold(text_word)


def parse_query(q: str) -> tuple[list[str], list[list[str]]]:
    """Unquoted words and quoted phrases (each a list of words)."""
    singles: list[str] = []
    phrases: list[list[str]] = []
    for i, part in enumerate(nfc(q).split('"')):
        if i % 2:
            phrase = words(part)
            if phrase:
                phrases.append(phrase)
        else:
            singles.extend(words(part))
    return singles, phrases


def has_phrase(tokens: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return any(
        all(word_matches(p, t) for p, t in zip(phrase, tokens[i : i + n], strict=False))
        for i in range(len(tokens) - n + 1)
    )


def oracle_matches(q: str, title: str, body: str) -> bool:
    singles, phrases = parse_query(q)
    columns = [words(title), words(body)]
    everything = columns[0] + columns[1]
    for s in singles:
        if not any(word_matches(s, t) for t in everything):
            return False
    return all(any(has_phrase(col, p) for col in columns) for p in phrases)


def oracle(q: str) -> set[str]:
    """Article keys the query must find."""
    return {key for key, (title, body) in CORPUS.items() if oracle_matches(q, title, body)}


def oracle_query_words(q: str) -> list[str]:
    singles, phrases = parse_query(q)
    return singles + [w for p in phrases for w in p]


# --------------------------------------------------------------------------- corpus

_ARTICLES = [
    (
        "Đảng bộ phường Phúc Lợi tổ chức Đại hội đại biểu lần thứ nhất",
        "Sáng nay, Đảng bộ phường Phúc Lợi long trọng tổ chức Đại hội đại biểu nhiệm kỳ 2025-2030 "
        "với sự tham dự của 150 đảng viên.",
    ),
    (
        "Người dân đang chờ cấp sổ đỏ tại bộ phận một cửa",
        "Nhiều hộ gia đình đang chờ kết quả giải quyết hồ sơ; cán bộ phường hướng dẫn tận tình và "
        "dễ dàng.",
    ),
    (
        "Thông báo đăng ký nghĩa vụ quân sự năm 2026",
        "Công dân nam trong độ tuổi đến Ban Chỉ huy quân sự phường để đăng ký theo quy định.",
    ),
    (
        "Các dạng thiên tai thường gặp và cách phòng tránh",
        "Bài viết giới thiệu các dạng thiên tai như lũ quét, sạt lở đất, ngập úng cục bộ.",
    ),
    (
        "Vị đắng của cà phê và câu chuyện khởi nghiệp",
        "Anh Nguyễn Văn Hùng kể về những ngày đầu khởi nghiệp đầy vị đắng nhưng rất đáng nhớ.",
    ),
    (
        "Ủy ban nhân dân phường họp giao ban tháng 9",
        "Chủ tịch Ủy ban nhân dân phường chủ trì cuộc họp, đánh giá tình hình thực hiện nhiệm vụ.",
    ),
    (
        "Uỷ ban Mặt trận Tổ quốc phường phát động ủng hộ đồng bào vùng lũ",
        "Uỷ ban Mặt trận Tổ quốc kêu gọi cộng đồng dân cư chung tay ủng hộ.",
    ),
    (
        "THÀNH ỦY HÀ NỘI KIỂM TRA CÔNG TÁC XÂY DỰNG ĐẢNG",
        "Đoàn kiểm tra của Thành ủy làm việc với Đảng ủy phường về công tác cán bộ.",
    ),
    (
        "Thành uỷ chỉ đạo triển khai Chỉ thị 24",
        "Thành uỷ yêu cầu các cấp uỷ quán triệt sâu sắc nội dung Chỉ thị.",
    ),
    (
        "Khánh thành nhà văn hóa tổ dân phố số 5",
        "Công trình nhà văn hóa được xây dựng khang trang, đáp ứng nhu cầu sinh hoạt của cộng đồng "
        "dân cư.",
    ),
    (
        "Ngày hội văn hoá các dân tộc tại phường",
        "Ngày hội có nhiều hoạt động văn hoá, thể thao sôi nổi.",
    ),
    (
        "Hòa giải viên ở cơ sở: cầu nối tình làng nghĩa xóm",
        "Tổ hòa giải đã hòa giải thành công 12 vụ việc trong năm.",
    ),
    (
        "Hoà giải thành vụ tranh chấp đất đai kéo dài",
        "Nhờ sự kiên trì của tổ hoà giải, hai gia đình đã hoà thuận trở lại.",
    ),
    (
        "Phường Hòa Bình trồng 500 cây hoa ban",
        "Các tuyến phố được trồng hoa giấy và hoa ban tạo cảnh quan xanh, sạch, đẹp.",
    ),
    (
        "Diễn tập phòng cháy chữa cháy, cứu nạn cứu hộ",
        "Buổi diễn tập giả định hỏa hoạn xảy ra tại khu chung cư, lực lượng chữa cháy nhanh chóng "
        "có mặt.",
    ),
    (
        "Cảnh giác với hoả hoạn mùa hanh khô",
        "Người dân cần kiểm tra hệ thống điện để phòng ngừa hoả hoạn.",
    ),
    (
        "Nạo vét kênh thủy lợi phục vụ sản xuất",
        "Phường huy động lực lượng nạo vét hệ thống thủy lợi, bảo đảm tưới tiêu.",
    ),
    (
        "Công trình thuỷ lợi Thuỷ Nguyên hoàn thành",
        "Công trình thuỷ lợi giúp hàng trăm hộ dân có nước tưới.",
    ),
    ("Cô giáo Nguyễn Thị Thùy nhận bằng khen", "Cô Thùy là tấm gương tận tụy với học sinh."),
    (
        "Lễ trao giải cuộc thi viết về Bác Hồ",
        "Em Lê Thúy Hằng đạt giải nhất với bài viết xúc động.",
    ),
    (
        "Lợi ích của việc phân loại rác tại nguồn",
        "Phân loại rác mang lại nhiều lợi ích cho môi trường và cộng đồng.",
    ),
    (
        "Mở lối đi bộ ven hồ cho người dân",
        "Lối đi bộ mới giúp người dân thuận tiện tập thể dục buổi sáng.",
    ),
    (
        "Lời kêu gọi toàn dân tham gia hiến máu tình nguyện",
        "Chủ tịch phường gửi lời cảm ơn tới những người đã tham gia hiến máu.",
    ),
    (
        "Xử lý lỗi sai sót trong cấp giấy chứng nhận",
        "Cán bộ địa chính rà soát, khắc phục lỗi nhập liệu trên hệ thống.",
    ),
    (
        "Bổ sung kinh phí sửa chữa trường mầm non",
        "Ủy ban nhân dân phường đề xuất bổ sung dự toán cho việc sửa chữa.",
    ),
    (
        "Người dân không bỏ rác ra đường",
        "Tổ dân phố vận động các hộ không bỏ rác bừa bãi, giữ gìn vệ sinh chung.",
    ),
    (
        "Hỗ trợ nông dân nuôi bò sinh sản",
        "Hội Nông dân phường hỗ trợ 20 con bò cho hội viên có hoàn cảnh khó khăn.",
    ),
    (
        "Câu chuyện người bố nuôi con nghị lực",
        "Ông bố đơn thân vượt khó nuôi hai con ăn học thành tài.",
    ),
    (
        "Hướng dẫn làm bánh mì bơ tỏi tại lớp kỹ năng",
        "Lớp học kỹ năng sống hướng dẫn các em làm bánh mì bơ tỏi và nước ép.",
    ),
    (
        "Kè bờ sông Hồng đoạn qua phường",
        "Dự án kè bờ sông giúp ổn định đời sống nhân dân ven sông.",
    ),
    (
        "Công đồng và cộng đồng: lưu ý chính tả trong văn bản hành chính",
        "Một số văn bản viết nhầm công đồng dân cư, cần sửa thành cộng đồng.",
    ),
    (
        "Cộng đồng dân cư tham gia giữ gìn an ninh trật tự",
        "Mô hình cộng đồng dân cư tự quản phát huy hiệu quả.",
    ),
    (
        "Khu dân cư và cộng đồng doanh nghiệp phối hợp phòng chống dịch",
        "Dân cư, cộng đồng doanh nghiệp cùng chung tay.",
    ),
    (
        "Thanh niên tình nguyện ra quân ngày Chủ nhật xanh",
        "Đoàn Thanh niên phường tổ chức dọn vệ sinh môi trường.",
    ),
    (
        "Toàn bộ Đảng viên tham gia học tập nghị quyết",
        "Toàn bộ Đảng viên trong chi bộ đã hoàn thành chương trình học tập.",
    ),
    ("ĐẢNG BỘ PHƯỜNG LONG BIÊN TỔNG KẾT NĂM", "Hội nghị tổng kết công tác xây dựng Đảng năm 2025."),
    # stored in NFD on purpose (title), old tone placement
    (
        nfd("Uỷ ban nhân dân phường Thuỷ Khuê tiếp dân định kỳ"),
        "Lãnh đạo phường tiếp 15 lượt công dân, giải đáp các kiến nghị về đất đai.",
    ),
    # stored in NFD on purpose (body)
    (
        "Đăng ký thường trú trực tuyến",
        nfd(
            "Người dân có thể đăng ký thường trú qua Cổng dịch vụ công một cách dễ dàng, thuận lợi."
        ),
    ),
    (
        "Phường Đồng Tâm biểu dương người tốt việc tốt",
        "Nhiều tấm gương bình dị ở cộng đồng được biểu dương.",
    ),
    (
        "Dang dở công trình nhà văn hóa do vướng mặt bằng",
        "Công trình dang dở nhiều năm gây bức xúc cho người dân.",
    ),
    (
        "Thượng úy công an phường giúp dân",
        "Thượng úy Trần Văn Nam kịp thời hỗ trợ người dân gặp nạn.",
    ),
    (
        "Nâng cao uy tín của chính quyền cơ sở",
        "Uy tín của cán bộ được khẳng định qua sự hài lòng của nhân dân.",
    ),
    (
        "Kiểm tra an toàn thực phẩm bếp ăn tập thể",
        "Đoàn kiểm tra phát hiện một số cơ sở chưa bảo đảm điều kiện; không có vi phạm nghiêm trọng.",
    ),
    (
        "Chi hội phụ nữ giúp nhau nuôi bò",
        "Các đảng viên gương mẫu đi đầu, bổ sung thêm 10 con bò giống cho hội viên nghèo.",
    ),
    (
        "Hội thi Bí thư chi bộ giỏi",
        "Các bí thư chi bộ tham gia phần thi xử lý tình huống đang diễn ra sôi nổi.",
    ),
    (
        "Tổ chức Đảng và đoàn thể sáp nhập bộ máy",
        "Việc sắp xếp bộ máy tinh gọn được Đảng ủy phường chỉ đạo quyết liệt.",
    ),
    (
        "Ban quản lý dự án đang bỏ phương án cũ",
        "Ban quản lý dự án đang bỏ phương án cũ để lựa chọn phương án tối ưu hơn.",
    ),
    ("HOÀ HỢP VÀ ĐOÀN KẾT Ở KHU PHỐ", "Tinh thần hoà hợp giúp khu phố đạt danh hiệu văn hoá."),
]

CORPUS: dict[str, tuple[str, str]] = {str(i + 1): tb for i, tb in enumerate(_ARTICLES)}


def url_of(key: str) -> str:
    return f"http://w.example/a/bai-viet-{key}.htm"


# --------------------------------------------------------------------------- queries

# Each group: marked spellings that must all behave identically, and the unmarked spelling.
GROUPS = {
    "dang": ["Đảng", "đảng", "ĐẢNG", nfd("Đảng"), nfd("ĐẢNG")],
    "bo": ["bộ", "Bộ", "BỘ", nfd("bộ")],
    "uy": ["ủy", "uỷ", "Ủy", "Uỷ", "UỶ", "ỦY", nfd("ủy"), nfd("uỷ")],
    "hoa": ["hòa", "hoà", "Hòa", "Hoà", "HÒA", "HOÀ", nfd("hòa"), nfd("hoà")],
    "thuy": ["thủy", "thuỷ", "Thủy", "Thuỷ", "THUỶ", nfd("thủy"), nfd("thuỷ")],
    "loi": ["lợi", "Lợi", "LỢI", nfd("lợi")],
    "cong": ["cộng", "Cộng", "CỘNG", nfd("cộng")],
    "thanh": ["thành", "Thành", "THÀNH", nfd("thành")],
}
# more marked variants of the same letters as `hoa`, which must be told apart
OTHER_HOA = {"hóa": ["hóa", "hoá", "HOÁ", nfd("hoá")], "hỏa": ["hỏa", "hoả", "HOẢ"]}

MIXED = [
    "Đảng bo",
    "dang bộ",
    "Đảng bộ",
    "dang bo",
    "thanh ủy",
    "thành uy",
    "Thành uỷ hoa",
    "hoà giai",
    "thuy lợi",
    "THUỶ LOI",
    "cong đồng dân cư",
    "văn hoa",
    "cong dong dan cu",
]
PHRASES = [
    '"Đảng bộ phường"',
    '"dang bo phuong"',
    '"ĐẢNG BỘ PHƯỜNG"',
    '"phường Đảng bộ"',
    '"Đảng bộ"',
    '"bộ Đảng"',
    '"Đảng bo"',
    '"dang bộ"',
    '"bo dang"',
    '"cộng đồng dân cư"',
    '"cong dong dan cu"',
    '"dân cư cộng đồng"',
    '"dan cu cong dong"',
    '"thành uỷ"',
    '"thành ủy"',
    '"thanh uy"',
    '"Thành Ủy"',
    nfd('"thành uỷ"'),
    '"thuỷ lợi"',
    '"thuy loi"',
    '"lợi thủy"',
    '"hoà giải"',
    '"hoa giai"',
    '"Đảng bộ" phường',
    'Toàn "bộ Đảng"',
]

ALL_QUERIES: list[str] = []
for _unmarked, _marked in GROUPS.items():
    ALL_QUERIES += [_unmarked, _unmarked.upper(), _unmarked.capitalize(), *_marked]
for _marked in OTHER_HOA.values():
    ALL_QUERIES += _marked
ALL_QUERIES += MIXED + PHRASES
ALL_QUERIES = list(dict.fromkeys(ALL_QUERIES))


def search_path(q: str) -> str:
    return "/wards/articles.json?_shape=objects&_size=max&_search=" + urllib.parse.quote(q)


def relevance_path(q: str) -> str:
    return (
        "/wards/search.json?_shape=objects&_size=max&q="
        + urllib.parse.quote(q)
        + "&ward=&since=&until="
    )


def feed_path(q: str) -> str:
    return "/wards/search_feed.atom?q=" + urllib.parse.quote(q)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("search_semantics") / "wards.db"
    archive = Archive(path)
    archive.save_ward(
        {
            "slug": "w",
            "name": "Phường Phúc Lợi",
            "province": "Hà Nội",
            "district": None,
            "url": "http://w.example/",
            "family": "hanoi-portal",
        }
    )
    for key, (title, body) in CORPUS.items():
        archive.save_article(
            ArticleRecord(
                ward="w",
                article_key=key,
                url=url_of(key),
                title=title,
                posted_at=None,
                posted_raw="",
                views=None,
                body=body,
                content_hash=content_hash(title, body),
                attachments=[],
            )
        )
    archive.close()
    return path


@pytest.fixture(scope="module")
def responses(db_path):
    """Every answer the tests need, from one Datasette: {path: response}."""
    paths: list[str] = []
    for q in ALL_QUERIES:
        paths += [search_path(q), relevance_path(q), feed_path(q)]
    paths.append("/wards/articles.json?_shape=objects&_size=max")
    answers = datasette_get(db_path, *paths)
    return dict(zip(paths, answers, strict=False))


@pytest.fixture(scope="module")
def id_to_key(responses):
    rows = responses["/wards/articles.json?_shape=objects&_size=max"].json()["rows"]
    assert len(rows) == len(CORPUS)
    return {row["id"]: row["article_key"] for row in rows}


def search_keys(responses, q: str) -> set[str]:
    response = responses[search_path(q)]
    assert response.status_code == 200, (q, response.status_code, response.text[:500])
    data = response.json()
    return {row["article_key"] for row in data["rows"]}


def relevance_rows(responses, q: str) -> list[dict]:
    response = responses[relevance_path(q)]
    assert response.status_code == 200, (q, response.status_code, response.text[:500])
    return response.json()["rows"]


def feed_urls(responses, q: str) -> list[str]:
    response = responses[feed_path(q)]
    assert response.status_code == 200, (q, response.status_code, response.text[:500])
    root = ET.fromstring(response.text)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    urls = []
    for entry in root.findall("a:entry", ns):
        link = entry.find("a:link", ns)
        urls.append(link.get("href") if link is not None else entry.find("a:id", ns).text)
    return urls


def show(keys: set[str]) -> list[str]:
    return sorted((CORPUS[k][0][:50] for k in keys), key=str)


# --------------------------------------------------------------------------- corpus sanity


def test_corpus_is_big_enough_and_makes_groups_differ():
    assert len(CORPUS) >= 40
    for unmarked, marked in GROUPS.items():
        exact, folded = oracle(marked[0]), oracle(unmarked)
        assert exact, unmarked
        assert exact < folded, unmarked  # the corpus makes the distinction matter
        assert len(folded) < 50  # the feed's limit


def test_oracle_itself():
    assert exact_key("uỷ") == exact_key("ủy") and exact_key("hoà") == exact_key("hòa")
    assert exact_key("thuỷ") == exact_key("thủy") and exact_key(nfd("ĐẢNG")) == exact_key("đảng")
    assert exact_key("đảng") != exact_key("đang") != exact_key("đăng")
    assert exact_key("hòa") != exact_key("hóa")
    assert {fold(w) for w in ["Đảng", "đang", "đăng", "dạng", "đắng"]} == {"dang"}
    assert not is_marked("dang") and is_marked("đang") and is_marked(nfd("bộ"))


# --------------------------------------------------------------------------- (a) (b) (c)


@pytest.mark.parametrize("unmarked", list(GROUPS))
def test_marked_spellings_find_exactly_that_word(responses, unmarked):
    marked = GROUPS[unmarked]
    expected = oracle(marked[0])
    for q in marked:
        assert oracle(q) == expected, f"oracle disagrees with itself on {q!r}"
        got = search_keys(responses, q)
        assert got == expected, (
            f"_search={q!r} ({unicodedata.normalize('NFC', q)}, "
            f"{'NFD' if q != nfc(q) else 'NFC'}): missing {show(expected - got)}, "
            f"extra {show(got - expected)}"
        )


@pytest.mark.parametrize("unmarked", list(GROUPS))
def test_unmarked_spelling_finds_every_spelling(responses, unmarked):
    expected = oracle(unmarked)
    got = search_keys(responses, unmarked)
    assert got == expected, f"missing {show(expected - got)}, extra {show(got - expected)}"
    for q in (unmarked.upper(), unmarked.capitalize()):
        got = search_keys(responses, q)
        assert got == expected, (q, show(expected - got), show(got - expected))


@pytest.mark.parametrize("unmarked", list(GROUPS))
def test_exact_is_strict_subset_of_folded(responses, unmarked):
    exact = search_keys(responses, GROUPS[unmarked][0])
    folded = search_keys(responses, unmarked)
    assert exact < folded


@pytest.mark.parametrize("name", list(OTHER_HOA))
def test_other_marked_spellings_of_hoa_are_told_apart(responses, name):
    expected = oracle(OTHER_HOA[name][0])
    assert expected
    for q in OTHER_HOA[name]:
        got = search_keys(responses, q)
        assert got == expected, (q, show(expected - got), show(got - expected))
    assert expected < search_keys(responses, "hoa")
    assert expected != search_keys(responses, "hòa")


# --------------------------------------------------------------------------- (d) (e)


@pytest.mark.parametrize("q", MIXED)
def test_mixed_queries(responses, q):
    expected = oracle(q)
    got = search_keys(responses, q)
    assert got == expected, f"missing {show(expected - got)}, extra {show(got - expected)}"


def test_mixed_queries_really_mix(responses):
    # `Đảng bo`: exact Đảng, any bo -> article 44 (đảng viên ... bổ sung ... bò) only here
    assert search_keys(responses, "Đảng bộ") < search_keys(responses, "Đảng bo")
    assert search_keys(responses, "Đảng bo") < search_keys(responses, "dang bo")
    assert search_keys(responses, "Đảng bộ") < search_keys(responses, "dang bộ")
    assert "44" in search_keys(responses, "Đảng bo")
    assert "2" in search_keys(responses, "dang bộ") and "2" not in search_keys(responses, "Đảng bộ")


@pytest.mark.parametrize("q", PHRASES)
def test_phrases(responses, q):
    expected = oracle(q)
    got = search_keys(responses, q)
    assert got == expected, f"missing {show(expected - got)}, extra {show(got - expected)}"


def test_phrases_are_in_order_and_narrower_than_words(responses):
    in_order = search_keys(responses, '"Đảng bộ"')
    reversed_ = search_keys(responses, '"bộ Đảng"')
    loose = search_keys(responses, "Đảng bộ")
    assert in_order and reversed_
    assert in_order.isdisjoint(reversed_)
    assert in_order < loose and reversed_ < loose
    assert search_keys(responses, '"phường Đảng bộ"') == set()
    # `cộng đồng dân cư` exactly vs. `công đồng dân cư` (article 31) vs. out of order (33)
    exact = search_keys(responses, '"cộng đồng dân cư"')
    folded = search_keys(responses, '"cong dong dan cu"')
    assert exact < folded and "31" in folded - exact
    assert "33" not in folded and "33" in search_keys(responses, "cong dong dan cu")
    # `đang bỏ phương` (article 47) is a folded `dang bo phuong`, never an exact one
    assert "47" in search_keys(responses, '"dang bo phuong"')
    assert "47" not in search_keys(responses, '"Đảng bộ phường"')


# --------------------------------------------------------------------------- (f)


@pytest.mark.parametrize("q", ALL_QUERIES)
def test_relevance_query_finds_the_same_articles(responses, id_to_key, q):
    rows = relevance_rows(responses, q)
    got = {id_to_key[row["id"]] for row in rows}
    expected = oracle(q)
    assert len(expected) < 200
    assert got == expected, f"missing {show(expected - got)}, extra {show(got - expected)}"
    assert got == search_keys(responses, q)


@pytest.mark.parametrize("q", ALL_QUERIES)
def test_relevance_snippet_marks_only_matching_words(responses, id_to_key, q):
    query_words = oracle_query_words(q)
    for row in relevance_rows(responses, q):
        snippet = row["snippet"] or ""
        marked = [html.unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", snippet, re.S)]
        for text in marked:
            for w in words(text):
                assert any(word_matches(qw, w) for qw in query_words), (
                    f"q={q!r}: snippet marks {w!r}, which matches no query word: {snippet!r}"
                )


@pytest.mark.parametrize("q", ALL_QUERIES)
def test_relevance_snippet_highlights_a_match_held_by_the_body(responses, id_to_key, q):
    """A body holding a matching word (in NFC or NFD) shows it highlighted in the snippet."""
    query_words = oracle_query_words(q)
    for row in relevance_rows(responses, q):
        key = id_to_key[row["id"]]
        snippet = row["snippet"] or ""
        body_words = words(CORPUS[key][1])
        if any(word_matches(qw, bw) for qw in query_words for bw in body_words):
            assert "<mark>" in snippet, (
                f"q={q!r}: body of article {key} holds a match but snippet marks none: {snippet!r}"
            )


@pytest.mark.parametrize("q", ALL_QUERIES)
def test_search_feed_finds_the_same_articles(responses, q):
    urls = feed_urls(responses, q)
    expected = oracle(q)
    assert len(expected) <= 50
    got = {u.rsplit("-", 1)[1].removesuffix(".htm") for u in urls}
    assert len(urls) == len(got)
    assert got == expected, f"missing {show(expected - got)}, extra {show(got - expected)}"


# --------------------------------------------------------------------------- (g)


def test_stored_text_never_changes(db_path, responses):
    connection = sqlite3.connect(db_path)
    try:
        stored = {
            key: (title, body)
            for key, title, body in connection.execute(
                "select article_key, title, body from articles"
            )
        }
    finally:
        connection.close()
    assert stored == CORPUS
    rows = responses["/wards/articles.json?_shape=objects&_size=max"].json()["rows"]
    assert {row["article_key"]: (row["title"], row["body"]) for row in rows} == CORPUS
    # the NFD title and the NFD body are still NFD
    assert stored["37"][0] == nfd(stored["37"][0]) != nfc(stored["37"][0])
    assert stored["38"][1] == nfd(stored["38"][1]) != nfc(stored["38"][1])


def test_search_rows_show_text_as_stored(responses):
    for q in ["thuỷ", "ủy", "dang", "lợi"]:
        for row in responses[search_path(q)].json()["rows"]:
            assert (row["title"], row["body"]) == CORPUS[row["article_key"]]
