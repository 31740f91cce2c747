"""bytedance-kg: the linked-data knowledge graph of the article "ByteDance on DeepSeek's Impact".

The package holds the pipeline that turns the hand-curated Turtle in ``ontology/`` and ``data/``
into a reasoned, validated, quote-verified release in ``dist/``.
"""

from __future__ import annotations

__version__ = "0.3.0"
