"""`cups.prints`: print a page as the user does — to the default destination of the host's own
print server — and see it come out of the printer.

A recette made hours after the candidate's own test page cannot rely on it: the network printer
(ippeveprinter) forgets a completed job after about a minute, and its spool alone proves nothing
(a file can be put there by hand). So the probe prints now: the machine's CUPS test page (read on
the machine, never in a host) is sent over IPP to the host's cupsd (from its network namespace, to
its default destination), and the printer must then know a new job whose document it can print."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from simulateur.i18n import tr
from simulateur.lab.names import HOST_RE, UNIT_RE
from simulateur.probes import ippclient as ipp
from simulateur.probes.base import ProbeBase
from simulateur.probes.printer import MAGIC, RECEIVED_STATES, PrinterJobReceived, _find_printer_service

if TYPE_CHECKING:
    from simulateur.lab.lab import Lab

TEST_PAGE = Path("/usr/share/cups/data/default-testpage.pdf")  # cups (the machine's), as lp prints it
PRINT_JOB = 0x0002
WAIT_S = 30.0  # CUPS filters the page (ghostscript) then sends it: seconds, more on a loaded machine
GRACE_S = 3.0  # once CUPS calls its job done (or aborted), what it sent has arrived within this
GET_JOB_ATTRIBUTES = 0x0009
CANCEL_JOB = 0x0008


def print_job(uri: str, data: bytes, job_name: str) -> bytes:
    """An IPP Print-Job request carrying a PDF document."""
    head = ipp.encode(PRINT_JOB, uri, names={"job-name": job_name})[:-1]
    return head + ipp._attr(ipp._MIME, "document-format", ["application/pdf"]) + b"\x03" + data


def printable_jobs(lab: Lab, printer: str) -> set[int]:
    """Ids of the jobs the printer knows (received or done) whose document in its spool it can print."""
    host = lab.host(printer)
    spec = _find_printer_service(lab, printer)
    uri = f"ipp://127.0.0.1:{spec.port}{spec.resource}"
    resp = ipp.request(
        host.netns,
        uri,
        ipp.encode(
            ipp.GET_JOBS, uri, keywords={"which-jobs": ["all"], "requested-attributes": ["job-id", "job-state"]}
        ),
    )
    known = {
        job_id: state if isinstance(state := ipp.first(a, "job-state"), int) else 0
        for a in resp.objects(0x02)
        if isinstance(job_id := ipp.first(a, "job-id"), int)
    }
    files = PrinterJobReceived._spool(host, spec.spool, lab.state.created)
    return {j for j, (fmt, _) in files.items() if fmt in MAGIC.values() and known.get(j) in RECEIVED_STATES}


class CupsPrints(ProbeBase):
    probe: Literal["cups.prints"]
    service: str = Field("cups", pattern=UNIT_RE, description="Service CUPS de l'hôte.")
    printer: str = Field(
        pattern=HOST_RE, description="Hôte de l'imprimante (service ippeveprinter) où la page doit sortir."
    )
    summary = (
        "Une page imprimée maintenant vers la destination par défaut de l'hôte (comme l'utilisateur qui "
        "imprime) sort réellement de l'imprimante : nouveau travail connu d'elle, document imprimable."
    )

    def observe(self, lab: Lab) -> tuple[bool, str]:
        host = lab.host(self.host)
        cups = lab.service_spec(self.host, self.service)
        local = f"ipp://127.0.0.1:{getattr(cups, 'port', 631)}/"
        try:
            default = ipp.request(
                host.netns,
                local,
                ipp.encode(ipp.CUPS_GET_DEFAULT, None, keywords={"requested-attributes": ["printer-name"]}),
            )
        except ipp.IppError as exc:
            return False, tr("probe.prints.no_cups", host=self.host, why=exc)
        queue = next(
            (str(ipp.first(a, "printer-name")) for a in default.objects(0x04) if ipp.first(a, "printer-name")), None
        )
        if not default.ok or queue is None:
            return False, tr("probe.prints.no_default", host=self.host)
        try:
            before = printable_jobs(lab, self.printer)
        except ipp.IppError as exc:
            return False, tr("probe.prints.printer_down", printer=self.printer, why=exc)
        uri = f"ipp://127.0.0.1:{getattr(cups, 'port', 631)}/printers/{queue}"
        try:
            sent = ipp.request(host.netns, uri, print_job(uri, TEST_PAGE.read_bytes(), "recette"), timeout=10)
        except ipp.IppError as exc:
            return False, tr("probe.prints.refused", queue=queue, host=self.host, why=exc)
        if not sent.ok:
            return False, tr("probe.prints.refused", queue=queue, host=self.host, why=f"IPP 0x{sent.status:04x}")
        job = next((ipp.first(a, "job-id") for a in sent.objects(0x02)), None)
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            try:
                new = printable_jobs(lab, self.printer) - before
            except ipp.IppError:
                new = set()
            if new:
                return True, tr("probe.prints.ok", queue=queue, host=self.host, printer=self.printer, job=min(new))
            if isinstance(job, int) and self._cups_state(host.netns, local, job) in (7, 8, 9):
                deadline = min(deadline, time.monotonic() + GRACE_S)  # a raw/PCL queue: « terminé », nothing printed
            time.sleep(0.3)
        state = self._cups_state(host.netns, local, job) if isinstance(job, int) else None
        if isinstance(job, int) and state not in (7, 8, 9):  # leave no test page of ours in the candidate's queue
            try:
                ipp.request(host.netns, local, ipp.encode(CANCEL_JOB, f"{local}jobs/{job}", uri_name="job-uri"))
            except ipp.IppError:
                pass
        return False, tr(
            "probe.prints.lost",
            queue=queue,
            host=self.host,
            printer=self.printer,
            wait=int(WAIT_S),
            state=ipp.job_state(state) if state else "?",
        )

    @staticmethod
    def _cups_state(netns: str, local: str, job: int) -> int | None:
        """The job's state in the host's CUPS (3 pending … 9 completed), None if it does not say."""
        try:
            resp = ipp.request(
                netns,
                local,
                ipp.encode(
                    GET_JOB_ATTRIBUTES,
                    f"{local}jobs/{job}",
                    uri_name="job-uri",
                    keywords={"requested-attributes": ["job-state"]},
                ),
            )
        except ipp.IppError:
            return None
        return next((v for a in resp.objects(0x02) if isinstance(v := ipp.first(a, "job-state"), int)), None)

    def expected(self, lab: Lab) -> str:
        return tr("probe.prints.expected", host=self.host, printer=self.printer)
