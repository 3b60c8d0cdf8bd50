"""``python -m bench.pipeline``: the whole pipeline bench (see :mod:`bench.pipeline`)."""

from __future__ import annotations

import sys

from bench.pipeline.protocol import main

if __name__ == "__main__":
    sys.exit(main())
