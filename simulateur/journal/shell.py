"""A journal line as the shell runs it: the simple commands it holds, in order, each with the
words it was run with, the files its redirections write and the host it ran on.

The journal records what the trainee typed; what that line *does* is only known once it is
parsed as the shell parses it: `a | b && c`, `( … )`, `$( … )`, `{ …; } > f`, heredocs. The
parser is tree-sitter's bash grammar (compiled, a few microseconds a line: a journal of ten
thousand lines is read in well under a second; bashlex, pure Python, took 0.3 to 0.9 ms a line
here) and it never fails: what it cannot parse comes back as ERROR nodes, whose commands are
still read, and a line with nothing readable falls back on a split on blanks.

Wrappers are seen through, because the command they run is what a jury reads: `sudo`, `env
VAR=x`, `nice`, `timeout N`, `nohup`, `xargs`, `command`, `exec`, `time`, `busybox`; scripts
given to a shell (`sh -c '…'`, `bash -lc '…'`, `sh <<EOF`, `su -c '…'`, `watch '…'`) are parsed
in turn; `ssh HOST CMD` (and `ssh HOST <<EOF`) gives the commands run on HOST, marked with it;
`find … -exec CMD {} \\;` runs CMD.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from functools import lru_cache

import tree_sitter_bash
from braceexpand import braceexpand
from tree_sitter import Language, Node, Parser

_LANGUAGE = Language(tree_sitter_bash.language())
MAX_DEPTH = 6  # `sh -c "ssh h 'sh -c …'"`: deeper nesting is read as the words it is
SHELLS = {"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox-sh"}
NO_FILE = {"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "-"}
REDIRECTS = {"file_redirect", "heredoc_redirect", "herestring_redirect"}
WRITE_OPS = {">", ">>", "&>", "&>>", ">|", "<>", ">&"}
ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\+?=")
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)
_DQ_ESCAPED = re.compile(r'\\([\\"$`\n])')
_ANSI_C = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "a": "\a", "e": "\x1b", "0": "\0"}


@dataclass(frozen=True, slots=True)
class Command:
    """One simple command: `argv` as run (quotes removed, wrappers seen through), `text` as
    typed (a slice of the line, or of the script a shell or ssh was given), `writes` the files
    its redirections write, `host` the host it ran on when ssh took it there."""

    argv: tuple[str, ...]
    text: str
    writes: tuple[str, ...] = ()
    host: str | None = None

    @property
    def name(self) -> str:
        """The program, without its directory (`/usr/sbin/ip` is `ip`)."""
        return self.argv[0].rsplit("/", 1)[-1] if self.argv else ""


def commands(line: str) -> tuple[Command, ...]:
    """The simple commands of a journal line, in the order they appear."""
    return _script(line, None, 0)


@lru_cache(maxsize=16384)
def _script(text: str, host: str | None, depth: int) -> tuple[Command, ...]:
    if depth > MAX_DEPTH or not text.strip():
        return ()
    # A lone surrogate (a journal's JSON may carry "\udcff": bytes that were not UTF-8) cannot be
    # encoded strictly: it becomes « ? », as a terminal would show it, rather than an exception.
    src = text.encode("utf-8", "replace")
    # A parser of its own for each parse (cheap): `sh -c` bodies are parsed while the outer line's
    # tree is still walked.
    tree = Parser(_LANGUAGE).parse(_ascii_shape(src))
    walker = _Walker(src, host, depth)
    walker.visit(tree.root_node)
    if not walker.out and tree.root_node.has_error:
        walker.run(_blank_split(text), text.strip(), (), None)
    return tuple(walker.out)


_NON_ASCII = re.compile(rb"[\x80-\xff]")


def _ascii_shape(src: bytes) -> bytes:
    """What the parser is given: the line with each non-ASCII byte made « _ » — the same length,
    so every node's offsets hold in `src`, where its text is read (`_text`).

    tree-sitter with the bash grammar (0.25) reads out of bounds on some characters beyond the
    Basic Multilingual Plane after a « { »: `{` then U+E0100 took the interpreter down in about
    one parse out of a few thousand (« Fatal Python error: Segmentation fault » inside `parse`,
    serially as in threads; a hypothesis test's random text met it now and then). For bash no
    byte above 0x7F is a metacharacter, a quote or a blank: each is a character of a word, as
    « _ » is, so the shape of the line — its commands, words, quotes, redirections — is the same."""
    return _NON_ASCII.sub(b"_", src)


def _blank_split(text: str) -> list[str]:
    try:
        return shlex.split(text, comments=True)
    except ValueError:  # an unbalanced quote
        return text.split()


def _text(node: Node, src: bytes) -> str:
    """A node's text as typed: read in the line itself (the parser saw its ASCII shape)."""
    return src[node.start_byte : node.end_byte].decode(errors="replace")


def value(node: Node, src: bytes) -> str:
    """A word's value, as the command receives it: quotes and escapes removed; expansions
    (`$x`, `$(…)`) stay as typed, their value is not known."""
    kind, text = node.type, _text(node, src)
    if kind == "raw_string":
        return text[1:-1]
    if kind == "string":
        return _DQ_ESCAPED.sub(r"\1", text[1:-1])
    if kind == "ansi_c_string":
        return re.sub(r"\\(.)", lambda m: _ANSI_C.get(m.group(1), m.group(0)), text[2:-1])
    if kind == "concatenation":
        return "".join(value(child, src) for child in node.children)
    if kind == "command_name":
        return "".join(value(child, src) for child in node.children)
    if kind == "word":
        return _ESCAPED.sub(lambda m: "" if m.group(1) == "\n" else m.group(1), text)
    return text


def _braces(node: Node, src: bytes) -> list[str]:
    """A word as bash passes it: brace expansion first (`f{,.bak}` is `f f.bak`), when no quote
    or expansion in the word could change it (braceexpand: the same rules for lists and ranges)."""
    word = value(node, src)
    raw = _text(node, src)
    if "{" not in raw or any(c in raw for c in "'\"$`\\"):
        return [word]
    try:
        return list(braceexpand(word))
    except ValueError:  # unbalanced: bash leaves it as typed
        return [word]


class _Walker:
    """Collects the commands of one parsed script (one nesting level)."""

    def __init__(self, src: bytes, host: str | None, depth: int) -> None:
        self.src = src
        self.host = host
        self.depth = depth
        self.out: list[Command] = []
        # Redirections the grammar hangs on a whole list or pipeline (`a && b > f` parses as
        # `(a && b) > f`) belong to its last command, as bash reads them: by that command's
        # (start, end) → (files written, standard input, where the redirections end).
        self.moved: dict[tuple[int, int], tuple[list[str], list[str], int]] = {}

    def _take_moved(self, node: Node, writes: list[str], stdin: list[str]) -> str:
        """Add the redirections moved onto `node`; its text as typed, with them."""
        moved = self.moved.pop((node.start_byte, node.end_byte), None)
        if moved is None:
            return _text(node, self.src)
        writes.extend(moved[0])
        stdin.extend(moved[1])
        return self.src[node.start_byte : moved[2]].decode(errors="replace")

    def visit(self, node: Node) -> None:
        kind = node.type
        if kind == "command":
            self.command(node, None, [], None)
        elif kind == "redirected_statement":
            self.redirected(node)
        elif kind == "function_definition" or kind in ("heredoc_body", "comment"):  # defining a function runs nothing
            return
        else:
            for child in node.children:
                self.visit(child)

    def redirected(self, node: Node) -> None:
        body = None
        writes: list[str] = []
        stdin: list[str] = []
        for child in node.children:
            if child.type in REDIRECTS:
                self.redirect(child, writes, stdin)
            elif body is None and child.is_named:
                body = child
            else:
                self.visit(child)
        text = self._take_moved(node, writes, stdin)
        if body is not None and body.type in ("list", "pipeline"):
            target = _last_statement(body)
            if target is not None:
                self.moved[(target.start_byte, target.end_byte)] = (writes, stdin, node.end_byte)
                self.visit(body)
                return
        if body is not None and body.type == "command":
            self.command(body, text, writes, stdin[0] if stdin else None)
            return
        if body is not None:
            self.visit(body)
        if writes:  # `{ a; b; } > f`, `> f`: the redirection writes the file whatever runs
            self.out.append(Command((), text, tuple(writes), self.host))

    def redirect(self, node: Node, writes: list[str], stdin: list[str]) -> None:
        """Files written by a redirection node; the text a heredoc or herestring feeds in."""
        kind = node.type
        if kind == "file_redirect":
            op = next((c.type for c in node.children if not c.is_named), "")
            dest = node.child_by_field_name("destination")
            target = value(dest, self.src) if dest is not None else ""
            if op in WRITE_OPS and target and target not in NO_FILE and not target.isdigit():
                writes.append(target)
            if dest is not None:
                self.visit(dest)  # `> "$(mktemp)"`
        elif kind == "heredoc_redirect":
            for child in node.children:
                if child.type == "heredoc_body":
                    stdin.append(_text(child, self.src))
                elif child.type in REDIRECTS:
                    self.redirect(child, writes, stdin)
                elif child.is_named and child.type not in ("heredoc_start", "heredoc_end"):
                    self.visit(child)  # `cat <<EOF | sh`: what the heredoc is piped into
        elif kind == "herestring_redirect":
            stdin.extend(value(c, self.src) for c in node.named_children)
        else:
            self.visit(node)

    def command(self, node: Node, text: str | None, writes: list[str], stdin: str | None) -> None:
        moved_in: list[str] = []
        own_text = self._take_moved(node, writes, moved_in)
        text = own_text if text is None else text
        stdin = stdin if stdin is not None else (moved_in[0] if moved_in else None)
        words: list[str] = []
        for child in node.children:
            kind = child.type
            if kind == "variable_assignment" and not words:
                self.visit(child)  # `X=$(hostname) cmd`: the substitution runs
            elif kind in REDIRECTS:
                found: list[str] = []
                self.redirect(child, writes, found)
                stdin = found[0] if found else stdin
            elif child.is_named:
                self.visit(child)  # command substitutions in the words run before the command
                words.extend(_braces(child, self.src))
        self.run(words, text, writes, stdin)

    def run(self, argv: list[str], text: str, writes: list[str] | tuple[str, ...], stdin: str | None) -> None:
        """Record `argv` (wrappers seen through), or the commands of the script it runs."""
        argv = unwrap(argv)
        name = argv[0].rsplit("/", 1)[-1] if argv else ""
        nested: tuple[str, str | None] | None = None
        if name in SHELLS or name == "su":
            script = _dash_c(argv)
            if script is None and stdin is not None and not _shell_operands(argv):
                script = stdin
            if script is not None:
                nested = (script, self.host)
        elif name == "ssh":
            dest, remote = ssh_remote(argv[1:])
            if dest is not None and (remote is not None or stdin is not None):
                nested = (remote if remote is not None else stdin or "", dest)
        elif name == "sshpass":
            i = 1
            while i < len(argv) and argv[i].startswith("-"):
                i += 2 if argv[i] in ("-p", "-f", "-d", "-P") else 1
            if i < len(argv):
                self.run(list(argv[i:]), text, writes, stdin)
                return
        elif name == "watch":
            rest = _after_options(argv[1:], {"-n", "--interval"})
            if rest:
                nested = (" ".join(rest), self.host)
        elif name == "find":
            for part in _find_exec(argv):
                self.run(part, text, (), None)
        if nested is not None:
            self.out.extend(_script(nested[0], nested[1], self.depth + 1))
            if writes:  # `sh -c '…' > log`, `ssh h cat f > copy`: written here, not over there
                self.out.append(Command((), text, tuple(writes), self.host))
            return
        if argv or writes:
            self.out.append(Command(tuple(argv), text, tuple(writes), self.host))


def _last_statement(node: Node) -> Node | None:
    """The last command (or redirected command) of a list or pipeline."""
    while node.type in ("list", "pipeline"):
        named = [c for c in node.children if c.is_named and c.type != "comment"]
        if not named:
            return None
        node = named[-1]
    return node if node.type in ("command", "redirected_statement") else None


def _dash_c(argv: list[str]) -> str | None:
    """The script of `sh -c SCRIPT`, `bash -lc SCRIPT`, `su - user -c SCRIPT`."""
    for i, word in enumerate(argv[1:], 1):
        if word in ("-c", "--command") or (word.startswith("-") and not word.startswith("--") and "c" in word[1:]):
            return argv[i + 1] if i + 1 < len(argv) else None
        if word.startswith("--command="):
            return word.split("=", 1)[1]
    return None


def _shell_operands(argv: list[str]) -> list[str]:
    """`sh script.sh` runs a file (not read here); `sh`, `bash -s`, `sh -x` read standard input."""
    return [w for w in argv[1:] if not w.startswith("-") and not w.startswith("+")]


def _after_options(args: list[str], with_value: set[str]) -> list[str]:
    i = 0
    while i < len(args) and args[i].startswith("-"):
        if args[i] == "--":
            return args[i + 1 :]
        i += 2 if args[i] in with_value else 1
    return args[i:]


def _find_exec(argv: list[str]) -> list[list[str]]:
    """The commands of `find … -exec CMD … {} \\;` (also -execdir, -ok, -okdir, ending with +)."""
    parts, i = [], 0
    while i < len(argv):
        if argv[i] in ("-exec", "-execdir", "-ok", "-okdir"):
            j = i + 1
            while j < len(argv) and argv[j] not in (";", "+"):
                j += 1
            parts.append(argv[i + 1 : j])
            i = j
        i += 1
    return [p for p in parts if p]


SSH_OPTS_WITH_ARG = set("BbcDEeFIiJLlmOopQRSWw")


def ssh_remote(args: list[str]) -> tuple[str | None, str | None]:
    """(host, remote command) of `ssh [opts] [user@]HOST [CMD…]`: the host without its user,
    the command as ssh sends it (its words joined by blanks, for the remote shell to parse: a
    single quoted word is exactly what was typed between the quotes); None for a session."""
    i = 0
    while i < len(args) and args[i].startswith("-") and args[i] != "--":
        opt = args[i]
        i += 2 if len(opt) == 2 and opt[1] in SSH_OPTS_WITH_ARG else 1
    if i < len(args) and args[i] == "--":
        i += 1
    if i >= len(args):
        return None, None
    dest = args[i].rsplit("@", 1)[-1]
    dest = dest.removeprefix("ssh://").split(":", 1)[0] or dest
    rest = args[i + 1 :]
    return dest, (" ".join(rest) if rest else None)


# Wrappers: name → options that take a value (the command follows the options).
WRAPPERS: dict[str, set[str]] = {
    "sudo": {
        "-u",
        "-g",
        "-C",
        "-h",
        "-p",
        "-r",
        "-t",
        "-U",
        "-D",
        "-R",
        "-T",
        "--user",
        "--group",
        "--host",
        "--prompt",
        "--role",
        "--type",
        "--other-user",
        "--chdir",
        "--chroot",
        "--close-from",
        "--command-timeout",
    },
    "doas": {"-u", "-C"},
    "env": {"-u", "-C", "--unset", "--chdir", "-S", "--split-string"},
    "nice": {"-n", "--adjustment"},
    "ionice": {"-c", "-n", "-p", "-P", "-u", "--class", "--classdata"},
    "stdbuf": {"-i", "-o", "-e"},
    "nohup": set(),
    "command": set(),
    "builtin": set(),
    "exec": {"-a"},
    "time": {"-f", "-o", "--format", "--output"},
    "setsid": set(),
    "busybox": set(),
    "xargs": {
        "-a",
        "-d",
        "-E",
        "-I",
        "-L",
        "-n",
        "-P",
        "-s",
        "--arg-file",
        "--delimiter",
        "--max-args",
        "--max-procs",
        "--max-chars",
        "--max-lines",
        "--eof",
        "--process-slot-var",
    },
    "timeout": {"-s", "-k", "--signal", "--kill-after"},
}


def unwrap(argv: list[str]) -> list[str]:
    """The command a wrapper runs: `sudo -u x env A=1 nice -n 5 timeout 3 ip a` is `ip a`.

    A wrapper with nothing to run stays as it is (`env` lists the environment, `sudo -l` the
    rights, `command -v ip` looks a command up); `sudo -e F` is `sudoedit F`."""
    argv = list(argv)
    while argv:
        if ASSIGNMENT.match(argv[0]):
            argv = argv[1:]
            continue
        name = argv[0].rsplit("/", 1)[-1]
        opts = WRAPPERS.get(name)
        if opts is None:
            break
        i = 1
        while i < len(argv) and argv[i].startswith("-") and argv[i] != "-":
            word = argv[i]
            if word == "--":
                i += 1
                break
            if name == "sudo" and word in ("-e", "--edit"):
                return ["sudoedit", *argv[i + 1 :]]
            if name in ("command", "type") and word in ("-v", "-V"):
                return argv
            if name == "nice" and word[1:].isdigit():  # nice -5 CMD
                i += 1
                continue
            i += 2 if word in opts else 1
        while name in ("env", "sudo") and i < len(argv) and ASSIGNMENT.match(argv[i]):
            i += 1
        if name == "timeout" and i < len(argv):
            i += 1  # the duration
        if i >= len(argv):
            break
        argv = argv[i:]
    return argv
