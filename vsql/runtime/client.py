"""The one door into the runtime: what the shell, the dashboard, scripts and ``vsql run`` ask for.

A ``Runtime`` is one session: its properties (SET), the files bound to source names
(``--input``), its broker (opened on first use, so a script over files never starts one) and its
jobs (persistent queries and data generators). Statements are prepared once (``prepare``: parse,
plan, result shape) and then run (``run``); the front ends talk to nothing else of the runtime.

Threads: ``run`` and ``print_topic`` block and are called from a front end's worker thread (which
keeps its own thread free to catch Ctrl-C); the other methods may be called from any thread.
Errors the user should see are raised as ``VsqlError`` subclasses.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO, TypeGuard

import pyarrow as pa

from vsql.engine.errors import UnsupportedError
from vsql.engine.sql.plan import LogicalPlan
from vsql.engine.sql.statements import SetStatement, compile_statement
from vsql.io.errors import InputError
from vsql.io.formats.decoder import check_readable
from vsql.io.kafka.admin import TopicInfo
from vsql.io.kafka.brokers import Broker, EmbeddedBroker
from vsql.runtime.counters import Counters, Sampler
from vsql.runtime.datagen import DatagenJob
from vsql.runtime.explain import explain_plan
from vsql.runtime.inputs import SourceSchemas, bound_files, source_format
from vsql.runtime.jobs import JobInfo, JobRegistry
from vsql.runtime.launch import Launcher, RowsHook
from vsql.runtime.prepared import Prepared, StatementKind
from vsql.runtime.properties import SessionProperties
from vsql.runtime.run import ProgressHook
from vsql.runtime.shape import shape_of
from vsql.runtime.topics import DEFAULT_SAMPLE_SIZE, FieldInfo, describe_topic, tail_topic
from vsql.runtime.workers import compile_script, run_workers

__all__ = ["DEMO_RATE", "DEMO_TOPIC", "BrokerOpener", "RunResult", "Runtime"]

DEMO_TOPIC = "trades"
"""Where the demo on the embedded broker produces trades (the shell and the dashboard start it)."""
DEMO_RATE = 2_000
"""Demo trades per second: enough for lively windows, little enough for the embedded broker's
5 MiB per partition to hold several minutes of them."""

BrokerOpener = Callable[[], Broker]
"""Opens the session's broker on first use."""


@dataclass(frozen=True)
class RunResult:
    """What running a statement did.

    Attributes:
        message: a line for the user (``set 'k' = 'v'``, ``query CSAS_X_2 started ...``), or None.
        counters: the final counters of a query that ran in the foreground, else None.
        job_id: the id of a query left running in the background, else None.
    """

    message: str | None = None
    counters: Counters | None = None
    job_id: str | None = None


class Runtime:
    """A session: prepare and run statements, list and stop jobs, look at topics.

    Args:
        broker: the broker topics are read from and written to, or a function opening it on
            first use (the runtime then closes it too); None for files only.
        inputs: source name -> NDJSON/CSV file, replayed as a finite input.
        properties: initial session properties (as SET).
        sample_size: messages DESCRIBE samples at most.
    """

    def __init__(
        self,
        *,
        broker: Broker | BrokerOpener | None = None,
        inputs: Mapping[str, Path] | None = None,
        properties: Mapping[str, str] | None = None,
        sample_size: int = DEFAULT_SAMPLE_SIZE,
    ) -> None:
        self._broker = broker
        self._owns_broker = _is_opener(broker)
        self._broker_lock = threading.Lock()
        self._files = bound_files(inputs or {})
        self._properties = SessionProperties(properties)
        self._jobs = JobRegistry()
        self._schemas = SourceSchemas(self._files, self._open_broker)
        self._launcher = Launcher(self._open_broker, jobs=self._jobs, properties=self._properties)
        self._sample_size = sample_size

    @property
    def broker_label(self) -> str:
        """Where the session's topics live, as a title or toolbar shows it (opens the broker)."""
        broker = self._open_broker()
        if broker is None:
            return "no broker"
        kind = "embedded broker" if isinstance(broker, EmbeddedBroker) else "Kafka broker"
        return f"{kind} at {broker.bootstrap}"

    @property
    def is_embedded(self) -> bool:
        """Whether the session runs on vsql's own embedded broker (opens the broker)."""
        return isinstance(self._open_broker(), EmbeddedBroker)

    def prepare(self, text: str) -> Prepared:
        """Parse and plan one statement (without its ``;``) with the session's settings as they are.

        A query's source fields are looked up once (the bound file's first block, or a sample of
        its topic), so a misspelt column is rejected with the closest name before it runs.

        Raises:
            SqlSyntaxError, PlanError: the statement is rejected.
            InputError: the source topic does not exist, its file cannot be read, or its format
                is unknown. UnsupportedError: its format cannot be read from a file or a topic.
        """
        compiled = compile_statement(text, settings=self._properties.settings, schemas=self._schemas.of)
        statement = text.strip().rstrip(";").strip()
        if isinstance(compiled, SetStatement):
            return Prepared(statement, StatementKind.SET, key=compiled.key, value=compiled.value)
        if not isinstance(compiled, LogicalPlan):
            return Prepared(statement, StatementKind.UNSET, key=compiled.key)
        kind = StatementKind.QUERY if compiled.sink is None else StatementKind.PERSISTENT
        source = compiled.source.name
        bound = self._files.get(source.lower())
        value_format = source_format(compiled.settings, source, bound)
        check_readable(value_format, from_file=bound is not None)
        return Prepared(
            statement,
            kind,
            plan=compiled,
            shape=shape_of(compiled),
            bound_file=bound,
            source_format=value_format,
        )

    def run(
        self,
        prepared: Prepared,
        *,
        on_rows: RowsHook | None = None,
        on_progress: ProgressHook | None = None,
        cancel: threading.Event | None = None,
        progress_interval_s: float = 1.0,
    ) -> RunResult:
        """Run a prepared statement.

        SET and UNSET change the session. A query runs in the foreground until its LIMIT, the end
        of a finite input, or ``cancel`` (a cancelled run returns normally with the counters so
        far); ``on_rows`` gets each non-empty table of result rows in emission order (``_op``
        included for delete rows) and ``on_progress`` the counters at most every
        ``progress_interval_s``, with rates over that interval, and once at the end. A persistent
        query over a topic starts in the background and the outcome names its job.

        Raises:
            VsqlError: the statement fails (its input is missing, the broker or the engine fails).
        """
        if prepared.kind is StatementKind.SET:
            assert prepared.key is not None and prepared.value is not None
            self._properties.set(prepared.key, prepared.value)
            return RunResult(message=f"set '{prepared.key}' = '{prepared.value}'")
        if prepared.kind is StatementKind.UNSET:
            assert prepared.key is not None
            self._properties.unset(prepared.key)
            return RunResult(message=f"unset '{prepared.key}'")
        if prepared.runs_in_background:
            return self._start_background(prepared)
        sampler = Sampler(on_progress or _ignore, interval_s=progress_interval_s)
        counters = self._launcher.run(
            prepared, on_rows=on_rows or _ignore, cancel=cancel, on_progress=sampler.observe
        )
        final = sampler.final(counters)
        plan = prepared.plan
        message = None if plan is None or plan.sink is None else f"{plan.sink.kind} {plan.sink.name} written"
        return RunResult(message=message, counters=final)

    def explain(self, prepared: Prepared) -> str:
        """The plan of a prepared query as text (see ``explain_plan``).

        Raises:
            UnsupportedError: the statement is not a query.
        """
        if prepared.plan is None:
            raise UnsupportedError("EXPLAIN takes a query (SELECT or CREATE STREAM ... AS SELECT)")
        plan, bound = prepared.plan, prepared.bound_file
        where = f"file {bound.path}" if bound else f"Kafka topic '{plan.settings.topic_of(plan.source.name)}'"
        return explain_plan(plan, source=f"{where}, {prepared.source_format.value} values")

    def properties(self) -> dict[str, str]:
        """SHOW PROPERTIES: every setting with its value (defaults included), and those SET."""
        return self._properties.shown()

    def topics(self) -> dict[str, TopicInfo]:
        """The broker's topics with partition and message counts, by name in order.

        Raises:
            InputError: no broker.
        """
        return dict(sorted(self._required_broker().topics().items()))

    def describe(self, topic: str) -> list[FieldInfo]:
        """The value fields of a topic, inferred from a sample of its first messages.

        Raises:
            InputError: no broker, or no such topic.
        """
        return describe_topic(self._required_broker(), topic, sample_size=self._sample_size)

    def print_topic(
        self,
        topic: str,
        *,
        from_beginning: bool,
        limit: int | None,
        on_rows: Callable[[pa.Table], None],
        cancel: threading.Event,
    ) -> None:
        """Tail a topic's messages as tables (system columns, then value fields), like kcat, until
        ``limit`` messages or ``cancel``.

        Raises:
            InputError: no broker, or no such topic.
        """
        tail_topic(
            self._required_broker(),
            topic,
            from_beginning=from_beginning,
            limit=limit,
            on_rows=on_rows,
            cancel=cancel,
        )

    def jobs(self) -> list[JobInfo]:
        """The session's persistent queries and data generators, in start order."""
        return self._jobs.infos()

    def job(self, job_id: str) -> JobInfo | None:
        """One job, None for an unknown id."""
        return self._jobs.info(job_id)

    def terminate(self, job_id: str) -> list[str]:
        """Stop a job (``ALL``: every running one); returns the ids stopped, once they have.

        Raises:
            PlanError: no job has that id.
        """
        return self._jobs.terminate(job_id)

    def wait_for(self, job_id: str, timeout_s: float | None) -> bool:
        """Wait for a job to end by itself, at most ``timeout_s``; whether it has ended."""
        return self._jobs.wait(job_id, timeout_s)

    def start_datagen(self, kind: str, *, topic: str, rate: int) -> str:
        """Start producing generated ``kind`` events to ``topic`` at ``rate`` per second; returns the
        id under which it shows among the jobs.

        Raises:
            InputError: an unknown kind or a bad rate, or no broker. BrokerError: the broker failed.
        """
        job = DatagenJob(
            self._required_broker(),
            job_id=self._jobs.new_id("DATAGEN", topic),
            kind=kind,
            topic=topic,
            rate=rate,
        )
        return self._jobs.start(job)

    def run_in_workers(self, script: str, *, workers: int | None, group_id: str | None, out: TextIO) -> int:
        """``vsql run``: run a script's one query in partition-parallel worker processes until they
        end (a bounded scan read to its end) or Ctrl-C/SIGTERM; a plain SELECT's rows go to ``out``
        as NDJSON lines. Returns 0 when every worker ended well, else 1.

        Args:
            script: SET statements, then one query.
            workers: processes per stage; None takes the script's ``'query.workers'``.
            group_id: the consumer group workers elsewhere may share (None: derived from the query).
            out: where a SELECT's rows go.

        Raises:
            SqlSyntaxError, PlanError: the script is rejected. InputError: no broker, or its topic
            is missing. BrokerError: the broker failed.
        """
        count = workers if workers is not None else compile_script(script).settings.workers
        return run_workers(script, broker=self._required_broker(), workers=count, group_id=group_id, out=out)

    def start_demo(self) -> str:
        """Start the demo: ``DEMO_RATE`` generated trades per second into ``DEMO_TOPIC``, stamped
        with the wall clock; returns the generator's job id.

        Raises:
            InputError: no broker. BrokerError: the broker failed.
        """
        return self.start_datagen("trades", topic=DEMO_TOPIC, rate=DEMO_RATE)

    def close(self, *, wait: bool = False) -> None:
        """Stop every job (or let each end by itself when ``wait``), flush, and close the broker
        if the runtime opened it."""
        self._jobs.close(wait=wait)
        self._launcher.close()
        with self._broker_lock:
            owned = self._owns_broker and self._broker is not None and not _is_opener(self._broker)
            broker, self._owns_broker = self._broker, False
        if owned and broker is not None and not _is_opener(broker):
            broker.close()

    def _start_background(self, prepared: Prepared) -> RunResult:
        plan = prepared.plan
        assert plan is not None and plan.sink is not None
        job_id = self._launcher.start(prepared)
        topic = plan.settings.topic_of(plan.sink.name)
        workers = plan.settings.workers
        where = f" in {workers} worker processes per stage" if workers > 1 else ""
        return RunResult(
            message=f"query {job_id} started{where}, writing to topic '{topic}' "
            f"(TERMINATE {job_id} stops it)",
            job_id=job_id,
        )

    def _open_broker(self) -> Broker | None:
        with self._broker_lock:
            if _is_opener(self._broker):
                self._broker = self._broker()
            return self._broker

    def _required_broker(self) -> Broker:
        broker = self._open_broker()
        if broker is None:
            raise InputError("this statement needs a Kafka broker, and none is connected")
        return broker


def _is_opener(broker: object) -> TypeGuard[BrokerOpener]:
    """Whether ``broker`` is a function opening a broker rather than a broker."""
    return callable(broker) and not hasattr(broker, "client_config")


def _ignore(*_: object) -> None:
    """A hook whose calls carry nothing the caller wants."""
