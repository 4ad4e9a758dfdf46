"""Splitting scripts at top-level semicolons."""

from __future__ import annotations

from vsql.engine.sql.script import find_unterminated, split_statements


def test_split_ignores_semicolons_in_quotes_and_comments() -> None:
    script = "SELECT 'a;b' FROM t;\n-- c;\nSET 'x' = 'y';;\n/* ; */ SELECT \"q;\" FROM u"
    assert split_statements(script) == [
        "SELECT 'a;b' FROM t",
        "-- c;\nSET 'x' = 'y'",
        '/* ; */ SELECT "q;" FROM u',
    ]


def test_split_handles_doubled_quotes_and_drops_comment_only_tail() -> None:
    assert split_statements("SELECT 'it''s;' FROM t; -- done") == ["SELECT 'it''s;' FROM t"]


def test_find_unterminated_reports_offset_and_closer() -> None:
    assert find_unterminated("SELECT 'abc") == (7, "'")
    assert find_unterminated("SELECT 1 /* x") == (9, "*/")
    assert find_unterminated("SELECT 'ok' -- 'no") is None
