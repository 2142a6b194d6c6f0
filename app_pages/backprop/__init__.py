"""The backpropagation page in parts: inputs, backward steps, descent; ``page.py`` joins them.

Streamlit runs ``page.py`` as a script on every rerun; the other modules are
imported once (``from app_pages.backprop import inputs``) and hold functions
that take what they need as arguments.
"""

from __future__ import annotations

KEY = "backprop"
"""Prefix of every widget and session key of the page."""
