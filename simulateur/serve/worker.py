"""One allowed request, run as the command line would run it: `python -m simulateur.serve.worker
JSON` with the client's own terminal as stdin/stdout/stderr (the service passes on the fds it
received). JSON: {"argv": [...], "overrides": {...}} — the values the service forces (a
candidate's name from the roster, her fiche file as fd 3, the service as her run's keeper)."""

from __future__ import annotations

import json
import sys


def main(argv: list[str]) -> int:
    req = json.loads(argv[0])
    from simulateur import cli

    args = cli.build_parser().parse_args(req["argv"])
    for key, value in req["overrides"].items():
        setattr(args, key, value)
    try:
        return cli.dispatch(args)
    except Exception:  # noqa: BLE001 — the candidate gets one line; the service's log gets the rest
        import traceback

        from simulateur.i18n import tr

        with open(req["log"], "a", encoding="utf-8") as log:
            traceback.print_exc(file=log)
        print(f"simulateur : {tr('serve.internal')}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
