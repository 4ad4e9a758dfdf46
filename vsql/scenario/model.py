"""Scenario files (DESIGN.md, "Scenario files") parsed into typed, frozen values.

Every field is checked once here: an unknown key, a missing required key or a value of the wrong
shape raises ``ScenarioFileError`` naming the file and the dotted field path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import yaml

from vsql.engine.columns import KEY, PARTITION, TIMESTAMP
from vsql.scenario.errors import ScenarioFileError

__all__ = [
    "Check",
    "CheckKind",
    "EndOfInput",
    "Expected",
    "GenerateSpec",
    "InputSpec",
    "Replay",
    "Scenario",
    "load_scenario",
]

RAW_FIELD = "_raw"


class EndOfInput(Enum):
    """What happens after the last input row: close every window, or keep them open."""

    FLUSH = "flush"
    HOLD = "hold"


class Replay(Enum):
    """Where a scenario may run: anywhere, or only engine-only (its outcome depends on row order
    across partitions, which Kafka does not fix)."""

    ANY = "any"
    ENGINE_ONLY = "engine-only"


class CheckKind(Enum):
    """Kinds of aggregate checks on a run."""

    RECORD_COUNT = "record_count"
    THROUGHPUT = "throughput"
    MEMORY_GROWTH = "memory_growth"


_CHECK_LIMITS = {
    CheckKind.RECORD_COUNT: ("equals", "min", "max"),
    CheckKind.THROUGHPUT: ("min_records_per_s",),
    CheckKind.MEMORY_GROWTH: ("max_ratio",),
}


@dataclass(frozen=True)
class Check:
    """One check: its kind and limits, e.g. ``record_count`` (result rows) with ``equals``."""

    kind: CheckKind
    limits: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class GenerateSpec:
    """Generated input: a datagen kind, a record count, a seed and further generator options."""

    kind: str
    count: int
    seed: int = 0
    options: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True)
class InputSpec:
    """One named input (a topic) of a scenario.

    ``records`` are inline objects: value fields plus optional ``_key``, ``_timestamp``,
    ``_partition``, or ``{_raw: text}`` for a raw value placed inline. ``raw`` values follow the
    records; ``file`` is an NDJSON file (absolute path).
    """

    name: str
    partitions: int = 1
    records: tuple[Mapping[str, object], ...] = ()
    file: Path | None = None
    generate: GenerateSpec | None = None
    raw: tuple[str, ...] = ()


@dataclass(frozen=True)
class Expected:
    """What a run must produce: ``rows`` (or an ``error`` substring), optional counts and checks."""

    rows: tuple[Mapping[str, object], ...] | None = None
    error: str | None = None
    ordered: bool = False
    dead_letters: int | None = None
    late: int | None = None
    checks: tuple[Check, ...] = ()


@dataclass(frozen=True)
class Scenario:
    """One scenario file."""

    path: Path
    name: str
    sql: str
    expected: Expected
    settings: tuple[tuple[str, str], ...] = ()
    inputs: tuple[InputSpec, ...] = ()
    end_of_input: EndOfInput = EndOfInput.FLUSH
    replay: Replay = Replay.ANY


_TOP_FIELDS = {"name", "sql", "settings", "inputs", "end_of_input", "replay", "expected"}
_INPUT_FIELDS = {"partitions", "records", "file", "generate", "raw"}
_EXPECTED_FIELDS = {"rows", "error", "ordered", "dead_letters", "late", "checks"}


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate one scenario file.

    Raises:
        ScenarioFileError: the file cannot be read or is not a valid scenario.
    """
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ScenarioFileError(path, f"cannot read: {error.strerror or error}") from error
    except yaml.YAMLError as error:
        raise ScenarioFileError(path, f"not valid YAML: {error}") from error
    return _Parser(path).scenario(document)


class _Parser:
    def __init__(self, path: Path) -> None:
        self._path = path

    def fail(self, field: str, message: str) -> ScenarioFileError:
        return ScenarioFileError(self._path, message, field=field)

    def mapping(self, value: object, field: str, allowed: set[str] | None = None) -> dict[str, object]:
        if not isinstance(value, dict):
            raise self.fail(field, f"expected a mapping, got {_shape(value)}")
        for key in value:
            if not isinstance(key, str):
                raise self.fail(field, f"keys must be strings, got {key!r}")
            if allowed is not None and key not in allowed:
                raise self.fail(_join(field, key), f"unknown field; allowed: {', '.join(sorted(allowed))}")
        return value

    def text(self, value: object, field: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(field, f"expected a non-empty string, got {_shape(value)}")
        return value

    def integer(self, value: object, field: str, *, minimum: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(field, f"expected an integer >= {minimum}, got {value!r}")
        return value

    def number(self, value: object, field: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(field, f"expected a number, got {value!r}")
        return float(value)

    def sequence(self, value: object, field: str) -> list[object]:
        if not isinstance(value, list):
            raise self.fail(field, f"expected a list, got {_shape(value)}")
        return value

    def choice(self, value: object, field: str, enum: type[Enum]) -> Enum:
        allowed = [member.value for member in enum]
        if value not in allowed:
            raise self.fail(field, f"expected one of {', '.join(allowed)}, got {value!r}")
        return enum(value)

    def scenario(self, document: object) -> Scenario:
        top = self.mapping(document, "", _TOP_FIELDS) if document is not None else {}
        if "sql" not in top:
            raise self.fail("sql", "required field is missing")
        if "expected" not in top:
            raise self.fail("expected", "required field is missing")
        settings = self.mapping(top.get("settings", {}) or {}, "settings")
        for key, value in settings.items():
            if value is None or isinstance(value, dict | list):
                raise self.fail(_join("settings", key), f"expected a scalar, got {_shape(value)}")
        inputs = self.mapping(top.get("inputs", {}) or {}, "inputs")
        return Scenario(
            path=self._path,
            name=self.text(top["name"], "name") if "name" in top else self._path.stem,
            sql=self.text(top["sql"], "sql"),
            expected=self.expected(top["expected"]),
            settings=tuple((key, _setting_text(value)) for key, value in settings.items()),
            inputs=tuple(self.input_spec(name, value) for name, value in inputs.items()),
            end_of_input=self.choice(top.get("end_of_input", "flush"), "end_of_input", EndOfInput),
            replay=self.choice(top.get("replay", "any"), "replay", Replay),
        )

    def input_spec(self, name: str, value: object) -> InputSpec:
        field = _join("inputs", name)
        spec = self.mapping(value, field, _INPUT_FIELDS)
        sources = [key for key in ("records", "file", "generate") if key in spec]
        if len(sources) > 1:
            raise self.fail(field, f"give one of records, file, generate; got {', '.join(sources)}")
        partitions = self.integer(spec.get("partitions", 1), _join(field, "partitions"), minimum=1)
        records_field = _join(field, "records")
        records = tuple(
            self.record(record, f"{records_field}[{index}]", partitions=partitions)
            for index, record in enumerate(self.sequence(spec.get("records", []), records_field))
        )
        raw_field = _join(field, "raw")
        raw = tuple(
            self.raw(item, f"{raw_field}[{i}]")
            for i, item in enumerate(self.sequence(spec.get("raw", []), raw_field))
        )
        file = None
        if "file" in spec:
            file = (self._path.parent / self.text(spec["file"], _join(field, "file"))).resolve()
        generate = self.generate(spec["generate"], _join(field, "generate")) if "generate" in spec else None
        return InputSpec(
            name=name, partitions=partitions, records=records, file=file, generate=generate, raw=raw
        )

    def record(self, value: object, field: str, *, partitions: int) -> Mapping[str, object]:
        record = self.mapping(value, field)
        if RAW_FIELD in record:
            if len(record) != 1:
                raise self.fail(field, f"a {RAW_FIELD} record has no other fields")
            self.raw(record[RAW_FIELD], _join(field, RAW_FIELD))
            return record
        if record.get(TIMESTAMP) is not None:
            self.integer(record[TIMESTAMP], _join(field, TIMESTAMP), minimum=-(2**63))
        if record.get(PARTITION) is not None:
            partition = self.integer(record[PARTITION], _join(field, PARTITION), minimum=0)
            if partition >= partitions:
                raise self.fail(
                    _join(field, PARTITION), f"partition {partition} >= partitions ({partitions})"
                )
        if isinstance(record.get(KEY), dict | list):
            raise self.fail(_join(field, KEY), "expected a scalar key")
        return record

    def raw(self, value: object, field: str) -> str:
        if not isinstance(value, str):
            raise self.fail(field, f"expected a string, got {_shape(value)}")
        return value

    def generate(self, value: object, field: str) -> GenerateSpec:
        spec = self.mapping(value, field)
        options = {key: item for key, item in spec.items() if key not in ("kind", "count", "seed")}
        return GenerateSpec(
            kind=self.text(spec.get("kind"), _join(field, "kind")),
            count=self.integer(spec.get("count"), _join(field, "count"), minimum=0),
            seed=self.integer(spec.get("seed", 0), _join(field, "seed"), minimum=0),
            options=tuple(sorted(options.items())),
        )

    def expected(self, value: object) -> Expected:
        spec = self.mapping(value, "expected", _EXPECTED_FIELDS)
        if ("rows" in spec) == ("error" in spec):
            raise self.fail("expected", "give exactly one of rows, error")
        rows = None
        if "rows" in spec:
            rows_list = self.sequence(spec["rows"] if spec["rows"] is not None else [], "expected.rows")
            rows = tuple(self.mapping(row, f"expected.rows[{i}]") for i, row in enumerate(rows_list))
        ordered = spec.get("ordered", False)
        if not isinstance(ordered, bool):
            raise self.fail("expected.ordered", f"expected true or false, got {ordered!r}")
        counts = {
            name: self.integer(spec[name], f"expected.{name}", minimum=0)
            if spec.get(name) is not None
            else None
            for name in ("dead_letters", "late")
        }
        checks_list = self.sequence(spec.get("checks", []), "expected.checks")
        return Expected(
            rows=rows,
            error=self.text(spec["error"], "expected.error") if "error" in spec else None,
            ordered=ordered,
            dead_letters=counts["dead_letters"],
            late=counts["late"],
            checks=tuple(self.check(check, f"expected.checks[{i}]") for i, check in enumerate(checks_list)),
        )

    def check(self, value: object, field: str) -> Check:
        spec = self.mapping(value, field)
        kind = self.choice(spec.get("type"), _join(field, "type"), CheckKind)
        allowed = _CHECK_LIMITS[kind]
        limits = []
        for key, limit in spec.items():
            if key == "type":
                continue
            if key not in allowed:
                raise self.fail(
                    _join(field, key), f"unknown limit for {kind.value}; allowed: {', '.join(allowed)}"
                )
            limits.append((key, self.number(limit, _join(field, key))))
        if not limits:
            raise self.fail(field, f"{kind.value} needs one of {', '.join(allowed)}")
        return Check(kind=kind, limits=tuple(limits))


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _shape(value: object) -> str:
    return "nothing" if value is None else type(value).__name__


def _setting_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
