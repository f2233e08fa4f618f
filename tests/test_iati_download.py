"""`coopgraph import-iati URL`: an IATI file over HTTP, from a server the test starts on loopback.

Each route of the server is one way a download goes right or wrong; every
wrong one must end in a clear message, exit code 2 and an unchanged store.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from coopgraph.cli.main import cli
from coopgraph.core.iati import IatiError, Timeouts, download_iati, is_url

FIXTURE = Path(__file__).parent / "fixtures" / "iati" / "loja-activities.xml"
GOOD = FIXTURE.read_bytes()
Route = Callable[[BaseHTTPRequestHandler], None]


def send(status: int, body: bytes, content_type: str | None = "application/xml", **headers: str) -> Route:
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        if content_type:
            handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)

    return route


def endless(handler: BaseHTTPRequestHandler) -> None:
    """A body with no Content-Length that never ends: only the size cap stops it."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/xml")
    handler.end_headers()
    handler.wfile.write(b'<iati-activities version="2.03">')
    try:
        while True:
            handler.wfile.write(b"<!-- padding -->" * 1024)
    except OSError:
        pass


def stalls(handler: BaseHTTPRequestHandler) -> None:
    """Headers and the first bytes, then silence longer than the client's read timeout."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/xml")
    handler.send_header("Content-Length", str(len(GOOD)))
    handler.end_headers()
    handler.wfile.write(GOOD[:100])
    handler.wfile.flush()
    time.sleep(3)


ROUTES: dict[str, Route] = {
    "/good.xml": send(200, GOOD),
    "/plain.xml": send(200, GOOD, content_type="text/plain; charset=utf-8"),
    "/big.xml": send(200, GOOD),
    "/endless.xml": endless,
    "/slow.xml": stalls,
    "/page.html": send(200, b"<!doctype html><html><body>Not found</body></html>", content_type="text/html"),
    "/data.json": send(200, b'{"activities": []}', content_type="application/octet-stream"),
    "/unsafe.xml": send(200, b'<!DOCTYPE a [<!ENTITY x "y">]>\n<iati-activities version="2.03">&x;</iati-activities>'),
    "/moved": send(302, b"", Location="/good.xml"),
    "/to-ftp": send(302, b"", Location="ftp://127.0.0.1/good.xml"),
    "/to-file": send(301, b"", Location="file:///etc/passwd"),
    "/loop": send(302, b"", Location="/loop"),
}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        route = ROUTES.get(self.path)
        if route is None:
            send(404, b"not here", content_type="text/plain")(self)
        else:
            route(self)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def refused(url: str, kind: str, **options: object) -> IatiError:
    with pytest.raises(IatiError) as caught:
        download_iati(url, **options)  # type: ignore[arg-type]
    assert caught.value.kinds == {kind}, caught.value.text("en")
    assert caught.value.text("es") and caught.value.text("en").startswith(url)
    return caught.value


def test_a_file_is_downloaded_whole(server: str) -> None:
    assert download_iati(f"{server}/good.xml") == GOOD
    assert download_iati(f"{server}/plain.xml") == GOOD


def test_redirects_to_http_are_followed(server: str) -> None:
    assert download_iati(f"{server}/moved") == GOOD


@pytest.mark.parametrize(("path", "scheme"), [("/to-ftp", "ftp"), ("/to-file", "file")])
def test_redirects_to_other_schemes_are_refused(server: str, path: str, scheme: str) -> None:
    error = refused(f"{server}{path}", "download")
    assert f"not {scheme!r}" in error.text("en")


def test_a_redirect_loop_ends(server: str) -> None:
    assert "redirects" in refused(f"{server}/loop", "download").text("en")


def test_a_declared_size_past_the_cap_is_refused_unread(server: str) -> None:
    error = refused(f"{server}/big.xml", "oversize", max_bytes=1000)
    assert f"the file has {len(GOOD)} bytes; the limit is 1000" in error.text("en")


def test_a_body_without_length_is_cut_at_the_cap(server: str) -> None:
    started = time.monotonic()
    error = refused(f"{server}/endless.xml", "oversize", max_bytes=200_000)
    assert "more than 200000 bytes" in error.text("en")
    assert time.monotonic() - started < 10


def test_404_is_named(server: str) -> None:
    assert "HTTP 404" in refused(f"{server}/missing.xml", "download").text("en")


def test_a_server_that_stops_sending_times_out(server: str) -> None:
    started = time.monotonic()
    error = refused(f"{server}/slow.xml", "download", timeouts=Timeouts(read=0.5))
    assert "stopped sending" in error.text("en")
    assert time.monotonic() - started < 2.5, "the read timeout did not apply"


def test_nobody_listening_is_a_clear_error() -> None:
    error = refused("http://127.0.0.1:9/iati.xml", "download")
    assert "could not download" in error.text("en")


@pytest.mark.parametrize(("path", "says"), [("/page.html", "text/html, not XML"), ("/data.json", "is not XML")])
def test_what_is_not_xml_is_refused(server: str, path: str, says: str) -> None:
    assert says in refused(f"{server}{path}", "download").text("en")


def test_urls_and_file_names_are_told_apart() -> None:
    assert is_url("http://example.org/a.xml") and is_url("HTTPS://example.org/a.xml")
    assert not is_url("activities.xml") and not is_url("http.xml") and not is_url("C:/data/a.xml")


# ---------------------------------------------------------------- the command line


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["--memory", "import-iati", *args, "--province", "EC-L", "--lang", "en"])


def test_cli_imports_from_a_url(server: str) -> None:
    result = run(f"{server}/good.xml")
    assert result.exit_code == 0, result.output
    assert "imported 2 activities, replaced 0" in result.stdout
    assert f"from {server}/good.xml" in result.stdout


@pytest.mark.parametrize(
    ("path", "options", "says"),
    [
        ("/missing.xml", [], "the server answered HTTP 404"),
        ("/big.xml", ["--max-bytes", "1000"], "the limit is 1000"),
        ("/slow.xml", ["--timeout", "0.5"], "the server stopped sending data"),
        ("/page.html", [], "not XML"),
        ("/to-ftp", [], "only http and https"),
        ("/unsafe.xml", [], "DOCTYPE or ENTITY"),
    ],
    ids=["404", "oversize", "timeout", "html", "redirect-ftp", "doctype"],
)
def test_cli_refuses_bad_downloads_clearly(server: str, path: str, options: list[str], says: str) -> None:
    result = run(f"{server}{path}", *options)
    assert result.exit_code == 2, result.output
    stderr = result.stderr
    assert f"{server}{path}" in stderr and says in stderr, stderr
    assert "nothing imported" in stderr and "Traceback" not in stderr


def test_cli_names_a_missing_file_as_neither_file_nor_url(tmp_path: Path) -> None:
    result = run(str(tmp_path / "nothing.xml"))
    assert result.exit_code == 2
    assert "neither a file nor an http(s) URL" in result.stderr
