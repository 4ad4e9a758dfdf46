"""``python -m vsql.runtime.workers``: one worker process (see ``process.py``)."""

import sys

from vsql.runtime.workers.process import main

sys.exit(main())
