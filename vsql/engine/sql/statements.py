"""Statement entry points: parse one statement with the vsql dialect and compile it.

``compile_query`` serves SELECT and ``CREATE STREAM|TABLE ... AS SELECT``; ``compile_statement``
adds ``SET 'key' = 'value'`` and ``UNSET 'key'``; ``split_statements`` cuts a script.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from vsql.engine.errors import PlanError, SqlSyntaxError, UnsupportedError
from vsql.engine.settings import QuerySettings
from vsql.engine.sql.dialect import Vsql
from vsql.engine.sql.errors import to_syntax_error
from vsql.engine.sql.expressions import CreateStream
from vsql.engine.sql.names import position
from vsql.engine.sql.plan import LogicalPlan, SinkSpec
from vsql.engine.sql.planner import plan_select
from vsql.engine.sql.script import split_statements

SchemaLookup = Callable[[str, QuerySettings], pa.Schema | None]
"""The fields of a source, given the name a query reads it under and the query's settings (which
may map the name to a topic); None when they are unknown, and then names are not checked."""

__all__ = [
    "SchemaLookup",
    "SetStatement",
    "UnsetStatement",
    "compile_query",
    "compile_statement",
    "parse_statement",
    "split_statements",
]


@dataclass(frozen=True)
class SetStatement:
    """``SET 'key' = 'value'``: a session property (already checked to be a valid setting)."""

    key: str
    value: str


@dataclass(frozen=True)
class UnsetStatement:
    """``UNSET 'key'``: drop a session property."""

    key: str


def parse_statement(sql: str) -> exp.Expr:
    """Parse exactly one statement (a trailing semicolon is allowed) with the vsql dialect.

    Raises:
        SqlSyntaxError: the text does not parse, is empty or holds several statements.
    """
    try:
        trees = [tree for tree in Vsql().parse(sql) if tree is not None]
    except (ParseError, TokenError) as error:
        raise to_syntax_error(error, sql) from error
    if not trees:
        raise SqlSyntaxError("expected a statement", line=1, col=1, expected="a statement")
    if len(trees) > 1:
        raise SqlSyntaxError(
            "expected one statement, found several", **position(trees[1]), expected="one statement"
        )
    return trees[0]


def compile_query(
    sql: str, *, settings: QuerySettings | None = None, schema: pa.Schema | None = None
) -> LogicalPlan:
    """Compile a SELECT or ``CREATE STREAM|TABLE name AS SELECT ... [WITH (...)]``.

    Args:
        sql: one statement.
        settings: the session settings; WITH properties are applied over them.
        schema: the source's fields; when given, unknown columns are errors that suggest the
            closest name.

    Returns:
        The logical plan.

    Raises:
        SqlSyntaxError: the statement does not parse.
        PlanError: unknown names, misuse or bad settings, positioned where known.
        UnsupportedError: the statement is not a query, or uses SQL vsql does not run.
    """
    result = compile_statement(sql, settings=settings, schema=schema)
    if not isinstance(result, LogicalPlan):
        raise UnsupportedError(
            "expected a query (SELECT or CREATE STREAM|TABLE ... AS SELECT)", line=1, col=1
        )
    return result


def compile_statement(
    sql: str,
    *,
    settings: QuerySettings | None = None,
    schema: pa.Schema | None = None,
    schemas: SchemaLookup | None = None,
) -> LogicalPlan | SetStatement | UnsetStatement:
    """Compile a query (as ``compile_query``), ``SET 'key' = 'value'`` or ``UNSET 'key'``.

    The statement is parsed and planned once. ``schemas``, when given, is asked for the fields of
    the source the query reads (after WITH properties apply), so a misspelt column is rejected
    with the closest name; ``schema`` gives those fields directly.

    Raises:
        SqlSyntaxError: the statement does not parse.
        PlanError: as ``compile_query``; an unknown setting key or a bad value for SET.
        UnsupportedError: any other statement.
    """
    try:
        return _compile(sql, settings or QuerySettings(), schema, schemas)
    except RecursionError as error:
        # Parsing and planning walk the tree recursively; Python's stack bounds how deep it nests.
        raise PlanError("the statement nests too deeply (parentheses, NOTs, CASEs or calls)") from error


def _compile(
    sql: str, base: QuerySettings, schema: pa.Schema | None, schemas: SchemaLookup | None
) -> LogicalPlan | SetStatement | UnsetStatement:
    tree = parse_statement(sql)
    text = sql.strip().rstrip(";").strip()
    if isinstance(tree, exp.Select):
        return plan_select(tree, sql=text, settings=base, schema=_fields(base, schema, schemas))
    if isinstance(tree, CreateStream):
        name = tree.this.name
        sink = SinkSpec(name=name, kind=str(tree.args["kind"]).lower())
        query_settings = _with_properties(base, tree.args.get("properties") or [])
        fields = _fields(query_settings, schema, schemas)
        return plan_select(tree.expression, sql=text, settings=query_settings, schema=fields, sink=sink)
    if isinstance(tree, exp.Set):
        return _set_statement(tree)
    raise UnsupportedError(
        "unsupported statement; expected SELECT, CREATE STREAM|TABLE ... AS SELECT, SET or UNSET",
        **position(tree),
    )


def _fields(
    settings: QuerySettings, schema: pa.Schema | None, schemas: SchemaLookup | None
) -> pa.Schema | Callable[[str], pa.Schema | None] | None:
    if schemas is None:
        return schema
    return lambda source: schemas(source, settings)


def _property_text(node: exp.Expr) -> str:
    if isinstance(node, exp.Literal):
        return str(node.this)
    return node.sql(dialect=Vsql)


def _with_properties(settings: QuerySettings, properties: list[exp.Expr]) -> QuerySettings:
    for item in properties:
        try:
            settings = settings.with_properties(
                {_property_text(item.this): _property_text(item.args["value"])}
            )
        except PlanError as error:
            raise PlanError(error.message, **position(item)) from error
    return settings


def _set_statement(tree: exp.Set) -> SetStatement | UnsetStatement:
    items = tree.expressions
    if len(items) != 1:
        raise PlanError("SET and UNSET take one property at a time", **position(tree))
    item = items[0].this
    if tree.args.get("unset"):
        return UnsetStatement(_property_text(item))
    if not isinstance(item, exp.EQ):
        raise PlanError("expected SET 'key' = 'value'", **position(item))
    key, value = _property_text(item.this), _property_text(item.expression)
    try:
        QuerySettings().with_properties({key: value})
    except PlanError as error:
        raise PlanError(error.message, **position(item)) from error
    return SetStatement(key, value)
