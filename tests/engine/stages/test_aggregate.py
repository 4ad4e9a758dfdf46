"""AggregateStage: the keys of groups whose windows all closed are forgotten, so the group-by holds
a number of keys bounded by live state, and results equal those of a stage that forgets nothing."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from vsql.engine.settings import QuerySettings
from vsql.engine.sql.statements import compile_query
from vsql.engine.stages import aggregate
from vsql.engine.stages.aggregate import AggregateStage

BATCH_COUNT = 20
FRESH_KEYS = 1500
RETURNING_KEYS = 50
SELECT = "SELECT symbol, COUNT(*) AS n, SUM(v) AS total, MIN(v) AS low, MAX(v) AS high FROM t GROUP BY symbol"
WINDOWS = {"tumbling": "TUMBLING(1s)", "sliding": "SLIDING(2s, 1s)", "session": "SESSION(300ms)"}
QUERIES = {
    f"{window}_{emit.lower()}": f"{SELECT} WINDOW {clause} EMIT {emit}"
    for window, clause in WINDOWS.items()
    for emit in ("FINAL", "CHANGES")
}
SETTINGS = QuerySettings.from_properties(
    {"watermark.max_out_of_orderness": "200", "window.allowed_lateness": "100"}
)


def _batches() -> list[pa.RecordBatch]:
    """Second ``b`` of event time brings ``FRESH_KEYS`` keys never seen before, some keys of second
    ``b - 3`` (long closed: they come back after being forgotten), a hot key and NULL; each key
    twice, in shuffled order, with a few rows displaced back in time (late or out of order)."""
    rng = np.random.default_rng(11)
    batches = []
    for second in range(BATCH_COUNT):
        keys = [f"k{second}-{index}" for index in range(FRESH_KEYS)]
        if second >= 3:
            keys += [f"k{second - 3}-{index}" for index in range(RETURNING_KEYS)]
        symbols = np.array([*keys, "hot", None] * 2, dtype=object)
        rng.shuffle(symbols)
        event_ms = second * 1000 + np.sort(rng.integers(0, 1000, len(symbols)))
        displaced = rng.random(len(symbols)) < 0.02
        event_ms[displaced] = np.maximum(event_ms[displaced] - rng.integers(0, 2500, displaced.sum()), 0)
        batches.append(
            pa.record_batch(
                {
                    "_timestamp": pa.array(event_ms, type=pa.int64()),
                    "symbol": pa.array(symbols.tolist(), type=pa.string()),
                    "v": pa.array(rng.integers(-100, 100, len(symbols)), type=pa.int64()),
                }
            )
        )
    return batches


def _run(sql: str, batches: list[pa.RecordBatch]) -> tuple[list[dict], list[int], int]:
    """Result rows, the group count after each batch, and the late count."""
    stage = AggregateStage(compile_query(sql, settings=SETTINGS))
    frames: list[pa.Table] = []
    group_counts = []
    late_count = 0
    for batch in batches:
        output = stage.process(batch)
        frames += output.frames
        late_count += output.late_count
        group_counts.append(stage.group_count)
        assert stage.group_count <= max(2 * stage.state_slots, aggregate._MIN_GROUPS_TO_FORGET)
    frames += stage.finish().frames
    return pa.concat_tables(frames).to_pylist(), group_counts, late_count


@pytest.mark.parametrize("query", sorted(QUERIES))
def test_keys_of_closed_groups_are_forgotten_and_results_do_not_change(
    query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    batches = _batches()
    rows, group_counts, late_count = _run(QUERIES[query], batches)
    monkeypatch.setattr(aggregate, "_MIN_GROUPS_TO_FORGET", np.iinfo(np.int64).max)
    expected_rows, expected_counts, expected_late = _run(QUERIES[query], batches)
    assert expected_counts[-1] == BATCH_COUNT * FRESH_KEYS + 2
    assert max(group_counts) <= 8 * (FRESH_KEYS + RETURNING_KEYS + 2)
    assert late_count == expected_late > 0
    assert rows == expected_rows
