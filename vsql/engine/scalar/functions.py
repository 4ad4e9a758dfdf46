"""The function registry: every function node vsql evaluates, and the names users may type.

Typed sqlglot nodes (``exp.Upper``, ``exp.Round``, ...) dispatch by class through
``FUNCTION_BUILDERS``; names sqlglot leaves as ``exp.Anonymous`` dispatch by upper-cased name
through ``NAMED_BUILDERS``.
"""

from __future__ import annotations

from sqlglot import exp

from vsql.engine.scalar import cast, conditionals, numeric, predicates, strings, temporal
from vsql.engine.scalar.base import Builder, Compile, Evaluator, unsupported

__all__ = ["FUNCTION_BUILDERS", "NAMED_BUILDERS", "SCALAR_FUNCTION_NAMES"]


def _build_datetrunc(node: exp.Expression, compile_: Compile) -> Evaluator:
    """``DATETRUNC('unit', t)``, the spelling sqlglot does not type, as ``DATE_TRUNC``."""
    if len(node.expressions) != 2:
        raise unsupported(node, f"{node.name} takes a unit and a time")
    unit, value = node.expressions
    return temporal.BUILDERS[exp.DateTrunc](exp.DateTrunc(this=value.copy(), unit=unit.copy()), compile_)


FUNCTION_BUILDERS: dict[type[exp.Expression], Builder] = {
    **strings.BUILDERS,
    **numeric.BUILDERS,
    **temporal.BUILDERS,
}

NAMED_BUILDERS: dict[str, Builder] = {"DATETRUNC": _build_datetrunc}

SCALAR_FUNCTION_NAMES: frozenset[str] = frozenset(
    strings.NAMES
    | numeric.NAMES
    | temporal.NAMES
    | cast.NAMES
    | predicates.NAMES
    | conditionals.NAMES
    | NAMED_BUILDERS.keys()
)
