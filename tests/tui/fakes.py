"""The dashboard over the fake runtime: a fixed catalog of topics, one demo job, recorded switches."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.fake_runtime import FakeRuntime
from tests.tui.conftest import BASELINES
from vsql.engine.sql.plan import EmitMode
from vsql.runtime import Counters, JobInfo, JobKind, JobState, ResultShape
from vsql.tui.app import VsqlApp

BAD_SQL = "SELECT nope FROM trades"
"""A statement the planner rejects: ``trades`` has no column ``nope``."""

KEYED = ResultShape(
    columns=("symbol", "trades", "window_start"),
    key_columns=("symbol", "window_start"),
    emit_mode=EmitMode.CHANGES,
)


def dashboard_runtime(**options: object) -> FakeRuntime:
    """A fake runtime with topics ``trades`` and ``orders``, keyed results and a running demo job."""
    runtime = FakeRuntime(
        topic_records={
            "trades": [{"symbol": "A", "price": 1.0, "qty": 1}],
            "orders": [{"order_id": 1}],
        },
        **{"shape": KEYED, **options},  # type: ignore[arg-type]
    )
    demo = JobInfo(
        "DATAGEN_TRADES_1",
        "DATAGEN",
        JobState.RUNNING,
        JobKind.DATAGEN,
        Counters(records_per_s=2000.0, rows_out=1234),
    )
    runtime.add_job(demo)
    return runtime


@dataclass
class Switches:
    """Opens a fresh fake runtime for each broker switch and records the addresses asked for."""

    asked: list[str | None] = field(default_factory=list)

    def __call__(self, bootstrap: str | None) -> FakeRuntime:
        self.asked.append(bootstrap)
        return dashboard_runtime(broker_label=f"fake broker at {bootstrap or 'embedded'}")


def fake_app(runtime: FakeRuntime, *, switches: Switches | None = None, **options: object) -> VsqlApp:
    """The App on ``runtime``, polling fast, with the test baselines."""
    settings: dict[str, object] = {"baselines": BASELINES, "poll_s": 0.2, **options}
    return VsqlApp(
        lambda: runtime,  # type: ignore[arg-type,return-value]
        switch_runtime=switches or Switches(),  # type: ignore[arg-type]
        **settings,  # type: ignore[arg-type]
    )
