"""The VM console proxy: prompt markers are removed from the screen and turned into journal
records (one per new history entry, with its exit code), however the socket cuts the stream."""

from __future__ import annotations

import base64
import os

import pytest

from simulateur.vm.console import Journaler, filter_output
from simulateur.vm.image import _cpio


def marker(rc: int, line: str) -> bytes:
    b64 = base64.b64encode(line.encode() + b"\n").decode() if line else ""
    return f"\x1b]7770;{rc};{b64}\x07".encode()


SESSION = (
    b"banner\r\n"
    + marker(0, "")
    + b"pc:~# "
    + b"lspci -k\r\n00:03.0 Ethernet\r\n"
    + marker(0, "   0 lspci -k")
    + b"pc:~# \r\n"
    + marker(0, "   0 lspci -k")
    + b"pc:~# "
    + b"ip link show eth0\r\nip: can't find device 'eth0'\r\n"
    + marker(2, "   1 ip link show eth0")
    + b"pc:~# ls\r\n"
    + marker(0, "   2 ls")
    + b"pc:~# ls\r\n"
    + marker(0, "   3 ls")
    + b"pc:~# "
    + b"exit\r\n\x1b]7771;\x07"
)


@pytest.mark.parametrize("size", [1, 3, 7, 64, len(SESSION)])
def test_markers_become_records_whatever_the_chunks(size):
    r, w = os.pipe()
    journal = Journaler(w)
    shown, pending = b"", b""
    for i in range(0, len(SESSION), size):
        out, pending = filter_output(pending + SESSION[i : i + size], journal)
        shown += out
    os.close(w)
    records = [rec.split(b"\t") for rec in os.read(r, 65536).split(b"\0") if rec]
    os.close(r)
    assert b"777" not in shown and b"\x07" not in shown and b"can't find device" in shown
    assert journal.exited
    assert [(rc, cmd) for rc, _, cmd in records] == [
        (b"0", b"lspci -k"),
        (b"2", b"ip link show eth0"),
        (b"0", b"ls"),
        (b"0", b"ls"),
    ]


def test_initramfs_archive_is_reproducible():
    entries = [("init", 0o100755, b"#!/bin/sh\n"), ("bin", 0o40755, b"")]
    assert _cpio(entries) == _cpio(entries)
    assert _cpio(entries).startswith(b"070701") and b"TRAILER!!!" in _cpio(entries)
