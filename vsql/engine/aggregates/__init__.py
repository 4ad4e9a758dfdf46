"""Vectorized accumulators, one small class per family, built from an ``AggregateSpec``."""

from __future__ import annotations

from vsql.engine.aggregates.base import Accumulator, Segments, ValueColumn
from vsql.engine.aggregates.basic import ExtremeAccumulator, SumCountAccumulator, SumCountKind
from vsql.engine.aggregates.distinct import DistinctCountAccumulator
from vsql.engine.aggregates.moments import VarianceAccumulator
from vsql.engine.aggregates.order import ArrivalAccumulator, MedianAccumulator
from vsql.engine.sql.plan import AggFunc, AggregateSpec

__all__ = ["Accumulator", "Segments", "ValueColumn", "build_accumulator"]


def build_accumulator(spec: AggregateSpec) -> Accumulator:
    """The accumulator computing ``spec``; the only place an ``AggFunc`` maps to a class."""
    if spec.distinct or spec.func is AggFunc.APPROX_COUNT_DISTINCT:
        return DistinctCountAccumulator()
    return _BUILDERS[spec.func]()


_BUILDERS = {
    AggFunc.COUNT: lambda: SumCountAccumulator(SumCountKind.COUNT),
    AggFunc.SUM: lambda: SumCountAccumulator(SumCountKind.SUM),
    AggFunc.AVG: lambda: SumCountAccumulator(SumCountKind.AVG),
    AggFunc.MIN: lambda: ExtremeAccumulator(is_max=False),
    AggFunc.MAX: lambda: ExtremeAccumulator(is_max=True),
    AggFunc.FIRST_VALUE: lambda: ArrivalAccumulator(is_last=False),
    AggFunc.LAST_VALUE: lambda: ArrivalAccumulator(is_last=True),
    AggFunc.VAR_SAMP: lambda: VarianceAccumulator(sample=True, root=False),
    AggFunc.VAR_POP: lambda: VarianceAccumulator(sample=False, root=False),
    AggFunc.STDDEV_SAMP: lambda: VarianceAccumulator(sample=True, root=True),
    AggFunc.STDDEV_POP: lambda: VarianceAccumulator(sample=False, root=True),
    AggFunc.MEDIAN: MedianAccumulator,
}
