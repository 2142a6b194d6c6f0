"""Plotly figure builders, one module per subject; nothing here imports Streamlit.

- :mod:`~cnnviz.figures.conv`: heatmaps, images, feature-map grids, a step's window.
- :mod:`~cnnviz.figures.pool`: a pooling step's window, its kept maximum starred.
- :mod:`~cnnviz.figures.signal`: 1-D signals and their paddings compared.
- :mod:`~cnnviz.figures.cells`: regions a GIF animates, cells a click picked.
- :mod:`~cnnviz.figures.network`, :mod:`~cnnviz.figures.training`,
  :mod:`~cnnviz.figures.architecture`: the trained network, a training run,
  whole architectures.

Shared colours, fonts, scales and axes live in the private ``_base`` module.
Callers import the subject module: ``from cnnviz.figures import conv as conv_figures``.
"""
