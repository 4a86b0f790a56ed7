"""How every browser test starts Debian's Chromium: one path, one set of flags.

The flags keep Chromium off the network it cannot reach here (background
services, component updates, sync, QUIC) and let it run as root.
"""

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
