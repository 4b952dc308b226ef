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
# Settings for a meeting in the room, and settings for a survey, each hidden from the other.
LIVE_ONLY = frozenset({"live_results", "tables", "per_table"})
SURVEY_ONLY = frozenset({"show_if_round", "show_if_options", "other"})
# Question and option numbers as people count them, from 1; stored from 0.
COUNTED_FROM_ONE = frozenset({"show_if_round", "show_if_options"})


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


def _shown(name: str, value: Any) -> str:
    if value is None:
        return ""
    shift = 1 if name in COUNTED_FROM_ONE else 0
    if isinstance(value, list):
        return "\n".join(str(v + shift if shift else v) for v in value)
    return str(value + shift if shift else value)


def fields(config: RoundConfig, survey: bool = False) -> list[Field]:
    cls = type(config)
    info = {f.name: f for f in msgspec.structs.fields(cls)}
    hidden = LIVE_ONLY if survey else SURVEY_ONLY
    return [
        Field(name, label, _kind(name, info[name].type, cls), _shown(name, getattr(config, name)), cls.choices.get(name, ()))
        for name, label in cls.labels.items()
        if name in info and name not in hidden
    ]


def _counted(name: str, value: Any) -> Any:
    """A number people typed counting from 1, as stored (from 0); anything else unchanged."""
    if name not in COUNTED_FROM_ONE:
        return value
    if isinstance(value, list) or (value is None and name == "show_if_options"):
        return [_counted(name, v) for v in value or []]
    text = str(value).strip()
    return int(text) - 1 if text.isdigit() and int(text) > 0 else value


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def config_from_form(current: RoundConfig, form: dict[str, str], survey: bool = False) -> RoundConfig:
    """The config the form describes, keeping settings the form does not show.
    Raises msgspec.ValidationError (naming the field) for values of the wrong kind."""
    values = msgspec.structs.asdict(current)
    for field in fields(current, survey):
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
        values[field.name] = _counted(field.name, values[field.name])
    return msgspec.convert(values, type=type(current), strict=False)
