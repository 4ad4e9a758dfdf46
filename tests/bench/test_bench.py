"""vsql bench: workloads run the engine and relate to a reference loop measured in the same run."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable

import pytest

from vsql.bench.measure import Measurement, measure, measure_reference, peak_in_child, peak_rss_mb
from vsql.bench.process import ProcessInputs, WorkloadFailedError, reference_command, vsql_command
from vsql.bench.references import dict_loop, json_loop
from vsql.bench.result import Machine
from vsql.bench.runner import run_workloads, summarize_pairs
from vsql.bench.workloads import JSON_LOOP_PROCESS, WORKLOADS, InputKind, Workload, workload
from vsql.cli import main
from vsql.engine.sql.statements import compile_query


def test_every_workload_compiles() -> None:
    for work in WORKLOADS.values():
        if work.sql is not None:
            compile_query(work.sql)


def test_unknown_workload_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="tumbling"):
        workload("nope")


def test_reference_loops_count_the_same_groups() -> None:
    records = [{"_timestamp": t, "symbol": "AB"[t % 2], "qty": 1, "price": 1.0} for t in range(2500)]
    lines = [json.dumps(record).encode() for record in records]
    assert dict_loop(records) == json_loop(lines) == 6


def test_run_reports_throughput_and_ratio_for_each_workload() -> None:
    run = run_workloads(["tumbling", "tumbling_ndjson"], records=20_000, repeat=2, min_seconds=0.0)
    assert run.names == ["tumbling", "tumbling_ndjson"]
    assert (run.records, run.repeat) == (20_000, 2)
    assert run.machine == Machine.current()
    for result in run.results:
        assert result.records == 20_000
        assert result.records_per_s > 0
        assert result.normalized == pytest.approx(result.records_per_s / result.reference_records_per_s)
        assert result.peak_state_slots is not None and result.peak_state_slots > 0
        assert result.memory_points == ()
    assert {result.reference for result in run.results} == {"dict_loop", "json_loop"}


def _timed(records_per_s: float) -> Measurement:
    return Measurement(records=1_000_000, seconds=1_000_000 / records_per_s, batch_latency_ms=(0, 0, 0))


def test_a_machine_slowing_down_mid_bench_moves_both_runs_of_a_pair_not_the_spread() -> None:
    """Paired with the reference run timed just before it, a workload run on a machine that lost
    half its speed keeps its ratio: the spread stays small where the raw rates vary 2x."""
    pairs = [
        (_timed(400_000), _timed(100_000)),
        (_timed(204_000), _timed(50_000)),
        (_timed(396_000), _timed(100_000)),
    ]
    paired = summarize_pairs(pairs)
    assert paired.chosen.records_per_s == pytest.approx(396_000)
    assert paired.reference_records_per_s == pytest.approx(100_000)
    assert paired.spread == pytest.approx((4.08 - 3.96) / 4.0)


def test_a_noisy_workload_shows_in_the_spread() -> None:
    pairs = [
        (_timed(300_000), _timed(100_000)),
        (_timed(400_000), _timed(100_000)),
        (_timed(500_000), _timed(100_000)),
    ]
    assert summarize_pairs(pairs).spread == pytest.approx(0.5)
    assert summarize_pairs(pairs[:1]).spread == 0.0


@pytest.mark.parametrize("timed", [measure, measure_reference])
def test_a_short_run_passes_over_its_records_again_until_it_ran_the_minimum_time(
    timed: Callable[..., Measurement],
) -> None:
    once = timed(workload("select_where"), 5_000, min_seconds=0.0)
    assert once.records == 5_000
    repeated = timed(workload("select_where"), 5_000, min_seconds=0.2)
    assert repeated.seconds >= 0.2
    assert repeated.records > 5_000 and repeated.records % 5_000 == 0


def test_decode_json_decodes_only_and_relates_to_the_json_loop() -> None:
    work = workload("decode_json")
    assert work.sql is None and work.input is InputKind.NDJSON and work.reference == "json_loop"
    (result,) = run_workloads(["decode_json"], records=20_000, repeat=1, min_seconds=0.0).results
    assert result.reference == "json_loop"
    assert result.peak_state_slots == 0, "decoding holds no window state"
    assert result.records_per_s > 0


def test_state_slots_peak_at_open_windows_times_groups() -> None:
    """Over 100 symbols: the continuous GROUP BY holds a slot per symbol; tumbling 1 s windows
    over trades 1 ms apart at most that; sliding 10 s windows every 1 s hold panes of 1 s per
    symbol, so more; a stateless filter holds nothing."""
    names = ["tumbling", "sliding", "continuous_groupby", "select_where"]
    slots = {
        result.name: result.peak_state_slots
        for result in run_workloads(names, records=20_000, repeat=1, min_seconds=0.0).results
    }
    assert slots["select_where"] == 0
    assert slots["continuous_groupby"] == 100
    assert 0 < slots["tumbling"] <= 100 < slots["sliding"]


def test_memory_growth_is_peak_at_n_over_peak_at_a_tenth() -> None:
    (result,) = run_workloads(["tumbling"], records=20_000, repeat=1, memory=True, min_seconds=0.0).results
    assert [count for count, _ in result.memory_points] == [2_000, 20_000]
    small, large = (peak for _, peak in result.memory_points)
    assert result.peak_rss_mb == large > 0
    assert result.memory_growth == pytest.approx(large / small)
    assert 0.5 < result.memory_growth < 2


def test_a_child_reports_its_own_peak_not_its_parents() -> None:
    """``ru_maxrss`` survives exec: a child of a big parent must not report the parent's peak."""
    ballast = bytearray(400 * 1024 * 1024)
    ballast[::4096] = b"x" * len(ballast[::4096])  # touch every page so it is resident
    parent = peak_rss_mb()
    child = peak_in_child("tumbling", 10_000)["peak_rss_mb"]
    assert child < parent - 300


BROKEN_CLI = Workload(
    "broken_cli", "SELECT nope( FROM trades", InputKind.CLI, JSON_LOOP_PROCESS, "a query vsql rejects"
)


def test_cli_workload_times_whole_processes_against_a_json_loop_process() -> None:
    """No timing asserted: the run measures both children over the same file, once each."""
    work = workload("cli_tumbling_ndjson")
    assert work.input is InputKind.CLI and work.reference == JSON_LOOP_PROCESS
    assert work.sql == workload("tumbling_ndjson").sql
    (result,) = run_workloads(["cli_tumbling_ndjson"], records=5_000, repeat=1, min_seconds=0.0).results
    assert result.reference == JSON_LOOP_PROCESS
    assert result.records == 5_000
    assert result.records_per_s > 0 and result.reference_records_per_s > 0
    assert result.peak_state_slots is None, "the engine runs in the child: its state is not observed"
    assert result.memory_points == ()


def test_the_cli_children_read_the_trades_the_in_process_workloads_read(tmp_path) -> None:
    """The file holds the NDJSON of ``tumbling_ndjson``'s trades; the reference child folds it
    into the groups the in-process ``json_loop`` finds, and ``vsql -e`` runs the workload's query."""
    work = workload("cli_tumbling_ndjson")
    with ProcessInputs() as files:
        path = files.path(work, 3_000)
        assert files.path(work, 3_000) == path, "written once per record count"
        lines = path.read_bytes().splitlines()
        counted = subprocess.run(reference_command(path), capture_output=True, check=True)
        assert int(counted.stdout) == json_loop(lines)
        command = vsql_command(work, path)
        assert command[1:5] == ["-m", "vsql.cli", "-e", work.sql]
        rows = subprocess.run(command, capture_output=True, check=True).stdout.splitlines()
    assert len(lines) == 3_000
    assert len(rows) == json_loop(lines), "one row per (symbol, 1 s window)"
    assert not path.exists(), "the files go with the inputs"


def test_a_failing_child_fails_the_workload_with_its_stderr() -> None:
    with ProcessInputs() as files, pytest.raises(WorkloadFailedError) as error:
        files.measure(BROKEN_CLI, 100, min_seconds=0.0)
    message = str(error.value)
    assert message.startswith("workload broken_cli: vsql -e exited with status 1: ")
    assert "expected ')'" in message


def test_bench_run_of_a_failing_cli_workload_exits_1_with_the_childs_stderr(monkeypatch, capsys) -> None:
    monkeypatch.setitem(WORKLOADS, BROKEN_CLI.name, BROKEN_CLI)
    assert main(["bench", "run", "broken_cli", "--records", "100", "--repeat", "1"]) == 1
    assert "vsql bench: workload broken_cli: vsql -e exited with status 1: error: expected ')'" in (
        capsys.readouterr().err
    )
