"""``python -m autonas``: the same command line as the ``autonas`` console script."""

import sys

from autonas.cli import main

if __name__ == "__main__":
    sys.exit(main())
