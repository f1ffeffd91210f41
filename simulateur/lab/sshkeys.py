"""SSH keys of a lab, drawn from its seed: Ed25519 key pairs in OpenSSH's own file formats.

Every host's sshd host key and every host's root key pair are derived from (seed, host, role), so
the files of one host (an authorized_keys, a known_hosts) can name another host's key without the
two being built together, and a trainer replaying a seed gets the same lab. These keys only ever
open sessions between hosts of a lab (sshd listens in its host's network namespace only).

Only key generation is needed (sshd and ssh do the signing), so the public key is computed here
with the reference arithmetic of RFC 8032 (one scalar multiplication), standard library only.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from dataclasses import dataclass
from functools import lru_cache

# --- Ed25519 (RFC 8032, section 5.1) ---------------------------------------------------------
_P = 2**255 - 19
_D = -121665 * pow(121666, _P - 2, _P) % _P
_BY = 4 * pow(5, _P - 2, _P) % _P


def _recover_x(y: int, sign: int) -> int:
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * pow(2, (_P - 1) // 4, _P) % _P
    if x & 1 != sign:
        x = _P - x
    return x


_B = (_recover_x(_BY, 0), _BY, 1, _recover_x(_BY, 0) * _BY % _P)


def _add(p: tuple[int, int, int, int], q: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    a = (p[1] - p[0]) * (q[1] - q[0]) % _P
    b = (p[1] + p[0]) * (q[1] + q[0]) % _P
    c = 2 * p[3] * q[3] * _D % _P
    d = 2 * p[2] * q[2] % _P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _mul(s: int, p: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    q = (0, 1, 1, 0)
    while s:
        if s & 1:
            q = _add(q, p)
        p = _add(p, p)
        s >>= 1
    return q


def _public(secret: bytes) -> bytes:
    h = hashlib.sha512(secret).digest()
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8
    a |= 1 << 254
    x, y, z, _ = _mul(a, _B)
    zi = pow(z, _P - 2, _P)
    x, y = x * zi % _P, y * zi % _P
    return int.to_bytes(y | ((x & 1) << 255), 32, "little")


# --- OpenSSH formats ----------------------------------------------------------------------------
def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


@dataclass(frozen=True)
class KeyPair:
    secret: bytes  # the 32-byte Ed25519 seed
    public: bytes  # the 32-byte public key
    comment: str

    def blob(self) -> bytes:
        return _string(b"ssh-ed25519") + _string(self.public)

    def public_line(self) -> str:
        """One line of an authorized_keys / .pub file."""
        return f"ssh-ed25519 {base64.b64encode(self.blob()).decode()} {self.comment}"

    def fingerprint(self) -> str:
        """As sshd logs it and `ssh-keygen -lf` shows it: SHA256:…"""
        digest = base64.b64encode(hashlib.sha256(self.blob()).digest()).decode().rstrip("=")
        return f"SHA256:{digest}"

    def private_file(self) -> str:
        """The private key in OpenSSH's format (openssh-key-v1, not encrypted)."""
        check = struct.pack(">I", int.from_bytes(hashlib.sha256(self.secret).digest()[:4], "big"))
        body = (
            check
            + check
            + _string(b"ssh-ed25519")
            + _string(self.public)
            + _string(self.secret + self.public)
            + _string(self.comment.encode())
        )
        body += bytes(range(1, 1 + (-len(body)) % 8))
        data = (
            b"openssh-key-v1\0"
            + _string(b"none")
            + _string(b"none")
            + _string(b"")
            + struct.pack(">I", 1)
            + _string(self.blob())
            + _string(body)
        )
        text = base64.b64encode(data).decode()
        lines = [text[i : i + 70] for i in range(0, len(text), 70)]
        return "-----BEGIN OPENSSH PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END OPENSSH PRIVATE KEY-----\n"


@lru_cache(maxsize=128)
def keypair(seed: int, host: str, role: str, comment: str) -> KeyPair:
    secret = hashlib.sha256(f"simulateur/ssh/{seed}/{host}/{role}".encode()).digest()
    return KeyPair(secret, _public(secret), comment)


def host_key(seed: int, host: str) -> KeyPair:
    """The sshd host key of `host`."""
    return keypair(seed, host, "host", f"root@{host}")


def user_key(seed: int, host: str) -> KeyPair:
    """The key pair of root on `host` (~/.ssh/id_ed25519)."""
    return keypair(seed, host, "root", f"root@{host}")
