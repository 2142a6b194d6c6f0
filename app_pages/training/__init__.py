"""The training page, in parts: data, builder, settings, run, results; ``page.py`` joins them.

Streamlit runs ``page.py`` as a script on every rerun; the other modules are
imported once (``from app_pages.training import builder``) and hold functions
that take what they need as arguments.
"""

KEY = "train"
"""Prefix of every widget and session key of the page."""
