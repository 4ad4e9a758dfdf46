"""The ``vsql bench`` commands: exit codes, files written, and the ``--quick`` smoke of every workload.

Comparisons read synthetic run documents (``tests/bench/data``) through ``--current``, so only the
tests that say so measure anything.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from vsql.bench.result import BenchRun
from vsql.bench.workloads import WORKLOADS, InputKind
from vsql.cli import main

DATA = Path(__file__).parent / "data"
BASELINES = DATA / "baselines"


def _compare(*extra: str) -> int:
    return main(["bench", "compare", "main", "--dir", str(BASELINES), *extra])


def test_compare_within_tolerance_exits_0(capsys) -> None:
    assert _compare("--current", str(DATA / "current_ok.json")) == 0
    out = capsys.readouterr().out
    assert "PASS" in out
    assert "improvement" in out


def test_compare_with_a_regression_exits_1_and_writes_reports(tmp_path, capsys) -> None:
    markdown, plots, document = tmp_path / "report.md", tmp_path / "plots", tmp_path / "run.json"
    code = _compare(
        "--current",
        str(DATA / "current_regressed.json"),
        "--markdown",
        str(markdown),
        "--plot",
        str(plots),
        "--json",
        str(document),
    )
    assert code == 1
    assert "regression" in capsys.readouterr().out
    assert "| **tumbling** | **regression** |" in markdown.read_text()
    assert sorted(path.name for path in plots.iterdir()) == ["memory.png", "throughput.png"]
    assert BenchRun.read(document) == BenchRun.read(DATA / "current_regressed.json")


def test_a_looser_tolerance_accepts_the_same_drop(capsys) -> None:
    regressed = str(DATA / "current_regressed.json")
    assert _compare("--current", regressed, "--tolerance", "60%") == 1, "memory growth still fails"
    assert "memory growth" in capsys.readouterr().out


def test_memory_growth_alone_exits_1(tmp_path, result_factory, run_factory) -> None:
    baseline = run_factory(result_factory("session", growth=1.0))
    current = tmp_path / "current.json"
    run_factory(result_factory("session", growth=1.25)).write(current)
    baseline.write(tmp_path / "main.json")
    assert main(["bench", "compare", "main", "--dir", str(tmp_path), "--current", str(current)]) == 1


def test_compare_with_a_run_over_another_record_count_warns_and_passes(
    tmp_path, result_factory, run_factory, capsys
) -> None:
    """A drop that only a shorter run shows is no regression: the command names both counts."""
    run_factory(result_factory("tumbling", normalized=4.0, records=1_000_000)).write(tmp_path / "main.json")
    current = tmp_path / "current.json"
    run_factory(result_factory("tumbling", normalized=1.0, records=20_000)).write(current)
    assert main(["bench", "compare", "main", "--dir", str(tmp_path), "--current", str(current)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "records differ" in out
    assert "tumbling: 20,000 records, baseline 1,000,000" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["bench", "compare", "nope", "--dir", str(BASELINES)], "no baseline 'nope'"),
        (
            ["bench", "compare", "main", "--dir", str(BASELINES), "--tolerance", "ten"],
            "invalid tolerance 'ten'",
        ),
        (
            [
                "bench",
                "compare",
                "main",
                "rows",
                "--dir",
                str(BASELINES),
                "--current",
                str(DATA / "current_ok.json"),
            ],
            "--current takes a saved run",
        ),
        (
            ["bench", "compare", "main", "--dir", str(BASELINES), "--current", str(DATA / "none.json")],
            "cannot read",
        ),
        (["bench", "run", "nope"], "unknown workload nope"),
        (["bench", "run", "--records", "0"], "positive integer"),
    ],
)
def test_usage_errors_exit_2_with_a_message(argv: list[str], message: str, capsys) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_baseline_save_from_a_run_then_list_and_refuse_to_overwrite(tmp_path, capsys) -> None:
    folder = str(tmp_path / "baselines")
    save = ["bench", "baseline", "save", "main", "--dir", folder, "--from", str(DATA / "current_ok.json")]
    assert main(save) == 0
    assert BenchRun.read(tmp_path / "baselines" / "main.json") == BenchRun.read(DATA / "current_ok.json")
    capsys.readouterr()
    assert main(save) == 2
    assert "exists" in capsys.readouterr().err
    assert main([*save, "--force"]) == 0
    assert main(["bench", "baseline", "list", "--dir", folder]) == 0
    listing = capsys.readouterr().out
    assert "main" in listing and "Test CPU 3000 x4" in listing and "tumbling, sliding" in listing
    assert "2026-01-02" in listing


def test_outside_a_project_commands_save_to_the_user_folder_and_read_the_packaged_baselines(
    places, capsys
) -> None:
    """A pip-installed vsql run from any directory: no ``--dir`` anywhere."""
    shutil.copy(BASELINES / "main.json", places["packaged"].mkdir() or places["packaged"] / "main.json")
    ok = str(DATA / "current_ok.json")
    assert main(["bench", "compare", "main", "--current", ok]) == 0
    assert main(["bench", "baseline", "save", "mine", "--from", ok]) == 0
    assert (places["user"] / "mine.json").is_file()
    assert main(["bench", "compare", "mine", "--current", ok]) == 0
    capsys.readouterr()
    assert main(["bench", "baseline", "list"]) == 0
    listing = capsys.readouterr().out
    assert f"baselines in {places['user']} then {places['packaged']} (chosen by user data folder)" in listing
    user, packaged = listing.split(f"{places['user']}:\n")[1].split(f"{places['packaged']}:\n")
    assert [line.split()[0] for line in user.splitlines()[2:]] == ["mine"]
    assert [line.split()[0] for line in packaged.splitlines()[2:]] == ["main"]
    assert sorted(path.name for path in places["packaged"].iterdir()) == ["main.json"]


@pytest.mark.parametrize(
    "command", [["run"], ["compare", "main"], ["baseline", "save", "main"], ["baseline", "list"]]
)
def test_every_subcommand_has_help(command: list[str], capsys) -> None:
    assert main(["bench", *command, "--help"]) == 0
    assert capsys.readouterr().out.startswith(f"usage: vsql bench {command[0]}")


def test_baseline_list_of_an_empty_folder_says_so(tmp_path, capsys) -> None:
    assert main(["bench", "baseline", "list", "--dir", str(tmp_path)]) == 0
    assert "no baselines" in capsys.readouterr().out


def test_baseline_save_measures_the_named_workloads(tmp_path) -> None:
    argv = ["bench", "baseline", "save", "small", "select_where", "--dir", str(tmp_path)]
    assert main([*argv, "--records", "5000", "--repeat", "1", "--no-memory"]) == 0
    run = BenchRun.read(tmp_path / "small.json")
    assert (run.names, run.records, run.repeat) == (["select_where"], 5000, 1)
    assert run.results[0].memory_points == ()


def test_compare_runs_the_baselines_workloads_at_its_record_count(
    tmp_path, result_factory, run_factory
) -> None:
    """A baseline of select_where (far slower than the engine) and of a workload this version no
    longer has: the run measures select_where alone, as the baseline did, and reports the other
    as missing."""
    baseline = replace(
        run_factory(result_factory("select_where", normalized=0.01), result_factory("retired")),
        records=5000,
        repeat=1,
    )
    baseline.write(tmp_path / "old.json")
    document = tmp_path / "current.json"
    assert main(["bench", "compare", "old", "--dir", str(tmp_path), "--json", str(document)]) == 0
    current = BenchRun.read(document)
    assert (current.names, current.records, current.repeat) == (["select_where"], 5000, 1)


def test_run_writes_a_versioned_document(tmp_path) -> None:
    out = tmp_path / "bench.json"
    assert (
        main(["bench", "run", "select_where", "--records", "5000", "--repeat", "1", "--json", str(out)]) == 0
    )
    document = json.loads(out.read_text())
    assert document["format"] == 1
    assert (document["records"], document["repeat"]) == (5000, 1)
    assert [result["name"] for result in document["results"]] == ["select_where"]


def test_quick_runs_every_workload_kafka_included(tmp_path) -> None:
    """The CI smoke: small, one repeat, memory measured (in-process workloads); no thresholds."""
    out, markdown = tmp_path / "quick.json", tmp_path / "quick.md"
    assert main(["bench", "run", "--quick", "--json", str(out), "--markdown", str(markdown)]) == 0
    run = BenchRun.read(out)
    assert run.names == list(WORKLOADS)
    assert (run.records, run.repeat) == (20_000, 1)
    for result in run.results:
        assert result.records_per_s > 0 and result.reference_records_per_s > 0, result.name
        if WORKLOADS[result.name].input in (InputKind.KAFKA, InputKind.CLI):
            assert result.memory_points == (), result.name
        else:
            assert [count for count, _ in result.memory_points] == [2_000, 20_000], result.name
            assert result.memory_growth is not None and result.memory_growth > 0
    assert all(f"| {name} |" in markdown.read_text() for name in WORKLOADS)


def test_fixture_documents_are_not_copies(tmp_path) -> None:
    """The comparison fixtures differ where the tests rely on them (guards against an edit that
    makes every comparison pass)."""
    baseline = BenchRun.read(BASELINES / "main.json")
    regressed = BenchRun.read(DATA / "current_regressed.json")
    assert regressed.result("tumbling").normalized < 0.6 * baseline.result("tumbling").normalized
    shutil.copy(BASELINES / "main.json", tmp_path / "main.json")
    assert (
        main(["bench", "compare", "main", "--dir", str(tmp_path), "--current", str(BASELINES / "main.json")])
        == 0
    )
