"""``python -m dagster_project.cli``: the console script without installing it."""

import sys

from dagster_project.cli import main

sys.exit(main())
