"""The catalogue of actions and probes a scenario may use, read from their pydantic models (the
classes simulateur.registry discovers): kind, summary, and each parameter's type, whether it is
required, its default and its description. `simulateur actions|probes` and the generated page
docs/catalogue-actions-sondes.md are both rendered from here, so the docs cannot drift."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from simulateur.i18n import N_, tr

Kind = Literal["actions", "probes"]


class Param(BaseModel):
    name: str
    type: str
    required: bool
    default: Any = None
    description: str


class Entry(BaseModel):
    name: str
    summary: str
    module: str
    params: list[Param]


def _classes(kind: Kind) -> tuple[type[BaseModel], ...]:
    if kind == "actions":
        from simulateur.actions import ACTIONS

        return ACTIONS
    from simulateur.probes import PROBES

    return PROBES


def _discriminator(kind: Kind) -> str:
    return "action" if kind == "actions" else "probe"


def _type(schema: dict[str, Any]) -> str:
    """A short French label for a JSON-schema property (the model's own schema)."""
    if "anyOf" in schema:
        parts = [_type(s) for s in schema["anyOf"] if s.get("type") != "null"]
        return " ou ".join(dict.fromkeys(parts)) if parts else tr("vocab.type.any")
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    if "const" in schema:
        return str(schema["const"])
    kind = schema.get("type")
    if kind == "array":
        if "prefixItems" in schema:
            return "[" + ", ".join(_type(s) for s in schema["prefixItems"]) + "]"
        return tr("vocab.type.list", item=_type(schema.get("items", {})))
    if kind == "object":
        values = schema.get("additionalProperties")
        return tr("vocab.type.mapping", value=_type(values)) if isinstance(values, dict) else tr("vocab.type.object")
    return tr(f"vocab.type.{kind}") if kind in ("string", "integer", "number", "boolean") else tr("vocab.type.any")


def _default(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)


def entries(kind: Kind) -> list[Entry]:
    """Every action (or probe) kind with its parameters, sorted by name."""
    disc = _discriminator(kind)
    out = []
    for cls in _classes(kind):
        props = cls.model_json_schema(by_alias=True).get("properties", {})
        params = []
        for name, field in cls.model_fields.items():
            if name == disc:
                continue
            alias = field.alias or name
            required = field.is_required()
            default = None if required or field.default is PydanticUndefined else _default(field.default)
            params.append(
                Param(
                    name=alias,
                    type=_type(props.get(alias, {})),
                    required=required,
                    default=default,
                    description=field.description or "",
                )
            )
        kind_name = str(cls.model_fields[disc].annotation.__args__[0])  # type: ignore[union-attr]  # the discriminator: a Literal of one name
        out.append(
            Entry(name=kind_name, summary=str(getattr(cls, "summary", "") or ""), module=cls.__module__, params=params)
        )
    return sorted(out, key=lambda e: e.name)


def _need(p: Param) -> str:
    if p.required:
        return tr("vocab.required")
    return (
        tr("vocab.default", value=json.dumps(p.default, ensure_ascii=False))
        if p.default is not None
        else tr("vocab.optional")
    )


def render_text(kind: Kind) -> str:
    lines: list[str] = []
    for e in entries(kind):
        lines.append(f"{e.name} — {e.summary}")
        width = max([4] + [len(p.name) for p in e.params])
        for p in e.params:
            lines.append(f"  {p.name:<{width}}  {p.type}, {_need(p)} — {p.description}")
        lines.append("")
    return "\n".join(lines)


def render_json(kind: Kind) -> str:
    return json.dumps({kind: [e.model_dump() for e in entries(kind)]}, ensure_ascii=False, indent=2)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown() -> str:
    """The whole page docs/catalogue-actions-sondes.md."""
    out = [tr("vocab.md.title"), "", tr("vocab.md.intro"), ""]
    for kind in ("actions", "probes"):
        out += [tr(f"vocab.md.{kind}"), "", tr(f"vocab.md.{kind}.intro"), ""]
        for e in entries(kind):
            out += [f"### `{e.name}`", "", _cell(e.summary), ""]
            out += [tr("vocab.md.head"), "|---|---|---|---|"]
            out += [f"| `{p.name}` | {_cell(p.type)} | {_cell(_need(p))} | {_cell(p.description)} |" for p in e.params]
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def undocumented() -> list[str]:
    """Kinds without a summary and parameters without a description (the catalogue needs both)."""
    missing = []
    for kind in ("actions", "probes"):
        for e in entries(kind):
            if not e.summary.strip():
                missing.append(f"{e.module} : {e.name} sans « summary »")
            missing += [
                f"{e.module} : {e.name}.{p.name} sans Field(description=…)"
                for p in e.params
                if not p.description.strip()
            ]
    return missing


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("vocab.md.actions"),
    N_("vocab.md.actions.intro"),
    N_("vocab.md.probes"),
    N_("vocab.md.probes.intro"),
    N_("vocab.type.boolean"),
    N_("vocab.type.integer"),
    N_("vocab.type.number"),
    N_("vocab.type.string"),
)
