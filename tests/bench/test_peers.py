"""vsql bench peers: every peer computes vsql's windows before it is timed; missing peers say why."""

from __future__ import annotations

import argparse
import ast
import importlib.metadata
import io
import json
import re
import sys
import tomllib
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from vsql.bench.peers import add_peers_arguments, run_peers
from vsql.bench.peers.base import PEER_REQUIREMENTS, Peer, PeerData, Setup, WindowShape, result_table
from vsql.bench.peers.bytewax import BytewaxPeer
from vsql.bench.peers.check import closed_by_later_records, difference
from vsql.bench.peers.duckdb import DuckDbPeer
from vsql.bench.peers.engine import VsqlEngine
from vsql.bench.peers.polars import PolarsPeer
from vsql.bench.peers.quix import QuixPeer
from vsql.bench.peers.runner import PeerStatus, run_peers_side_by_side
from vsql.bench.workloads import Workload, workload
from vsql.datagen import EventSpec, generate

WINDOWED = ("tumbling", "sliding")
ROOT = Path(__file__).parents[2]
PEER_MODULES = ROOT / "vsql" / "bench" / "peers"
_REQUIREMENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _data(records: int = 5_000, *, keys: int = 7, start_ms: int = 0) -> PeerData:
    spec = EventSpec(count=records, keys=keys, seed=3, spacing_ms=3, start_ms=start_ms)
    return PeerData(records, batches=tuple(generate(spec, batch_rows=1_000)))


def _vsql_rows(name: str, data: PeerData) -> pa.Table:
    return VsqlEngine(Setup.IN_MEMORY).results(workload(name), data)


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="vsql bench peers")
    add_peers_arguments(parser)
    return parser.parse_args(argv)


class _WrongVolumePeer:
    """A peer that adds 1 to the volume of one window: the check must catch it."""

    name = "wrong"
    setup = Setup.IN_MEMORY
    detail = "duckdb with one volume off by one"
    flushes_at_end = True

    def available(self) -> str | None:
        return None

    def run(self, work: Workload, data: PeerData) -> float:
        return DuckDbPeer().run(work, data)

    def results(self, work: Workload, data: PeerData) -> pa.Table:
        rows = DuckDbPeer().results(work, data)
        volume = rows["volume"].to_pylist()
        volume[3] += 1
        return rows.set_column(rows.schema.get_field_index("volume"), "volume", pa.array(volume))


@pytest.mark.parametrize("name", WINDOWED)
def test_duckdb_computes_vsqls_windows_on_a_seeded_input(name: str) -> None:
    data = _data()
    expected = _vsql_rows(name, data)
    actual = DuckDbPeer().results(workload(name), data)
    assert expected.num_rows > 100
    assert difference(expected, actual) is None
    assert actual.select(["symbol", "window_start", "trades", "volume"]).equals(
        expected.select(["symbol", "window_start", "trades", "volume"])
    )


def test_sliding_windows_never_start_below_zero_and_cover_ten_panes() -> None:
    rows = DuckDbPeer().results(workload("sliding"), _data())
    assert pc.min(rows["window_start"]).as_py() == 0
    assert set(pc.subtract(rows["window_end"], rows["window_start"]).to_pylist()) == {10_000}


def test_window_shape_comes_from_the_workloads_plan() -> None:
    assert WindowShape.of(workload("tumbling")) == WindowShape(size_ms=1_000, advance_ms=1_000)
    assert WindowShape.of(workload("sliding")).panes_per_window == 10
    with pytest.raises(ValueError, match="session"):
        WindowShape.of(workload("session"))


def test_check_names_the_first_differing_column() -> None:
    data = _data()
    expected = _vsql_rows("tumbling", data)
    wrong = _WrongVolumePeer().results(workload("tumbling"), data)
    assert difference(expected, wrong) is not None
    assert difference(expected, wrong).startswith("volume differs in window 3")
    assert (
        difference(expected, wrong.slice(1))
        == f"{expected.num_rows - 1} windows where vsql has {expected.num_rows}"
    )


def test_a_peer_without_end_of_input_is_expected_to_miss_only_windows_still_open() -> None:
    batch = pa.record_batch(
        {
            "_timestamp": pa.array([100, 1_500, 2_200, 2_900], pa.int64()),
            "symbol": ["A", "A", "B", "A"],
            "price": [1.0, 2.0, 3.0, 4.0],
            "qty": pa.array([1, 1, 1, 1], pa.int64()),
            "side": ["buy"] * 4,
        }
    )
    data = PeerData(4, batches=(batch,))
    rows = _vsql_rows("tumbling", data)
    kept = closed_by_later_records(rows, data)
    # A's windows at 0 and 1000 were closed by A's record at 2900; A's at 2000 and B's are open.
    assert list(zip(kept["symbol"].to_pylist(), kept["window_start"].to_pylist(), strict=True)) == [
        ("A", 0),
        ("A", 1_000),
    ]


def test_result_table_sorts_by_window_then_symbol() -> None:
    table = result_table(
        {
            "symbol": ["B", "A", "A"],
            "window_start": [0, 1_000, 0],
            "window_end": [1_000, 2_000, 1_000],
            "trades": [1, 1, 1],
            "volume": [1, 1, 1],
            "avg_price": [1.0, 1.0, 1.0],
            "low": [1.0, 1.0, 1.0],
            "high": [1.0, 1.0, 1.0],
        }
    )
    assert table["symbol"].to_pylist() == ["A", "B", "A"]


def test_an_unimportable_peer_is_skipped_with_its_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "duckdb", None)
    peer = DuckDbPeer()
    assert "duckdb is not installed" in (peer.available() or "")
    results = run_peers_side_by_side(["tumbling", "sliding"], records=2_000, repeat=1, peers=[peer])
    assert [(result.workload, result.status) for result in results] == [
        ("tumbling", PeerStatus.UNAVAILABLE),
        ("sliding", PeerStatus.UNAVAILABLE),
    ]
    assert all("vsql[peers]" in (result.reason or "") for result in results)
    assert all(result.ratio is None for result in results)


def _distribution(requirement: str) -> str:
    """The normalized distribution name of a requirement such as ``confluent-kafka>=2.3``."""
    match = _REQUIREMENT_NAME.match(requirement)
    assert match is not None, requirement
    return re.sub(r"[-_.]+", "-", match.group()).lower()


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _peers_extra() -> set[str]:
    return set(_pyproject()["project"]["optional-dependencies"]["peers"])


def _imported_top_modules(path: Path) -> set[str]:
    """Top-level names of every absolute import in ``path`` (in functions and TYPE_CHECKING too)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.partition(".")[0])
    return names


def test_the_peers_extra_lists_every_package_the_peer_modules_import() -> None:
    """What the peer modules import beyond the standard library, vsql and vsql's own dependencies
    is what ``pip install 'vsql[peers]'`` installs, and what the skip messages name."""
    imported = set().union(*(_imported_top_modules(path) for path in PEER_MODULES.glob("*.py")))
    third_party = imported - set(sys.stdlib_module_names) - {"vsql"}
    providers = importlib.metadata.packages_distributions()
    distributions = {
        _distribution(provider) for module in third_party for provider in providers.get(module, [module])
    }
    core = {_distribution(requirement) for requirement in _pyproject()["project"]["dependencies"]}
    peers = {_distribution(requirement) for requirement in _peers_extra()}
    assert distributions - core == {"quixstreams", "bytewax", "polars", "duckdb"}
    assert distributions - core <= peers
    assert set(PEER_REQUIREMENTS.values()) == _peers_extra()


@pytest.mark.parametrize(
    ("peer", "module"),
    [
        (QuixPeer(), "quixstreams"),
        (BytewaxPeer(), "bytewax"),
        (PolarsPeer(), "polars"),
        (DuckDbPeer(), "duckdb"),
    ],
)
def test_every_skip_message_names_a_command_installing_the_missing_package(
    peer: Peer, module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [name for name in sys.modules if name == module or name.startswith(f"{module}.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, module, None)
    reason = peer.available() or ""
    match = re.search(r"pip install '([^']+)'", reason)
    assert match is not None, reason
    assert match.group(1) in _peers_extra()
    assert _distribution(match.group(1)) == module
    assert "vsql[peers]" in reason


def test_a_peer_with_different_windows_is_never_timed() -> None:
    peers: list[Peer] = [_WrongVolumePeer(), DuckDbPeer()]
    wrong, duckdb = run_peers_side_by_side(["tumbling"], records=3_000, repeat=1, peers=peers)
    assert wrong.status is PeerStatus.DIFFERS
    assert wrong.records_per_s is None and "volume differs" in (wrong.reason or "")
    assert duckdb.status is PeerStatus.MEASURED
    assert duckdb.ratio == pytest.approx(duckdb.vsql_records_per_s / duckdb.records_per_s)


def test_command_prints_ratios_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "peers.json"
    stream, errors = io.StringIO(), io.StringIO()
    assert run_peers(_parse(["--records", "5000", "--repeat", "1", "--json", str(out)]), stream, errors) == 0
    text = stream.getvalue()
    assert "peers: tumbling: checking duckdb in memory on 5,000 records" in errors.getvalue()
    assert "vsql/peer" in text and "5,000 records per run" in text
    assert "vsql in memory: pre-decoded Arrow batches" in text
    document = json.loads(out.read_text(encoding="utf-8"))
    duckdb = [entry for entry in document if entry["peer"] == "duckdb"]
    assert [entry["workload"] for entry in duckdb] == ["tumbling", "sliding"]
    for entry in duckdb:
        assert entry["status"] == "measured" and entry["setup"] == "in memory"
        assert entry["ratio"] == pytest.approx(entry["vsql_records_per_s"] / entry["records_per_s"])
        assert f"{entry['ratio']:.2f}x" in text
    for entry in document:
        if entry["status"] == "unavailable":
            assert f"skipped: {entry['peer']}: {entry['reason']}" in text


def test_command_rejects_unknown_workloads_and_non_positive_counts() -> None:
    with pytest.raises(SystemExit):
        _parse(["--workloads", "tumbling,session"])
    with pytest.raises(SystemExit):
        _parse(["--records", "0"])
    assert _parse(["--workloads", "sliding"]).workloads == ["sliding"]


@pytest.mark.parametrize("name", WINDOWED)
def test_polars_computes_vsqls_windows(name: str) -> None:
    pytest.importorskip("polars", reason="polars is not installed (pip install 'vsql[peers]')")
    from vsql.bench.peers.polars import PolarsPeer  # noqa: PLC0415

    data = _data()
    assert difference(_vsql_rows(name, data), PolarsPeer().results(workload(name), data)) is None


@pytest.mark.parametrize("name", WINDOWED)
def test_bytewax_computes_vsqls_windows(name: str) -> None:
    pytest.importorskip("bytewax", reason="bytewax is not installed (pip install 'vsql[peers]')")
    from vsql.bench.peers.bytewax import BytewaxPeer  # noqa: PLC0415

    data = _data()
    assert difference(_vsql_rows(name, data), BytewaxPeer().results(workload(name), data)) is None


@pytest.mark.parametrize("name", WINDOWED)
def test_quix_computes_vsqls_closed_windows_through_kafka(name: str) -> None:
    pytest.importorskip("quixstreams", reason="quixstreams is not installed (pip install 'vsql[peers]')")
    from vsql.bench.kafka import KafkaInputs, produce_rate  # noqa: PLC0415
    from vsql.bench.peers.quix import QuixPeer  # noqa: PLC0415

    data = _data(3_000, start_ms=1_700_000_000_000)
    with KafkaInputs() as kafka:
        kafka.broker.create_topic("peer_trades", 4)
        produce_rate(kafka.broker, "peer_trades", list(data.batches))
        on_kafka = PeerData(data.records, batches=data.batches, kafka=kafka, topic="peer_trades")
        actual = QuixPeer().results(workload(name), on_kafka)
    expected = closed_by_later_records(_vsql_rows(name, data), data)
    assert expected.num_rows > 50
    assert difference(expected, actual) is None
