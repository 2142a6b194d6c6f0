r"""Saliency maps: which pixels made a Keras classifier choose a class.

Five methods, each a function ``method(model, image, class_index, **options)``
that returns a float32 map of shape ``(H, W)``, the input's resolution:

- :func:`vanilla_gradient`, the gradient of the class score (Simonyan et al. 2014);
- :func:`smoothgrad`, that gradient averaged over noisy copies (Smilkov et al. 2017);
- :func:`integrated_gradients`, gradients summed along a path from a baseline,
  times the difference to it (Sundararajan et al. 2017);
- :func:`grad_cam`, a convolutional layer's feature maps weighted by their
  average gradient (Selvaraju et al. 2017);
- :func:`occlusion`, the drop in the class probability when a square covers
  each place (Zeiler & Fergus 2014).

:data:`METHODS` lists them in that order with their catalog keys and
references; :func:`compute_all` runs several and times each, with the
settings of a :class:`SaliencyOptions` (defaults, and the page's slider
ranges in :data:`OPTION_RANGES`).

Modules: ``gradients`` (gradient, SmoothGrad, Integrated Gradients),
``grad_cam``, ``occlusion``, ``options`` (settings), ``methods`` (the catalog,
:func:`compute_all`, :func:`normalize_map`); ``_base`` holds what they share
(the score model, input checks, batched passes).

Conventions
-----------
``model`` is a built ``keras.Model`` that takes a batch ``(N, H, W, C)`` and
returns ``(N, classes)``; ``image`` is ONE image, ``(H, W)`` (one channel) or
``(H, W, C)``. The *score* of a class is its logit, the value before the
softmax, as in the papers: :func:`score_model` strips a final softmax. The
*probability* (used by occlusion) is the softmax of the scores.

TensorFlow and Keras are imported inside the functions, so importing this
module stays light (a test checks it).

Notes
-----
With :math:`S_c(x)` the score of class :math:`c` for input :math:`x`,
baseline :math:`x'` and :math:`m` steps, Integrated Gradients is computed with
the trapezoid rule

.. math:: \mathrm{IG}_i = (x_i - x'_i)\,\frac{1}{m}\sum_{k=0}^{m} w_k\,
          \frac{\partial S_c}{\partial x_i}\Big(x' + \tfrac{k}{m}(x - x')\Big),
          \qquad w_0 = w_m = \tfrac12,\ w_k = 1 \text{ otherwise},

whose sum over all pixels approaches :math:`S_c(x) - S_c(x')` (completeness),
with an error that shrinks like :math:`1/m^2` for a smooth network.

Examples
--------
For a linear model the gradient of a class score is that class's weights,
laid out as the image (here the weight 2 sits on pixel (1, 0)):

>>> import keras
>>> import numpy as np
>>> model = keras.Sequential(
...     [keras.Input((2, 2, 1)), keras.layers.Flatten(), keras.layers.Dense(2, use_bias=False)]
... )
>>> model.layers[-1].set_weights([np.array([[1, 0], [0, 0], [0, 2], [0, 0]], np.float32)])
>>> vanilla_gradient(model, np.ones((2, 2), np.float32), 1)
array([[0., 0.],
       [2., 0.]], dtype=float32)
"""

from __future__ import annotations

from cnnviz.nets.saliency._base import score_model
from cnnviz.nets.saliency.grad_cam import (
    conv_layer_names,
    default_cam_layer,
    grad_cam,
    resize_bilinear,
)
from cnnviz.nets.saliency.gradients import (
    class_score,
    input_gradient,
    integrated_gradients,
    integrated_gradients_channels,
    smoothgrad,
    vanilla_gradient,
)
from cnnviz.nets.saliency.methods import (
    METHODS,
    SaliencyMethod,
    SaliencyResult,
    compute_all,
    normalize_map,
)
from cnnviz.nets.saliency.occlusion import occlusion, window_starts
from cnnviz.nets.saliency.options import (
    DEFAULTS,
    OPTION_RANGES,
    OptionRange,
    SaliencyOptions,
)

__all__ = [
    "DEFAULTS",
    "METHODS",
    "OPTION_RANGES",
    "OptionRange",
    "SaliencyMethod",
    "SaliencyOptions",
    "SaliencyResult",
    "class_score",
    "compute_all",
    "conv_layer_names",
    "default_cam_layer",
    "grad_cam",
    "input_gradient",
    "integrated_gradients",
    "integrated_gradients_channels",
    "normalize_map",
    "occlusion",
    "resize_bilinear",
    "score_model",
    "smoothgrad",
    "vanilla_gradient",
    "window_starts",
]
