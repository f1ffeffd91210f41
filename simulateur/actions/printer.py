"""Printing actions: a CUPS queue set up (right or wrong) or removed with lpadmin, a page printed
with lp — the commands a technician types, run inside the host."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from simulateur.actions.base import ActionBase, HostPath, q
from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.lab.names import HOST_RE
from simulateur.lab.services.ippeveprinter import Ippeveprinter

if TYPE_CHECKING:
    from simulateur.lab.lab import Lab

QUEUE_RE = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$"
TEST_PAGE = "/usr/share/cups/data/default-testpage.pdf"

# lpadmin arguments of each driver. Only "everywhere" suits an IPP Everywhere printer: "raw"
# sends the data as it is, "pcl" and "pdf" are drivers of other models (PCL XL; PDF wrapped in
# PJL), whose data the printer cannot read. "keep" leaves the queue's driver as it is.
DRIVERS: dict[str, list[str]] = {
    "everywhere": ["-m", "everywhere"],
    "raw": ["-m", "raw"],
    "pcl": ["-P", "/usr/share/ppd/cupsfilters/pxlmono.ppd"],
    "pdf": ["-P", "/usr/share/ppd/cupsfilters/Generic-PDF_Printer-PDF.ppd"],
    "keep": [],
}


def _printer(lab: Lab, host: str) -> Ippeveprinter:
    for service in lab.topology.hosts[host].services if host in lab.topology.hosts else []:
        if isinstance(service, Ippeveprinter):
            return service
    raise SimError(tr("printer.no_printer", host=host))


def printer_uri(lab: Lab, host: str) -> str:
    """ipp://ADDRESS[:PORT]/ipp/print of the lab's printer host."""
    port = getattr(_printer(lab, host), "port", 631)
    return f"ipp://{lab.address_of(host)}{'' if port == 631 else f':{port}'}/ipp/print"


def spool_files(lab: Lab, host: str) -> set[str]:
    """Names of the documents the printer keeps in its spool (ippeveprinter -k)."""
    try:
        return {p.name for p in lab.host(host).path(_printer(lab, host).spool).iterdir()}
    except FileNotFoundError:
        return set()


class CupsQueue(ActionBase):
    action: Literal["cups.queue"]
    queue: str = Field(pattern=QUEUE_RE, description="Nom de la file d'impression.")
    printer: str | None = Field(None, pattern=HOST_RE, description="Hôte de l'imprimante (son adresse IPP).")
    uri: str | None = Field(None, description="Adresse du périphérique (sinon celle de « printer »).")
    driver: Literal["everywhere", "raw", "pcl", "pdf", "keep"] = Field(
        "everywhere", description="Pilote (lpadmin -m/-P) ; keep : garder celui de la file."
    )
    default: bool = Field(True, description="En faire la destination par défaut (lpadmin -d).")
    summary = "Crée ou modifie une file CUPS (lpadmin -p FILE -E -v ADRESSE -m PILOTE ; lpadmin -d FILE)."

    def shell(self) -> list[str]:
        uri = self.uri or f"ipp://{self.printer or 'IMPRIMANTE'}/ipp/print"
        driver = " ".join(DRIVERS[self.driver])
        return [f"lpadmin -p {self.queue} -E -v {q(uri)}" + (f" {driver}" if driver else "")] + (
            [f"lpadmin -d {self.queue}"] if self.default else []
        )

    def apply(self, lab: Lab) -> None:
        if self.uri:
            uri = lab.render(self.uri)
        elif self.printer:
            uri = printer_uri(lab, self.printer)
        else:
            raise SimError(tr("printer.no_uri", queue=self.queue))
        host = lab.host(self.host)
        ppd = host.path(f"/etc/cups/ppd/{self.queue}.ppd")
        before = ppd.stat().st_mtime_ns if ppd.exists() else None
        self._run(lab, ["lpadmin", "-p", self.queue, "-E", "-v", uri, *DRIVERS[self.driver]])
        if self.driver not in ("raw", "keep"):  # the PPD cupsd writes for the queue
            deadline = time.monotonic() + 10
            while not ppd.exists() or ppd.stat().st_mtime_ns == before:
                if time.monotonic() > deadline:
                    raise SimError(tr("printer.no_ppd", queue=self.queue, host=self.host))
                time.sleep(0.02)
        if self.default:
            self._run(lab, ["lpadmin", "-d", self.queue])


class CupsDelete(ActionBase):
    action: Literal["cups.delete"]
    queue: str = Field(pattern=QUEUE_RE, description="Nom de la file d'impression.")
    summary = "Supprime une file CUPS si elle existe (lpadmin -x FILE)."

    def shell(self) -> list[str]:
        return [f"lpadmin -x {self.queue}"]

    def apply(self, lab: Lab) -> None:
        if lab.host(self.host).run(["lpstat", "-v", self.queue]).returncode == 0:
            self._run(lab, ["lpadmin", "-x", self.queue])


class CupsPrint(ActionBase):
    action: Literal["cups.print"]
    queue: str | None = Field(None, pattern=QUEUE_RE, description="File (sinon la destination par défaut).")
    file: HostPath = TEST_PAGE
    printer: str | None = Field(
        None, pattern=HOST_RE, description="Attendre que le document arrive à l'imprimante de cet hôte."
    )
    timeout: float = Field(15, gt=0, le=60, description="Attente maximale de l'arrivée (secondes).")
    summary = "Imprime un document (lp), et attend au besoin qu'il arrive à l'imprimante."

    def shell(self) -> list[str]:
        return ["lp " + (f"-d {self.queue} " if self.queue else "") + q(self.file)] + (
            ["lpstat -W completed -o"] if self.printer else []
        )

    def apply(self, lab: Lab) -> None:
        before = spool_files(lab, self.printer) if self.printer else set()
        self._run(lab, ["lp", *(["-d", self.queue] if self.queue else []), self.file])
        if not self.printer:
            return
        from simulateur.probes.printer import PrinterJobReceived

        # The file appears while the job may still be "pending-held" (data arriving): wait for the
        # printer's own verdict too, the one printer.job_received checks — same deadline.
        received = PrinterJobReceived(id="arrivee", probe="printer.job_received", host=self.printer)
        deadline = time.monotonic() + self.timeout
        while not spool_files(lab, self.printer) - before or not received.now(lab)[0]:
            if time.monotonic() > deadline:
                raise SimError(tr("printer.not_arrived", host=self.printer, seconds=int(self.timeout)))
            time.sleep(0.02)
