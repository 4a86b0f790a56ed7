"""`python -m generator.cli`: the same as the `koc` command."""

import sys

from generator.cli.commands import main

sys.exit(main())
