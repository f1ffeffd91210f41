"""Who may use the network API (`simulateur serve --api`, serve/api.py), kept in the store:

- trainer and jury **accounts**: a login, its roles, an argon2id hash of its password (argon2-cffi,
  the library's RFC 9106 low-memory profile; the password itself is never stored nor logged);
- **bearer tokens** given at login: only their SHA-256 is stored (256 random bits: no dictionary
  to try, so a slow hash would only slow every request), each with its expiry; a password changed
  or an account removed voids its tokens;
- **candidates' codes** for the browser: printed by the trainer for each candidate of a session
  (« exam codes »), handed on paper; 50 random bits, SHA-256 only, a new code voids the old one.

A login's failures are counted by the service (api.py: too many, the login waits).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select

from simulateur.errors import UsageError
from simulateur.i18n import tr
from simulateur.session.store import Store
from simulateur.store import schema

A, T, C = schema.accounts, schema.api_tokens, schema.exam_codes

ROLES = ("formateur", "jury")
MIN_PASSWORD = 10
STAFF_HOURS = 12.0  # a trainer's or jury's login lasts a day's session
CANDIDATE_HOURS = 12.0
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read from paper
CODE_LEN = 10


def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normal_code(code: str) -> str:
    """What she typed, as it was printed: case, spaces and dashes do not count."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


@dataclass(frozen=True)
class Account:
    login: str
    roles: tuple[str, ...]
    created: float
    changed: float


@dataclass(frozen=True)
class Token:
    login: str
    roles: tuple[str, ...]
    session: str | None
    candidate: str | None
    created: float
    expires: float
    address: str


class Accounts:
    def __init__(self, store: Store | None = None) -> None:
        self.store = store or Store()

    # --- accounts ---------------------------------------------------------------------------------
    @staticmethod
    def check_login(login: str) -> str:
        login = login.strip()
        if not login or len(login) > 64 or not all(ch.isalnum() or ch in "._-" for ch in login):
            raise UsageError(tr("accounts.bad_login", login=login))
        return login

    @staticmethod
    def check_password(password: str) -> None:
        if len(password) < MIN_PASSWORD:
            raise UsageError(tr("accounts.short_password", n=MIN_PASSWORD))

    @staticmethod
    def check_roles(roles: list[str]) -> tuple[str, ...]:
        bad = [r for r in roles if r not in ROLES]
        if bad or not roles:
            raise UsageError(tr("accounts.bad_role", role=", ".join(bad) or "∅", known=", ".join(ROLES)))
        return tuple(r for r in ROLES if r in roles)

    def add(self, login: str, roles: list[str], password: str) -> Account:
        login, kept = self.check_login(login), self.check_roles(roles)
        self.check_password(password)
        hashed = _hasher().hash(password)
        now = time.time()
        with self.store._write() as conn:
            if conn.execute(select(A.c.login).where(A.c.login == login)).first() is not None:
                raise UsageError(tr("accounts.exists", login=login))
            conn.execute(A.insert().values(login=login, roles=",".join(kept), hash=hashed, created=now, changed=now))
        return Account(login, kept, now, now)

    def set_password(self, login: str, password: str) -> None:
        self.check_password(password)
        hashed = _hasher().hash(password)
        with self.store._write() as conn:
            done = conn.execute(A.update().where(A.c.login == login).values(hash=hashed, changed=time.time()))
            if not done.rowcount:
                raise UsageError(tr("accounts.unknown", login=login))
            conn.execute(delete(T).where(T.c.login == login))

    def set_roles(self, login: str, roles: list[str]) -> None:
        kept = self.check_roles(roles)
        with self.store._write() as conn:
            done = conn.execute(A.update().where(A.c.login == login).values(roles=",".join(kept)))
            if not done.rowcount:
                raise UsageError(tr("accounts.unknown", login=login))
            conn.execute(delete(T).where(T.c.login == login))

    def remove(self, login: str) -> None:
        with self.store._write() as conn:
            if not conn.execute(delete(A).where(A.c.login == login)).rowcount:
                raise UsageError(tr("accounts.unknown", login=login))
            conn.execute(delete(T).where(T.c.login == login))

    def all(self) -> list[Account]:
        with self.store._read() as conn:
            rows = conn.execute(select(A).order_by(A.c.login)).mappings().all()
        return [Account(r["login"], tuple(r["roles"].split(",")), r["created"], r["changed"]) for r in rows]

    def verify(self, login: str, password: str) -> tuple[str, ...] | None:
        """The account's roles if the password is its own, else None — as slow for a login that
        does not exist (a hash is verified all the same: the answer's time tells nothing)."""
        from argon2.exceptions import InvalidHashError, VerificationError

        with self.store._read() as conn:
            row = conn.execute(select(A.c.hash, A.c.roles).where(A.c.login == login)).first()
        hasher = _hasher()
        stored = row[0] if row is not None else _dummy_hash()
        try:
            hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        if hasher.check_needs_rehash(stored):
            with self.store._write() as conn:
                conn.execute(A.update().where(A.c.login == login).values(hash=hasher.hash(password)))
        return tuple(row[1].split(","))

    # --- tokens -----------------------------------------------------------------------------------
    def issue(
        self,
        login: str,
        roles: tuple[str, ...],
        *,
        session: str | None = None,
        candidate: str | None = None,
        hours: float = STAFF_HOURS,
        address: str = "",
    ) -> tuple[str, float]:
        token = secrets.token_urlsafe(32)
        now = time.time()
        expires = now + hours * 3600
        with self.store._write() as conn:
            conn.execute(delete(T).where(T.c.expires < now - 86400))  # a day past their end: forgotten
            conn.execute(
                T.insert().values(
                    digest=digest(token),
                    login=login,
                    roles=",".join(roles),
                    session=session,
                    candidate=candidate,
                    created=now,
                    expires=expires,
                    address=address,
                )
            )
        return token, expires

    def token(self, token: str) -> Token | None:
        """The token's record (expired ones included: the caller says « expirée »), None if unknown."""
        with self.store._read() as conn:
            r = conn.execute(select(T).where(T.c.digest == digest(token))).mappings().first()
        if r is None:
            return None
        return Token(
            r["login"],
            tuple(x for x in r["roles"].split(",") if x),
            r["session"],
            r["candidate"],
            r["created"],
            r["expires"],
            r["address"],
        )

    def revoke(self, token: str) -> None:
        with self.store._write() as conn:
            conn.execute(delete(T).where(T.c.digest == digest(token)))

    # --- candidates' codes ------------------------------------------------------------------------
    def new_codes(self, session_id: str, names: list[str]) -> dict[str, str]:
        """A new code for each of these candidates (their old codes and tokens void): name → code."""
        from simulateur.exam.db import candidate_key

        out: dict[str, str] = {}
        now = time.time()
        with self.store._write() as conn:
            for name in names:
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LEN))
                key = candidate_key(name)
                conn.execute(delete(C).where(C.c.session == session_id, C.c.ckey == key))
                conn.execute(delete(T).where(T.c.session == session_id, T.c.candidate == name))
                conn.execute(C.insert().values(session=session_id, ckey=key, digest=digest(code), created=now))
                out[name] = f"{code[:5]}-{code[5:]}"
        return out

    def code_owner(self, code: str) -> tuple[str, str] | None:
        """(session, candidate key) of this code, or None."""
        with self.store._read() as conn:
            r = conn.execute(select(C.c.session, C.c.ckey).where(C.c.digest == digest(normal_code(code)))).first()
        return (r[0], r[1]) if r is not None else None


_DUMMY: str | None = None


def _dummy_hash() -> str:
    global _DUMMY
    if _DUMMY is None:
        _DUMMY = _hasher().hash(secrets.token_hex(16))
    return _DUMMY
