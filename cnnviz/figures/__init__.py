"""Plotly figure builders, one module per subject; nothing here imports Streamlit.

- :mod:`~cnnviz.figures.conv`: heatmaps, images, feature-map grids, a step's window.
- :mod:`~cnnviz.figures.pool`: a pooling step's window, its kept maximum starred.
- :mod:`~cnnviz.figures.signal`: 1-D signals and their paddings compared.
- :mod:`~cnnviz.figures.cells`: regions a GIF animates, cells a click picked.
- :mod:`~cnnviz.figures.network`, :mod:`~cnnviz.figures.training`,
  :mod:`~cnnviz.figures.architecture`: the trained network, a training run,
  whole architectures.

Shared colours, fonts, scales and axes live in the private ``_base`` module.
The names below are re-exported for callers; new code imports the subject module.
"""

from __future__ import annotations

from cnnviz.figures._base import (
    CELL_FONT,
    DIVERGING,
    GRAY,
    PADDING_BG,
    PADDING_FG,
    SMALL_FONT,
    TEXT_FONT,
    WINDOW_COLOR,
)
from cnnviz.figures.cells import (
    CELL_GROUP,
    MAX_REGION,
    CellPick,
    Region,
    cell_from_selection,
    check_region,
    default_region,
    pick_from_selection,
    region_around,
    region_at,
)
from cnnviz.figures.conv import (
    feature_map_grid,
    heatmap,
    image_figure,
    input_figure,
    window_figure,
)
from cnnviz.figures.pool import pool_window_figure
from cnnviz.figures.signal import PADDING_COLOURS, SIGNAL_COLOUR, padding_comparison, signal_chart

__all__ = [
    "CELL_FONT",
    "CELL_GROUP",
    "DIVERGING",
    "GRAY",
    "MAX_REGION",
    "PADDING_BG",
    "PADDING_COLOURS",
    "PADDING_FG",
    "SIGNAL_COLOUR",
    "SMALL_FONT",
    "TEXT_FONT",
    "WINDOW_COLOR",
    "CellPick",
    "Region",
    "cell_from_selection",
    "check_region",
    "default_region",
    "feature_map_grid",
    "heatmap",
    "image_figure",
    "input_figure",
    "padding_comparison",
    "pick_from_selection",
    "pool_window_figure",
    "region_around",
    "region_at",
    "signal_chart",
    "window_figure",
]
