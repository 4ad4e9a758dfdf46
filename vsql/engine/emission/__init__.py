"""Emission strategies: EMIT FINAL and EMIT CHANGES."""

from __future__ import annotations

from vsql.engine.emission.base import EmissionStrategy
from vsql.engine.emission.changes import ChangesEmission
from vsql.engine.emission.final import FinalEmission
from vsql.engine.scalar import ScalarExpr
from vsql.engine.sql.plan import EmitMode

__all__ = ["EmissionStrategy", "build_emission"]


def build_emission(emit: EmitMode, *, having: ScalarExpr | None) -> EmissionStrategy:
    """The emission strategy for ``emit``."""
    if emit is EmitMode.CHANGES:
        return ChangesEmission(having)
    return FinalEmission(having)
