"""Write tokens: who may write, and to which province's records.

A token is shown once, when `coopgraph token add` makes it; the data folder
keeps only its SHA-256 (a token is 256 random bits, so a plain hash is as
strong as a slow one) in `tokens.json`, written whole to a temporary file
and renamed, so a reader never sees half a file. The service re-reads the
file when it changes: `token add` and `token revoke` take effect on a
running service at its next write request.

A scope is `all` or a province's ISO 3166-2 code (`EC-L`): a provincial
token may write only register records whose `cg:registerProvince` is that
province (coopgraph/core/writes/gate.py checks it).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

TOKENS_FILE = "tokens.json"
PREFIX = "cgt_"
ALL = "all"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_SCOPE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")


class TokenError(ValueError):
    """A token command that cannot be done (the message says why)."""


@dataclass(frozen=True)
class Token:
    """One token as stored: never the token itself."""

    name: str
    scope: str
    digest: str
    created: str
    revoked: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked is None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def check_scope(scope: str) -> str:
    """`all` or an ISO 3166-2 subdivision code (upper-cased); TokenError otherwise."""
    value = scope.strip()
    if value.lower() == ALL:
        return ALL
    if not _SCOPE.match(value.upper()):
        raise TokenError(f"scope {scope!r} is neither 'all' nor a province's ISO 3166-2 code such as EC-L")
    return value.upper()


class TokenBook:
    """The tokens of one data folder."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / TOKENS_FILE
        self._seen: tuple[int, int] | None = None
        self._tokens: dict[str, Token] = {}

    def tokens(self) -> list[Token]:
        """Every token, revoked ones included, by name (re-read when the file changed)."""
        self._refresh()
        return sorted(self._tokens.values(), key=lambda token: token.name)

    def any_active(self) -> bool:
        return any(token.active for token in self.tokens())

    def add(self, name: str, scope: str) -> str:
        """Make a token named `name` for `scope`; return the secret (shown once, never stored)."""
        if not _NAME.match(name):
            raise TokenError(f"token name {name!r}: use 1-64 letters, digits, '.', '_' or '-'")
        scope = check_scope(scope)
        self._refresh()
        existing = self._tokens.get(name)
        if existing is not None and existing.active:
            raise TokenError(f"a token named {name!r} exists: revoke it first, or choose another name")
        secret = PREFIX + secrets.token_urlsafe(32)
        self._tokens[name] = Token(name, scope, _digest(secret), _now())
        self._save()
        return secret

    def revoke(self, name: str) -> Token:
        self._refresh()
        token = self._tokens.get(name)
        if token is None or not token.active:
            raise TokenError(f"no active token named {name!r} (coopgraph token list shows them)")
        revoked = Token(token.name, token.scope, token.digest, token.created, _now())
        self._tokens[name] = revoked
        self._save()
        return revoked

    def verify(self, secret: str) -> Token | None:
        """The active token whose secret this is, else None (compared in constant time)."""
        digest = _digest(secret)
        found = None
        for token in self.tokens():
            if hmac.compare_digest(token.digest, digest) and token.active:
                found = token
        return found

    def _refresh(self) -> None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self._seen, self._tokens = None, {}
            return
        seen = (stat.st_mtime_ns, stat.st_size)
        if seen == self._seen:
            return
        try:
            rows = json.loads(self.path.read_text(encoding="utf-8"))["tokens"]
            self._tokens = {row["name"]: Token(**row) for row in rows}
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise TokenError(f"{self.path} is not a coopgraph token file ({error}); restore it or remove it") from None
        self._seen = seen

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        rows = [asdict(token) for token in sorted(self._tokens.values(), key=lambda token: token.name)]
        text = json.dumps({"tokens": rows}, indent=2, ensure_ascii=False) + "\n"
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".tokens-")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self._seen = None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
