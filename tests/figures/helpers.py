"""Shared by the figure tests: read a figure back, check it with Plotly's validation."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from cnnviz.content.samples import COURSE_KERNEL, COURSE_MATRIX

COURSE_X = np.array(COURSE_MATRIX)
"""The course's 5x7 example image."""
COURSE_K = np.array(COURSE_KERNEL)
"""The course's 3x3 kernel."""


def rectangle(x, y) -> tuple[float, float, float, float]:
    """(top, left, bottom, right) of the first closed rectangle of a path."""
    xs, ys = list(x[:5]), list(y[:5])
    return min(ys), min(xs), max(ys), max(xs)


def validated(fig: go.Figure) -> go.Figure:
    """Check every property with Plotly's validation (the builders skip it for speed)."""
    go.Figure(fig.to_dict())
    return fig
