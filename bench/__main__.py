"""``python -m bench``: run the suite (``--help`` for the options)."""

import sys

from bench.run import main

sys.exit(main())
