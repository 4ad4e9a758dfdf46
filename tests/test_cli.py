"""The vsql command: exit codes, formats, scripts, scenarios, demo."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

import vsql
from vsql.cli import main
from vsql.datagen import EventSpec, generate
from vsql.io.kafka.brokers import EmbeddedBroker
from vsql.io.kafka.producer import JsonProducer

SQL = "SELECT symbol, COUNT(*) AS n FROM trades GROUP BY symbol EMIT FINAL"


@pytest.fixture
def trades(tmp_path: Path) -> Path:
    path = tmp_path / "trades.ndjson"
    rows = [{"_timestamp": 100 * i, "symbol": "AB"[i % 2], "qty": i} for i in range(6)]
    path.write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in rows) + b"not json\n")
    return path


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "scenario" in capsys.readouterr().out


def test_unknown_flag_is_a_usage_error() -> None:
    assert main(["--bogus"]) == 2


def test_bad_input_binding_is_a_usage_error() -> None:
    assert main(["-e", SQL, "--input", "no-equals-sign"]) == 2


def test_query_over_a_missing_topic_is_a_clear_input_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-e", SQL]) == 2
    assert "topic 'trades' does not exist" in capsys.readouterr().err


def test_query_over_a_topic_on_a_live_broker(capsys: pytest.CaptureFixture[str]) -> None:
    broker = EmbeddedBroker()
    broker.create_topic("trades", 2)
    producer = JsonProducer(broker.client_config)
    for batch in generate(EventSpec(count=3000, keys=3, seed=2)):
        producer.produce_batch("trades", batch, key_column="symbol")
    producer.flush()
    sql = (
        "SET 'scan.bounded.mode' = 'latest-offset';"
        "SELECT COUNT(*) AS n, COUNT(DISTINCT symbol) AS symbols FROM trades EMIT FINAL"
    )
    assert main(["-e", sql, "--bootstrap", broker.bootstrap, "--tier", "dedicated", "--format", "json"]) == 0
    assert orjson.loads(capsys.readouterr().out) == {"n": 3000, "symbols": 3}
    broker.close()


def test_a_push_query_needs_an_end_in_a_script(capsys: pytest.CaptureFixture[str]) -> None:
    script = "DATAGEN trades TO trades RATE 1000; SELECT symbol, price FROM trades"
    assert main(["-e", script]) == 2
    assert "needs an end: add LIMIT n" in capsys.readouterr().err


def test_timeout_stops_a_push_query_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    script = "DATAGEN trades TO trades RATE 2000; SELECT symbol, price FROM trades"
    assert main(["-e", script, "--timeout", "1500ms", "--format", "csv"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == "symbol,price"
    assert len(captured.out.splitlines()) > 1
    assert "stopped after --timeout 1500ms" in captured.err
    assert "DATAGEN_TRADES_1" in captured.err


@pytest.mark.parametrize("text", ["0", "-1s", "soon"])
def test_a_bad_timeout_is_a_usage_error(text: str) -> None:
    assert main(["-e", SQL, "--timeout", text]) == 2


def test_ctrl_c_before_any_query_ends_quietly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*_: object, **__: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr("vsql.cli._route", interrupted)
    assert main([]) == 130
    assert capsys.readouterr().err == "vsql: interrupted\n"


def test_missing_input_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-e", SQL, "--input", f"trades={tmp_path / 'nope.ndjson'}"]) == 2
    assert "cannot open input file" in capsys.readouterr().err


def test_json_format_prints_one_object_per_row(trades: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-e", SQL, "--input", f"trades={trades}", "--format", "json"]) == 0
    captured = capsys.readouterr()
    rows = [orjson.loads(line) for line in captured.out.splitlines()]
    assert sorted(rows, key=lambda r: r["symbol"]) == [{"symbol": "A", "n": 3}, {"symbol": "B", "n": 3}]
    assert "2 rows out, 0 late, 1 dead letter\n" in captured.err


def test_a_word_in_a_csv_number_column_is_a_dead_letter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "trades.csv"
    rows = [f"{'AB'[i % 2]},{i},{10 * i}" for i in range(10)]
    rows.insert(2, "A,abc,15")
    path.write_text("symbol,price,_timestamp\n" + "\n".join(rows) + "\n")
    sql = "SELECT symbol, AVG(price) AS p FROM trades GROUP BY symbol WINDOW TUMBLING(1s) EMIT FINAL"
    assert main(["-e", sql, "--input", f"trades={path}", "--format", "json"]) == 0
    captured = capsys.readouterr()
    rows_out = sorted((orjson.loads(line) for line in captured.out.splitlines()), key=lambda r: r["symbol"])
    assert rows_out == [{"symbol": "A", "p": 4.0}, {"symbol": "B", "p": 5.0}]
    assert "0 late, 1 dead letter\n" in captured.err


def test_table_and_csv_formats(trades: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-e", SQL, "--input", f"TRADES={trades}"]) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0].split() == ["symbol", "n"]
    assert "(2 rows)" in table
    assert main(["-e", SQL, "--input", f"trades={trades}", "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "symbol,n"


def test_vertical_format_prints_one_block_per_row(trades: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-e", SQL, "--input", f"trades={trades}", "--format", "vertical"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line for line in lines if line.startswith("-[ RECORD")] == [
        "-[ RECORD 1 ]--------",
        "-[ RECORD 2 ]--------",
    ]
    assert sorted(line.split() for line in lines if line.startswith("symbol")) == [
        ["symbol", "|", "A"],
        ["symbol", "|", "B"],
    ]


def test_syntax_error_exits_1_with_a_caret(trades: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-e", "SELECT symbol,\n  COUNT(* AS n FROM trades", "--input", f"trades={trades}"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error:")
    assert "^" in err.splitlines()[-1]


def test_plan_error_exits_1(trades: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-e", "SELECT nosuchfn(qty) FROM trades", "--input", f"trades={trades}"]) == 1
    assert "nosuchfn" in capsys.readouterr().err.lower()


def test_limit_beyond_int64_is_a_plan_error(trades: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sql = "SELECT symbol FROM trades LIMIT 99999999999999999999"
    assert main(["-e", sql, "--input", f"trades={trades}"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: LIMIT must be a whole number")
    assert "unexpected" not in err and "Traceback" not in err


def test_script_applies_set_to_later_statements(trades: Path, tmp_path: Path, capsys) -> None:
    script = tmp_path / "s.sql"
    script.write_text(
        "SET 'late.data.strategy' = 'drop';\n"
        "SELECT symbol, COUNT(*) AS n FROM trades GROUP BY symbol WINDOW TUMBLING(1s) EMIT FINAL;\n"
    )
    assert main(["-f", str(script), "--input", f"trades={trades}", "--format", "json"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_script_with_a_bad_setting_exits_1(tmp_path: Path, trades: Path) -> None:
    script = tmp_path / "s.sql"
    script.write_text("SET 'late.data.strategy' = 'sometimes';\n")
    assert main(["-f", str(script), "--input", f"trades={trades}"]) == 1


def test_missing_script_is_exit_2(tmp_path: Path) -> None:
    assert main(["-f", str(tmp_path / "none.sql")]) == 2


def test_scenario_run_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(
        "name: good\nsql: " + SQL + "\ninputs: {trades: {records: [{_timestamp: 1, symbol: A}]}}\n"
        "expected: {rows: [{symbol: A, n: 1}]}\n"
    )
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(good.read_text().replace("name: good", "name: wrong").replace("n: 1}", "n: 2}"))
    assert main(["scenario", "run", "--engine-only", str(good)]) == 0
    assert "PASS    good" in capsys.readouterr().out
    assert main(["scenario", "run", "--engine-only", str(good), str(wrong)]) == 1
    out = capsys.readouterr().out
    assert "FAIL    wrong" in out
    assert '- {"symbol":"A","n":2}' in out
    invalid = tmp_path / "invalid.yaml"
    invalid.write_text("sql: x\n")
    assert main(["scenario", "run", "--engine-only", str(tmp_path)]) == 2


def test_scenario_actual_out_writes_rows(tmp_path: Path) -> None:
    good = tmp_path / "in" / "good.yaml"
    good.parent.mkdir()
    good.write_text(
        "name: good\nsql: " + SQL + "\ninputs: {trades: {records: [{_timestamp: 1, symbol: A}]}}\n"
        "expected: {rows: [{symbol: A, n: 1}]}\n"
    )
    assert main(["scenario", "run", str(good), "--actual-out", str(tmp_path / "out")]) == 0
    assert orjson.loads((tmp_path / "out" / "good.ndjson").read_text()) == {"symbol": "A", "n": 1}


def test_scenario_missing_path_is_exit_2(tmp_path: Path) -> None:
    assert main(["scenario", "run", str(tmp_path / "missing")]) == 2


def test_demo_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:3] == ["symbol", "trades", "volume"]
    assert "rows)" in out.splitlines()[-1]


def test_reader_closing_the_pipe_ends_quietly(tmp_path: Path) -> None:
    """``vsql ... | head -1``: the closed pipe is not an error and prints nothing on stderr (the
    output is far larger than the pipe's buffer, so the writer does meet the closed pipe)."""
    source = tmp_path / "many.ndjson"
    source.write_text("".join(f'{{"_timestamp": {ms}, "symbol": "S{ms % 7}"}}\n' for ms in range(100_000)))
    process = subprocess.Popen(
        [sys.executable, "-m", "vsql", "-e", "SELECT symbol FROM trades", "--input", f"trades={source}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    process.stdout.readline()
    process.stdout.close()
    _, stderr = process.communicate(timeout=60)
    assert (process.returncode, stderr) == (0, b"")


def test_version_names_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"vsql {vsql.__version__}\n"


FRONT_ENDS_AND_TOOLS = (
    "prompt_toolkit",
    "textual",
    "matplotlib",
    "vsql.bench",
    "vsql.repl.shell",
    "vsql.tui",
)


def _loaded_after(arguments: list[str]) -> set[str]:
    """The modules a fresh interpreter has loaded after ``vsql <arguments>``."""
    code = (
        "import contextlib, io, json, sys; from vsql.cli import main\n"
        f"with contextlib.redirect_stdout(io.StringIO()): main({arguments!r})\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(orjson.loads(completed.stdout.splitlines()[-1]))


@pytest.mark.parametrize("arguments", [["--help"], ["--version"], ["bench", "--help"]])
def test_help_loads_no_front_end_and_no_kafka_client(arguments: list[str]) -> None:
    loaded = _loaded_after(arguments)
    shown = {"vsql.bench", "vsql.engine.pipeline"} if arguments[0] == "bench" else set()
    banned = {*FRONT_ENDS_AND_TOOLS, "confluent_kafka", "vsql.engine.pipeline"} - shown
    assert sorted(name for name in loaded if name.split(".")[0] in banned or name in banned) == []


def test_a_statement_over_a_file_loads_neither_the_shell_nor_the_dashboard_nor_the_bench(
    trades: Path,
) -> None:
    loaded = _loaded_after(["-e", SQL, "--input", f"trades={trades}"])
    assert "vsql.engine.pipeline" in loaded, "the query ran"
    assert sorted(name for name in loaded for banned in FRONT_ENDS_AND_TOOLS if name.startswith(banned)) == []


def test_scripts_take_the_format_from_the_environment_and_the_config_file(
    trades: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VSQL_FORMAT", "json")
    assert main(["-e", SQL, "--input", f"trades={trades}"]) == 0
    assert orjson.loads(capsys.readouterr().out.splitlines()[0])["symbol"] in ("A", "B")
    monkeypatch.delenv("VSQL_FORMAT")
    config = tmp_path / "config.toml"
    config.write_text('format = "csv"\n')
    monkeypatch.setenv("VSQL_CONFIG", str(config))
    assert main(["-e", SQL, "--input", f"trades={trades}"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "symbol,n"
    assert main(["-e", SQL, "--input", f"trades={trades}", "--format", "json"]) == 0, "the flag wins"
    assert capsys.readouterr().out.startswith("{")


def test_an_error_in_a_script_file_names_the_file_and_its_line_in_the_file(
    trades: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "report.sql"
    script.write_text("SET 'late.data.strategy' = 'drop';\n\nSELECT symbol,\n  COUNT(* FROM trades;\n")
    assert main(["-f", str(script), "--input", f"trades={trades}"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-3:] == [
        f"error: expected ')', found 'FROM' ({script}, line 4, column 11)",
        "    COUNT(* FROM trades;",
        "            ^",
    ]


def test_unknown_column_in_a_file_input_is_rejected_with_a_suggestion(
    trades: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-e", "SELECT symbl FROM trades", "--input", f"trades={trades}"]) == 1
    assert "did you mean 'symbol'" in capsys.readouterr().err


def test_statements_on_stdin_run_as_a_script(trades: Path) -> None:
    script = f"SET 'watermark.max_out_of_orderness' = '1s';\n{SQL};\n"
    completed = subprocess.run(
        [sys.executable, "-m", "vsql", "--input", f"trades={trades}", "--format", "csv"],
        input=script,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert sorted(completed.stdout.splitlines()) == ["A,3", "B,3", "symbol,n"]


def test_unexpected_failure_is_one_line_without_debug(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def explode(*_: object, **__: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr("vsql.scenario.suite.run_suite", explode)
    assert main(["scenario", "run", "scenarios"]) == 1
    err = capsys.readouterr().err
    assert "unexpected RuntimeError: boom" in err
    assert "Traceback" not in err
    with pytest.raises(RuntimeError):
        main(["--debug", "scenario", "run", "scenarios"])
