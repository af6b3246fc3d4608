"""``python -m heroku_inference``: the same as the ``heroku-inference`` command."""

from __future__ import annotations

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
