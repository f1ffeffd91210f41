"""sysd — a small systemctl / journalctl for simulateur lab hosts.

A lab host has no systemd (PID 1 is a shell loop that reaps orphans).  This
package is copied into each host as /usr/local/lib/sysd/sysd/, and the
launchers /usr/local/sbin/systemctl, /usr/local/sbin/journalctl (and the same
in /usr/bin) run it (simulateur.lab.hostfs.sysd_launcher); it dispatches on
the basename of argv[0] (main.py).  It manages the services described by
/etc/systemd/system/NAME.service with systemd-like (English) output.  Standard
library only, Python >= 3.9, and it must never import simulateur.

Modules, each with one job: common (paths, Fail, file helpers), fmt (output
formatting), procs (/proc), units (unit files), logs (the services' logs),
state (runtime state and locks), supervise (spawning; start, stop, reload
jobs), verbs (systemctl verbs that act), views (systemctl verbs that look),
options (GNU command lines with getopt), systemctl and journalctl (their
options and dispatch), main (the entry).

Every path below is a path *inside the host*; the files that this program
reads or writes itself are joined under $SYSD_ROOT (default "/"), so tests can
run it against a temporary directory.  Paths handed to the services (the
command line, WorkingDirectory=) are left untouched.

Runtime state, in /run/sysd (a private tmpfs in each host):
  NAME.pid      main PID of the running service (a single number)
  NAME.since    line 1: start time (epoch seconds); then KEY=VALUE lines
                (stime = start time of the main PID in clock ticks, used to
                detect PID reuse; process = a finished control process)
  NAME.failed   line 1: the result (exit-code, timeout, protocol,
                resources); then KEY=VALUE lines (since, pid, code, status…)
  NAME.stopped  time of the last clean stop (for "inactive (dead) since")
  NAME.remain   Type=oneshot + RemainAfterExit=yes: "active (exited)"
  NAME.lock     flock(2) serialising start/stop of the unit
Logs: /var/log/sysd/NAME.log (the service's stdout and stderr, plus
"systemd[1]" lines written by this program).
"""
