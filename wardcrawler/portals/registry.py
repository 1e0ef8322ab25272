"""The ward registry: TOML `[[ward]]` tables, loaded and validated into `Ward` objects."""

from __future__ import annotations

import ipaddress
import re
import tomllib
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from wardcrawler.portals.families import FAMILIES, Family
from wardcrawler.portals.units import CURRENT, FORMER, official_province, unit_problem

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LABEL_RE = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
UNSAFE_RE = re.compile(r"[\x00-\x1f\x7f\\]")  # control characters, backslashes
REQUIRED = ("slug", "name", "province", "url", "family")
OPTIONAL = ("district", "categories", "aliases", "code", "former_code")


class RegistryError(ValueError):
    """A registry file that cannot be used; the message names the file, the ward and the key."""

    def __init__(self, path: Path | str, ward: str, key: str, problem: str) -> None:
        super().__init__(f"{path}: ward {ward}: key {key!r}: {problem}")
        self.path, self.ward, self.key = str(path), ward, key


@dataclass(frozen=True)
class Ward:
    """One ward portal of the registry."""

    slug: str
    name: str
    province: str
    url: str
    family_key: str
    district: str | None = None
    categories: tuple[str, ...] | None = None
    aliases: tuple[str, ...] = ()
    code: str | None = None  # official code of the current unit the portal serves
    former_code: str | None = None  # or of the pre-2025 unit it served

    @property
    def family(self) -> Family:
        """The portal family of this ward."""
        return FAMILIES[self.family_key]

    @property
    def netlocs(self) -> frozenset[str]:
        """Host[:port] values that belong to this ward's own site: its URL's, and its aliases'
        (an alias without a port also at the URL's port)."""
        own = netloc_of(self.url)
        port = own.partition(":")[2]
        aliases = {netloc_of(f"http://{a}") for a in self.aliases}
        at_port = {f"{a}:{port}" for a in aliases if port and ":" not in a}
        return frozenset({own, *aliases, *at_port})

    def row(self) -> dict[str, str | None]:
        """The `wards` table row."""
        return {
            "slug": self.slug,
            "name": self.name,
            "province": self.province,
            "district": self.district,
            "url": self.url,
            "family": self.family_key,
            "unit_code": self.code,
            "former_unit_code": self.former_code,
            "province_code": official_province(self.code, self.former_code),
        }


def registry_text(entries: list[dict], header: str = "") -> str:
    """Registry entries (dicts of strings and lists of strings) as `[[ward]]` tables."""
    blocks = [f"# {header}"] if header else []
    for entry in entries:
        blocks.append("\n".join(["[[ward]]", *(f"{k} = {_toml(v)}" for k, v in entry.items())]))
    return "\n\n".join(blocks) + "\n"


def _toml(value: object) -> str:
    """A TOML value (strings and lists of strings)."""
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def netloc_of(url: str) -> str:
    """Lowercase host[:port] of a URL, without default ports or `www.`.

    A port that is no number or out of range (a link can hold anything) is kept as written: the
    result then matches no ward's site, instead of raising.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    try:
        port = parts.port
    except ValueError:
        return f"{host}:{parts.netloc.rpartition(':')[2]}"
    if port and port not in (80, 443):
        return f"{host}:{port}"
    return host


def default_registry_path() -> Path:
    """The registry shipped in the package."""
    return Path(str(resources.files("wardcrawler.portals").joinpath("wards.toml")))


def load_wards(path: Path | str | None = None) -> list[Ward]:
    """Load and validate a registry file (the shipped one by default)."""
    path = Path(path) if path else default_registry_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RegistryError(path, "-", "-", f"cannot read registry: {exc}") from exc
    tables = data.get("ward")
    if not isinstance(tables, list) or not tables:
        raise RegistryError(path, "-", "ward", "no [[ward]] tables")
    wards: list[Ward] = []
    seen: set[str] = set()
    for index, table in enumerate(tables, start=1):
        ward = _parse_ward(path, index, table)
        if ward.slug in seen:
            raise RegistryError(path, ward.slug, "slug", "duplicate slug")
        seen.add(ward.slug)
        wards.append(ward)
    return wards


def _parse_ward(path: Path, index: int, table: dict) -> Ward:
    """Validate one `[[ward]]` table."""
    label = str(table.get("slug") or f"#{index}")

    def fail(key: str, problem: str) -> RegistryError:
        return RegistryError(path, label, key, problem)

    for key in table:
        if key not in REQUIRED + OPTIONAL:
            raise fail(key, f"unknown key (allowed: {', '.join(REQUIRED + OPTIONAL)})")
    for key in REQUIRED + ("district", "code", "former_code"):
        value = table.get(key)
        if key in table and (not isinstance(value, str) or not value.strip()):
            raise fail(key, "must be a non-empty string")
        if key in REQUIRED and key not in table:
            raise fail(key, "missing")
    if not SLUG_RE.match(table["slug"]):
        raise fail("slug", "must be lowercase ASCII words joined by hyphens")
    if table["family"] not in FAMILIES:
        raise fail("family", f"unknown family {table['family']!r} (known: {', '.join(FAMILIES)})")
    problem = url_problem(table["url"])
    if problem:
        raise fail("url", f"{problem}: {table['url']!r}")
    ward = Ward(
        slug=table["slug"],
        name=table["name"],
        province=table["province"],
        url=table["url"],
        family_key=table["family"],
        district=table.get("district"),
        aliases=_aliases(table, fail),
        code=table.get("code"),
        former_code=table.get("former_code"),
    )
    if ward.code and ward.former_code:
        raise fail("former_code", "give `code` (a current unit) or `former_code`, not both")
    for key, code, era in (("code", ward.code, CURRENT), ("former_code", ward.former_code, FORMER)):
        problem = unit_problem(code, era, ward.name, ward.province, ward.district) if code else None
        if problem:
            raise fail(key, problem)
    categories = _string_list(table, "categories", fail)
    for category in categories or ():
        problem = category_problem(ward, category)
        if problem:
            raise fail("categories", f"{problem}: {category!r}")
    return replace(ward, categories=categories)


def _aliases(table: dict, fail) -> tuple[str, ...]:
    """Other host names of the site: bare `host[:port]` values, lowercase."""
    aliases = tuple(a.lower() for a in _string_list(table, "aliases", fail) or ())
    for alias in aliases:
        if "/" in alias or "@" in alias:
            raise fail("aliases", f"not a host name: {alias!r} (write it without scheme or path)")
        problem = host_problem(alias)
        if problem:
            raise fail("aliases", f"not a host name: {alias!r}: {problem}")
    return aliases


def _string_list(table: dict, key: str, fail) -> tuple[str, ...] | None:
    """An optional list of non-empty strings."""
    if key not in table:
        return None
    value = table[key]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise fail(key, "must be a list of non-empty strings")
    if not value:
        raise fail(key, "must not be empty (omit it to discover categories)")
    return tuple(v.strip() for v in value)


# --- values that cannot work: reported at load, not when the crawl reaches them -------------


def host_problem(netloc: str) -> str | None:
    """What is wrong with a `host[:port]` (None when it is usable)."""
    host, colon, port = netloc.rpartition(":") if not netloc.endswith("]") else (netloc, "", "")
    host = host if colon else netloc
    if colon and port and not (port.isdigit() and 0 < int(port) < 65536):
        return f"port {port!r} is not a number from 1 to 65535"
    if host.startswith("[") and host.endswith("]"):
        return None if _is_ip(host[1:-1], 6) else "not an IPv6 address"
    try:
        ascii_host = host.lower().encode("idna").decode("ascii")
    except UnicodeError:
        return "a host name holds labels of 1 to 63 letters, digits or hyphens, joined by dots"
    labels = ascii_host.split(".")
    if len(ascii_host) > 253 or not all(LABEL_RE.match(label) for label in labels):
        return "a host name holds labels of 1 to 63 letters, digits or hyphens, joined by dots"
    if all(label.isdigit() for label in labels) and not _is_ip(ascii_host, 4):
        return "not a valid IPv4 address"
    return None


def _is_ip(text: str, version: int) -> bool:
    try:
        return ipaddress.ip_address(text).version == version
    except ValueError:
        return False


def url_problem(url: str) -> str | None:
    """What is wrong with a ward's URL (None when it is usable)."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return "not an http(s) URL"
    if UNSAFE_RE.search(url):
        return "not an http(s) URL (control characters or backslashes)"
    problem = host_problem(parts.netloc.rpartition("@")[2])
    return f"not an http(s) URL: {problem}" if problem else None


def category_problem(ward: Ward, path: str) -> str | None:
    """What is wrong with a category page path of a ward (None when it stays on its site)."""
    if UNSAFE_RE.search(path):
        return "not a URL path (control characters or backslashes)"
    parts = urlsplit(path)
    if parts.scheme and parts.scheme.lower() not in ("http", "https"):
        return f"not an http(s) page of the ward's site (scheme {parts.scheme!r})"
    url = urljoin(ward.url if ward.url.endswith("/") else ward.url + "/", path)  # category_url
    problem = url_problem(url) if parts.scheme or path.startswith("//") else None
    if problem:
        return problem
    base = "" if parts.scheme or path.startswith("/") else urlsplit(ward.url).path  # a folder
    if _climbs_above_root(base, parts.path):
        return "climbs above the site's root with '..'"
    if netloc_of(url) not in ward.netlocs:
        return "a page of another site (only the ward's URL host and aliases are crawled)"
    return None


def _climbs_above_root(base_dir: str, path: str) -> bool:
    """Whether `..` segments of `path`, read from the folder `base_dir`, go above `/`."""
    depth = 0
    for segment in [*base_dir.split("/"), *unquote(path).split("/")]:
        if segment == "..":
            depth -= 1
            if depth < 0:
                return True
        elif segment not in ("", "."):
            depth += 1
    return False
