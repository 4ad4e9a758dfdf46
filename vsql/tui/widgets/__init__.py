"""The dashboard's widgets and screens, one per module."""

from vsql.tui.widgets.error_screen import ErrorScreen
from vsql.tui.widgets.help_screen import HelpScreen
from vsql.tui.widgets.metrics_panel import MetricsPanel
from vsql.tui.widgets.prompt import Field, PromptScreen
from vsql.tui.widgets.queries_list import QueriesList
from vsql.tui.widgets.query_editor import QueryEditor
from vsql.tui.widgets.regression_view import DEFAULT_BENCH, BenchPlan, RegressionScreen
from vsql.tui.widgets.results_table import ResultsTable

__all__ = [
    "DEFAULT_BENCH",
    "BenchPlan",
    "ErrorScreen",
    "Field",
    "HelpScreen",
    "MetricsPanel",
    "PromptScreen",
    "QueriesList",
    "QueryEditor",
    "RegressionScreen",
    "ResultsTable",
]
