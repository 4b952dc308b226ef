"""Members in and out of spreadsheets. An import checks every row and imports nothing unless
every row is right; each problem names its row and column. Exports open in Norwegian Excel
(semicolons, UTF-8 with a byte-order mark) and can be imported again unchanged."""

import csv
import io
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from rooms.rejection import N_

from server.panel import fields as f
from server.store.records import Member


@dataclass(frozen=True)
class Column:
    field: str
    header: str  # the Norwegian heading an export writes
    aliases: tuple[str, ...]
    parse: Callable[[str], Any]


def _year(value: str) -> int | None:
    return f.parse_birth_year(value, date.today())


COLUMNS = (
    Column("name", "navn", ("name", "fullt navn"), f.parse_name),
    Column("email", "epost", ("e-post", "email", "e-mail", "epostadresse"), f.parse_email),
    Column("phone", "telefon", ("phone", "mobil", "mobilnummer", "tlf"), f.parse_phone),
    Column("birth_year", "fødselsår", ("fodselsar", "birth_year", "født", "fødd"), _year),
    Column("gender", "kjønn", ("kjonn", "gender"), f.parse_gender),
    Column("district", "delområde", ("delomrade", "district", "bydel"), f.parse_district),
    Column("background", "innvandringsbakgrunn", ("background", "innvandrarbakgrunn"), f.parse_background),
    Column("language", "språk", ("sprak", "language", "mål"), f.parse_language),
    Column("accessibility", "tilrettelegging", ("accessibility", "behov"), f.parse_text),
    Column("consent_version", "samtykkeversjon", ("consent_version",), lambda v: f.parse_text(v, 40)),
    Column("consent_date", "samtykkedato", ("consent_date",), f.parse_date),
)
_BY_NAME = {name: c for c in COLUMNS for name in (c.header, c.field, *c.aliases)}
MAX_ROWS = 5000


@dataclass(frozen=True)
class Problem:
    row: int  # line in the file, the heading being 1; 0 for the file as a whole
    column: str
    message: str  # message id
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Imported:
    members: list[Member] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def decode(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), else Windows-1252, as Excel saves on Windows."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _dialect(first_line: str) -> str:
    return max((";", ",", "\t"), key=first_line.count)


def _cell(value: str | None) -> str:
    # An export guards formula-like cells with a leading apostrophe; take it off again.
    text = (value or "").strip()
    return text[1:] if text.startswith("'") else text


def read_members(data: bytes, existing: list[Member]) -> Imported:
    try:
        return _read_members(data, existing)
    except csv.Error:  # e.g. a quote left open across the whole file
        return Imported(problems=[Problem(0, "", N_("The file could not be read as a spreadsheet. Save it as CSV and try again."))])


def _read_members(data: bytes, existing: list[Member]) -> Imported:
    result = Imported()
    text = decode(data)
    if not text.strip():
        result.problems.append(Problem(0, "", N_("The file is empty.")))
        return result
    # newline="": the csv module itself tells line ends from line breaks inside quoted cells.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_dialect(text.splitlines()[0]))
    header = [h.strip().casefold() for h in next(reader)]
    columns: list[Column | None] = []
    for name in header:
        column = _BY_NAME.get(name)
        if column is None and name:
            result.problems.append(Problem(1, name, N_("Unknown column. The columns are: %(columns)s."), {"columns": ", ".join(c.header for c in COLUMNS)}))
        columns.append(column)
    if "name" not in {c.field for c in columns if c}:
        result.problems.append(Problem(1, "navn", N_("The file needs a column called “navn”.")))
    if result.problems:
        return result
    # value -> the file row it was first seen on (0: already in the panel)
    emails = {m.email: 0 for m in existing if m.email}
    phones = {m.phone: 0 for m in existing if m.phone}
    seen_rows: dict[tuple[str, ...], int] = {}
    now = datetime.now(UTC)
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if line - 1 > MAX_ROWS:
            result.problems.append(Problem(line, "", N_("The file has more than %(max)d rows."), {"max": MAX_ROWS}))
            break
        cells = tuple(_cell(c) for c in row)
        if cells in seen_rows:
            result.problems.append(Problem(line, "", N_("This row is the same as row %(row)d."), {"row": seen_rows[cells]}))
            continue
        seen_rows[cells] = line
        if len(row) > len(columns):
            result.problems.append(Problem(line, "", N_("The row has more cells than the heading has columns.")))
            continue
        values: dict[str, Any] = {}
        for column, raw in zip(columns, cells):
            if column is None:
                continue
            try:
                values[column.field] = column.parse(raw)
            except f.Invalid as problem:
                result.problems.append(Problem(line, column.header, problem.message, dict(problem.params)))
        if "name" not in values:
            continue
        for key, seen, in_panel, in_file in (
            ("email", emails, N_("This e-mail address is already in the panel."), N_("This e-mail address is also on row %(row)d.")),
            ("phone", phones, N_("This phone number is already in the panel."), N_("This phone number is also on row %(row)d.")),
        ):
            value = values.get(key)
            if value and value in seen:
                earlier = seen[value]
                problem = Problem(line, _header(key), in_file, {"row": earlier}) if earlier else Problem(line, _header(key), in_panel)
                result.problems.append(problem)
            elif value:
                seen[value] = line
        result.members.append(Member(id=new_member_id(), created_at=now, **values))
    if result.problems:
        result.members = []
    return result


def _header(field_name: str) -> str:
    return next(c.header for c in COLUMNS if c.field == field_name)


def new_member_id() -> str:
    return f"m{secrets.token_hex(8)}"


_GENDER_OUT = {"female": "kvinne", "male": "mann", "other": "annet", "": ""}
_BACKGROUND_OUT = {"immigrant": "innvandrer", "born_to_immigrants": "norskfødt med innvandrerforeldre", "neither": "ingen", "": ""}
_LANGUAGE_OUT = {"nb": "bokmål", "nn": "nynorsk", "en": "engelsk"}


def spreadsheet_safe(value: str) -> str:
    """Spreadsheets run cells that start like a formula: keep them text."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def write_members(members: list[Member]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([c.header for c in COLUMNS])
    for m in members:
        writer.writerow(
            spreadsheet_safe(v)
            for v in (
                m.name, m.email, m.phone, str(m.birth_year or ""), _GENDER_OUT.get(m.gender, ""),
                f.DISTRICT_NAMES.get(m.district, ""), _BACKGROUND_OUT.get(m.background, ""),
                _LANGUAGE_OUT.get(m.language, "bokmål"), m.accessibility, m.consent_version,
                m.consent_date.strftime("%d.%m.%Y") if m.consent_date else "",
            )
        )
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
