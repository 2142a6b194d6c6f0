"""The transfer-learning page, in parts: data, run, results; ``page.py`` joins them.

Streamlit runs ``page.py`` as a script on every rerun; the other modules are
imported once (``from app_pages.transfer import data``) and hold functions that
take what they need as arguments. The live training reuses the training page's
machinery: the server's runs (:mod:`cnnviz.nets.run_store`), its training
slots and limits (:mod:`cnnviz.nets.limits`) and :func:`cnnviz.nets.training.train`.
"""

from __future__ import annotations

from functools import partial

from app_pages.training import choice as training_choice

KEY = "transfer"
"""Prefix of every widget and session key of the page."""

choice = partial(training_choice, prefix=KEY)
"""The training page's translated, URL-bound choice, under this page's keys."""
