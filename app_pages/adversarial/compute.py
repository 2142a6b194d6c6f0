"""The page's computations, cached per network, image and settings (shared by every session).

Attacks only read the weights, so one model serves every session; the model
itself is passed unhashed (``_model``) and named by its ``model_id``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from cnnviz.nets import adversarial
from cnnviz.nets.adversarial import AttackResult, AttackSettings, EpsilonSearch, TransferResult

if TYPE_CHECKING:  # pragma: no cover
    import keras


@st.cache_data(max_entries=64, show_spinner=False)
def attack(
    _model: keras.Model, model_id: str, image: np.ndarray, s: AttackSettings
) -> AttackResult:
    """Attack one image (:func:`cnnviz.nets.adversarial.attack`)."""
    return adversarial.attack(_model, image, s)


@st.cache_data(max_entries=32, show_spinner=False)
def smallest(
    _model: keras.Model, model_id: str, image: np.ndarray, s: AttackSettings
) -> EpsilonSearch:
    """Every ε of the slider tried at once (:func:`cnnviz.nets.adversarial.smallest_epsilon`)."""
    return adversarial.smallest_epsilon(_model, image, s)


@st.cache_data(max_entries=32, show_spinner=False)
def gradient_map(_model: keras.Model, model_id: str, image: np.ndarray, class_index: int):
    """Return the vanilla-gradient saliency map (H, W) of one class."""
    from cnnviz.nets.saliency import vanilla_gradient

    return vanilla_gradient(_model, image, class_index)


@st.cache_data(max_entries=16, show_spinner=False)
def transfer(
    _source: keras.Model,
    _target: keras.Model,
    ids: tuple[str, str],
    images: np.ndarray,
    labels: np.ndarray,
    s: AttackSettings,
) -> TransferResult:
    """Craft on the source, try on the target (:func:`cnnviz.nets.adversarial.transfer_attack`)."""
    return adversarial.transfer_attack(_source, _target, images, labels, s)
