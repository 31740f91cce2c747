"""Allow ``python -m bytedance_kg``, the same as the ``bytedance-kg`` command."""

from __future__ import annotations

import sys

from bytedance_kg.launch import entry

sys.exit(entry())
