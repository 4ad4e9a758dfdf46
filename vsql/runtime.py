"""Running queries: binding sources to inputs, feeding batches to the engine, counting what happens.

The CLI, the scenario runner (and later the shell, TUI and bench) run queries through this module;
none of them talks to the engine's Pipeline directly. Finite inputs only for now: files bound with
``--input TOPIC=PATH`` and in-memory blocks. Kafka sources arrive with the Kafka layer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from vsql.engine.pipeline import Pipeline, StepOutput
from vsql.engine.settings import QuerySettings
from vsql.engine.sql.plan import LogicalPlan
from vsql.engine.sql.statements import SetStatement, UnsetStatement, compile_statement
from vsql.io.errors import InputError
from vsql.io.files import read_file
from vsql.io.formats.decoded import SYSTEM_FIELDS, Decoded

__all__ = ["RunStats", "Session", "bind_input", "run_finite"]

logger = logging.getLogger(__name__)

RowsSink = Callable[[pa.Table], None]


@dataclass
class RunStats:
    """What one run of a query did.

    Attributes:
        records_in: input records decoded (good rows only).
        rows_out: result rows emitted.
        dead_letter_count: undecodable or mistyped records plus rows the engine rejected (late rows
            under ``late.data.strategy = dead_letter``).
        late_count: rows found late, whatever the strategy.
        elapsed_s: wall time spent decoding and running, in seconds.
    """

    records_in: int = 0
    rows_out: int = 0
    dead_letter_count: int = 0
    late_count: int = 0
    elapsed_s: float = 0.0


def run_finite(
    plan: LogicalPlan, inputs: Iterable[Decoded], *, on_rows: RowsSink, finish: bool = True
) -> RunStats:
    """Run a plan over a finite sequence of decoded batches.

    Args:
        plan: the compiled query.
        inputs: decoded blocks (batch plus decoder dead letters), in input order; decoding happens
            lazily as they are drawn, and counts towards ``elapsed_s``.
        on_rows: receives each non-empty result table, in emission order.
        finish: close every window at the end (the end of a finite input); False holds them open.
            Input stops being drawn once the query is done (its LIMIT reached).

    Raises:
        ExecutionError: the engine failed while running.
    """
    stats = RunStats()
    pipeline = Pipeline(plan)
    started = time.perf_counter()
    for decoded in inputs:
        stats.records_in += decoded.batch.num_rows
        stats.dead_letter_count += decoded.dead_letters.num_rows
        _emit(pipeline.process(decoded.batch), stats, on_rows)
        if pipeline.is_done:
            break
    if finish and not pipeline.is_done:
        _emit(pipeline.finish(), stats, on_rows)
    stats.elapsed_s = time.perf_counter() - started
    stats.late_count = pipeline.metrics.late_count
    return stats


def sample_schema(path: Path) -> pa.Schema | None:
    """The value fields of the input's first block: names a query may use. None for an empty input.

    A field that first appears after the first block is unknown to the sample; the planner then
    rejects a query naming it, which in practice catches typos before a query runs.
    """
    for decoded in read_file(path):
        fields = [field for field in decoded.batch.schema if field.name not in SYSTEM_FIELDS]
        return pa.schema(fields)
    return None


def bind_input(plan: LogicalPlan, inputs: Mapping[str, Path]) -> Path:
    """The file bound to the plan's source (topic names compare case-insensitively).

    Raises:
        InputError: no file is bound to the source.
    """
    bound = {name.lower(): path for name, path in inputs.items()}
    source = plan.source.name
    path = bound.get(source.lower())
    if path is None:
        raise InputError(
            f"no input bound to source '{source}': Kafka sources arrive with the Kafka layer; "
            f"bind a file with --input {source}=PATH"
        )
    return path


class Session:
    """Session state of a script or shell: SET properties, applied to later statements.

    Args:
        inputs: topic name -> NDJSON/CSV file, replayed as finite inputs.
    """

    def __init__(self, *, inputs: Mapping[str, Path] | None = None) -> None:
        self._inputs = dict(inputs or {})
        self._properties: dict[str, str] = {}

    @property
    def settings(self) -> QuerySettings:
        """The session's settings (SET properties over the defaults)."""
        return QuerySettings.from_properties(self._properties)

    def execute(self, statement: str, *, on_rows: RowsSink) -> RunStats | None:
        """Run one statement: SET/UNSET change the session, a query runs over its bound file.

        Returns:
            The run's statistics for a query, None for SET/UNSET.

        Raises:
            SqlSyntaxError, PlanError: the statement is rejected.
            InputError: the query's source has no readable input.
            ExecutionError: the engine failed.
        """
        compiled = compile_statement(statement, settings=self.settings)
        if isinstance(compiled, SetStatement):
            candidate = {**self._properties, compiled.key: compiled.value}
            QuerySettings.from_properties(candidate)
            self._properties = candidate
            return None
        if isinstance(compiled, UnsetStatement):
            self._properties.pop(compiled.key, None)
            return None
        path = bind_input(compiled, self._inputs)
        compiled = compile_statement(statement, settings=self.settings, schema=sample_schema(path))
        assert isinstance(compiled, LogicalPlan)
        stats = run_finite(compiled, read_file(path, projection=compiled.input_columns), on_rows=on_rows)
        logger.info("query over %s: %d records in, %d rows out", path, stats.records_in, stats.rows_out)
        return stats


def _emit(output: StepOutput, stats: RunStats, on_rows: RowsSink) -> None:
    rows = output.rows
    stats.dead_letter_count += output.dead_letters.num_rows
    if rows.num_rows:
        stats.rows_out += rows.num_rows
        on_rows(rows)
