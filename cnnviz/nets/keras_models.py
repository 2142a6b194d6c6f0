"""Build a spec (:mod:`cnnviz.core.spec`) as a Keras model: the only TensorFlow code of the specs.

TensorFlow is imported inside :func:`to_keras` only, so importing this module
(or the core that computes the same numbers) stays light.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from cnnviz.core.architectures import summarize
from cnnviz.core.spec import INPUT_NAME, MERGES, as_tuples, layer_graph

if TYPE_CHECKING:  # pragma: no cover
    import keras


def to_keras(spec: Sequence[Mapping[str, Any]], input_shape: Sequence[int]) -> keras.Model:
    """Build the network of a spec as a Keras functional model, with the same layer names.

    Parameters
    ----------
    spec : list of dict
        The layers (see :mod:`cnnviz.core.spec`); checked with :func:`summarize` first.
    input_shape : (H, W, C) or (N,)
        One input's shape, without the batch axis.

    Returns
    -------
    keras.Model
        Input layer :data:`INPUT_NAME`, output the last layer; randomly initialised.

    Examples
    --------
    >>> model = to_keras([{"type": "Conv2D", "filters": 2, "kernel_size": 3, "name": "c"}],
    ...                  (5, 5, 1))
    >>> tuple(model.get_layer("c").output.shape[1:]), model.count_params()
    ((3, 3, 2), 20)
    """
    import keras  # lazily: importing cnnviz.nets.keras_models stays light

    summarize(spec, input_shape)  # the student's errors, in their language, before Keras'
    tensors = {INPUT_NAME: keras.Input(shape=tuple(input_shape), name=INPUT_NAME)}
    for name, kind, args, inputs in layer_graph(spec):
        kwargs = {key: as_tuples(value) for key, value in args.items()}
        layer = getattr(keras.layers, kind)(name=name, **kwargs)
        sources = [tensors[source] for source in inputs]
        tensors[name] = layer(sources if kind in MERGES else sources[0])
    return keras.Model(tensors[INPUT_NAME], tensors[name], name="cnnviz")
