"""Keras under Streamlit: import it once per server and keep Streamlit's cleanup cheap.

After every script run Streamlit collects garbage twice once Keras is
imported: ``gc.collect(2)`` (the ``runner.postScriptGC`` option, turned off in
``.streamlit/config.toml``) and ``keras.backend.clear_session()`` (called by
``_clean_problem_modules`` in its script runner), whose ``free_memory=True``
default runs another full ``gc.collect()``. With TensorFlow loaded each full
collection takes about 130 ms of a core while holding the GIL, so with a class
on one server every student's rerun, network or not, queued behind them:
``python -m bench.load --students 30`` measured convolution reruns at 1.20 s
(median) and 2.70 s (95th percentile) with both, 0.06 s and 0.27 s without.

So Keras is imported once per server, the heap is frozen right after (the
long-lived TensorFlow objects leave the collector's sight), and Streamlit's
``clear_session()`` no longer forces a full collection. Python's own
generational collector still runs as usual, and reference counting frees
almost everything a rerun allocates.
"""

from __future__ import annotations

import functools
import gc
import types

import streamlit as st


@st.cache_resource(show_spinner=False)
def keras_module() -> types.ModuleType:
    """Import Keras (and TensorFlow) once per server, freeze the heap, keep cleanup cheap.

    Returns
    -------
    module
        ``keras``, whose ``backend.clear_session`` defaults to
        ``free_memory=False`` (see the module's docstring).
    """
    import keras

    gc.collect()  # what is garbage now would otherwise stay frozen forever
    gc.freeze()
    clear_session = keras.backend.clear_session
    if not isinstance(clear_session, functools.partial):  # once, even if the cache is cleared
        keras.backend.clear_session = functools.partial(clear_session, free_memory=False)
    return keras
