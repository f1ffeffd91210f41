"""A network printer: ippeveprinter (cups-ipp-utils), an IPP Everywhere printer that keeps every
document it receives in its spool (`-k -d SPOOL`), which is what a probe looks at.

Around it, the printer's "firmware" (one shell script, the unit's main process ends up being
ippeveprinter itself):
  - a private D-Bus (ippeveprinter exits with "Unable to initialize DNS-SD" without one);
  - an I/O time-out, as real printers have: a job created but whose data the printer cannot read
    (raw text, PCL… sent by a wrong driver) stays "pending-held" at ippeveprinter and blocks
    every later job. Such a job is cancelled after HOLD_TIMEOUT seconds, so a wrong driver
    never blocks the printer for the right one;
  - its request log, without the time-out's own requests (they come from localhost).
"""

from __future__ import annotations

import shlex
from typing import ClassVar, Literal

from pydantic import Field

from simulateur.lab.services.base import Files, ServiceBase, ServiceContext, unit

LIB = "/usr/local/lib/imprimante"

START = """\
#!/bin/bash
# Micrologiciel de l'imprimante « {printer} » : D-Bus privé, délai d'attente des travaux
# illisibles, puis le serveur IPP (ippeveprinter) lui-même.
RUN=/run/ippeveprinter
mkdir -p "$RUN" {spool}
rm -f "$RUN/dbus.sock" "$RUN/dbus.addr"
# dbus-daemon prints its address once it accepts connections (the socket file exists a moment
# before: a printer started then fails with « Unable to initialize DNS-SD », seen under load).
dbus-daemon --session --nofork --nopidfile --address="unix:path=$RUN/dbus.sock" --print-address=3 3>"$RUN/dbus.addr" &
for i in $(seq 1000); do [ -s "$RUN/dbus.addr" ] && break; sleep 0.01; done
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$RUN/dbus.sock"
{lib}/delai-travaux &
exec {command} > >(exec grep --line-buffered -v '^localhost ') 2>&1
"""

# Cancels the jobs that stay pending-held for want of readable data (job-data-insufficient).
WATCHDOG = """\
#!/bin/sh
# Délai d'attente de l'imprimante : un travail dont les données restent illisibles plus de
# {timeout} s est abandonné (comme le délai d'E/S d'une vraie imprimante).
URI=ipp://127.0.0.1:{port}/ipp/print
held="" ; count=""
while sleep 1; do
    now=$(ipptool -T 2 -c "$URI" {lib}/travaux-bloques.test 2>/dev/null |
          awk -F, 'NR > 1 && $2 == "pending-held" && $3 ~ /job-data-insufficient/ {{print $1}}')
    next=""
    for id in $now; do
        n=$(echo "$count" | tr ' ' '\\n' | awk -F: -v id="$id" '$1 == id {{print $2}}')
        n=$(( ${{n:-0}} + 1 ))
        if [ "$n" -ge {timeout} ]; then
            ipptool -T 2 -d job="$id" "$URI" {lib}/annuler-travail.test >/dev/null 2>&1 &&
                echo "imprimante : travail $id abandonné (données illisibles : format non reconnu)"
        else
            next="$next $id:$n"
        fi
    done
    count=$next
done
"""

HELD_TEST = """\
# Travaux en attente de l'imprimante (délai d'attente des travaux illisibles)
{
  OPERATION Get-Jobs
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR naturalLanguage attributes-natural-language fr
  ATTR uri printer-uri $uri
  ATTR keyword which-jobs not-completed
  ATTR keyword requested-attributes job-id,job-state,job-state-reasons
  STATUS successful-ok
  DISPLAY job-id
  DISPLAY job-state
  DISPLAY job-state-reasons
}
"""

CANCEL_TEST = """\
# Abandon d'un travail illisible (délai d'attente de l'imprimante)
{
  OPERATION Cancel-Job
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR naturalLanguage attributes-natural-language fr
  ATTR uri printer-uri $uri
  ATTR integer job-id $job
  ATTR name requesting-user-name imprimante
  STATUS successful-ok
}
"""

WAIT_READY = (
    "/bin/bash -c 'for i in $(seq 300); do (exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null "
    "&& exit 0; sleep 0.01; done; exit 1'"
)


class Ippeveprinter(ServiceBase):
    type: Literal["ippeveprinter"]
    name: str = Field("ippeveprinter", pattern=r"^[a-z][a-z0-9-]{0,31}$")
    printer: str = Field(
        "Imprimante",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$",
        description="Nom de l'imprimante (printer-name annoncé en IPP).",
    )
    make: str = Field("Brother", pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,31}$", description="Fabricant.")
    model: str = Field("HL-L2350DW", pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,31}$", description="Modèle.")
    location: str = Field("", pattern=r"^[^\n]{0,63}$", description="Emplacement (printer-location).")
    port: int = Field(631, ge=1, le=65535, description="Port IPP (ipp://ADRESSE:PORT/ipp/print).")
    binary: ClassVar[str] = "/usr/sbin/ippeveprinter"
    spool: ClassVar[str] = "/var/spool/ippeveprinter"
    resource: ClassVar[str] = "/ipp/print"
    formats: ClassVar[tuple[str, ...]] = ("application/pdf", "image/pwg-raster", "image/urf")
    hold_timeout: ClassVar[int] = 3

    def ports(self) -> list[tuple[str, int]]:
        return [("tcp", self.port)]

    def command(self) -> list[str]:
        argv = [
            self.binary,
            "-k",
            "-d",
            self.spool,
            "-p",
            str(self.port),
            "-r",
            "off",
            "-f",
            ",".join(self.formats),
            "-M",
            self.make,
            "-m",
            self.model,
        ]
        if self.location:
            argv += ["-l", self.location]
        return [*argv, self.printer]

    def files(self, ctx: ServiceContext) -> Files:
        start = START.format(printer=self.printer, spool=self.spool, lib=LIB, command=shlex.join(self.command()))
        return {
            f"{self.spool}/": ("", 0o755),
            f"{LIB}/demarrer": (start, 0o755),
            f"{LIB}/delai-travaux": (WATCHDOG.format(port=self.port, lib=LIB, timeout=self.hold_timeout), 0o755),
            f"{LIB}/travaux-bloques.test": (HELD_TEST, 0o644),
            f"{LIB}/annuler-travail.test": (CANCEL_TEST, 0o644),
            f"/etc/systemd/system/{self.name}.service": (
                unit(
                    f"Imprimante réseau {self.make} {self.model} (ippeveprinter, IPP Everywhere)",
                    f"{LIB}/demarrer",
                    extra=[f"ExecStartPost={WAIT_READY.format(port=self.port)}"],
                ),
                0o644,
            ),
        }
