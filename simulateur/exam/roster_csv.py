"""A roster from a spreadsheet (the French convention: UTF-8 with or without BOM, « ; » between
columns, a header line). Columns, by their header's name (any order, case and accents ignored):

    nom          the candidate's name (required)
    login        her Unix account on the lab machines (optional: without it, her browser code only)
    machine      the lab machine she is placed on (optional; `simulateur serve --name`)
    tiers_temps  her extra time (optional): « 4/3 » or « oui » (minutes × 4/3), « +N » (N more minutes)

A bad line is refused naming its number and why; nothing is imported from a file with a bad line.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from simulateur.errors import UsageError
from simulateur.i18n import tr

COLUMNS = ("nom", "login", "machine", "tiers_temps")
MAX_BYTES = 1 << 20
MAX_LINES = 2000


@dataclass(frozen=True)
class Line:
    number: int  # its line in the file (the header is line 1)
    name: str
    login: str
    machine: str | None
    extra: str | None


def _key(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "_".join(plain.strip().lower().replace("-", " ").split())


def read(path: Path) -> list[Line]:
    try:
        data = path.read_bytes()[: MAX_BYTES + 1]
    except OSError as exc:
        raise UsageError(tr("roster.unreadable", path=path, why=exc.strerror or exc)) from None
    return parse(data, str(path))


def parse(data: bytes, where: str) -> list[Line]:
    """The lines of a roster CSV, each checked (name, login known to this machine, machine's name,
    extra time, nothing twice) — or one French line naming the file, the line and the fix."""
    from simulateur.exam.core import check_extra, check_name, pins

    if len(data) > MAX_BYTES:
        raise UsageError(tr("roster.too_big", path=where, max=MAX_BYTES // 1024))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UsageError(tr("roster.not_utf8", path=where, line=line)) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    try:
        numbered = [(reader.line_num, row) for row in reader]  # a row's last line in the file
    except csv.Error as exc:
        raise UsageError(tr("roster.bad_line", path=where, line=reader.line_num, why=exc)) from None
    rows = [row for _, row in numbered]
    if not rows or not any(c.strip() for c in rows[0]):
        raise UsageError(tr("roster.empty", path=where, columns=";".join(COLUMNS)))
    header = [_key(c) for c in rows[0]]
    if "nom" not in header:
        raise UsageError(tr("roster.no_name_column", path=where, columns=";".join(COLUMNS), found=";".join(rows[0])))
    unknown = [c for c in header if c and c not in COLUMNS]
    if unknown:
        raise UsageError(tr("roster.unknown_column", path=where, column=unknown[0], columns=";".join(COLUMNS)))
    if len(rows) > MAX_LINES + 1:
        raise UsageError(tr("roster.too_many", path=where, max=MAX_LINES))
    out: list[Line] = []
    seen_names: dict[str, int] = {}
    seen_logins: dict[str, int] = {}
    for number, row in numbered[1:]:
        if not any(c.strip() for c in row):
            continue  # a blank line, as spreadsheets leave at the end
        if len(row) > len(header) and any(c.strip() for c in row[len(header) :]):
            raise UsageError(
                tr(
                    "roster.bad_line",
                    path=where,
                    line=number,
                    why=tr("roster.too_many_cells", n=len(row), m=len(header)),
                )
            )
        cells = {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header)}
        try:
            name = check_name(cells.get("nom", ""))
            login = cells.get("login", "")
            machine = cells.get("machine") or None
            if machine is not None:
                pins({name: login}, machine)
            extra = (
                check_extra(cells["tiers_temps"])
                if cells.get("tiers_temps") and _key(cells["tiers_temps"]) not in ("non", "0")
                else None
            )
            if login:
                _known_login(login)
        except UsageError as exc:
            raise UsageError(tr("roster.bad_line", path=where, line=number, why=exc)) from None
        key = " ".join(name.split()).casefold()
        if key in seen_names:
            raise UsageError(
                tr("roster.bad_line", path=where, line=number, why=tr("roster.twice", what=name, other=seen_names[key]))
            )
        if login and login in seen_logins:
            raise UsageError(
                tr(
                    "roster.bad_line",
                    path=where,
                    line=number,
                    why=tr("roster.twice", what=login, other=seen_logins[login]),
                )
            )
        seen_names[key] = number
        if login:
            seen_logins[login] = number
        out.append(Line(number, name, login, machine, extra))
    if not out:
        raise UsageError(tr("roster.no_line", path=where))
    return out


def _known_login(login: str) -> None:
    import pwd

    try:
        pwd.getpwnam(login)
    except KeyError:
        raise UsageError(tr("roster.no_login", login=login)) from None
