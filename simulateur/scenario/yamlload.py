"""YAML loading that remembers the line of every value, so errors can say file:line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from simulateur.errors import ScenarioError
from simulateur.i18n import N_, tr

Loc = tuple[str | int, ...]
MAX_FILE_BYTES = 1_000_000

M = TypeVar("M", bound=BaseModel)


class Located:
    """Plain data from a YAML file plus the line (1-based) of each path in it."""

    def __init__(self, path: Path, data: Any, lines: dict[Loc, int], literal: dict[Loc, int] | None = None) -> None:
        self.path = path
        self.data = data
        self.lines = lines
        self.literal = literal or {}  # literal block scalars (`|`): the line of their text's first line

    def line_in_text(self, loc: Loc, offset: int) -> int:
        """The line of the character at `offset` of the string at `loc`: exact inside a literal
        block (`|`, one line of text per line of file), else the value's own line."""
        first = self.literal.get(tuple(loc))
        value = self.data
        try:
            for key in loc:
                value = value[key]
        except (KeyError, IndexError, TypeError):
            value = None
        if first is None or not isinstance(value, str):
            return self.line_of(loc)
        return first + value[:offset].count("\n")

    def line_of(self, loc: Loc) -> int:
        """Line of the deepest known prefix of `loc` (a pydantic error location)."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), 1)

    def where(self, loc: Loc) -> str:
        return f"{self.path}:{self.line_of(loc)}"


MAX_NODES = 50_000


class _Builder:
    """Turns a composed YAML node tree into plain data, recording each value's line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines: dict[Loc, int] = {}
        self.literal: dict[Loc, int] = {}
        self.count = 0
        self.scalars = yaml.constructor.SafeConstructor()

    def build(self, node: yaml.Node, loc: Loc = (), record: bool = True) -> Any:
        # Aliases are expanded here: bound the total so "billion laughs" files stay harmless.
        self.count += 1
        if self.count > MAX_NODES:
            raise ScenarioError([f"{self.path}: {tr('yaml.too_big', max=MAX_FILE_BYTES // 1000)}"])
        if record:
            self.lines[loc] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, loc)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, loc + (i,)) for i, item in enumerate(node.value)]
        # Scalars: the safe constructor decides the type (int, bool, str…).
        if record and isinstance(node, yaml.ScalarNode) and node.style == "|":
            self.literal[loc] = self._first_text_line(node)
        return self.scalars.construct_object(node)

    @staticmethod
    def _first_text_line(node: yaml.ScalarNode) -> int:
        """1-based line of a literal block's first line of text: after its `|` indicator line and
        the blank lines its value starts with (kept as leading newlines of the value)."""
        return node.start_mark.line + 2

    def _mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise ScenarioError([f"{self.path}:{line}: {tr('yaml.merge')}"])
            key = self.build(key_node, record=False)
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise ScenarioError([f"{self.path}:{line}: {tr('yaml.key_type')}"])
            if key in out:
                raise ScenarioError([f"{self.path}:{line}: {tr('yaml.duplicate_key', key=key)}"])
            out[key] = self.build(value_node, loc + (key,))
        return out


def load_located(path: Path) -> Located:
    """Read a YAML file; any problem becomes a ScenarioError naming the file and line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError([f"{path}: {tr('yaml.unreadable', why=exc.strerror or exc)}"]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError([f"{path}: {tr('yaml.too_big', max=MAX_FILE_BYTES // 1000)}"])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError([f"{path}: {tr('yaml.not_utf8')}"]) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        why = str(exc.problem or exc)
        if exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
            why += tr("yaml.context", line=exc.context_mark.line + 1, context=exc.context or "")
        raise ScenarioError([f"{path}:{line}: {tr('yaml.syntax', why=why)}"]) from None
    except yaml.reader.ReaderError as exc:  # a control character: PyYAML refuses it
        line = text[: exc.position].count("\n") + 1
        raise ScenarioError(
            [
                f"{path}:{line}: {tr('yaml.bad_char', code=f'{exc.character:#06x}' if isinstance(exc.character, int) else repr(exc.character))}"
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([f"{path}: {tr('yaml.syntax', why=' '.join(str(exc).split()))}"]) from None
    except RecursionError:
        raise ScenarioError([f"{path}: {tr('yaml.too_deep')}"]) from None
    if node is None:
        raise ScenarioError([f"{path}:1: {tr('yaml.empty')}"])
    builder = _Builder(path)
    try:
        data = builder.build(node)
    except yaml.constructor.ConstructorError as exc:  # a tag (!!python/…) or a special value (« = »)
        mark = exc.problem_mark or exc.context_mark
        found = re.search(r"'([^']*)'", exc.problem or "")
        raise ScenarioError(
            [f"{path}:{mark.line + 1 if mark else 1}: {tr('yaml.tag', tag=found.group(1) if found else '?')}"]
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([f"{path}: {tr('yaml.syntax', why=str(exc).splitlines()[0])}"]) from None
    except RecursionError:
        raise ScenarioError([f"{path}: {tr('yaml.too_deep')}"]) from None
    if not isinstance(data, dict):
        raise ScenarioError([f"{path}:1: {tr('yaml.not_mapping')}"])
    return Located(path, data, builder.lines, builder.literal)


def _field_path(loc: Loc) -> str:
    return ".".join(str(p) for p in loc if not (isinstance(p, str) and ("[" in p or p.startswith("function-"))))


def explain(err: ErrorDetails) -> str:
    """One French sentence for one pydantic error, with the fix when we know it."""
    kind = err["type"]
    loc = tuple(err["loc"])
    field = _field_path(loc) or "(racine)"
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return tr("schema.missing", field=field)
    if kind == "extra_forbidden":
        return tr("schema.extra", field=field)
    if kind in ("literal_error", "enum"):
        return tr("schema.choice", field=field, value=err.get("input"), expected=ctx.get("expected", "?"))
    if kind == "union_tag_invalid":
        return tr("schema.tag", field=field, value=ctx.get("tag"), expected=ctx.get("expected_tags"))
    if kind == "union_tag_not_found":
        return tr("schema.tag_missing", field=field, key=ctx.get("discriminator", "?"))
    if kind in (
        "string_type",
        "int_type",
        "int_parsing",
        "bool_type",
        "list_type",
        "dict_type",
        "model_type",
        "float_type",
        "bool_parsing",
        "float_parsing",
        "model_attributes_type",
    ):
        expected = tr(f"schema.type.{kind}")
        return tr("schema.type", field=field, expected=expected, value=_short(err.get("input")))
    if kind == "string_pattern_mismatch":
        return tr("schema.pattern", field=field, value=_short(err.get("input")), pattern=ctx.get("pattern"))
    if kind in ("too_short", "too_long"):
        return tr(f"schema.{kind}", field=field)
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return tr("schema.range", field=field, value=err.get("input"), msg=err.get("msg"))
    if kind == "value_error":
        return tr("schema.value", field=field, msg=str(ctx.get("error", err.get("msg"))))
    return tr("schema.other", field=field, msg=err.get("msg"))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def validate_located(model: type[M], located: Located) -> M:
    """Validate data against a model; errors become file:line sentences."""
    try:
        return model.model_validate(located.data)
    except ValidationError as exc:
        problems: list[str] = []
        seen: set[str] = set()
        for err in exc.errors(include_url=False):
            line = f"{located.where(tuple(err['loc']))}: {explain(err)}"
            if line not in seen:
                seen.add(line)
                problems.append(line)
        raise ScenarioError(problems) from None


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("schema.too_long"),
    N_("schema.too_short"),
    N_("schema.type.bool_parsing"),
    N_("schema.type.bool_type"),
    N_("schema.type.dict_type"),
    N_("schema.type.float_parsing"),
    N_("schema.type.float_type"),
    N_("schema.type.int_parsing"),
    N_("schema.type.int_type"),
    N_("schema.type.list_type"),
    N_("schema.type.model_attributes_type"),
    N_("schema.type.model_type"),
    N_("schema.type.string_type"),
)
