"""The adversarial-examples page, in parts: settings, results, challenge, transfer.

Streamlit runs ``page.py`` as a script on every rerun; the other modules are
imported once (``from app_pages.adversarial import results``) and hold
functions that take what they need as arguments. The maths is in
:mod:`cnnviz.nets.adversarial`, the figures in :mod:`cnnviz.figures.adversarial`.
"""

from __future__ import annotations

KEY = "adv"
"""Prefix of every widget and session key of the page, and of its URL parameters."""
