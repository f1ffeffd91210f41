"""cups.prints sends a real IPP Print-Job: operation attributes (printer URI, job name, document
format) then the PDF document itself."""

from __future__ import annotations

import struct

from simulateur.probes import ippclient as ipp
from simulateur.probes.printtest import PRINT_JOB, print_job


def test_print_job_request_carries_the_document() -> None:
    uri = "ipp://127.0.0.1:631/printers/Couloir"
    body = print_job(uri, b"%PDF-1.4 test", "recette")
    version, op = struct.unpack(">BBH", body[:4])[:1], struct.unpack(">H", body[2:4])[0]
    assert version == (2,) and op == PRINT_JOB
    head, _, data = body.partition(b"\x03%PDF")
    parsed = ipp.decode(head + b"\x03")
    [(group, attrs)] = parsed.groups
    assert group == 0x01
    assert attrs["printer-uri"] == [uri]
    assert attrs["job-name"] == ["recette"]
    assert attrs["document-format"] == ["application/pdf"]
    assert b"%PDF" + data == b"%PDF-1.4 test"
