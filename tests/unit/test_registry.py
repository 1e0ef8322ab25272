"""Registry loading: the shipped file is valid; bad entries name the file, ward and key."""

import pytest

from wardcrawler.portals.registry import RegistryError, load_wards

GOOD = """
[[ward]]
slug = "longbien-phucloi"
name = "Phường Phúc Lợi"
province = "Hà Nội"
district = "Quận Long Biên"
url = "http://phucloi.longbien.hanoi.gov.vn/"
family = "liferay-asset-publisher"
categories = ["tin-moi-nhat"]
"""


def write(tmp_path, text):
    path = tmp_path / "wards.toml"
    path.write_text(text, encoding="utf-8")
    return path


# FAMILIES.md names real hosts only for these; the section-4 families and `generic` have
# replica wards (tests/unit/test_replica.py) but no portal known well enough to ship.
SHIPPED_FAMILIES = {"liferay-asset-publisher", "hanoi-portal", "liferay-view-content"}


def test_shipped_registry_loads_and_covers_every_family_with_known_portals():
    wards = load_wards()
    assert {w.family_key for w in wards} == SHIPPED_FAMILIES
    assert len({w.slug for w in wards}) == len(wards)
    phucloi = next(w for w in wards if w.slug == "longbien-phucloi")
    assert phucloi.categories[0] == "tin-moi-nhat"
    assert "phucloi.longbien.gov.vn" in phucloi.netlocs


def test_good_registry(tmp_path):
    (ward,) = load_wards(write(tmp_path, GOOD))
    assert ward.name == "Phường Phúc Lợi"
    assert ward.family.key == "liferay-asset-publisher"
    assert ward.row()["district"] == "Quận Long Biên"


@pytest.mark.parametrize(
    ("change", "ward", "key", "message"),
    [
        (('family = "liferay-asset-publisher"', 'family = "wordpress"'), "longbien-phucloi",
         "family", "unknown family"),
        (('name = "Phường Phúc Lợi"\n', ""), "longbien-phucloi", "name", "missing"),
        (('url = "http://phucloi.longbien.hanoi.gov.vn/"', 'url = "phucloi.gov.vn"'),
         "longbien-phucloi", "url", "not an http(s) URL"),
        (('slug = "longbien-phucloi"', 'slug = "Long Biên"'), "Long Biên", "slug", "lowercase"),
        (('categories = ["tin-moi-nhat"]', "categories = []"), "longbien-phucloi",
         "categories", "must not be empty"),
        (('categories = ["tin-moi-nhat"]', 'categorys = ["x"]'), "longbien-phucloi",
         "categorys", "unknown key"),
    ],
)  # fmt: skip
def test_bad_entry_names_file_ward_and_key(tmp_path, change, ward, key, message):
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(RegistryError) as error:
        load_wards(path)
    text = str(error.value)
    assert str(path) in text and f"ward {ward}" in text and repr(key) in text
    assert message in text


def test_duplicate_slug(tmp_path):
    path = write(tmp_path, GOOD + GOOD.replace("Phường Phúc Lợi", "Phúc Lợi 2"))
    with pytest.raises(RegistryError, match="ward longbien-phucloi: key 'slug': duplicate"):
        load_wards(path)


def test_broken_toml_names_the_file(tmp_path):
    path = write(tmp_path, "[[ward]\nslug=")
    with pytest.raises(RegistryError, match=str(path)):
        load_wards(path)


def test_aliases_are_hosts(tmp_path):
    (ward,) = load_wards(write(tmp_path, GOOD + 'aliases = ["WWW.PhucLoi.LongBien.gov.vn"]\n'))
    assert "phucloi.longbien.gov.vn" in ward.netlocs
    path = write(tmp_path, GOOD + 'aliases = ["http://phucloi.longbien.gov.vn/"]\n')
    with pytest.raises(RegistryError, match="key 'aliases': not a host name"):
        load_wards(path)
