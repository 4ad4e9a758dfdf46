"""The seeded event generator."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from vsql.datagen import KINDS, EventSpec, generate, to_ndjson


def _table(spec: EventSpec, batch_rows: int) -> pa.Table:
    return pa.Table.from_batches(list(generate(spec, batch_rows=batch_rows)))


@pytest.mark.parametrize("kind", KINDS)
def test_same_seed_gives_the_same_rows_whatever_the_batch_size(kind: str) -> None:
    spec = EventSpec(kind=kind, count=70_000, keys=13, out_of_order=0.1, seed=5)
    whole = _table(spec, 100_000)
    assert whole.num_rows == 70_000
    assert _table(spec, 999).equals(whole)


def test_other_seed_gives_other_rows() -> None:
    assert not _table(EventSpec(count=1000, seed=1), 1000).equals(_table(EventSpec(count=1000, seed=2), 1000))


def test_event_time_advances_by_spacing_and_disorder_only_moves_back() -> None:
    spec = EventSpec(count=5000, spacing_ms=3, out_of_order=0.2, max_delay_ms=50, start_ms=1000)
    times = _table(spec, 5000).column("_timestamp").to_pylist()
    expected = [1000 + 3 * index for index in range(5000)]
    assert all(0 <= want - got <= 50 for got, want in zip(times, expected, strict=True))
    assert sum(got != want for got, want in zip(times, expected, strict=True)) > 500


def test_keys_and_prices_are_bounded_and_positive() -> None:
    table = _table(EventSpec(count=20_000, keys=7), 4096)
    assert len(set(table.column("symbol").to_pylist())) == 7
    assert min(table.column("price").to_pylist()) > 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kind", "planets", "unknown event kind"),
        ("keys", 0, "keys"),
        ("count", -1, "count"),
        ("out_of_order", 1.5, "out_of_order"),
    ],
)
def test_bad_spec_is_rejected_naming_the_problem(field: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        EventSpec(**{field: value})


def test_ndjson_round_trips_through_json_with_escaping() -> None:
    batch = pa.record_batch(
        {"name": pa.array(['say "hi"', "back\\slash", None]), "n": pa.array([1, None, 3])}
    )
    lines = to_ndjson(batch).splitlines()
    assert [json.loads(line) for line in lines] == [
        {"name": 'say "hi"', "n": 1},
        {"name": "back\\slash", "n": None},
        {"name": None, "n": 3},
    ]
