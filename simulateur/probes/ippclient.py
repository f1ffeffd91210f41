"""A minimal IPP client (RFC 8010/8011) for probes: one request over HTTP from inside a host's
network namespace, with the machine's Python only — nothing of the host (its binaries, its
resolver, its CUPS client config) is used, so a trainee cannot make a probe see what is not.

Only what the printer probes need: operation attributes of type charset, language, uri,
keyword, name and integer in; every attribute of every group out, values decoded by tag.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import struct
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from simulateur.i18n import N_, tr
from simulateur.lab import nsutil

# Operations
GET_PRINTER_ATTRIBUTES = 0x000B
GET_JOBS = 0x000A
CUPS_GET_DEFAULT = 0x4001
CUPS_GET_PRINTERS = 0x4002

# Value tags
_INTEGER, _BOOLEAN, _ENUM = 0x21, 0x22, 0x23
_TEXT, _NAME, _KEYWORD, _URI, _CHARSET, _LANGUAGE, _MIME = 0x41, 0x42, 0x44, 0x45, 0x47, 0x48, 0x49
_STRINGS = {0x30, 0x35, 0x36, _TEXT, _NAME, _KEYWORD, _URI, 0x46, _CHARSET, _LANGUAGE, _MIME, 0x4A}


def job_state(state: int) -> str:
    """The name of an IPP job state (3 pending … 9 completed, RFC 8011); the number for another one."""
    return tr(f"ipp.job_state.{state}") if 3 <= state <= 9 else str(state)


class IppError(Exception):
    """The request could not be made or the answer is not IPP (message in French)."""


@dataclass
class Response:
    status: int
    groups: list[tuple[int, dict[str, list[object]]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status < 0x0100

    def objects(self, tag: int) -> list[dict[str, list[object]]]:
        """Attribute groups of one kind (0x02 job, 0x04 printer), in order."""
        return [attrs for t, attrs in self.groups if t == tag]


def _attr(tag: int, name: str, values: list[str | int]) -> bytes:
    out = b""
    for i, value in enumerate(values):
        raw = struct.pack(">i", value) if isinstance(value, int) else value.encode()
        key = name.encode() if i == 0 else b""
        out += struct.pack(">BH", tag, len(key)) + key + struct.pack(">H", len(raw)) + raw
    return out


def encode(
    op: int,
    uri: str | None,
    *,
    uri_name: str = "printer-uri",
    request_id: int = 1,
    keywords: dict[str, list[str]] | None = None,
    names: dict[str, str] | None = None,
    integers: dict[str, int] | None = None,
) -> bytes:
    body = struct.pack(">BBHI", 2, 0, op, request_id) + b"\x01"
    body += _attr(_CHARSET, "attributes-charset", ["utf-8"])
    body += _attr(_LANGUAGE, "attributes-natural-language", ["fr"])
    if uri:
        body += _attr(_URI, uri_name, [uri])
    body += _attr(_NAME, "requesting-user-name", ["simulateur"])
    for name, value in (names or {}).items():
        body += _attr(_NAME, name, [value])
    for name, number in (integers or {}).items():
        body += _attr(_INTEGER, name, [number])
    for name, words in (keywords or {}).items():
        body += _attr(_KEYWORD, name, list(words))
    return body + b"\x03"


def decode(data: bytes) -> Response:
    if len(data) < 9:
        raise IppError(tr("ipp.truncated"))
    status = struct.unpack(">H", data[2:4])[0]
    resp = Response(status)
    pos, last = 8, ""
    attrs: dict[str, list[object]] | None = None
    while pos < len(data):
        tag = data[pos]
        pos += 1
        if tag == 0x03:
            break
        if tag < 0x10:  # a new group of attributes
            attrs = {}
            resp.groups.append((tag, attrs))
            continue
        if pos + 2 > len(data) or attrs is None:
            raise IppError(tr("ipp.malformed"))
        nlen = struct.unpack(">H", data[pos : pos + 2])[0]
        name = data[pos + 2 : pos + 2 + nlen].decode(errors="replace")
        pos += 2 + nlen
        vlen = struct.unpack(">H", data[pos : pos + 2])[0]
        raw = data[pos + 2 : pos + 2 + vlen]
        pos += 2 + vlen
        if tag in (_INTEGER, _ENUM) and vlen == 4:
            value: object = struct.unpack(">i", raw)[0]
        elif tag == _BOOLEAN and vlen == 1:
            value = bool(raw[0])
        elif tag in _STRINGS:
            value = raw.decode(errors="replace")
        else:
            value = raw
        if name:
            last = name
            attrs.setdefault(name, []).append(value)
        elif last:  # an additional value of the previous attribute (or a collection member)
            attrs.setdefault(last, []).append(value)
    return resp


def first(attrs: dict[str, list[object]], name: str, default: object = None) -> object:
    values = attrs.get(name)
    return values[0] if values else default


def split_uri(uri: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, resource) of an ipp/ipps/http/https URI, default ports as CUPS."""
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if scheme not in ("ipp", "ipps", "http", "https") or not parts.hostname:
        raise IppError(tr("ipp.not_ipp", uri=uri))
    try:
        port = parts.port or {"ipp": 631, "ipps": 631, "http": 80, "https": 443}[scheme]
    except ValueError:
        raise IppError(tr("ipp.bad_port", uri=uri)) from None
    return scheme, parts.hostname, port, parts.path or "/"


def request(netns: str, uri: str, body: bytes, *, address: str | None = None, timeout: float = 3.0) -> Response:
    """POST one IPP request to `uri` from inside `netns`; connect to `address` if given (a name
    already resolved the way the host would), with the URI's own host in the Host header."""
    scheme, host, port, path = split_uri(uri)
    target = address or host
    try:
        with nsutil.inside_netns(netns):
            sock = socket.create_connection((target, port), timeout=timeout)
    except TimeoutError:
        raise IppError(tr("ipp.timeout", target=target, port=port)) from None
    except OSError as exc:
        raise IppError(tr("ipp.connect", target=target, port=port, why=exc.strerror or exc)) from None
    try:
        if scheme in ("ipps", "https"):
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            sock = ctx.wrap_socket(sock, server_hostname=host)
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        conn.sock = sock
        conn.request("POST", path, body=body, headers={"Content-Type": "application/ipp"})
        answer = conn.getresponse()
        data = answer.read()
    except (OSError, http.client.HTTPException, ssl.SSLError) as exc:
        raise IppError(tr("ipp.exchange", target=target, port=port, why=exc)) from None
    finally:
        sock.close()
    if answer.status != 200:
        raise IppError(tr("ipp.http", uri=uri, status=answer.status, reason=answer.reason))
    return decode(data)


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("ipp.job_state.3"),
    N_("ipp.job_state.4"),
    N_("ipp.job_state.5"),
    N_("ipp.job_state.6"),
    N_("ipp.job_state.7"),
    N_("ipp.job_state.8"),
    N_("ipp.job_state.9"),
)
