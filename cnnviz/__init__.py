"""cnnviz: how convolutional neural networks work, number by number.

The core (this package, ``cnnviz.ui`` aside) uses NumPy, SciPy, Pillow and
Plotly only; TensorFlow is imported lazily inside the functions that need a
network, so ``import cnnviz`` stays fast.
"""

__version__ = "0.1.0"
