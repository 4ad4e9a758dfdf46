"""The table of window kinds drives the dialect, the generator, the planner and the factory."""

from __future__ import annotations

import pytest
import sqlglot

from vsql.engine.errors import SqlSyntaxError
from vsql.engine.sql.dialect import Vsql
from vsql.engine.sql.plan import EmitMode
from vsql.engine.sql.statements import compile_query
from vsql.engine.state import SlotTable
from vsql.engine.windows import build_window_strategy
from vsql.engine.windows.kinds import (
    SLOT_KEYWORDS,
    WINDOW_KINDS,
    WindowKind,
    kind_of,
    kind_of_keyword,
    written_keyword,
)
from vsql.engine.windows.unbounded import UnboundedWindow

_SECONDS = (60, 15)
"""Slot i of a clause gets ``_SECONDS[i]`` seconds."""

FORMS = [(kind, keyword) for kind in WINDOW_KINDS for keyword in kind.keywords]
NAMED_FORMS = [
    (kind, keyword) for kind, keyword in FORMS if all(slot in SLOT_KEYWORDS for slot in kind.slots)
]
"""The forms whose every duration has a ksqlDB keyword (``SIZE``, ``ADVANCE BY``)."""


def _positional(kind: WindowKind, keyword: str) -> str:
    durations = ", ".join(f"{seconds}s" for seconds, _ in zip(_SECONDS, kind.slots, strict=False))
    return f"{keyword}(ts, {durations}, GRACE PERIOD 5 SECONDS)"


def _named(kind: WindowKind, keyword: str) -> str:
    pairs = zip(_SECONDS, kind.slots, strict=False)
    named = ", ".join(f"{SLOT_KEYWORDS[slot]} {seconds} SECONDS" for seconds, slot in pairs)
    return f"{keyword} ({named}, GRACE PERIOD 5 SECONDS)"


def _query(window: str) -> str:
    return f"SELECT COUNT(*) FROM trades GROUP BY symbol WINDOW {window}"


@pytest.mark.parametrize(("kind", "keyword"), FORMS, ids=[keyword for _, keyword in FORMS])
def test_every_keyword_parses_to_its_node_and_round_trips(kind: WindowKind, keyword: str) -> None:
    sql = _query(_positional(kind, keyword))
    tree = sqlglot.parse_one(sql, read=Vsql)
    window = tree.args["window"]
    assert type(window) is kind.node
    assert kind_of(window) is kind
    assert written_keyword(window) == keyword
    assert window.grace.ms == 5_000
    assert tree.sql(dialect=Vsql) == sql


@pytest.mark.parametrize(("kind", "keyword"), NAMED_FORMS, ids=[keyword for _, keyword in NAMED_FORMS])
def test_keywords_take_the_ksqldb_form_where_their_slots_have_names(kind: WindowKind, keyword: str) -> None:
    sql = _query(_named(kind, keyword))
    tree = sqlglot.parse_one(sql, read=Vsql)
    assert tree.sql(dialect=Vsql) == sql
    assert tree.args["window"].grace.ms == 5_000


@pytest.mark.parametrize(("kind", "keyword"), FORMS, ids=[keyword for _, keyword in FORMS])
def test_every_keyword_plans_its_spec_with_each_slot_in_ms(kind: WindowKind, keyword: str) -> None:
    spec = compile_query(_query(_positional(kind, keyword.lower()))).window
    assert type(spec) is kind.spec
    assert kind_of(spec) is kind
    assert spec.time_column == "ts"
    for seconds, slot in zip(_SECONDS, kind.slots, strict=False):
        assert getattr(spec, f"{slot}_ms") == seconds * 1_000


@pytest.mark.parametrize("emit", list(EmitMode))
@pytest.mark.parametrize("kind", WINDOW_KINDS, ids=[kind.name for kind in WINDOW_KINDS])
def test_every_spec_builds_its_strategy_class(kind: WindowKind, emit: EmitMode) -> None:
    spec = compile_query(_query(_positional(kind, kind.name))).window
    strategy = build_window_strategy(spec, emit=emit, allowed_lateness_ms=0, slots=SlotTable())
    assert type(strategy) is kind.strategy


def test_no_window_builds_the_unbounded_strategy() -> None:
    strategy = build_window_strategy(None, emit=EmitMode.FINAL, allowed_lateness_ms=0, slots=SlotTable())
    assert type(strategy) is UnboundedWindow


def test_keywords_are_found_in_any_case_and_unknown_ones_are_not() -> None:
    assert kind_of_keyword("hopping") is kind_of_keyword("SLIDING")
    assert kind_of_keyword("ROWS") is None
    with pytest.raises(TypeError, match="no window kind"):
        kind_of(object())  # type: ignore[arg-type]


def test_an_unknown_window_keyword_is_a_syntax_error_listing_every_keyword() -> None:
    with pytest.raises(SqlSyntaxError) as info:
        compile_query(_query("FIXED(1s)"))
    keywords = [keyword for kind in WINDOW_KINDS for keyword in kind.keywords]
    assert info.value.expected == f"{', '.join(keywords[:-1])} or {keywords[-1]}"
    assert info.value.col == len(_query("")) + 1
