"""``python -m onduty.client.loadgen``: the same as ``onduty-loadgen``."""

import sys

from onduty.client.loadgen.cli import main

sys.exit(main())
