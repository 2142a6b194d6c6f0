"""The backpropagation page in parts: inputs, backward steps, descent; ``page.py`` joins them.

Streamlit runs ``page.py`` as a script on every rerun; the other modules are
imported once (``from app_pages.backprop import inputs``) and hold functions
that take what they need as arguments.
"""

from __future__ import annotations

from cnnviz.figures._base import ASSUMED_WIDTH
from cnnviz.ui.presenter import presenting

KEY = "backprop"
"""Prefix of every widget and session key of the page."""

PRESENTER_WIDTH = 980
"""The main column in presenter mode on a 1024-pixel projector: no sidebar, more room."""

HALF = 0.44
"""Share of the column a figure in one of two columns gets."""


def figure_width(share: float = 1.0) -> float:
    """Return the pixels a matrix figure plans its cells for: wider when presenting.

    The cells' numbers are sized in pixels, so a figure planned for the sidebar's
    narrower column would write them small on a projector.
    """
    return share * (PRESENTER_WIDTH if presenting() else ASSUMED_WIDTH)
