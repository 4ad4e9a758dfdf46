"""Stored baselines and run documents: save, load, list, refuse to overwrite, warn across machines."""

from __future__ import annotations

import json
import logging
import tomllib
from pathlib import Path

import pytest

from vsql.bench import baseline
from vsql.bench.result import FORMAT, BenchFileError, BenchRun
from vsql.bench.workloads import WORKLOADS

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


def _store(run: BenchRun, folder: Path, name: str = "main") -> Path:
    return baseline.save(run, name, directory=folder)


def test_outside_a_project_baselines_are_saved_in_the_users_data_folder(
    places, result_factory, run_factory
) -> None:
    _store(run_factory(result_factory("tumbling", normalized=4.0)), places["packaged"])
    mine = run_factory(result_factory("tumbling", normalized=3.0))
    assert baseline.save(mine, "mine") == places["user"] / "mine.json"
    assert baseline.load("mine", machine=mine.machine) == mine
    packaged = baseline.load("main", machine=mine.machine)
    assert packaged.result("tumbling").normalized == pytest.approx(4.0), "the packaged one, read-only"
    assert baseline.locate() == baseline.Locations(
        places["user"], (places["user"], places["packaged"]), "user data folder"
    )
    assert [(info.name, info.path.parent) for info in baseline.list_baselines()] == [
        ("main", places["packaged"]),
        ("mine", places["user"]),
    ]


def test_a_saved_baseline_hides_the_packaged_one_of_its_name(places, result_factory, run_factory) -> None:
    _store(run_factory(result_factory("tumbling", normalized=4.0)), places["packaged"])
    own = run_factory(result_factory("tumbling", normalized=2.0))
    baseline.save(own, "main")
    assert (places["packaged"] / "main.json").is_file(), "the packaged baseline is never written"
    assert baseline.load("main", machine=own.machine) == own
    (info,) = baseline.list_baselines()
    assert info.path == places["user"] / "main.json"


def test_a_projects_bench_baselines_folder_comes_before_the_users(
    places, result_factory, run_factory
) -> None:
    places["project"].mkdir(parents=True)
    _store(run_factory(result_factory("tumbling")), places["packaged"])
    run = run_factory(result_factory("rows"))
    assert baseline.save(run, "mine").resolve() == (places["project"] / "mine.json").resolve()
    assert not places["user"].exists()
    assert baseline.locate().search == (baseline.PROJECT_DIR, places["packaged"])
    assert [info.name for info in baseline.list_baselines()] == ["main", "mine"]


def test_the_environment_variable_comes_before_the_project_and_alone(
    places, monkeypatch, result_factory, run_factory
) -> None:
    places["project"].mkdir(parents=True)
    _store(run_factory(result_factory("tumbling")), places["packaged"])
    monkeypatch.setenv(baseline.ENV_VAR, str(places["env"]))
    run = run_factory(result_factory("rows"))
    assert baseline.save(run, "mine") == places["env"] / "mine.json"
    assert baseline.locate() == baseline.Locations(places["env"], (places["env"],), "$VSQL_BASELINES")
    with pytest.raises(baseline.BaselineNotFoundError) as error:
        baseline.load("main")
    assert f"no baseline 'main' in {places['env']}; known: mine" in str(error.value)


def test_dir_comes_before_everything_and_alone(places, monkeypatch, result_factory, run_factory) -> None:
    places["project"].mkdir(parents=True)
    monkeypatch.setenv(baseline.ENV_VAR, str(places["env"]))
    _store(run_factory(result_factory("tumbling")), places["packaged"])
    chosen = places["work"] / "chosen"
    assert baseline.locate(chosen) == baseline.Locations(chosen, (chosen,), "--dir")
    assert baseline.list_baselines(chosen) == []


def test_the_users_data_folder_defaults_to_local_share_under_home(places, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_DATA_HOME")
    assert baseline.user_dir() == tmp_path / "home" / ".local" / "share" / "vsql" / "baselines"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/data")
    assert baseline.user_dir() == tmp_path / "home" / ".local" / "share" / "vsql" / "baselines"


def test_an_unknown_baseline_names_every_folder_read(places) -> None:
    with pytest.raises(baseline.BaselineNotFoundError) as error:
        baseline.load("nope")
    assert f"in {places['user']} then {places['packaged']}; known: none" in str(error.value)


def test_the_packaged_baselines_ship_with_vsql_and_name_known_workloads() -> None:
    run = BenchRun.read(baseline.PACKAGED_DIR / "main.json")
    assert set(run.names) <= set(WORKLOADS)
    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    shipped = project["tool"]["setuptools"]["package-data"]["vsql"]
    assert "bench/baselines/*.json" in shipped
