"""vsql: an interactive streaming-SQL shell and benchmarking workbench for Kafka."""

__version__ = "0.1.0"
