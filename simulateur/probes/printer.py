"""Printing probes: a CUPS queue on a workstation, a document really received by a network printer.

Both ask the daemons themselves over IPP, from outside the trainee's shell (simulateur.probes.
ippclient: the machine's Python in the host's network namespace): cupsd answers CUPS-Get-Printers
and CUPS-Get-Default as `lpstat -v`/`lpstat -d` would see them — its live state, not printers.conf,
which cupsd rewrites lazily — and ippeveprinter answers Get-Jobs. Files are read through the
host's PID 1 (host.path): the queue's PPD, which is the driver cupsd uses, and the documents the
printer keeps in its spool (ippeveprinter -k).
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from simulateur.errors import SimError
from simulateur.i18n import tr, trn
from simulateur.lab.names import HOST_RE, UNIT_RE
from simulateur.lab.services.cups import Cups
from simulateur.lab.services.ippeveprinter import Ippeveprinter
from simulateur.probes import ippclient as ipp
from simulateur.probes.base import ProbeBase
from simulateur.probes.network import lookup

if TYPE_CHECKING:
    from simulateur.lab.kind import HostKind
    from simulateur.lab.lab import Lab

QUEUE_RE = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$"

# What a printed document starts with, for the formats an IPP Everywhere printer prints.
MAGIC = {b"%PDF": "PDF", b"UNIRAST": "URF", b"RaS2": "PWG"}
RECEIVED_STATES = {3, 5, 6, 9}  # pending, processing, processing-stopped, completed
ARRIVING_STATES = {3, 4, 5}  # pending, pending-held (data still arriving), processing
# A document already sent when the check starts (`lp` returns before CUPS has converted and sent
# it) is judged once it has arrived: the probe waits for documents on their way, this long at most.
ON_ITS_WAY_S = 20.0
# PPDs generated from the printer's own IPP description: CUPS (lpadmin -m everywhere) and
# cups-filters (driverless). Any other PPD is a model's driver, not this printer's.
GENERATED_PPDS = {"ippeve.ppd": "IPP Everywhere", "drvless.ppd": "driverless"}


def _printer_service(lab: Lab, host: str, service: str) -> Ippeveprinter:
    spec = lab.service_spec(host, service)
    if not isinstance(spec, Ippeveprinter):
        raise SimError(tr("printer.not_printer", service=service, host=host))
    return spec


def _find_printer_service(lab: Lab, host: str) -> Ippeveprinter:
    if host not in lab.topology.hosts:
        raise SimError(tr("printer.no_host", host=host))
    for service in lab.topology.hosts[host].services:
        if isinstance(service, Ippeveprinter):
            return service
    raise SimError(tr("printer.no_printer", host=host))


def _kb(size: int) -> str:
    return tr("printer.kb", n=max(1, round(size / 1024)))


class PrinterJobReceived(ProbeBase):
    probe: Literal["printer.job_received"]
    service: str = Field("ippeveprinter", pattern=UNIT_RE, description="Service ippeveprinter de l'hôte.")
    min: int = Field(1, ge=1, le=20, description="Nombre minimal de documents imprimables reçus.")
    summary = (
        "L'imprimante (ippeveprinter) a réellement reçu un document qu'elle sait imprimer : "
        "travail connu de l'imprimante et fichier PDF/URF/PWG dans son spool."
    )

    def observe(self, lab: Lab) -> tuple[bool, str]:
        """What the printer has received; while a document is on its way to it (sent by a CUPS
        queue of the lab that points to it, or arriving at the printer), wait for it to arrive —
        a page printed just before the check is judged as the jury would see it, on paper."""
        deadline = time.monotonic() + ON_ITS_WAY_S
        while True:
            ok, text, arriving = self.now(lab)
            if ok or not (arriving or self._on_its_way(lab)) or time.monotonic() > deadline:
                return ok, text
            time.sleep(0.2)

    def _on_its_way(self, lab: Lab) -> bool:
        """A CUPS of the lab holds a job, not stopped, for a queue whose address is this printer's."""
        target = lab.address_of(self.host)
        for name in lab.host_names():
            for service in lab.topology.hosts[name].services:
                if isinstance(service, Cups) and _sends_to(lab, name, service.port, target):
                    return True
        return False

    def now(self, lab: Lab) -> tuple[bool, str, bool]:
        """(received, what the printer holds, whether a document is arriving at it) — no waiting."""
        host = lab.host(self.host)
        spec = _printer_service(lab, self.host, self.service)
        uri = f"ipp://127.0.0.1:{spec.port}{spec.resource}"
        body = ipp.encode(
            ipp.GET_JOBS,
            uri,
            keywords={
                "which-jobs": ["all"],
                "requested-attributes": ["job-id", "job-name", "job-state", "job-state-reasons"],
            },
        )
        try:
            resp = ipp.request(host.netns, uri, body)
        except ipp.IppError as exc:
            return False, tr("printer.job.no_answer", host=self.host, why=exc), False
        jobs: dict[int, tuple[str, int, list[str]]] = {}
        for attrs in resp.objects(0x02):
            job_id = ipp.first(attrs, "job-id")
            if isinstance(job_id, int):
                jobs[job_id] = (
                    str(ipp.first(attrs, "job-name", "?")),
                    state if isinstance(state := ipp.first(attrs, "job-state"), int) else 0,
                    [str(r) for r in attrs.get("job-state-reasons", [])],
                )
        files = self._spool(host, spec.spool, lab.state.created)
        printable: list[str] = []
        for job_id, (fmt, size) in sorted(files.items()):
            if fmt is None:
                continue
            if job_id not in jobs:
                # ippeveprinter forgets a job a minute after it is done (its history is not
                # configurable) but keeps its document (-k): printed then, as on paper.
                printable.append(tr("printer.job.printable_past", id=job_id, format=fmt, size=_kb(size)))
            elif jobs[job_id][1] in RECEIVED_STATES:
                name, state, _ = jobs[job_id]
                printable.append(
                    tr(
                        "printer.job.printable",
                        id=job_id,
                        name=name,
                        format=fmt,
                        size=_kb(size),
                        state=ipp.job_state(state),
                    )
                )
        arriving = any(state in ARRIVING_STATES and job_id not in files for job_id, (_, state, _) in jobs.items())
        if len(printable) >= self.min:
            return (
                True,
                trn(
                    "printer.job.ok",
                    len(printable),
                    jobs=", ".join(printable[:3]) + (" …" if len(printable) > 3 else ""),
                ),
                False,
            )
        if not jobs:
            return False, tr("printer.job.none"), arriving
        seen = []
        for job_id, (name, state, reasons) in sorted(jobs.items()):
            if job_id in files and files[job_id][0] is None:
                why = tr("printer.job.unprintable")
            elif job_id not in files and "job-canceled-by-user" in reasons and state == 7:
                why = tr("printer.job.aborted")
            elif job_id not in files:
                why = tr("printer.job.no_data", state=ipp.job_state(state))
            else:
                why = ipp.job_state(state)
            seen.append(tr("printer.job.seen", id=job_id, name=name, why=why))
        return (
            False,
            trn("printer.job.ko", len(jobs), jobs="; ".join(seen[:4]) + (" …" if len(seen) > 4 else "")),
            arriving,
        )

    @staticmethod
    def _spool(host: HostKind, spool: str, since: float) -> dict[int, tuple[str | None, int]]:
        """job id → (format if printable, size) of the documents kept in the printer's spool."""
        found: dict[int, tuple[str | None, int]] = {}
        try:
            entries = list(host.path(spool).iterdir())
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return found
        for entry in entries:
            m = re.match(r"^(\d+)-.*\.[A-Za-z0-9]+$", entry.name)
            if not m or entry.is_symlink() or not entry.is_file():  # a link would be read in the machine's root
                continue
            stat = entry.stat()
            if stat.st_mtime < since:
                continue
            with open(entry, "rb") as f:
                head = f.read(8)
            fmt = next((name for magic, name in MAGIC.items() if head.startswith(magic)), None)
            found[int(m.group(1))] = (fmt, stat.st_size)
        return found

    def expected(self, lab: Lab) -> str:
        what = trn("printer.job.documents", self.min)
        return trn("printer.job.expected", self.min, what=what, host=self.host)


class CupsQueue(ProbeBase):
    probe: Literal["cups.queue"]
    service: str = Field("cups", pattern=UNIT_RE, description="Service CUPS de l'hôte.")
    printer: str = Field(pattern=HOST_RE, description="Hôte de l'imprimante (service ippeveprinter).")
    queue: str | None = Field(
        None, pattern=QUEUE_RE, description="Nom de file imposé (par défaut : n'importe laquelle)."
    )
    default: bool = Field(False, description="La file qui fonctionne doit être la destination par défaut.")
    summary = (
        "Une file CUPS de l'hôte imprime vers l'imprimante : adresse qui la joint vraiment, pilote "
        "généré d'après elle (IPP Everywhere / driverless), activée, acceptant les travaux."
    )

    def observe(self, lab: Lab) -> tuple[bool, str]:
        host = lab.host(self.host)
        cups = lab.service_spec(self.host, self.service)
        local = f"ipp://127.0.0.1:{getattr(cups, 'port', 631)}/"
        wanted = ["printer-name", "device-uri", "printer-make-and-model", "printer-state", "printer-is-accepting-jobs"]
        try:
            queues = ipp.request(
                host.netns, local, ipp.encode(ipp.CUPS_GET_PRINTERS, None, keywords={"requested-attributes": wanted})
            ).objects(0x04)
            dflt = ipp.request(
                host.netns,
                local,
                ipp.encode(ipp.CUPS_GET_DEFAULT, None, keywords={"requested-attributes": ["printer-name"]}),
            )
        except ipp.IppError as exc:
            return False, tr("printer.queue.cups_down", host=self.host, why=exc)
        default = next((str(ipp.first(a, "printer-name")) for a in dflt.objects(0x04)), None) if dflt.ok else None
        if not queues:
            return False, tr("printer.queue.none", host=self.host)
        candidates = queues
        if self.queue:
            candidates = [q for q in queues if ipp.first(q, "printer-name") == self.queue]
            if not candidates:
                return False, tr("printer.queue.missing", queue=self.queue, host=self.host)
        if self.default:
            if default is None:
                return False, tr("printer.queue.no_default", host=self.host)
            candidates = [q for q in candidates if ipp.first(q, "printer-name") == default]
            if not candidates:
                return False, tr("printer.queue.other_default", default=default, queue=self.queue)
        printer = _find_printer_service(lab, self.printer)
        reports = []
        for attrs in candidates:
            name = str(ipp.first(attrs, "printer-name"))
            ok, facts = self._judge(lab, host, printer, attrs)
            label = tr(
                "printer.queue.label",
                name=name,
                default=tr("printer.queue.label_default") if name == default and not self.default else "",
            )
            if ok:
                return True, tr("printer.queue.ok", label=label, facts=", ".join(facts))
            reports.append(tr("printer.queue.report", label=label, facts=", ".join(facts)))
        shown = " ; ".join(reports)
        return False, tr("printer.queue.ko_default", reports=shown) if self.default else shown

    def _judge(
        self, lab: Lab, host: HostKind, printer: Ippeveprinter, attrs: dict[str, list[object]]
    ) -> tuple[bool, list[str]]:
        name = str(ipp.first(attrs, "printer-name"))
        problems: list[str] = []
        good: list[str] = []
        uri = str(ipp.first(attrs, "device-uri", ""))
        uri_ok, uri_text = self._uri(lab, host, printer, uri)
        (good if uri_ok else problems).append(uri_text)
        drv_ok, drv_text = self._driver(host, printer, name, str(ipp.first(attrs, "printer-make-and-model", "")))
        (good if drv_ok else problems).append(drv_text)
        if ipp.first(attrs, "printer-state") == 5:
            problems.append(tr("printer.queue.stopped"))
        if ipp.first(attrs, "printer-is-accepting-jobs") is False:
            problems.append(tr("printer.queue.rejecting"))
        if problems:
            return False, problems
        return True, [*good, tr("printer.queue.enabled")]

    def _uri(self, lab: Lab, host: HostKind, printer: Ippeveprinter, uri: str) -> tuple[bool, str]:
        target = lab.address_of(self.printer)
        try:
            _, name, port, _ = ipp.split_uri(uri)
        except ipp.IppError as exc:
            return False, tr("printer.uri.bad", why=exc)
        addr, via = resolve_as(host, name)
        if addr is None:
            return False, tr("printer.uri.unresolved", uri=uri, name=name, host=self.host)
        if addr != target:
            shown = f"{name} = {addr}" if name != addr else addr
            return False, tr("printer.uri.other", uri=uri, shown=shown, target=target)
        if port != printer.port:
            return False, tr("printer.uri.port", uri=uri, port=port)
        try:
            resp = ipp.request(
                host.netns,
                uri,
                ipp.encode(ipp.GET_PRINTER_ATTRIBUTES, uri, keywords={"requested-attributes": ["printer-name"]}),
                address=addr,
            )
        except ipp.IppError as exc:
            return False, tr("printer.uri.refused", uri=uri, why=exc)
        if not resp.ok:
            return False, tr("printer.uri.ipp_error", uri=uri, status=resp.status)
        return True, tr("printer.uri.ok", uri=uri, printer=self.printer, addr=addr, via=via)

    @staticmethod
    def _driver(host: HostKind, printer: Ippeveprinter, queue: str, model: str) -> tuple[bool, str]:
        """The driver cupsd really uses (its printer-make-and-model, from its PPD cache) and the
        queue's PPD file must both be generated from the printer's own description."""
        ppd = host.read_text(f"/etc/cups/ppd/{queue}.ppd")
        if ppd is None or model == "Local Raw Printer":
            return False, tr("printer.driver.none")
        pcfile = re.search(r'^\*PCFileName:\s*"([^"]*)"', ppd, re.MULTILINE)
        kind = GENERATED_PPDS.get(pcfile.group(1).lower() if pcfile else "")
        sent = {
            m.split()[1] for m in re.findall(r'^\*cupsFilter2:\s*"([^"]*)"', ppd, re.MULTILINE) if len(m.split()) > 1
        }
        in_use = model.endswith("IPP Everywhere") or ", driverless" in model
        if kind and sent & set(printer.formats) and in_use:
            return True, tr("printer.driver.ok", model=model, kind=kind)
        if kind and sent & set(printer.formats):
            return False, tr("printer.driver.stale", model=model)
        return False, tr("printer.driver.other", model=model)

    def expected(self, lab: Lab) -> str:
        which = tr("printer.queue.exp_named", queue=self.queue) if self.queue else tr("printer.queue.exp_any")
        dflt = tr("printer.queue.exp_default") if self.default else ""
        try:
            where = f" ({lab.address_of(self.printer)})"
        except SimError:
            where = ""
        return tr(
            "printer.queue.expected", which=which, host=self.host, printer=self.printer, where=where, default=dflt
        )


def _sends_to(lab: Lab, host_name: str, port: int, target: str) -> bool:
    """Does the CUPS of `host_name` hold a pending or processing job on a queue that is not
    stopped and whose device URI reaches `target`? (False when that CUPS does not answer.)"""
    host = lab.host(host_name)
    local = f"ipp://127.0.0.1:{port}/"
    try:
        jobs = ipp.request(
            host.netns,
            local,
            ipp.encode(
                ipp.GET_JOBS,
                local,
                keywords={"which-jobs": ["not-completed"], "requested-attributes": ["job-state", "job-printer-uri"]},
            ),
        )
        queues = ipp.request(
            host.netns,
            local,
            ipp.encode(
                ipp.CUPS_GET_PRINTERS,
                None,
                keywords={"requested-attributes": ["printer-name", "printer-state", "device-uri"]},
            ),
        )
    except ipp.IppError:
        return False
    waiting = {
        str(ipp.first(j, "job-printer-uri", "")).rstrip("/").rsplit("/", 1)[-1]
        for j in jobs.objects(0x02)
        if ipp.first(j, "job-state") in (3, 5)
    }
    for attrs in queues.objects(0x04):
        if ipp.first(attrs, "printer-name") not in waiting or ipp.first(attrs, "printer-state") == 5:
            continue
        try:
            name = ipp.split_uri(str(ipp.first(attrs, "device-uri", "")))[1]
        except ipp.IppError:
            continue
        if name == target or lookup(host, name)[0] == target:
            return True
    return False


def resolve_as(host: HostKind, name: str) -> tuple[str | None, str]:
    """The IPv4 address `name` has for the host's applications, and ", how" (nothing for an
    address): network.lookup, as glibc does."""
    addr, how, _ = lookup(host, name)
    return addr, (f", {how}" if addr is not None and how != tr("probe.dns.via_address") else "")
