"""Run one scenario engine-only and judge its outcome against the expectation.

Inputs go through the same JSON decoder as files: each inline record becomes one JSON line (its
``_key``, ``_timestamp``, ``_partition`` included), a ``{_raw: text}`` record or a ``raw:`` value
goes in as-is (one line; newlines inside become spaces). A record with no ``_partition`` goes to
partition 0, or, with a ``_key`` and ``partitions > 1``, to Kafka's default partition for its key.
Lines are fed in blocks of ``batch_rows``; at the end every window closes unless
``end_of_input: hold``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import orjson
import pyarrow as pa

from vsql.datagen import EventSpec, generate, to_ndjson
from vsql.engine.columns import KEY, PARTITION
from vsql.engine.errors import ExecutionError, PlanError, SqlSyntaxError
from vsql.engine.settings import QuerySettings
from vsql.engine.sql.statements import compile_query
from vsql.io.formats.decoded import Decoded
from vsql.io.formats.json import JsonDecoder
from vsql.io.formats.rows import display_rows
from vsql.io.partitioner import key_partition
from vsql.runtime.counters import Counters
from vsql.runtime.run import run_finite
from vsql.runtime.sinks import CallbackSink
from vsql.scenario.compare import compare_rows
from vsql.scenario.errors import ScenarioFileError
from vsql.scenario.kafka import replay_through_kafka
from vsql.scenario.model import RAW_FIELD, CheckKind, EndOfInput, InputSpec, Replay, Scenario

__all__ = ["DEFAULT_BATCH_ROWS", "ScenarioResult", "run_scenario"]

DEFAULT_BATCH_ROWS = 1000


@dataclass(frozen=True)
class ScenarioResult:
    """The outcome of one scenario run.

    Attributes:
        scenario: the scenario run.
        problems: why it failed, one readable block each; empty when it passed.
        rows: the actual result rows as compared (delete rows without their nulls).
        stats: the run's counts, None when the query was rejected.
    """

    scenario: Scenario
    problems: tuple[str, ...]
    rows: tuple[Mapping[str, object], ...] = ()
    stats: Counters | None = None

    @property
    def passed(self) -> bool:
        """True when every expectation held."""
        return not self.problems


def run_scenario(
    scenario: Scenario, *, batch_rows: int = DEFAULT_BATCH_ROWS, through_kafka: bool = False
) -> ScenarioResult:
    """Run a scenario and compare with its expectation: through the engine directly, or (with
    ``through_kafka``, unless the scenario says ``replay: engine-only``) through a fresh embedded
    Kafka broker and the consumer path.

    Raises:
        ScenarioFileError: the scenario asks for something invalid or unsupported (no input for the
            query's source, generated inputs, a memory_growth check, an unreadable data file).
    """
    expected = scenario.expected
    try:
        settings = QuerySettings.from_properties(dict(scenario.settings))
        plan = compile_query(scenario.sql, settings=settings)
    except (SqlSyntaxError, PlanError) as error:
        return _judge_rejection(scenario, error)
    if expected.error is not None:
        return ScenarioResult(
            scenario, (f"expected an error containing {expected.error!r}, but the query compiled",)
        )
    _reject_unsupported_checks(scenario)
    spec = _input_for(scenario, plan.source.name)
    tables: list[pa.Table] = []
    finish = scenario.end_of_input is EndOfInput.FLUSH
    try:
        if through_kafka and scenario.replay is Replay.ANY:
            lines = list(_input_lines(scenario, spec))
            stats = replay_through_kafka(
                plan, lines, partitions=spec.partitions, finish=finish, on_rows=CallbackSink(tables.append)
            )
        else:
            stats = run_finite(
                plan,
                _decoded_blocks(scenario, spec, batch_rows=batch_rows, projection=plan.input_columns),
                on_rows=tables.append,
                finish=finish,
            )
    except ExecutionError as error:
        return ScenarioResult(scenario, (f"the query failed while running: {error}",))
    rows = tuple(row for table in tables for row in display_rows(table))
    return ScenarioResult(scenario, _judge_run(scenario, rows, stats), rows, stats)


def _judge_rejection(scenario: Scenario, error: SqlSyntaxError | PlanError) -> ScenarioResult:
    wanted = scenario.expected.error
    if wanted is None:
        return ScenarioResult(scenario, (f"the query was rejected: {error}",))
    if wanted.lower() in str(error).lower():
        return ScenarioResult(scenario, ())
    return ScenarioResult(scenario, (f"expected an error containing {wanted!r}, got: {error}",))


def _judge_run(
    scenario: Scenario, rows: tuple[Mapping[str, object], ...], stats: Counters
) -> tuple[str, ...]:
    expected = scenario.expected
    problems = []
    diff = compare_rows(expected.rows or (), rows, ordered=expected.ordered)
    if not diff.is_equal:
        problems.append("rows differ:\n" + diff.describe())
    for name, want, got in (
        ("dead_letters", expected.dead_letters, stats.dead_letter_count),
        ("late", expected.late, stats.late_count),
    ):
        if want is not None and want != got:
            problems.append(f"{name}: expected {want}, got {got}")
    for check in expected.checks:
        limits = dict(check.limits)
        if check.kind is CheckKind.RECORD_COUNT:
            problems += _check_bounds("record_count (result rows)", len(rows), limits)
        elif check.kind is CheckKind.THROUGHPUT:
            rate = stats.records_in / stats.elapsed_s if stats.elapsed_s > 0 else float("inf")
            problems += _check_bounds("throughput (records/s)", rate, {"min": limits["min_records_per_s"]})
    return tuple(problems)


def _check_bounds(label: str, value: float, limits: Mapping[str, float]) -> list[str]:
    problems = []
    if "equals" in limits and value != limits["equals"]:
        problems.append(f"{label}: expected {limits['equals']:g}, got {value:g}")
    if "min" in limits and value < limits["min"]:
        problems.append(f"{label}: expected at least {limits['min']:g}, got {value:g}")
    if "max" in limits and value > limits["max"]:
        problems.append(f"{label}: expected at most {limits['max']:g}, got {value:g}")
    return problems


def _reject_unsupported_checks(scenario: Scenario) -> None:
    for index, check in enumerate(scenario.expected.checks):
        if check.kind is CheckKind.MEMORY_GROWTH:
            raise ScenarioFileError(
                scenario.path,
                "unsupported check 'memory_growth': memory measurement arrives with the bench runner",
                field=f"expected.checks[{index}]",
            )


def _input_for(scenario: Scenario, source: str) -> InputSpec:
    for spec in scenario.inputs:
        if spec.name.lower() == source.lower():
            return spec
    raise ScenarioFileError(scenario.path, f"no input for the query's source '{source}'", field="inputs")


def _decoded_blocks(
    scenario: Scenario, spec: InputSpec, *, batch_rows: int, projection: frozenset[str] | None
) -> Iterator[Decoded]:
    decoder = JsonDecoder(projection=projection)
    lines = list(_input_lines(scenario, spec))
    for start in range(0, len(lines), batch_rows):
        yield decoder.decode_block(b"\n".join(lines[start : start + batch_rows]) + b"\n")


def _input_lines(scenario: Scenario, spec: InputSpec) -> Iterator[bytes]:
    for record in spec.records:
        yield _record_line(record, partitions=spec.partitions)
    if spec.file is not None:
        yield from _file_lines(scenario, spec)
    if spec.generate is not None:
        yield from _generated_lines(scenario, spec)
    for raw in spec.raw:
        yield _raw_line(raw)


def _generated_lines(scenario: Scenario, spec: InputSpec) -> Iterator[bytes]:
    assert spec.generate is not None
    generate_spec = spec.generate
    try:
        events = EventSpec(
            kind=generate_spec.kind,
            count=generate_spec.count,
            seed=generate_spec.seed,
            **dict(generate_spec.options),
        )
    except (TypeError, ValueError) as error:
        raise ScenarioFileError(scenario.path, str(error), field=f"inputs.{spec.name}.generate") from error
    for batch in generate(events):
        yield from to_ndjson(batch).splitlines()


def _file_lines(scenario: Scenario, spec: InputSpec) -> Iterator[bytes]:
    try:
        text = spec.file.read_bytes()
    except OSError as error:
        raise ScenarioFileError(
            scenario.path,
            f"cannot read {spec.file}: {error.strerror or error}",
            field=f"inputs.{spec.name}.file",
        ) from error
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            yield line
            continue
        yield _record_line(record, partitions=spec.partitions) if isinstance(record, dict) else line


def _record_line(record: Mapping[str, object], *, partitions: int) -> bytes:
    if RAW_FIELD in record:
        return _raw_line(str(record[RAW_FIELD]))
    values = dict(record)
    key = values.get(KEY)
    if key is not None and not isinstance(key, str):
        key = values[KEY] = orjson.dumps(key).decode()
    if values.get(PARTITION) is None:
        values[PARTITION] = (
            key_partition(key.encode(), partitions) if key is not None and partitions > 1 else 0
        )
    return orjson.dumps(values, default=str)


def _raw_line(raw: str) -> bytes:
    return raw.replace("\r", " ").replace("\n", " ").encode()
