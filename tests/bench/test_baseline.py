"""Stored baselines and run documents: save, load, list, refuse to overwrite, warn across machines."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from vsql.bench import baseline
from vsql.bench.result import FORMAT, BenchFileError, BenchRun

DATA = Path(__file__).parent / "data"


def test_run_document_round_trips_through_json(tmp_path, result_factory, run_factory) -> None:
    run = run_factory(result_factory("tumbling", growth=1.1), result_factory("select_where"))
    path = tmp_path / "run.json"
    run.write(path)
    document = json.loads(path.read_text())
    assert document["format"] == FORMAT
    assert document["machine"]["cpu"] == "Test CPU 3000"
    tumbling = document["results"][0]
    assert tumbling["normalized"] == pytest.approx(2.0)
    assert tumbling["memory_growth"] == pytest.approx(1.1)
    assert tumbling["peak_rss_mb"] == pytest.approx(110.0)
    assert BenchRun.read(path) == run


def test_saved_fixture_of_format_1_still_reads() -> None:
    run = BenchRun.read(DATA / "baselines" / "main.json")
    assert run.names == ["tumbling", "sliding", "decode_json"]
    assert run.result("decode_json").reference == "json_loop"
    assert run.result("tumbling").normalized == pytest.approx(4.0)
    assert run.result("nope") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "is not JSON"),
        ('{"format": 2, "results": []}', "format: 2"),
        ("[1, 2]", "format: 'list'"),
        ('{"format": 1, "results": []}', "invalid bench run document: KeyError"),
    ],
)
def test_other_documents_are_rejected_with_the_reason(tmp_path, text: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(BenchFileError, match=message):
        BenchRun.read(path)


def test_save_then_load_returns_the_run(tmp_path, result_factory, run_factory, caplog) -> None:
    run = run_factory(result_factory("tumbling"))
    path = baseline.save(run, "main", directory=tmp_path / "baselines")
    assert path == tmp_path / "baselines" / "main.json"
    with caplog.at_level(logging.WARNING, logger="vsql.bench.baseline"):
        loaded = baseline.load("main", directory=tmp_path / "baselines", machine=run.machine)
    assert loaded == run
    assert caplog.records == []


def test_save_refuses_to_overwrite_unless_forced(tmp_path, result_factory, run_factory) -> None:
    first = run_factory(result_factory("tumbling", normalized=2.0))
    second = run_factory(result_factory("tumbling", normalized=3.0))
    baseline.save(first, "main", directory=tmp_path)
    with pytest.raises(baseline.BaselineExistsError, match="--force"):
        baseline.save(second, "main", directory=tmp_path)
    assert baseline.load("main", directory=tmp_path, machine=first.machine) == first
    baseline.save(second, "main", directory=tmp_path, force=True)
    assert baseline.load("main", directory=tmp_path, machine=first.machine) == second


@pytest.mark.parametrize("name", ["", "../escape", "a/b", ".hidden", "with space"])
def test_names_must_be_plain_file_names(tmp_path, name: str, result_factory, run_factory) -> None:
    with pytest.raises(BenchFileError, match="invalid baseline name"):
        baseline.save(run_factory(result_factory("tumbling")), name, directory=tmp_path)


def test_loading_an_unknown_baseline_lists_the_known_ones(tmp_path, result_factory, run_factory) -> None:
    baseline.save(run_factory(result_factory("tumbling")), "main", directory=tmp_path)
    with pytest.raises(baseline.BaselineNotFoundError, match=r"no baseline 'nope'.*known: main"):
        baseline.load("nope", directory=tmp_path)


def test_loading_warns_when_measured_on_another_machine(
    tmp_path, result_factory, run_factory, other_machine, caplog
) -> None:
    baseline.save(run_factory(result_factory("tumbling")), "main", directory=tmp_path)
    with caplog.at_level(logging.WARNING, logger="vsql.bench.baseline"):
        baseline.load("main", directory=tmp_path, machine=other_machine)
    (record,) = caplog.records
    assert "another machine" in record.getMessage()
    assert "cpu: Other CPU 9000 != Test CPU 3000" in record.getMessage()


def test_list_shows_name_date_machine_and_workloads(tmp_path, result_factory, run_factory, caplog) -> None:
    baseline.save(run_factory(result_factory("tumbling"), result_factory("rows")), "main", directory=tmp_path)
    baseline.save(run_factory(result_factory("session")), "branch", directory=tmp_path)
    (tmp_path / "broken.json").write_text("{")
    with caplog.at_level(logging.WARNING, logger="vsql.bench.baseline"):
        infos = baseline.list_baselines(tmp_path)
    assert [(info.name, info.workloads) for info in infos] == [
        ("branch", ("session",)),
        ("main", ("tumbling", "rows")),
    ]
    assert infos[0].timestamp == "2026-01-02T03:04:05+00:00"
    assert infos[0].machine.cpu == "Test CPU 3000"
    assert "broken.json" in caplog.text


def test_absent_folder_holds_no_baselines(tmp_path) -> None:
    assert baseline.list_baselines(tmp_path / "nowhere") == []
