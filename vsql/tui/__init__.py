"""``vsql tui``: the Textual dashboard for running queries and watching the engine's health.

``app.py`` composes and routes; ``widgets/`` holds one widget per module; ``workbench.py``,
``query_run.py``, ``sampling.py`` and ``export.py`` hold the logic and import no Textual.
"""
