"""Jobs: ids numbered across kinds, TERMINATE of one or ALL, a failed start, closing the registry."""

from __future__ import annotations

import threading

import pytest

from vsql.engine.errors import PlanError, VsqlError
from vsql.runtime.counters import Counters
from vsql.runtime.jobs import JobRegistry, JobState
from vsql.runtime.queries import BackgroundQuery


def _until_stopped(cancel: threading.Event, on_progress) -> Counters:
    on_progress(Counters(records_in=1))
    cancel.wait(10)
    return Counters(records_in=2)


def _query(registry: JobRegistry, released: list[str], name: str, run=_until_stopped) -> str:
    job = BackgroundQuery(
        registry.new_id("CSAS", name),
        statement=f"CREATE STREAM {name} AS SELECT * FROM t",
        sink=name,
        run=run,
        release=lambda: released.append(name),
    )
    return registry.start(job)


def test_ids_name_the_kind_and_the_sink_and_count_up_across_kinds() -> None:
    registry, released = JobRegistry(), []
    first = _query(registry, released, "big")
    assert registry.new_id("DATAGEN", "my-topic") == "DATAGEN_MY_TOPIC_2"
    second = _query(registry, released, "counts")
    assert (first, second) == ("CSAS_BIG_1", "CSAS_COUNTS_3")
    assert [info.job_id for info in registry.infos()] == [first, second]
    registry.close(wait=False)
    assert [info.state for info in registry.infos()] == [JobState.TERMINATED] * 2
    assert sorted(released) == ["big", "counts"]


def test_terminate_stops_one_query_or_all_and_names_the_queries_on_a_miss() -> None:
    registry, released = JobRegistry(), []
    first = _query(registry, released, "a")
    second = _query(registry, released, "b")
    with pytest.raises(PlanError, match="no query CSAS_C_9; queries are: CSAS_A_1, CSAS_B_2"):
        registry.terminate("csas_c_9")
    assert registry.terminate(first.lower()) == [first]
    info = registry.info(first)
    assert info is not None and info.state is JobState.TERMINATED and info.counters.records_in == 2
    assert registry.info(second).state is JobState.RUNNING  # type: ignore[union-attr]
    assert registry.terminate("all") == [second], "ALL stops the running ones"
    registry.close(wait=True)


def test_a_query_that_fails_shows_failed_with_its_error_even_for_a_bug() -> None:
    registry = JobRegistry()

    def broken(cancel: threading.Event, on_progress) -> Counters:
        raise KeyError("bug")

    def rejected(cancel: threading.Event, on_progress) -> Counters:
        raise VsqlError("the broker went away")

    bug = _query(registry, [], "bug", run=broken)
    gone = _query(registry, [], "gone", run=rejected)
    assert registry.wait(bug, 5) and registry.wait(gone, 5)
    infos = {info.job_id: info for info in registry.infos()}
    assert infos[bug].state is JobState.FAILED and "unexpected KeyError" in (infos[bug].error or "")
    assert infos[gone].state is JobState.FAILED and infos[gone].error == "the broker went away"


def test_a_job_that_fails_to_start_is_not_kept() -> None:
    registry = JobRegistry()

    class Refused:
        job_id = "DATAGEN_X_1"

        def start(self) -> None:
            raise VsqlError("no broker")

    with pytest.raises(VsqlError):
        registry.start(Refused())  # type: ignore[arg-type]
    assert registry.infos() == []
