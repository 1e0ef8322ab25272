"""TLS as gov.vn serves it: legacy servers are crawled (as a browser with a warning would),
modern ones still get TLS 1.3, and a handshake that cannot succeed is recorded with its reason.

Replica wards are served over TLS on 127.0.0.1 by servers set up like old government portals:
TLS 1.0 only with a 1024-bit RSA key and a SHA-1 certificate whose intermediate is not sent
(an incomplete chain); TLS 1.1 only with a self-signed 1024-bit SHA-1 certificate; a modern
server; and one offering only a cipher no client should accept.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
import time
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from OpenSSL import SSL

from tests.helpers import FAST, query, run_cli
from wardcrawler.crawler.tls import security_level, tls_failure_reason
from wardcrawler.replica import ReplicaServer
from wardcrawler.replica.server import ROUTERS

# Until the project's settings name it: the https handler that speaks legacy TLS.
LEGACY_TLS = [
    "-s",
    'DOWNLOAD_HANDLERS={"https": "wardcrawler.crawler.tls.LegacyTLSDownloadHandler"}',
]
SUBJECT = "/C=VN/O=UBND Phuong/CN=127.0.0.1"


def openssl(*args: str, cwd: Path) -> None:
    """Run the openssl command line."""
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory) -> Path:
    """Legacy and modern keys and certificates, made with the openssl command line."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command line is needed to make legacy certificates")
    folder = tmp_path_factory.mktemp("tls")
    (folder / "ca.ext").write_text("basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign\n")
    (folder / "leaf.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    new = ["req", "-nodes", "-days", "3650"]
    openssl(*new, "-x509", "-newkey", "rsa:2048", "-sha256", "-keyout", "root.key",
            "-out", "root.crt", "-subj", "/CN=Legacy Root", cwd=folder)  # fmt: skip
    openssl(*new, "-newkey", "rsa:1024", "-sha1", "-keyout", "int.key", "-out", "int.csr",
            "-subj", "/CN=Legacy Intermediate", cwd=folder)  # fmt: skip
    openssl("x509", "-req", "-in", "int.csr", "-CA", "root.crt", "-CAkey", "root.key",
            "-CAcreateserial", "-sha1", "-days", "3650", "-extfile", "ca.ext", "-out", "int.crt",
            cwd=folder)  # fmt: skip
    openssl(*new, "-newkey", "rsa:1024", "-sha1", "-keyout", "leaf.key", "-out", "leaf.csr",
            "-subj", SUBJECT, cwd=folder)  # fmt: skip
    openssl("x509", "-req", "-in", "leaf.csr", "-CA", "int.crt", "-CAkey", "int.key",
            "-CAcreateserial", "-sha1", "-days", "3650", "-extfile", "leaf.ext",
            "-out", "leaf.crt", cwd=folder)  # fmt: skip
    openssl(*new, "-x509", "-newkey", "rsa:1024", "-sha1", "-keyout", "self.key",
            "-out", "self.crt", "-subj", SUBJECT, cwd=folder)  # fmt: skip
    openssl(*new, "-x509", "-newkey", "rsa:2048", "-sha256", "-keyout", "modern.key",
            "-out", "modern.crt", "-subj", SUBJECT, "-addext", "subjectAltName=IP:127.0.0.1",
            cwd=folder)  # fmt: skip
    text = subprocess.run(["openssl", "x509", "-in", "leaf.crt", "-noout", "-text"], cwd=folder,
                          check=True, capture_output=True, text=True).stdout  # fmt: skip
    assert "sha1WithRSAEncryption" in text and "(1024 bit)" in text
    return folder


def server_context(folder: Path, name: str, versions: tuple, ciphers: str | None) -> ssl.SSLContext:
    """A server context limited to `versions` (ssl.TLSVersion names) and `ciphers`."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if ciphers:
        context.set_ciphers(ciphers)  # before the weak key is loaded: @SECLEVEL=0 allows it
    with warnings.catch_warnings():  # TLSv1 and TLSv1_1 are deprecated names: that is the point
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = getattr(ssl.TLSVersion, versions[0])
        context.maximum_version = getattr(ssl.TLSVersion, versions[-1])
    context.load_cert_chain(folder / f"{name}.crt", folder / f"{name}.key")
    return context


class WardHandler(BaseHTTPRequestHandler):
    """Serves a replica ward's pages (its routes and faults) over the server's TLS."""

    server: TLSWardServer

    def do_GET(self) -> None:
        site, replica = self.server.site, self.server.replica
        parts = urlsplit(self.path)
        with replica.content_lock:
            page = ROUTERS[site.family](site, parts.path, parse_qs(parts.query, True))
        page = replica.apply_fault(site, page)
        body = page.body.encode() if isinstance(page.body, str) else page.body
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(body)))
        if page.status == 503:
            self.send_header("Retry-After", "0")
        if page.location:
            self.send_header("Location", page.location)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args) -> None:  # noqa: A002
        """Quiet."""


class TLSWardServer(ThreadingHTTPServer):
    """One replica ward on https://127.0.0.1:PORT/, recording each handshake's outcome."""

    daemon_threads = True

    def __init__(self, site, replica: ReplicaServer, context: ssl.SSLContext) -> None:
        self.site, self.replica, self.context = site, replica, context
        self.versions: list[str] = []
        self.refused: list[str] = []
        super().__init__(("127.0.0.1", 0), WardHandler)
        site.url = f"https://127.0.0.1:{self.server_address[1]}/"

    def finish_request(self, request, client_address) -> None:
        try:
            connection = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            self.refused.append(str(exc))
            return
        self.versions.append(connection.version())
        try:
            super().finish_request(connection, client_address)
        finally:
            connection.close()

    def handle_error(self, request, client_address) -> None:
        """A client that goes away mid-answer is no error here."""


@pytest.fixture(scope="module")
def portals(certificates):
    """Four replica wards over TLS: two legacy, one modern, one that cannot be negotiated."""
    replica = ReplicaServer(seed=5, slow_seconds=0.1)
    sites = {site.slug: site for site in replica.wards}
    setups = {
        "replica-hanoi-phucloi": ("leaf", ("TLSv1",), "DEFAULT:@SECLEVEL=0"),
        "replica-dongda": ("self", ("TLSv1_1",), "DEFAULT:@SECLEVEL=0"),
        "replica-lacvien": ("modern", ("TLSv1_2", "TLSv1_3"), None),
        "replica-leloi": ("leaf", ("TLSv1", "TLSv1_2"), "NULL-SHA:@SECLEVEL=0"),
    }
    servers = {}
    for slug, (name, versions, ciphers) in setups.items():
        context = server_context(certificates, name, versions, ciphers)
        servers[slug] = TLSWardServer(sites[slug], replica, context)
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.05},
                                daemon=True) for s in servers.values()]  # fmt: skip
    for thread in threads:
        thread.start()
    yield replica, servers
    for server in servers.values():
        server.shutdown()
        server.server_close()
    for thread in threads:
        thread.join()


def registry(replica: ReplicaServer, slugs: list[str], folder: Path) -> Path:
    """A registry file of some replica wards (at their https URLs)."""
    path = folder / "wards.toml"
    wanted = [site for site in replica.wards if site.slug in slugs]
    blocks = ["[[ward]]\n" + "".join(f"{key} = {toml(value)}\n"
              for key, value in site.registry().items()) for site in wanted]  # fmt: skip
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def toml(value) -> str:
    """A TOML string or list of strings."""
    if isinstance(value, list):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_the_servers_really_are_legacy(portals):
    """OpenSSL's defaults (what Scrapy uses without the legacy handler) refuse them."""
    replica, servers = portals
    for slug in ("replica-hanoi-phucloi", "replica-dongda"):
        server = servers[slug]
        refused = len(server.refused)
        with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=10) as raw:
            client = SSL.Connection(SSL.Context(SSL.TLS_METHOD), raw)
            client.set_connect_state()
            with pytest.raises(SSL.Error):
                client.do_handshake()
        deadline = time.monotonic() + 10
        while len(server.refused) == refused and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "unsupported protocol" in server.refused[refused:][0].lower(), server.refused


def test_legacy_portals_are_crawled_and_modern_ones_still_get_tls_1_3(portals, tmp_path):
    replica, servers = portals
    slugs = ["replica-hanoi-phucloi", "replica-dongda", "replica-lacvien"]
    wards = registry(replica, slugs, tmp_path)
    db = tmp_path / "wards.db"
    result = run_cli("crawl", "--wards", str(wards), "--db", str(db), *FAST, *LEGACY_TLS)
    assert result.returncode == 0, result.stderr
    truth = replica.ground_truth()["articles"]
    for slug in slugs:
        expected = {(a["key"], a["title"], a["body"]) for a in truth if a["ward"] == slug}
        rows = query(db, "select article_key, title, body from articles where ward = ?", (slug,))
        stored = {(r["article_key"], r["title"], r["body"]) for r in rows}
        assert expected and stored == expected, slug
    assert set(servers["replica-hanoi-phucloi"].versions) == {"TLSv1"}
    assert set(servers["replica-dongda"].versions) == {"TLSv1.1"}
    assert set(servers["replica-lacvien"].versions) == {"TLSv1.3"}
    assert query(db, "select count(*) n from fetch_errors where reason like 'TLS%'") == [{"n": 0}]


def test_a_handshake_that_cannot_succeed_is_recorded_with_its_reason(portals, tmp_path):
    replica, servers = portals
    wards = registry(replica, ["replica-leloi"], tmp_path)
    db = tmp_path / "wards.db"
    result = run_cli("crawl", "--wards", str(wards), "--db", str(db), *FAST, *LEGACY_TLS)
    assert result.returncode == 3, result.stderr  # the ward yielded nothing: reported broken
    assert "broken ward replica-leloi" in result.stderr
    errors = query(db, "select url, reason from fetch_errors where ward = 'replica-leloi'")
    site_url = servers["replica-leloi"].site.url
    assert errors and all(e["url"].startswith(site_url) for e in errors)
    for error in errors:
        assert error["reason"].startswith("TLS handshake failed"), error
        assert "handshake failure" in error["reason"], error
    assert servers["replica-leloi"].refused and not servers["replica-leloi"].versions
    assert query(db, "select count(*) n from articles") == [{"n": 0}]


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("[<twisted.python.failure.Failure OpenSSL.SSL.Error: [('SSL routines', '', "
         "'tlsv1 alert protocol version')]>]",
         "TLS handshake failed: no TLS version in common with the portal "
         "(tlsv1 alert protocol version)"),
        ("[<twisted.python.failure.Failure OpenSSL.SSL.Error: [('SSL routines', '', "
         "'tls alert handshake failure')]>]",
         "TLS handshake failed: no cipher in common with the portal "
         "(tls alert handshake failure)"),
        ("[('SSL routines', '', 'wrong version number')]",
         "TLS handshake failed: the portal does not speak TLS on this port "
         "(wrong version number)"),
        ("[<twisted.python.failure.Failure OpenSSL.SSL.SysCallError: (-1, 'Unexpected EOF')>]",
         "TLS handshake failed: OpenSSL.SSL.SysCallError: (-1, 'Unexpected EOF')"),
        ("something new", "TLS handshake failed: something new"),
    ],
)  # fmt: skip
def test_handshake_failures_read_as_sentences(message, reason):
    assert tls_failure_reason(message) == reason


def test_the_security_level_comes_from_the_cipher_string():
    assert security_level("DEFAULT:@SECLEVEL=2") == 2
    assert security_level("DEFAULT") == 0
    assert security_level(None) == 0
