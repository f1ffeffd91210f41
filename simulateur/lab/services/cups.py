"""CUPS: the print server of a workstation (cupsd from cups-daemon), with a configuration, spool
and cache of the host's own: the machine's CUPS (its /etc/cups, /var/spool/cups…) is never seen
nor touched. Listens on localhost:631 and /run/cups/cups.sock, so that lpadmin, lpstat and lp work
with no option inside the host. No discovery (no avahi): printers are added by their address."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from simulateur.lab.services.base import Files, ServiceBase, ServiceContext, unit

CUPSD_CONF = """\
# /etc/cups/cupsd.conf — serveur d'impression CUPS de {host} (configuration locale)
# Voir « man cupsd.conf ». Après une modification : systemctl restart {name}
LogLevel warn
MaxLogSize 0
ErrorPolicy retry-job
# Seul le poste lui-même imprime par ce serveur (pas de partage).
Listen localhost:{port}
Listen /run/cups/cups.sock
Browsing No
DefaultAuthType Basic
WebInterface Yes
<Location />
  Order allow,deny
</Location>
<Location /admin>
  Order allow,deny
</Location>
<Location /admin/conf>
  AuthType Default
  Require user @SYSTEM
  Order allow,deny
</Location>
<Policy default>
  JobPrivateAccess default
  JobPrivateValues default
  SubscriptionPrivateAccess default
  SubscriptionPrivateValues default
  <Limit Create-Job Print-Job Print-URI Validate-Job>
    Order deny,allow
  </Limit>
  <Limit Send-Document Send-URI Hold-Job Release-Job Restart-Job Purge-Jobs Set-Job-Attributes Create-Job-Subscription Renew-Subscription Cancel-Subscription Get-Notifications Reprocess-Job Cancel-Current-Job Suspend-Current-Job Resume-Job Cancel-My-Jobs Close-Job CUPS-Move-Job CUPS-Get-Document>
    Require user @OWNER @SYSTEM
    Order deny,allow
  </Limit>
  <Limit CUPS-Add-Modify-Printer CUPS-Delete-Printer CUPS-Add-Modify-Class CUPS-Delete-Class CUPS-Set-Default CUPS-Get-Devices>
    AuthType Default
    Require user @SYSTEM
    Order deny,allow
  </Limit>
  <Limit Pause-Printer Resume-Printer Enable-Printer Disable-Printer Pause-Printer-After-Current-Job Hold-New-Jobs Release-Held-New-Jobs Deactivate-Printer Activate-Printer Restart-Printer Shutdown-Printer Startup-Printer Promote-Job Schedule-Job-After Cancel-Jobs CUPS-Accept-Jobs CUPS-Reject-Jobs>
    AuthType Default
    Require user @SYSTEM
    Order deny,allow
  </Limit>
  <Limit Cancel-Job CUPS-Authenticate-Job>
    Require user @OWNER @SYSTEM
    Order deny,allow
  </Limit>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
"""

CUPS_FILES_CONF = """\
# /etc/cups/cups-files.conf — fichiers et droits du serveur CUPS de {host}
SystemGroup root lpadmin
LogFileGroup adm
AccessLog /var/log/cups/access_log
ErrorLog /var/log/cups/error_log
PageLog /var/log/cups/page_log
"""

# Wait (at most 3 s) for the scheduler's socket: a started unit is a usable scheduler.
WAIT_READY = (
    "/bin/sh -c 'i=0; while [ ! -S /run/cups/cups.sock ] && [ $i -lt 300 ]; "
    "do sleep 0.01; i=$((i+1)); done; [ -S /run/cups/cups.sock ]'"
)


class Cups(ServiceBase):
    type: Literal["cups"]
    name: str = Field("cups", pattern=r"^[a-z][a-z0-9-]{0,31}$")
    port: int = Field(631, ge=1, le=65535, description="Port IPP local (localhost).")
    binary: ClassVar[str] = "/usr/sbin/cupsd"

    def ports(self) -> list[tuple[str, int]]:
        return [("tcp", self.port)]

    def files(self, ctx: ServiceContext) -> Files:
        return {
            # Directories of this CUPS only: the machine's never show through.
            "/etc/cups/": ("", 0o755),
            "/etc/cups/ppd/": ("", 0o755),
            "/var/spool/cups/": ("", 0o710),
            "/var/spool/cups/tmp/": ("", 0o1770),
            "/var/cache/cups/": ("", 0o770),
            "/var/log/cups/": ("", 0o755),
            "/etc/cups/cupsd.conf": (CUPSD_CONF.format(host=ctx.host, name=self.name, port=self.port), 0o644),
            "/etc/cups/cups-files.conf": (CUPS_FILES_CONF.format(host=ctx.host), 0o644),
            f"/etc/systemd/system/{self.name}.service": (
                unit(
                    "CUPS Scheduler",
                    "/usr/sbin/cupsd -f",
                    extra=["ExecStartPre=/bin/mkdir -p /run/cups", f"ExecStartPost={WAIT_READY}"],
                ),
                0o644,
            ),
        }
