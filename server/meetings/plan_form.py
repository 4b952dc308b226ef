"""A form for any round type's settings, built from its config struct: adding a round type needs
no form of its own. The config's `labels` choose the settings shown; their types the inputs."""

import types
from dataclasses import dataclass
from typing import Any, Union, get_args, get_origin

import msgspec
from rooms.rounds.base import RoundConfig


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # message id
    kind: str  # text, longtext, number, optional_number, checkbox, lines, number_lines, choice
    value: str  # what the input shows now
    choices: tuple[tuple[str, str], ...] = ()

    @property
    def input_name(self) -> str:
        return f"f_{self.name}"


LONG_TEXT = {"prompt", "instruction"}


def _kind(name: str, annotation: Any, config: type[RoundConfig]) -> str:
    if name in config.choices:
        return "choice"
    optional = get_origin(annotation) in (Union, types.UnionType) and type(None) in get_args(annotation)
    base = next((a for a in get_args(annotation) if a is not type(None)), annotation) if optional else annotation
    if base is bool:
        return "checkbox"
    if base is int:
        return "optional_number" if optional else "number"
    if get_origin(base) is list:
        return "number_lines" if get_args(base) == (int,) else "lines"
    return "longtext" if name in LONG_TEXT else "text"


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)


def fields(config: RoundConfig) -> list[Field]:
    cls = type(config)
    info = {f.name: f for f in msgspec.structs.fields(cls)}
    return [
        Field(name, label, _kind(name, info[name].type, cls), _shown(getattr(config, name)), cls.choices.get(name, ()))
        for name, label in cls.labels.items()
        if name in info
    ]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def config_from_form(current: RoundConfig, form: dict[str, str]) -> RoundConfig:
    """The config the form describes, keeping settings the form does not show.
    Raises msgspec.ValidationError (naming the field) for values of the wrong kind."""
    values = msgspec.structs.asdict(current)
    for field in fields(current):
        raw = form.get(field.input_name, "")
        match field.kind:
            case "checkbox":
                values[field.name] = raw in ("on", "true", "1", "yes")
            case "optional_number":
                values[field.name] = raw.strip() or None
            case "lines":
                values[field.name] = _lines(raw)
            case "number_lines":
                values[field.name] = _lines(raw) or None
            case "choice":
                allowed = {value for value, _ in field.choices}
                values[field.name] = raw if raw in allowed else getattr(current, field.name)
            case _:
                values[field.name] = raw.strip()
    return msgspec.convert(values, type=type(current), strict=False)
