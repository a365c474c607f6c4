"""Suite-wide settings."""

from __future__ import annotations

import os

from hypothesis import settings

# CI explores the same examples on every run (a red build means a change broke something);
# developers' runs explore new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
