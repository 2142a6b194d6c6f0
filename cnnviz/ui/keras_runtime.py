"""Keras under Streamlit: import it once per server and keep Streamlit's cleanup cheap.

After every script run, Streamlit calls ``keras.backend.clear_session()``
when Keras is imported (``_clean_problem_modules`` in its script runner), and
that runs a full ``gc.collect()``. With TensorFlow loaded the heap holds
millions of objects, so every rerun of every page, network or not, would pay
about half a second. Freezing the heap once, right after TensorFlow and Keras
are imported, moves those long-lived objects out of the collector's sight:
the collection then only scans what the run itself allocated (well under a
millisecond).
"""

from __future__ import annotations

import gc
import types

import streamlit as st


@st.cache_resource(show_spinner=False)
def keras_module() -> types.ModuleType:
    """Import Keras (and TensorFlow) once per server, then freeze the heap.

    Returns
    -------
    module
        ``keras``.
    """
    import keras

    gc.collect()  # what is garbage now would otherwise stay frozen forever
    gc.freeze()
    return keras
