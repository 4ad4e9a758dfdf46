"""The vsql dialect's generator: sqlglot's default generator plus one ``<node>_sql`` method per
streaming node, so parse-then-generate round-trips (EXPLAIN and the dialect tests print it)."""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp, generator
from sqlglot.dialects.dialect import rename_func

from vsql.engine.sql.expressions import (
    STREAMING_NODES,
    CreateStream,
    Duration,
    Emit,
    KeyColumn,
    RowsBuffer,
    StreamWindow,
    WithProperty,
)
from vsql.engine.windows.kinds import GRACE, SLOT_KEYWORDS, WINDOW_KINDS, kind_of, written_keyword

__all__ = ["VsqlGenerator"]

_SHORT_UNITS = frozenset({"ms", "s", "sec", "m", "min", "h", "d"})


def _dispatch(method: str) -> Callable[[generator.Generator, exp.Expr], str]:
    """A TRANSFORMS entry calling the generator's ``method`` (sqlglot only finds ``<node>_sql``
    methods by itself for its own node classes)."""
    return lambda self, expression: getattr(self, method)(expression)


class VsqlGenerator(generator.Generator):
    """The default generator plus one ``<node>_sql`` method per streaming node."""

    TRANSFORMS = {
        **generator.Generator.TRANSFORMS,
        exp.ApproxDistinct: rename_func("APPROX_COUNT_DISTINCT"),
        exp.VariancePop: rename_func("VAR_POP"),
        **{node: _dispatch(f"{node.__name__.lower()}_sql") for node in STREAMING_NODES},
        **{kind.node: _dispatch("streamwindow_sql") for kind in WINDOW_KINDS},
    }

    AFTER_HAVING_MODIFIER_TRANSFORMS = {
        **generator.Generator.AFTER_HAVING_MODIFIER_TRANSFORMS,
        "window": lambda self, e: self.seg(f"WINDOW {self.sql(e, 'window')}") if e.args.get("window") else "",
        "emit": lambda self, e: self.seg(self.sql(e, "emit")) if e.args.get("emit") else "",
    }

    def duration_sql(self, expression: Duration) -> str:
        """``30s``, ``30 SECONDS``, ``INTERVAL '30' SECOND`` or bare milliseconds, as parsed."""
        amount = expression.this
        unit = expression.args.get("unit")
        if expression.args.get("interval"):
            return f"INTERVAL '{amount}' {unit.upper()}"
        if not unit:
            return amount
        if unit.lower() in _SHORT_UNITS:
            return f"{amount}{unit.lower()}"
        return f"{amount} {unit.upper()}"

    def streamwindow_sql(self, expression: StreamWindow) -> str:
        """``TUMBLING(...)``, ``HOPPING (SIZE ..., ADVANCE BY ...)``...: a WINDOW clause in the form
        and with the keyword it was written."""
        keyword_form = bool(expression.args.get("keyword_form"))
        parts = [self.sql(expression, "this")]
        for slot in kind_of(expression).slots:
            value = self.sql(expression, slot)
            parts.append(f"{SLOT_KEYWORDS[slot]} {value}" if keyword_form else value)
        if expression.args.get(GRACE):
            parts.append(f"{SLOT_KEYWORDS[GRACE]} {self.sql(expression, GRACE)}")
        body = ", ".join(part for part in parts if part)
        keyword = written_keyword(expression)
        return f"{keyword} ({body})" if keyword_form else f"{keyword}({body})"

    def emit_sql(self, expression: Emit) -> str:
        """``EMIT FINAL`` or ``EMIT CHANGES``."""
        return f"EMIT {expression.this}"

    def rowsbuffer_sql(self, expression: RowsBuffer) -> str:
        """The inside of ``OVER (ROWS WINDOW BUFFER n ROWS ...)``, clauses in canonical order."""
        parts = [f"ROWS WINDOW BUFFER {self.sql(expression, 'this')} ROWS"]
        partition = self.expressions(expression, key="partition_by", flat=True)
        if partition:
            parts.append(f"PARTITION BY {partition}")
        if expression.args.get("order"):
            parts.append(self.sql(expression, "order").strip())
        if expression.args.get("preceding"):
            parts.append(f"ROWS BETWEEN {self.sql(expression, 'preceding')} PRECEDING AND CURRENT ROW")
        if expression.args.get("expire"):
            parts.append(f"EXPIRE AFTER {self.sql(expression, 'expire')} INACTIVITY")
        return " ".join(parts)

    def keycolumn_sql(self, expression: KeyColumn) -> str:
        """``expr PRIMARY KEY``."""
        return f"{self.sql(expression, 'this')} PRIMARY KEY"

    def withproperty_sql(self, expression: WithProperty) -> str:
        """``'key' = 'value'``."""
        return f"{self.sql(expression, 'this')} = {self.sql(expression, 'value')}"

    def createstream_sql(self, expression: CreateStream) -> str:
        """``CREATE STREAM|TABLE name AS <select> [WITH (...)]``."""
        name = self.sql(expression, "this")
        sql = f"CREATE {expression.args['kind']} {name} AS {self.sql(expression, 'expression')}"
        properties = self.expressions(expression, key="properties", flat=True)
        return f"{sql} WITH ({properties})" if properties else sql
