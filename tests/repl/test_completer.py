"""SqlCompleter: suggestions plus catalog metadata become completions."""

from __future__ import annotations

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from tests.fake_runtime import FakeRuntime
from vsql.repl.catalog import Catalog
from vsql.repl.commands import default_registry
from vsql.repl.completer import SqlCompleter

TRADES = [{"symbol": "A", "price": 10.5, "qty": 5}]


@pytest.fixture
def completer() -> SqlCompleter:
    runtime = FakeRuntime(topic_records={"trades": TRADES, "orders": [{"id": 1}], "trade_stats": []})
    runtime.start_datagen("trades", topic="live", rate=10)
    catalog = Catalog(runtime)
    catalog.columns("trades")
    catalog.refresh()
    return SqlCompleter(catalog, command_names=default_registry().names)


def texts(completer: SqlCompleter, text: str, *, cursor: int | None = None) -> list[str]:
    document = Document(text, cursor_position=len(text) if cursor is None else cursor)
    return [completion.text for completion in completer.get_completions(document, CompleteEvent())]


def test_topics_after_from_prefix_first(completer: SqlCompleter) -> None:
    assert texts(completer, "SELECT * FROM tr") == ["trade_stats", "trades"]


def test_columns_of_the_from_topic_before_functions(completer: SqlCompleter) -> None:
    text = "SELECT  FROM trades"
    found = texts(completer, text, cursor=len("SELECT "))
    assert found[:3] == ["symbol", "price", "qty"]
    assert "_window_start" in found
    assert "COUNT" in found


def test_partial_column(completer: SqlCompleter) -> None:
    assert texts(completer, "SELECT sym FROM trades", cursor=len("SELECT sym"))[0] == "symbol"


def test_functions_include_aggregates_and_scalars(completer: SqlCompleter) -> None:
    found = texts(completer, "SELECT APPROX")
    assert "APPROX_COUNT_DISTINCT" in found
    assert "UPPER" in texts(completer, "SELECT UPP")


def test_keywords_follow_the_case_typed(completer: SqlCompleter) -> None:
    assert texts(completer, "select s from t group by s window tum") == ["tumbling"]
    assert texts(completer, "SELECT s FROM t GROUP BY s WINDOW TUMBLING(1m) EMIT ") == ["CHANGES", "FINAL"]


def test_setting_names_in_set(completer: SqlCompleter) -> None:
    assert texts(completer, "SET 'watermark.") == ["watermark.idle_timeout", "watermark.max_out_of_orderness"]


def test_multi_word_command_completion_replaces_the_statement_so_far(completer: SqlCompleter) -> None:
    document = Document("show t")
    completions = list(completer.get_completions(document, CompleteEvent()))
    assert [(c.text, c.start_position) for c in completions] == [("show topics", -6)]


def test_first_word_offers_commands_and_select(completer: SqlCompleter) -> None:
    found = texts(completer, "")
    assert {"SHOW TOPICS", "DESCRIBE", "PRINT", "DATAGEN", "SELECT", "CREATE STREAM"} <= set(found)


def test_terminate_offers_running_queries_and_all(completer: SqlCompleter) -> None:
    assert texts(completer, "TERMINATE ") == ["DATAGEN_LIVE_1", "ALL"]


def test_unsampled_topic_offers_system_columns_until_sampled() -> None:
    runtime = FakeRuntime(topic_records={"orders": [{"order_id": 1}]})
    catalog = Catalog(runtime)
    completer = SqlCompleter(catalog, command_names=())
    assert texts(completer, "SELECT  FROM orders", cursor=7)[0] == "_key"
    catalog.refresh()
    assert texts(completer, "SELECT  FROM orders", cursor=7)[0] == "order_id"


def test_catalog_keeps_going_when_a_topic_cannot_be_sampled() -> None:
    catalog = Catalog(FakeRuntime())
    assert catalog.columns("ghost") == ()
    catalog.refresh()
    assert catalog.columns("ghost") == ()
