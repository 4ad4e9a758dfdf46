"""vsql bench: workloads run the engine and relate to a reference loop measured in the same run."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from vsql.bench.references import dict_loop, json_loop
from vsql.bench.report import write_json, write_table
from vsql.bench.runner import run_workloads
from vsql.bench.workloads import WORKLOADS, workload
from vsql.cli import main
from vsql.engine.sql.statements import compile_query


def test_every_workload_compiles() -> None:
    for work in WORKLOADS.values():
        compile_query(work.sql)


def test_unknown_workload_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="tumbling"):
        workload("nope")


def test_reference_loops_count_the_same_groups() -> None:
    records = [{"_timestamp": t, "symbol": "AB"[t % 2], "qty": 1, "price": 1.0} for t in range(2500)]
    lines = [json.dumps(record).encode() for record in records]
    assert dict_loop(records) == json_loop(lines) == 6


def test_run_reports_throughput_and_ratio_for_each_workload() -> None:
    results = run_workloads(["tumbling", "tumbling_ndjson"], records=20_000, repeat=2)
    assert [result.name for result in results] == ["tumbling", "tumbling_ndjson"]
    for result in results:
        assert result.records == 20_000
        assert result.records_per_s > 0
        assert result.normalized == pytest.approx(result.records_per_s / result.reference_records_per_s)
    assert {result.reference for result in results} == {"dict_loop", "json_loop"}
    table = io.StringIO()
    write_table(results, table)
    assert "tumbling_ndjson" in table.getvalue()
    document = io.StringIO()
    write_json(results, document)
    assert json.loads(document.getvalue())[0]["name"] == "tumbling"


def test_memory_growth_is_measured_in_child_processes() -> None:
    (result,) = run_workloads(["tumbling"], records=20_000, repeat=1, memory=True)
    assert result.peak_rss_mb is not None and result.peak_rss_mb > 0
    assert result.memory_growth is not None and 0.5 < result.memory_growth < 2


def test_command_writes_json_and_rejects_unknown_workloads(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    assert (
        main(["bench", "run", "select_where", "--records", "5000", "--repeat", "1", "--json", str(out)]) == 0
    )
    assert json.loads(out.read_text())[0]["name"] == "select_where"
    assert main(["bench", "run", "nope"]) == 2
