"""GNU command lines, read with the standard library's getopt.gnu_getopt: options before, between
or after the words, combined short flags (-aq, -xeu UNIT), values attached or given as the next
word (-n5, -n 5, --lines=5, --lines 5), `--` ending the options, and long options abbreviated to
any unique prefix (--no-pag) — as systemctl and journalctl read them (getopt_long).

Two things getopt lacks are added here: the errors worded as getopt_long words them, and the
optional values of journalctl's -n and -b (C getopt's `::`, missing from Python's getopt before
3.14), which journalctl also takes from the next word when it is a number.
"""

import getopt
import re

NUMBER = re.compile(r"^[+-]?\d+$")


def is_num(word):
    """A value journalctl's -n and -b take from the next word (journalctl -n 20, -b -1)."""
    return bool(NUMBER.match(word)) or word in ("all", "+all")


def long_name(typed, longopts):
    """The long option a typed name stands for (itself, or the one it is a unique prefix of), or
    None; `longopts` as getopt takes them (NAME= for an option with a value)."""
    names = [o.rstrip("=") for o in longopts]
    if typed in names:
        return typed
    matches = [n for n in names if n.startswith(typed)]
    return matches[0] if len(matches) == 1 else None


def explicit(argv, shortopts, longopts, optional):
    """argv with the optional values made explicit for getopt: an option of `optional` (short
    letter or long name -> its value when none is given) takes a value attached to it (-n20,
    --lines=20) or, when the next word is a number (is_num), that word; otherwise its default."""
    with_value = {c for i, c in enumerate(shortopts) if shortopts[i + 1 : i + 2] == ":"}
    long_value = {o[:-1] for o in longopts if o.endswith("=")}
    out, i = [], 0
    while i < len(argv):
        word = argv[i]
        i += 1
        if word == "--":
            out.extend(argv[i - 1 :])
            break
        if word.startswith("--"):
            typed, eq, _ = word[2:].partition("=")
            name = long_name(typed, longopts)
            if name in optional and not eq:
                if i < len(argv) and is_num(argv[i]):
                    word, i = "--%s=%s" % (name, argv[i]), i + 1
                else:
                    word = "--%s=%s" % (name, optional[name])
            elif name in long_value and not eq and i < len(argv):
                out.append(word)  # its value is the next word, whatever it is
                word, i = argv[i], i + 1
        elif word.startswith("-") and word != "-":
            for j, c in enumerate(word[1:], 2):
                if c in optional:
                    if j == len(word):  # last of its word: no value attached
                        if i < len(argv) and is_num(argv[i]):
                            word, i = word + argv[i], i + 1
                        else:
                            word += optional[c]
                    break
                if c in with_value:
                    if j == len(word) and i < len(argv):
                        out.append(word)
                        word, i = argv[i], i + 1
                    break
        out.append(word)
    return out


class OptionError(Exception):
    """A command line getopt refused: the option at fault ("-c", or "--name" with an abbreviation
    expanded), getopt_long's words for it (without the program's name), and `before`: the options
    read before the fault, which the program acts on first (systemctl -h -z shows the help, as the
    real one does: getopt_long hands over the options one by one)."""

    def __init__(self, option, message):
        super().__init__(message)
        self.option = option
        self.before = []


def parse(argv, shortopts, longopts):
    """getopt.gnu_getopt's ([(option, value)], words); OptionError for a bad command line."""
    try:
        return getopt.gnu_getopt(argv, shortopts, longopts)
    except getopt.GetoptError as e:
        error = failure(e.opt, argv, shortopts, longopts)
    for end in range(len(argv) - 1, -1, -1):  # the longest start of the line getopt reads whole
        try:
            error.before = getopt.gnu_getopt(argv[:end], shortopts, longopts)[0]
            break
        except getopt.GetoptError:
            continue
    raise error


def failure(opt, argv, shortopts, longopts):
    """The OptionError for getopt's error on option `opt` (its GetoptError.opt: the letter of a
    short option; for a long one the name typed, or the full name when the error is about its
    value), worded from the option alone, never from getopt's English text."""
    words = argv[: argv.index("--")] if "--" in argv else argv
    typed = [w[2:].partition("=") for w in words if w.startswith("--")]
    if len(opt) == 1 and not any(t == opt for t, _, _ in typed):
        if opt + ":" in shortopts:
            return OptionError("-" + opt, "option requires an argument -- '%s'" % opt)
        return OptionError("-" + opt, "invalid option -- '%s'" % opt)
    name = long_name(opt, longopts)
    if name and name + "=" in longopts:
        return OptionError("--" + name, "option '--%s' requires an argument" % name)
    if name:  # a long option without a value, given one
        word = next(("--%s=%s" % (t, v) for t, eq, v in typed if eq and long_name(t, longopts) == name), "--" + name)
        return OptionError("--" + name, "unrecognized option '%s'" % word)
    word = next(("--%s%s%s" % (t, eq, v) for t, eq, v in typed if t == opt), "--" + opt)
    return OptionError("--" + opt, "unrecognized option '%s'" % word)
