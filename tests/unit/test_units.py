"""Official units: the current list, the former one, the lineage, registry codes, the archive."""

from __future__ import annotations

from collections import Counter

import pytest

from wardcrawler.portals.registry import RegistryError, load_wards
from wardcrawler.portals.units import (
    CURRENT,
    FORMER,
    ascii_name,
    became,
    current_of_province,
    current_units,
    find,
    former_units,
    names_agree,
    unit_problem,
)
from wardcrawler.store.archive import Archive
from wardcrawler.store.units import refresh_units

# FAMILIES.md section 6: 3,321 units since 1 July 2025 (2,621 xã, 687 phường, 13 đặc khu),
# 126 in Hà Nội; Long Biên's 14 wards became 4 (Long Biên, Bồ Đề, Việt Hưng, Phúc Lợi) plus
# parts of others.
LONG_BIEN_HEIRS = {"Phường Long Biên", "Phường Bồ Đề", "Phường Việt Hưng", "Phường Phúc Lợi"}


def test_the_current_list_is_the_official_one():
    units = current_units()
    assert len(units) == 3321
    assert Counter(u.kind for u in units.values()) == {"xã": 2621, "phường": 687, "đặc khu": 13}
    assert len(current_of_province("1")) == 126
    assert all(len(code) == 5 and code.isdigit() for code in units)
    assert units["00136"].name == "Phường Phúc Lợi"
    assert units["00136"].province == "Thành phố Hà Nội"


def test_long_bien_wards_became_its_four_wards_and_parts_of_others():
    long_bien = [u for u in former_units().values() if u.district == "Quận Long Biên"]
    assert len(long_bien) >= 13  # 14 in FAMILIES.md; Sài Đồng is not in the list of mid-2025
    heirs = {current_units()[c].name for u in long_bien for c in became(u.code)}
    assert heirs >= LONG_BIEN_HEIRS
    assert heirs - LONG_BIEN_HEIRS, "parts of others"
    assert all(became(u.code) for u in long_bien)


def test_a_split_ward_links_to_every_unit_it_went_to():
    (thach_ban,) = find("Phường Thạch Bàn", "Hà Nội", FORMER, "Quận Long Biên")
    assert len(became(thach_ban.code)) >= 2


def test_tone_placement_case_and_punctuation_do_not_tell_names_apart():
    assert names_agree("Xã Thuận Hoà", "Xã Thuận Hòa")
    assert names_agree("Xã Ea H'Leo", "Xã Ea H’leo")
    assert not names_agree("Xã Văn Lang", "Xã Văn Lăng")
    assert not names_agree("Xã Sơn Hà", "Xã Sơn Hạ")


def test_host_names_write_the_name_without_marks_or_type():
    assert ascii_name("Phường Phúc Lợi") == "phucloi"
    assert ascii_name("Xã Đông Anh") == "donganh"
    assert ascii_name("Đặc khu Côn Đảo") == "condao"


@pytest.mark.parametrize(
    ("code", "era", "name", "district", "words"),
    [
        ("00999", CURRENT, "Phường Phúc Lợi", None, "no current unit has code 00999"),
        ("00235", CURRENT, "Phường Phúc Lợi", None, "is Phường Đống Đa, not Phường Phúc Lợi"),
        ("136", CURRENT, "Phường Phúc Lợi", None, "5 digits"),
        ("00136", FORMER, "Phường Phúc Lợi", "Quận Ba Đình", "was in Quận Long Biên"),
    ],
)
def test_a_wrong_unit_code_is_explained(code, era, name, district, words):
    assert words in unit_problem(code, era, name, "Hà Nội", district)


def test_the_shipped_registry_codes_are_right():
    wards = {w.slug: w for w in load_wards()}
    assert wards["hanoi-phucloi"].code == "00136"
    assert wards["longbien-phucloi"].former_code == "00136"
    assert all(w.code or w.former_code for w in wards.values() if not w.slug.startswith("ngoquyen"))


def ward_toml(**keys: str) -> str:
    table = {"slug": "hanoi-phucloi", "name": "Phường Phúc Lợi", "province": "Hà Nội",
             "url": "http://phucloi.hanoi.gov.vn/", "family": "hanoi-portal", **keys}  # fmt: skip
    return "[[ward]]\n" + "".join(f'{k} = "{v}"\n' for k, v in table.items())


@pytest.mark.parametrize(
    ("keys", "key", "words"),
    [
        ({"code": "00137"}, "code", "no current unit has code 00137"),
        ({"code": "00235"}, "code", "Phường Đống Đa"),
        ({"former_code": "00136", "district": "Quận Hoàn Kiếm"}, "former_code", "Quận Long Biên"),
        ({"code": "00136", "former_code": "00136"}, "former_code", "not both"),
    ],
)
def test_a_registry_entry_with_a_wrong_code_fails_at_load(tmp_path, keys, key, words):
    path = tmp_path / "wards.toml"
    path.write_text(ward_toml(**keys), encoding="utf-8")
    with pytest.raises(RegistryError) as caught:
        load_wards(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ward hanoi-phucloi: key {key!r}: "), message
    assert words in message


def test_the_archive_holds_the_units_and_reads_articles_by_unit(tmp_path):
    archive = Archive(tmp_path / "a.db")
    db = archive.db
    assert db["units"].count == 3321
    assert not refresh_units(db), "the same package versions: nothing rewritten"
    wards = load_wards()
    for ward in wards:
        archive.save_ward(ward.row())
    former = {w.former_code for w in wards if w.former_code}
    assert {r["code"] for r in db.query("select code from former_units")} == former
    links = {(r["former_code"], r["unit_code"]) for r in db.query("select * from unit_lineage")}
    assert links == {(f, c) for f in former for c in became(f)}
    (row,) = db.query("select * from unit_coverage where code = '00136'")
    assert set(row["wards"].split(", ")) == {"hanoi-phucloi", "longbien-phucloi",
                                            "longbien-giangbien"}  # fmt: skip
    assert row["coverage"] == "portal, no articles"
    (hanoi,) = db.query("select * from province_coverage where province_code = '01'")
    assert hanoi["units"] == 126
    assert hanoi["with_portal"] + hanoi["without_portal"] == 126
    archive.close()
