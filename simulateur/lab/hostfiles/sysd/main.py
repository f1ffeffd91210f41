"""The program's entry: systemctl or journalctl by the name it was run as, and every error as one
line on stderr with systemd's exit code (never a traceback)."""

import os
import sys

from .common import Fail, err
from .journalctl import journalctl_main
from .systemctl import systemctl_main


def main(argv=None):
    argv = list(sys.argv if argv is None else argv)
    prog = os.path.basename(argv[0]) if argv else "systemctl"
    args = argv[1:]
    if prog not in ("systemctl", "journalctl") and args and args[0] in ("systemctl", "journalctl"):
        prog, args = args[0], args[1:]
    tool = "journalctl" if prog == "journalctl" else "systemctl"
    try:
        return journalctl_main(args) if tool == "journalctl" else systemctl_main(args)
    except Fail as e:
        if e.code == 0:
            print(str(e))
        else:
            err(str(e))
        return e.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except OSError:
            pass
        return 0
    except Exception as e:  # noqa: BLE001 — never show a traceback to a trainee
        try:
            err("%s: %s" % (tool, str(e) or e.__class__.__name__))
        except Exception:  # noqa: BLE001 — the message itself failed (stderr gone): the exit status says it
            pass
        return 1


def entry():
    """Run as a program: main(), stdout flushed (a closed pipe is no error), its code as exit status."""
    try:
        code = main()
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            except OSError:
                pass
        sys.exit(code)
    except KeyboardInterrupt:
        os._exit(130)
