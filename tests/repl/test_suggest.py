"""suggest(): statement text in, typed suggestions out; plain strings, no terminal."""

from __future__ import annotations

import pytest

from vsql.engine.windows.kinds import SLOT_KEYWORDS, WINDOW_KINDS
from vsql.repl.suggest import Column, Command, Function, Keyword, Query, Setting, Suggestions, Topic, suggest


def at_end(text: str) -> Suggestions:
    return suggest(text, text)


def kinds(found: Suggestions) -> list[type]:
    return [type(item) for item in found.items]


def test_empty_buffer_suggests_commands_and_statement_keywords() -> None:
    found = at_end("")
    assert found.items == (Command(typed=""), Keyword(words=("SELECT", "CREATE STREAM", "CREATE TABLE")))


def test_partial_first_word_is_the_word_to_replace() -> None:
    found = at_end("sel")
    assert found.word == "sel"
    assert Command(typed="sel") in found.items


@pytest.mark.parametrize(
    "text", ["SELECT a FROM ", "select a from tr", "DESCRIBE ", "PRINT ", "DATAGEN trades TO "]
)
def test_topic_after_from_describe_print_and_datagen_to(text: str) -> None:
    assert Topic() in at_end(text).items


def test_partial_topic_name_is_the_word() -> None:
    assert at_end("SELECT a FROM tra").word == "tra"


def test_select_list_offers_columns_of_the_from_topic_written_after_the_cursor() -> None:
    before = "SELECT "
    found = suggest("SELECT  FROM trades WHERE qty > 0", before)
    assert found.items[:2] == (Column(topic="trades"), Function())


@pytest.mark.parametrize(
    "text",
    [
        "SELECT symbol FROM trades WHERE ",
        "SELECT symbol FROM trades GROUP BY ",
        "SELECT symbol, ",
        "SELECT COUNT(",
        "SELECT symbol FROM trades HAVING COUNT(*) > 1 AND ",
    ],
)
def test_expression_positions_offer_columns_functions_keywords(text: str) -> None:
    assert kinds(at_end(text)) == [Column, Function, Keyword]


def test_column_topic_is_none_without_from() -> None:
    assert at_end("SELECT ").items[0] == Column(topic=None)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("SELECT s FROM t GROUP BY s WINDOW ", ("TUMBLING", "SLIDING", "HOPPING", "SESSION")),
        ("SELECT s FROM t GROUP BY s WINDOW TUMBLING(1m) EMIT ", ("CHANGES", "FINAL")),
        ("SELECT s FROM t GROUP BY s WINDOW TUMBLING (SIZE 1 MINUTE, GRACE ", ("PERIOD",)),
        ("PRINT trades FROM ", ("BEGINNING",)),
        ("SELECT AVG(p) OVER (ROWS WINDOW BUFFER 10 ROWS PARTITION ", ("BY",)),
        ("SELECT AVG(p) OVER (ROWS WINDOW BUFFER 10 ROWS EXPIRE ", ("AFTER",)),
    ],
)
def test_streaming_keywords_follow_their_clause(text: str, words: tuple[str, ...]) -> None:
    assert Keyword(words=words) in at_end(text).items


def test_every_window_keyword_of_the_engine_follows_window() -> None:
    keywords = tuple(keyword for kind in WINDOW_KINDS for keyword in kind.keywords)
    assert Keyword(words=keywords) in at_end("SELECT s FROM t GROUP BY s WINDOW ").items


@pytest.mark.parametrize("words", SLOT_KEYWORDS.values())
def test_every_window_slot_keyword_is_offered_inside_a_window_clause(words: str) -> None:
    found = at_end("SELECT s FROM t GROUP BY s WINDOW HOPPING (").items
    assert words in next(item for item in found if isinstance(item, Keyword)).words


@pytest.mark.parametrize("words", [words for words in SLOT_KEYWORDS.values() if " " in words])
def test_a_window_slot_keyword_of_two_words_completes_its_second(words: str) -> None:
    first, second = words.split()
    assert Keyword(words=(second,)) in at_end(f"SELECT s FROM t GROUP BY s WINDOW HOPPING ({first} ").items


def test_after_a_topic_the_clause_keywords_include_streaming_ones() -> None:
    keywords = next(item for item in at_end("SELECT s FROM trades ").items if isinstance(item, Keyword))
    assert {"WHERE", "GROUP BY", "WINDOW", "EMIT CHANGES", "EMIT FINAL"} <= set(keywords.words)


@pytest.mark.parametrize(("text", "word"), [("SET '", ""), ("SET 'water", "water"), ("UNSET 'late", "late")])
def test_setting_names_inside_set_quotes(text: str, word: str) -> None:
    assert at_end(text) == Suggestions(word=word, items=(Setting(),))


def test_setting_names_inside_with_properties() -> None:
    found = at_end("CREATE STREAM s AS SELECT a FROM t WITH ('event")
    assert found.items == (Setting(),)


def test_nothing_inside_an_ordinary_string_literal() -> None:
    assert at_end("SELECT a FROM t WHERE s = 'AB").items == ()


def test_nothing_inside_a_comment_changes_the_context() -> None:
    assert Topic() in at_end("SELECT a /* WHERE */ FROM ").items


def test_only_the_statement_under_the_cursor_counts() -> None:
    found = at_end("SELECT a FROM t WHERE x = 1; SHOW T")
    assert found.items == (Command(typed="SHOW T"),)


def test_show_offers_only_commands() -> None:
    assert at_end("show ").items == (Command(typed="show "),)


def test_help_completes_command_names_after_it() -> None:
    assert at_end("HELP sh").items == (Command(typed="sh"),)


def test_terminate_offers_query_ids() -> None:
    assert at_end("TERMINATE ").items == (Query(),)
