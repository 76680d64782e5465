"""`python -m wheeld` runs the daemon's command line."""

import sys

from wheeld.cli_daemon import main

sys.exit(main())
