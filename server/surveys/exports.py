"""A survey's answers for analysis elsewhere: one row per respondent, with their groups and
weight, as CSV, XLSX (with a codebook sheet) and SPSS .sav (with variable and value labels).

No names and no member ids: respondents are numbered R0001, R0002, ... in the order of their
ballot keys, which are themselves unlinkable, so the numbers say nothing about who answered.
Text columns are made safe for spreadsheets (a cell starting like a formula is kept as text).
"""

import csv
import io
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rooms.rounds import consent, ranking, statements
from rooms.state import RoomState
from rooms.survey import GROUP_DIMENSIONS, answers_shown
from server.panel.csv_io import spreadsheet_safe
from server.surveys.results import DIMENSION_NAMES, Group, respondents, weigh

Value = float | int | str | None


@dataclass
class Column:
    name: str  # a variable name SPSS accepts: letters, digits, underscores
    label: str
    text: bool = False
    value_labels: dict[int, str] = field(default_factory=dict)
    values: list[Value] = field(default_factory=list)


STATEMENT_CODES = {"agree": 1, "disagree": -1, "pass": 0}


def table(state: RoomState, _: Callable[..., str]) -> list[Column]:
    """Every respondent's groups, weight and answers, in the reader's language for the labels.
    Ideas have no column: they are signed by pseudonyms, which nothing links to ballots (the
    results page lists them)."""
    ballots, people = respondents(state)
    weighting = weigh(people)
    weights = weighting.weights if weighting else []
    columns = [
        Column("respondent", _("Respondent"), text=True, values=[f"R{i:04d}" for i in range(1, len(ballots) + 1)]),
        Column("weight", _("Weight (raked to the population)"), values=[float(w) for w in weights]),
    ]
    for dimension in GROUP_DIMENSIONS:
        categories = sorted({p.get(dimension, "") for p in people})
        codes = {c: i for i, c in enumerate(categories, start=1)}
        labels = {codes[c]: _label(Group(dimension, c), _) for c in categories}
        columns.append(Column(dimension, _(DIMENSION_NAMES[dimension]), value_labels=labels,
                              values=[codes[p.get(dimension, "")] for p in people]))
    for number, rnd in enumerate(state.rounds, start=1):
        answers = answers_shown(state, rnd)
        notes = rnd.notes
        for column, value_of in _question_columns(state, rnd, number, _):
            column.values = [value_of(answers[b], notes.get(b, "")) if b in answers else None for b in ballots]
            columns.append(column)
    return columns


def _label(group: Group, _: Callable[..., str]) -> str:
    text, translate = group.label
    return _(text) if translate else text


def _question_columns(state: RoomState, rnd, number: int, _):
    cfg = rnd.config
    q = f"q{number}"
    title = cfg.prompt or cfg.title
    match rnd.kind:
        case "poll":
            options = [*cfg.options, *([_("Other")] if cfg.other else [])]
            if cfg.multiple:
                yield from (
                    (Column(f"{q}_{i + 1}", f"{title}: {text}", value_labels={0: _("No"), 1: _("Yes")}),
                     lambda a, note, i=i: int(i in a))
                    for i, text in enumerate(options)
                )
            else:
                labels = {i + 1: text for i, text in enumerate(options)}
                yield Column(q, title, value_labels=labels), lambda a, note: a[0] + 1
            if cfg.other:
                yield Column(f"{q}_other", f"{title}: {_('Other')}", text=True), lambda a, note: note or None
        case "scale":
            labels = {cfg.low: cfg.low_label, cfg.high: cfg.high_label} if cfg.low_label or cfg.high_label else {}
            yield Column(q, title, value_labels={k: v for k, v in labels.items() if v}), lambda a, note: a
        case "consent":
            labels = {level: _(name) for level, name in consent.LEVEL_NAMES.items()}
            yield Column(q, title, value_labels=labels), lambda a, note: a.level
            yield Column(f"{q}_reason", f"{title}: {_('Why')}", text=True), lambda a, note: a.reason or None
        case "ranking":
            for i, option in enumerate(ranking.options(state, rnd), start=1):
                yield (Column(f"{q}_{i}", f"{title}: {option.text} ({_('place')})"),
                       lambda a, note, o=option.id: a.index(o) + 1 if o in a else None)
        case "budget":
            for i, text in enumerate(cfg.options):
                yield Column(f"{q}_{i + 1}", f"{title}: {text}"), lambda a, note, i=i: a.get(i, 0)
        case "text":
            yield Column(q, title, text=True), lambda a, note: a
        case "statements":
            labels = {code: _(statements.VOTE_NAMES[vote]) for vote, code in STATEMENT_CODES.items()}
            for item in statements.shown(rnd):
                yield (Column(f"{q}_{item.id}", f"{title}: {item.text}", value_labels=labels),
                       lambda a, note, s=item.id: STATEMENT_CODES[a[s]] if s in a else None)


def to_csv(columns: list[Column]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(c.name for c in columns)
    for row in zip(*(c.values for c in columns), strict=True):
        writer.writerow(_cell(v) for v in row)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the mark makes Excel read UTF-8


def _cell(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return spreadsheet_safe(value)
    return repr(value) if isinstance(value, float) else str(value)


def to_xlsx(columns: list[Column], _: Callable[..., str]) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    answers = book.add_worksheet(_("Answers"))
    for j, column in enumerate(columns):
        answers.write_string(0, j, column.name)
        for i, value in enumerate(column.values, start=1):
            if isinstance(value, str):
                answers.write_string(i, j, value)
            elif value is not None:
                answers.write_number(i, j, value)
    codebook = book.add_worksheet(_("Codebook"))
    for j, heading in enumerate((_("Variable"), _("Question"), _("Values"))):
        codebook.write_string(0, j, heading)
    for i, column in enumerate(columns, start=1):
        codebook.write_string(i, 0, column.name)
        codebook.write_string(i, 1, column.label)
        codebook.write_string(i, 2, "; ".join(f"{k} = {v}" for k, v in column.value_labels.items()))
    book.close()
    return out.getvalue()


def to_sav(columns: list[Column]) -> bytes:
    import pandas as pd
    import pyreadstat

    frame = pd.DataFrame({
        c.name: pd.Series(["" if v is None else v for v in c.values] if c.text else c.values,
                          dtype=object if c.text else "float64")
        for c in columns
    })
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "answers.sav"
        pyreadstat.write_sav(
            frame, path,
            column_labels={c.name: c.label[:256] for c in columns},
            variable_value_labels={c.name: dict(c.value_labels) for c in columns if c.value_labels},
        )
        return path.read_bytes()
