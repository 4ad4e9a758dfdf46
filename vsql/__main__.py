"""``python -m vsql``: the same as the ``vsql`` command."""

import sys

from vsql.cli import main

sys.exit(main())
