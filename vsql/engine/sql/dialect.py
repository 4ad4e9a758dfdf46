"""The vsql dialect: sqlglot's default dialect plus streaming windows, EMIT and CREATE STREAM.

``import vsql.engine.sql.dialect`` registers the dialect, so ``sqlglot.parse_one(sql, read="vsql")``
works. Grammar added to the default dialect:

- ``WINDOW <kind> (...)`` as a query modifier, before or after GROUP BY and HAVING, for every kind
  of ``vsql.engine.windows.kinds.WINDOW_KINDS`` (the default dialect's named windows are not
  supported);
- ``EMIT FINAL|CHANGES``;
- ``f(x) OVER (ROWS WINDOW BUFFER n ROWS [PARTITION BY ...] [ORDER BY ...]
  [ROWS BETWEEN k PRECEDING AND CURRENT ROW] [EXPIRE AFTER <duration> INACTIVITY])``;
- ``CREATE STREAM|TABLE name AS SELECT ... [WITH ('key' = 'value', ...)]`` and ``expr PRIMARY KEY``
  in its projections;
- ``UNSET 'key'``;
- durations ``250ms``, ``30s``, ``30 SECONDS``, ``INTERVAL '30' SECOND`` and bare milliseconds.
"""

from __future__ import annotations

import re
from typing import Any

from sqlglot import exp, parser, tokens
from sqlglot.dialects.dialect import Dialect
from sqlglot.tokens import TokenType

from vsql.engine.sql.expressions import (
    CreateStream,
    Duration,
    Emit,
    KeyColumn,
    RowsBuffer,
    StreamWindow,
    WithProperty,
)
from vsql.engine.sql.generator import VsqlGenerator
from vsql.engine.timeutil import UNIT_MS
from vsql.engine.windows.kinds import GRACE, SLOT_KEYWORDS, WINDOW_KINDS, WindowKind, kind_of_keyword

__all__ = ["PROJECTION_TEXT", "Vsql"]

PROJECTION_TEXT = "vsql_text"
"""Key of ``meta`` under which each SELECT projection keeps its source text as written."""

_WINDOW_KEYWORDS = [keyword for kind in WINDOW_KINDS for keyword in kind.keywords]
_EXPECTING_KIND = f"Expecting {', '.join(_WINDOW_KEYWORDS[:-1])} or {_WINDOW_KEYWORDS[-1]}"
_EMIT_MODES = ("FINAL", "CHANGES")
_NOT_A_UNIT = frozenset({"INACTIVITY"})
_AMOUNT = re.compile(r"\s*(\d+)\s*([A-Za-z]*)\s*")


class Vsql(Dialect):
    """Velostream-compatible streaming SQL, with ksqlDB's window clauses accepted too."""

    class Tokenizer(tokens.Tokenizer):
        """The default tokenizer; ``UNSET`` shares the SET statement parser."""

        KEYWORDS = {**tokens.Tokenizer.KEYWORDS, "UNSET": TokenType.SET}

    class Parser(parser.Parser):
        """The default parser with the streaming clauses of the module docstring."""

        STATEMENT_PARSERS = {
            **parser.Parser.STATEMENT_PARSERS,
            TokenType.CREATE: lambda self: self._parse_create_stream(),
            TokenType.SET: lambda self: (
                self._parse_unset() if self._prev.text.upper() == "UNSET" else self._parse_set()
            ),
        }

        QUERY_MODIFIER_PARSERS = {
            **parser.Parser.QUERY_MODIFIER_PARSERS,
            TokenType.WINDOW: lambda self: ("window", self._parse_stream_window()),
        }

        def _parse_query_modifiers(self, this: Any) -> Any:
            this = super()._parse_query_modifiers(this)
            while isinstance(this, exp.Select) and self._at_emit():
                token = self._curr
                self._advance()
                if this.args.get("emit"):
                    self.raise_error("Found multiple 'EMIT' clauses", token)
                this.set("emit", self._parse_emit_mode(token))
                this = super()._parse_query_modifiers(this)
            return this

        def _at_emit(self) -> bool:
            return bool(self._curr and self._curr.text.upper() == "EMIT")

        def _parse_emit_mode(self, token: tokens.Token) -> Emit:
            mode = self._curr.text.upper() if self._curr else ""
            if mode not in _EMIT_MODES:
                self.raise_error("Expecting FINAL or CHANGES")
            self._advance()
            return self.expression(Emit(this=mode), token)

        def _parse_table_alias(self, alias_tokens: Any = None) -> exp.TableAlias | None:
            if self._at_emit():
                return None
            return super()._parse_table_alias(alias_tokens)

        def _parse_table_hints(self) -> list[exp.Expr] | None:
            # A trailing ``WITH (...)`` holds CREATE STREAM properties; vsql has no table hints.
            return None

        def _parse_projections(self) -> tuple[list[exp.Expr], list[exp.Expr] | None]:
            return self._parse_csv(self._parse_projection), None

        def _parse_projection(self) -> exp.Expr | None:
            start = self._curr
            this = self._parse_expression()
            if this is None or start is None:
                # sqlglot skips an empty item (``SELECT a,, b``); a typo must not pass silently.
                self.raise_error("Expecting an expression")
                return None
            this.meta[PROJECTION_TEXT] = self._find_sql(start, self._prev)
            if self._match(TokenType.PRIMARY_KEY):
                return self.expression(KeyColumn(this=this), start)
            return this

        def _parse_stream_window(self) -> StreamWindow | None:
            self._match(TokenType.WINDOW)
            kind_token = self._curr
            keyword = kind_token.text.upper() if kind_token else ""
            kind = kind_of_keyword(keyword)
            if kind is None:
                self.raise_error(_EXPECTING_KIND)
                return None
            self._advance()
            if not self._match(TokenType.L_PAREN):
                self.raise_error("Expecting (")
            args = self._parse_window_items(kind, keyword)
            self._match_r_paren()
            alias = keyword if keyword != kind.name else None
            return self.expression(kind.node(alias=alias, **args), kind_token)

        def _parse_window_items(self, kind: WindowKind, keyword: str) -> dict[str, Any]:
            """The clause's arguments by slot, ``keyword_form`` True when a slot is named (ksqlDB)."""
            args: dict[str, Any] = {}
            positional: list[tuple[tokens.Token, exp.Expr]] = []
            first = True
            while True:
                token = self._curr
                name = self._match_window_keyword()
                if name is not None:
                    if name not in (*kind.slots, GRACE) or name in args:
                        self.raise_error(f"Unexpected {token.text.upper()} in {keyword}", token)
                    args[name] = self._parse_duration()
                elif self._at_duration():
                    positional.append((token, self._parse_duration()))
                elif first and (column := self._parse_column()) is not None:
                    args["this"] = column
                else:
                    self.raise_error("Expecting a duration")
                first = False
                if not self._match(TokenType.COMMA):
                    break
            keyword_form = any(slot in args for slot in kind.slots) or None
            free = [slot for slot in kind.slots if slot not in args]
            if len(positional) > len(free):
                self.raise_error("Expecting )", positional[len(free)][0])
            args.update(zip(free, (node for _, node in positional), strict=False))
            for slot in kind.slots:
                if slot not in args:
                    self.raise_error(f"Expecting {SLOT_KEYWORDS.get(slot, f'a {slot}')} in {keyword}")
            return {**args, "keyword_form": keyword_form}

        def _match_window_keyword(self) -> str | None:
            for slot, words in SLOT_KEYWORDS.items():
                if self._match_text_seq(*words.split()):
                    return slot
            return None

        def _at_duration(self) -> bool:
            return bool(self._curr and self._curr.token_type in (TokenType.NUMBER, TokenType.INTERVAL))

        def _parse_duration(self) -> Duration:
            token = self._curr
            if self._match(TokenType.INTERVAL):
                amount_token = self._curr
                if not self._match_set((TokenType.STRING, TokenType.NUMBER)):
                    self.raise_error("Expecting a quoted amount after INTERVAL")
                match = _AMOUNT.fullmatch(amount_token.text)
                if match is None:
                    self.raise_error("Expecting a whole number of units", amount_token)
                amount, unit = match.groups()
                if unit:
                    self._check_unit(unit, amount_token)
                else:
                    unit = self._parse_duration_unit(required=True)
                return self.expression(Duration(this=amount, unit=unit.upper(), interval=True), token)
            if not self._match(TokenType.NUMBER):
                self.raise_error("Expecting a duration")
            if not token.text.isdigit():
                self.raise_error("Expecting a whole number", token)
            unit = self._parse_duration_unit(required=False)
            return self.expression(Duration(this=token.text, unit=unit), token)

        def _parse_duration_unit(self, *, required: bool) -> str | None:
            token = self._curr
            is_word = token is not None and token.text.isalpha() and token.text.upper() not in _NOT_A_UNIT
            if not is_word or token.token_type not in (TokenType.VAR, TokenType.IDENTIFIER):
                if required:
                    self.raise_error("Expecting a unit (MILLISECOND, SECOND, MINUTE, HOUR or DAY)")
                return None
            self._check_unit(token.text, token)
            self._advance()
            return token.text

        def _check_unit(self, unit: str, token: tokens.Token) -> None:
            if unit.lower() not in UNIT_MS:
                self.raise_error(
                    f"Unknown duration unit '{unit}'; expecting ms, s, m, h, d or "
                    "MILLISECOND(S), SECOND(S), MINUTE(S), HOUR(S), DAY(S)",
                    token,
                )

        def _parse_window(self, this: exp.Expr | None, alias: bool = False) -> exp.Expr | None:
            if alias or not self._at_rows_buffer():
                return super()._parse_window(this, alias)
            over = self._curr
            self._advance(2)
            spec = self._parse_rows_buffer()
            self._match_r_paren()
            return self.expression(exp.Window(this=this, spec=spec, over="OVER"), over)

        def _at_rows_buffer(self) -> bool:
            ahead = [token.token_type for token in self._tokens[self._index : self._index + 4]]
            return ahead == [TokenType.OVER, TokenType.L_PAREN, TokenType.ROWS, TokenType.WINDOW]

        def _parse_rows_buffer(self) -> RowsBuffer:
            start = self._curr
            self._advance(2)
            if not self._match_text_seq("BUFFER"):
                self.raise_error("Expecting BUFFER")
            size = self._curr
            if not self._match(TokenType.NUMBER):
                self.raise_error("Expecting the number of rows to buffer")
            if not self._match(TokenType.ROWS):
                self.raise_error("Expecting ROWS")
            args: dict[str, Any] = {"this": self.expression(exp.Literal.number(size.text), size)}
            while self._curr and self._curr.token_type != TokenType.R_PAREN:
                token = self._curr
                key, value = self._parse_rows_buffer_clause()
                if key in args:
                    self.raise_error(f"Found multiple '{token.text.upper()}' clauses", token)
                args[key] = value
            return self.expression(RowsBuffer(**args), start)

        def _parse_rows_buffer_clause(self) -> tuple[str, Any]:
            if self._match(TokenType.PARTITION_BY):
                return "partition_by", self._parse_csv(self._parse_assignment)
            if self._match(TokenType.ORDER_BY, advance=False):
                return "order", self._parse_order()
            if self._match(TokenType.ROWS):
                self._match(TokenType.BETWEEN)
                count = self._curr
                if not self._match(TokenType.NUMBER):
                    self.raise_error("Expecting the number of preceding rows")
                if not self._match_text_seq("PRECEDING", "AND", "CURRENT", "ROW"):
                    self.raise_error("Expecting PRECEDING AND CURRENT ROW")
                return "preceding", self.expression(exp.Literal.number(count.text), count)
            if self._match_text_seq("EXPIRE", "AFTER"):
                duration = self._parse_duration()
                if not self._match_text_seq("INACTIVITY"):
                    self.raise_error("Expecting INACTIVITY")
                return "expire", duration
            self.raise_error("Expecting PARTITION BY, ORDER BY, ROWS BETWEEN, EXPIRE AFTER or )")
            return "", None

        def _parse_create_stream(self) -> CreateStream:
            create = self._prev
            kind = self._curr.text.upper() if self._curr else ""
            if kind not in ("STREAM", "TABLE"):
                self.raise_error("Expecting STREAM or TABLE")
            self._advance()
            name = self._parse_id_var(any_token=False)
            if name is None:
                self.raise_error("Expecting a name")
            if not self._match(TokenType.ALIAS):
                self.raise_error("Expecting AS")
            query = self._parse_select()
            if not isinstance(query, exp.Select):
                self.raise_error("Expecting SELECT")
            properties = None
            if self._match(TokenType.WITH):
                properties = self._parse_wrapped_csv(self._parse_with_property)
            return self.expression(
                CreateStream(this=name, kind=kind, expression=query, properties=properties), create
            )

        def _parse_with_property(self) -> WithProperty:
            start = self._curr
            key = self._parse_string() or self._parse_column()
            if key is None:
                self.raise_error("Expecting a property name")
            if not self._match(TokenType.EQ):
                self.raise_error("Expecting =")
            value = self._parse_primary()
            if not isinstance(value, exp.Literal):
                self.raise_error("Expecting a quoted value")
            return self.expression(WithProperty(this=key, value=value), start)

        def _parse_unset(self) -> exp.Set:
            start = self._prev
            keys = self._parse_csv(lambda: self._parse_string() or self._parse_column())
            if not keys or None in keys:
                self.raise_error("Expecting a property name")
            items = [exp.SetItem(this=key) for key in keys]
            return self.expression(exp.Set(expressions=items, unset=True), start)

    Generator = VsqlGenerator
