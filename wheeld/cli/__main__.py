"""`python -m wheeld.cli` runs the `wheel` command."""

import sys

from wheeld.cli.main import main

sys.exit(main())
