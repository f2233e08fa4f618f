"""Talking to a SPARQL engine over HTTP, and naming its failures.

Queries and updates go through SPARQLWrapper (SPARQL 1.1 Protocol, POST,
form-encoded); the Graph Store Protocol, which SPARQLWrapper lacks, through
urllib. Every failure becomes an `EngineError` that names the engine and says
what happened, so a service can answer 502/503 (`EngineUnavailable`), 504
(`EngineTimeout`) or pass the engine's refusal on. Credentials come from the
environment and are sent as HTTP Basic; no message carries them (the engine's
own error text is scrubbed of them too). Digest authentication is not offered:
SPARQLWrapper implements it by installing a process-wide urllib opener.
"""

from __future__ import annotations

import ast
import base64
import contextlib
import http.client
import os
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from SPARQLWrapper import BASIC, INSERT, POST, SELECT, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    SPARQLWrapperException,
    Unauthorized,
    URITooLong,
)

from coopgraph.core.store.protocol import EngineError, EngineTimeout, EngineUnavailable

USER_ENV = "COOPGRAPH_STORE_USER"
PASSWORD_ENV = "COOPGRAPH_STORE_PASSWORD"
AGENT = "coopgraph (SPARQLWrapper)"
_STATUS_OF = {
    QueryBadFormed: 400,
    Unauthorized: 401,
    EndPointNotFound: 404,
    URITooLong: 414,
    EndPointInternalError: 500,
}
_MOST_ENGINE_TEXT = 300


@dataclass(frozen=True)
class Credentials:
    """A user and password for HTTP Basic; the password never shows in a repr."""

    user: str
    password: str = field(repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Credentials | None:
        """From COOPGRAPH_STORE_USER and COOPGRAPH_STORE_PASSWORD; None when neither is set."""
        env = os.environ if environ is None else environ
        user, password = env.get(USER_ENV, ""), env.get(PASSWORD_ENV, "")
        if not user and not password:
            return None
        if not user or not password:
            missing = USER_ENV if not user else PASSWORD_ENV
            raise ValueError(f"{missing} is not set: give both {USER_ENV} and {PASSWORD_ENV}, or neither")
        return cls(user, password)

    def secrets(self) -> list[str]:
        """Every form in which the password could leak into text: itself and the Basic header's token."""
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        return [self.password, token]


def endpoint_url(url: str, *, role: str) -> str:
    """`url` if it is an http(s) URL without credentials in it; ValueError (not repeating it) otherwise."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"the {role} URL carries a user or password: give them in {USER_ENV} and {PASSWORD_ENV}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"the {role} URL must be http:// or https:// with a host, not {url!r}")
    if parts.fragment:
        raise ValueError(f"the {role} URL must not have a #fragment: {url!r}")
    return url


@dataclass(frozen=True)
class Reply:
    """An engine's answer: its body and media type (without parameters)."""

    body: bytes
    media_type: str


class Engine:
    """One SPARQL engine: its query, update and (optional) Graph Store Protocol URLs, a timeout, credentials."""

    def __init__(
        self,
        *,
        query_url: str,
        update_url: str,
        gsp_url: str | None = None,
        credentials: Credentials | None = None,
        timeout: float = 30.0,
        name: str | None = None,
    ) -> None:
        if timeout <= 0:
            raise ValueError(f"the engine timeout must be positive, not {timeout}")
        self.query_url = endpoint_url(query_url, role="query")
        self.update_url = endpoint_url(update_url, role="update")
        self.gsp_url = endpoint_url(gsp_url, role="graph store") if gsp_url else None
        self.credentials, self.timeout = credentials, timeout
        self.name = name or f"the SPARQL engine at {urllib.parse.urlsplit(query_url).netloc}"

    def query(self, sparql: str, *, accept: str, params: Sequence[tuple[str, str]] = ()) -> Reply:
        """POST a query; `params` are protocol parameters (default-graph-uri, named-graph-uri)."""
        wrapper = self._wrapper(sparql, update=False)
        wrapper.addCustomHttpHeader("Accept", accept)
        for name, value in params:
            wrapper.addParameter(name, value)
        return self._send(wrapper)

    def update(self, sparql: str) -> None:
        """POST an update; the engine applies it as one request (Oxigraph, Fuseki: one transaction)."""
        self._send(self._wrapper(sparql, update=True))

    def graph_store(
        self, method: str, graph: str, *, body: bytes | None = None, content_type: str | None = None, accept: str = ""
    ) -> Reply | None:
        """One Graph Store Protocol request on `graph`; None when the graph does not exist (404 on GET)."""
        if self.gsp_url is None:
            raise ValueError("no Graph Store Protocol URL is configured")
        separator = "&" if urllib.parse.urlsplit(self.gsp_url).query else "?"
        url = f"{self.gsp_url}{separator}{urllib.parse.urlencode({'graph': graph})}"
        request = urllib.request.Request(url, data=body, method=method)
        request.add_header("User-Agent", AGENT)
        if content_type:
            request.add_header("Content-Type", content_type)
        if accept:
            request.add_header("Accept", accept)
        if self.credentials is not None:
            token = base64.b64encode(f"{self.credentials.user}:{self.credentials.password}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return Reply(response.read(), response.headers.get_content_type())
        except urllib.error.HTTPError as error:
            if error.code == 404 and method == "GET":
                return None
            raise self._failure(error, status=error.code, text=_read(error)) from None
        except Exception as error:
            raise self._failure(error) from None

    def _wrapper(self, sparql: str, *, update: bool) -> SPARQLWrapper:
        wrapper = SPARQLWrapper(self.query_url, updateEndpoint=self.update_url, agent=AGENT)
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(URLENCODED)
        wrapper.setTimeout(self.timeout)  # type: ignore[arg-type]  # urllib takes a float; the stub says int
        if self.credentials is not None:
            wrapper.setHTTPAuth(BASIC)
            wrapper.setCredentials(self.credentials.user, self.credentials.password)
        with warnings.catch_warnings():  # an unknown form is reported by the engine, with its position
            warnings.simplefilter("ignore", RuntimeWarning)
            wrapper.setQuery(sparql)
        if wrapper.isSparqlUpdateRequest() != update:
            # SPARQLWrapper guesses the form from the first keyword anywhere in the text, and its comment
            # stripping misses every other line of a comment block (`# the address…` reads as ADD): we know
            # which endpoint the caller meant. A text of the other kind is then refused by the engine (400).
            wrapper.queryType = INSERT if update else SELECT
        return wrapper

    def _send(self, wrapper: SPARQLWrapper) -> Reply:
        try:
            response = wrapper.query().response
            return Reply(response.read(), response.headers.get_content_type())
        except SPARQLWrapperException as error:
            status = next((code for kind, code in _STATUS_OF.items() if isinstance(error, kind)), None)
            text = _said(str(error).partition("Response:\n")[2])
            raise self._failure(error, status=status, text=text) from None
        except urllib.error.HTTPError as error:
            raise self._failure(error, status=error.code, text=_read(error)) from None
        except Exception as error:
            raise self._failure(error) from None

    def _failure(self, error: BaseException, *, status: int | None = None, text: str = "") -> EngineError:
        """The EngineError for a failed request: unreachable, too slow, or what the engine answered."""
        said = self._scrub(text)
        if status is not None:
            detail = f" ({said})" if said else ""
            if status in (502, 503):
                return EngineUnavailable(f"is unavailable (HTTP {status}){detail}", engine=self.name, status=status)
            if status == 504:
                return EngineTimeout(f"timed out behind a gateway (HTTP 504){detail}", engine=self.name, status=504)
            if status in (401, 403):
                return EngineError(
                    f"refused our credentials (HTTP {status}): check {USER_ENV} and {PASSWORD_ENV}",
                    engine=self.name,
                    status=status,
                )
            if status == 404:
                return EngineError("has no endpoint at the configured URL (HTTP 404)", engine=self.name, status=404)
            verb = "refused the request" if status < 500 else "failed"
            return EngineError(f"{verb} (HTTP {status}){detail}", engine=self.name, status=status)
        reason = error.reason if isinstance(error, urllib.error.URLError) else error
        if isinstance(reason, TimeoutError):
            return EngineTimeout(f"did not answer within {self.timeout:g} s", engine=self.name)
        if isinstance(reason, (OSError, http.client.HTTPException)):
            what = getattr(reason, "strerror", None) or type(reason).__name__
            return EngineUnavailable(f"is unreachable ({self._scrub(str(what))})", engine=self.name)
        return EngineError(f"failed: {self._scrub(str(reason))}", engine=self.name)

    def _scrub(self, text: str) -> str:
        text = " ".join(text.split())[:_MOST_ENGINE_TEXT]
        for secret in self.credentials.secrets() if self.credentials else []:
            text = text.replace(secret, "***")
        return text


def _said(text: str) -> str:
    """The engine's words from SPARQLWrapper's message, which shows the body as a bytes literal (b'...')."""
    text = text.strip()
    if text[:2] in ("b'", 'b"'):
        with contextlib.suppress(ValueError, SyntaxError):
            value = ast.literal_eval(text)
            if isinstance(value, bytes):
                return value.decode("utf-8", "replace")
    return text


def _read(error: urllib.error.HTTPError) -> str:
    try:
        return error.read().decode("utf-8", "replace")
    except Exception:  # the body is a courtesy; the status says enough
        return ""
