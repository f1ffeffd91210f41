"""Commands of a centre's accounts and stations: `account` (root, on the machine whose store it
is: trainer and jury accounts of the network API), `login` / `logout` (an ordinary account on a
station of the room's network: the examen's commands then go to that service)."""

from __future__ import annotations

import argparse
import os
import sys

from simulateur.errors import SimError, UsageError
from simulateur.i18n import tr


def _new_password(args: argparse.Namespace) -> str:
    """Twice at a terminal; one line of stdin otherwise (a script: « … --password-stdin < fichier »)."""
    if args.password_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass(tr("api.password_new"))
    if getpass.getpass(tr("api.password_again")) != first:
        raise UsageError(tr("api.password_mismatch"))
    return first


def cmd_account(args: argparse.Namespace) -> int:
    if os.geteuid() != 0:
        raise SimError(tr("accounts.need_root"), exit_code=3)
    from simulateur.exam.accounts import Accounts

    accounts = Accounts()
    if args.action == "list":
        rows = accounts.all()
        if not rows:
            print(tr("accounts.none"))
        for a in rows:
            import time

            print(
                f"  {a.login}  ({', '.join(a.roles)})  "
                + tr("accounts.changed", when=time.strftime("%d/%m/%Y %H:%M", time.localtime(a.changed)))
            )
        return 0
    if not args.login:
        raise UsageError(tr("accounts.need_login", action=args.action))
    if args.action == "add":
        if not args.role:
            raise UsageError(tr("accounts.need_role"))
        Accounts.check_login(args.login)
        Accounts.check_roles(args.role)
        account = accounts.add(args.login, args.role, _new_password(args))
        print(tr("accounts.added", login=account.login, roles=", ".join(account.roles)))
    elif args.action == "passwd":
        accounts.set_password(args.login, _new_password(args))
        print(tr("accounts.password_set", login=args.login))
    elif args.action == "roles":
        accounts.set_roles(args.login, args.role)
        print(tr("accounts.roles_set", login=args.login, roles=", ".join(args.role)))
    elif args.action == "remove":
        accounts.remove(args.login)
        print(tr("accounts.removed", login=args.login))
    return 0


def cmd_login(args: argparse.Namespace) -> int:
    from simulateur.serve import remote

    return remote.login(args.url, user=args.user, code=args.code, cafile=args.cafile)


def cmd_logout(args: argparse.Namespace) -> int:
    from simulateur.serve import remote

    return remote.logout()


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("account", help=tr("help.serve.account"))
    s.add_argument("action", choices=("add", "list", "passwd", "roles", "remove"))
    s.add_argument("login", nargs="?", default=None, metavar=tr("metavar.login"))
    s.add_argument(
        "--role", action="append", default=[], choices=("formateur", "jury"), help=tr("help.serve.account.role")
    )
    s.add_argument(
        "--password-stdin",
        action="store_true",
        help=tr("help.serve.account.password_stdin"),
    )
    s.set_defaults(func=cmd_account)

    s = sub.add_parser("login", help=tr("help.serve.login"))
    s.add_argument("url", metavar=tr("metavar.url"), help=tr("help.serve.login.url"))
    s.add_argument("--user", default=None, metavar=tr("metavar.login"), help=tr("help.serve.login.user"))
    s.add_argument("--code", default=None, metavar=tr("metavar.code"), help=tr("help.serve.login.code"))
    s.add_argument(
        "--cafile",
        default=None,
        metavar=tr("metavar.fichier"),
        help=tr("help.serve.login.cafile"),
    )
    s.set_defaults(func=cmd_login)

    s = sub.add_parser("logout", help=tr("help.serve.logout"))
    s.set_defaults(func=cmd_logout)
