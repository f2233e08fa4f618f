"""Downloading an IATI file over HTTP(S) for `import-iati URL`: capped, timed, and refused early when wrong.

Why not `urllib.request`: it follows redirects to `ftp:`, has one timeout
for everything, and honours proxy variables. Here, with `http.client`:

- only `http` and `https` URLs, and redirects (at most `MAX_REDIRECTS`) only
  to them;
- a connect timeout, a timeout for each read, and a deadline for the whole
  download, so a server that trickles bytes cannot hold the command;
- the body is read in chunks and refused as soon as it passes `max_bytes`
  (or at once, when `Content-Length` says so);
- a body that is plainly not XML (a declared HTML or JSON type, or text that
  does not start with `<`) is refused with what the server sent.

What comes back is bytes for `import_iati`, whose XML reading refuses
DOCTYPE and ENTITY declarations as for a file. Every problem is an
`IatiError` of kind `download` (or `oversize`).

    >>> download_iati("ftp://example.org/a.xml")
    Traceback (most recent call last):
    ...
    coopgraph.core.iati.errors.IatiError: ftp://example.org/a.xml: only http and https URLs can be downloaded, not 'ftp'
"""

from __future__ import annotations

import http.client
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from coopgraph.core.iati.errors import IatiError, Problem
from coopgraph.core.iati.xmltree import DEFAULT_MAX_BYTES
from coopgraph.core.vocab import Text

SCHEMES = ("http", "https")
MAX_REDIRECTS = 5
CHUNK = 1 << 16
_XML_TYPES = ("application/xml", "text/xml", "application/octet-stream", "text/plain")
"""Content types an IATI file is served with (octet-stream and plain text by raw file hosts)."""


@dataclass(frozen=True)
class Timeouts:
    """Seconds to connect, to wait for each read, and for the whole download."""

    connect: float = 10.0
    read: float = 30.0
    total: float = 300.0


def is_url(text: str) -> bool:
    """Whether a command-line argument is a URL to download rather than a file name."""
    return urlsplit(text).scheme.lower() in SCHEMES and "://" in text


def download_iati(url: str, *, max_bytes: int = DEFAULT_MAX_BYTES, timeouts: Timeouts | None = None) -> bytes:
    """The body of `url`, following redirects to http(s) only; `IatiError` on any problem."""
    timeouts = timeouts or Timeouts()
    deadline = time.monotonic() + timeouts.total
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        _check_scheme(url, current)
        response, connection = _request(url, current, timeouts)
        try:
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise _error(
                        url,
                        f"el servidor redirige (HTTP {response.status}) sin decir adónde",
                        f"the server redirects (HTTP {response.status}) without saying where",
                    )
                current = urljoin(current, location)
                continue
            if response.status != 200:
                raise _error(
                    url,
                    f"el servidor respondió HTTP {response.status} {response.reason}",
                    f"the server answered HTTP {response.status} {response.reason}",
                )
            _check_type(url, response.getheader("Content-Type"))
            return _read_body(url, response, max_bytes=max_bytes, deadline=deadline)
        finally:
            response.close()  # a response read to its end without a length is no longer the connection's
            connection.close()
    raise _error(url, f"más de {MAX_REDIRECTS} redirecciones", f"more than {MAX_REDIRECTS} redirects")


def _check_scheme(url: str, current: str) -> None:
    scheme = urlsplit(current).scheme.lower()
    if scheme not in SCHEMES:
        where = "" if current == url else f" ({current})"
        raise _error(
            url,
            f"solo se descargan URL http y https, no {scheme!r}{where}",
            f"only http and https URLs can be downloaded, not {scheme!r}{where}",
        )


def _request(url: str, current: str, timeouts: Timeouts) -> tuple[http.client.HTTPResponse, http.client.HTTPConnection]:
    parts = urlsplit(current)
    if not parts.hostname:
        raise _error(url, f"{current!r} no nombra un servidor", f"{current!r} names no server")
    connection: http.client.HTTPConnection
    if parts.scheme.lower() == "https":
        connection = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=timeouts.connect, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeouts.connect)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.connect()
        if connection.sock is not None:
            connection.sock.settimeout(timeouts.read)
        connection.request("GET", path, headers={"Accept": "application/xml, text/xml;q=0.9, */*;q=0.1"})
        return connection.getresponse(), connection
    except TimeoutError:
        connection.close()
        raise _error(url, "el servidor no respondió a tiempo", "the server did not answer in time") from None
    except (OSError, http.client.HTTPException) as error:
        connection.close()
        raise _error(url, f"no se pudo descargar: {error}", f"could not download: {error}") from None


def _check_type(url: str, content_type: str | None) -> None:
    if content_type is None:
        return
    media = content_type.split(";", 1)[0].strip().lower()
    if media in _XML_TYPES or media.endswith("+xml"):
        return
    raise _error(
        url,
        f"el servidor envía {media}, no XML",
        f"the server sends {media}, not XML",
    )


def _read_body(url: str, response: http.client.HTTPResponse, *, max_bytes: int, deadline: float) -> bytes:
    declared = response.getheader("Content-Length")
    if declared is not None and declared.strip().isdigit() and int(declared) > max_bytes:
        raise _oversize(url, int(declared), max_bytes)
    chunks: list[bytes] = []
    size = 0
    try:
        while chunk := response.read1(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise _oversize(url, size, max_bytes, more=True)
            if time.monotonic() > deadline:
                raise _error(url, "la descarga tarda demasiado", "the download takes too long")
            chunks.append(chunk)
    except TimeoutError:
        raise _error(url, "el servidor dejó de enviar datos", "the server stopped sending data") from None
    except (OSError, http.client.HTTPException) as error:
        raise _error(url, f"la descarga se cortó: {error}", f"the download broke off: {error}") from None
    body = b"".join(chunks)
    start = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if start != b"<" and not body.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _error(url, "lo descargado no es XML", "what was downloaded is not XML")
    return body


def _oversize(url: str, size: int, limit: int, *, more: bool = False) -> IatiError:
    es_size = f"más de {limit}" if more else str(size)
    en_size = f"more than {limit}" if more else str(size)
    return IatiError(
        [
            Problem(
                "oversize",
                Text(
                    es=f"el archivo tiene {es_size} bytes; el máximo es {limit} (--max-bytes)",
                    en=f"the file has {en_size} bytes; the limit is {limit} (--max-bytes)",
                ),
            )
        ],
        file=url,
    )


def _error(url: str, es: str, en: str) -> IatiError:
    return IatiError([Problem("download", Text(es=es, en=en))], file=url)
