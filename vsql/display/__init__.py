"""What the shell and the dashboard both show, computed once: result rows as changes to a view
(``changes``), values as cell text (``cells``) and errors as text with a caret (``errors``).

Nothing here draws, reads a terminal or runs a query: both front ends render these values their
own way.
"""
