"""Scalar SQL expressions evaluated on Arrow record batches with vectorized kernels.

``compile_scalar`` turns a sqlglot expression into a ``ScalarExpr`` once; ``ScalarExpr.evaluate``
then computes it for a whole batch at a time; ``check_call`` checks one call alone. ``SCALAR_FUNCTION_NAMES``
lists the function names the compiler accepts, for completion and help.
"""

from __future__ import annotations

from vsql.engine.scalar.compiler import ScalarExpr, check_call, compile_scalar
from vsql.engine.scalar.functions import SCALAR_FUNCTION_NAMES

__all__ = ["SCALAR_FUNCTION_NAMES", "ScalarExpr", "check_call", "compile_scalar"]
