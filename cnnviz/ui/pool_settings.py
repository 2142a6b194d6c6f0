"""Widgets of the pooling page: its settings, its input and a transposed-convolution kernel.

Every setting is bound to a query parameter named after its key (choices with
translated labels through :func:`cnnviz.ui.url_state.url_choice`), so a
teacher's link opens the same demo. The transposed convolution's kernel lives
in a ``st.data_editor`` table and is written to ``?{key}_tk=`` by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import streamlit as st

from cnnviz.content import links
from cnnviz.core.kernels import resize_kernel
from cnnviz.core.pooling import COURSE_EXAMPLE, POOL_OPS
from cnnviz.i18n import t
from cnnviz.ui.conv_settings import MAX_STRIDE
from cnnviz.ui.image_picker import PickedInput, image_picker
from cnnviz.ui.kit import AXES, from_link_once, matrix_table, pair_inputs, settings_panel
from cnnviz.ui.url_state import catalog_choice, url_toggle

MAX_POOL = 8
MAX_KERNEL = 5
PADDINGS = ("valid", "same")


@dataclass(frozen=True)
class PoolSettings:
    """The pooling chosen in the sidebar: the operation to animate and the layer's arguments.

    Attributes
    ----------
    op : {"max", "average"}
        The operation the animation, the inspector and the demos follow.
    pool_size : (int, int)
        Window size.
    strides : (int, int) or None
        None lets the core use the pool size, as Keras does.
    padding : {"valid", "same"}
        Keras' padding.
    """

    op: str
    pool_size: tuple[int, int]
    strides: tuple[int, int] | None
    padding: str

    def as_kwargs(self) -> dict:
        """Return the arguments of :func:`cnnviz.core.pooling.pool2d`, without ``op``."""
        return {"pool_size": self.pool_size, "strides": self.strides, "padding": self.padding}


def pool_settings(*, key: str = "pool") -> PoolSettings:
    """Show the pooling settings and return them: operation, window, stride, padding.

    They go where :func:`cnnviz.ui.kit.settings_panel` puts them; each widget's
    key, ``{key}_op``, ``{key}_window_rows``..., is its query parameter too.
    """
    with settings_panel():
        op = catalog_choice(
            st.segmented_control, "pool.op", POOL_OPS, key=f"{key}_op", help=t("pool.op_help")
        )
        pool_size = pair_inputs(t("pool.pool_size"), f"{key}_window", MAX_POOL, 2)
        auto = url_toggle("pool.stride_auto", key=f"{key}_stride_auto", value=True)
        strides = None
        if auto:
            st.caption(t("pool.stride_is_pool", rows=pool_size[0], cols=pool_size[1]))
        else:
            strides = pair_inputs(t("settings.strides"), f"{key}_stride", MAX_STRIDE)
        padding = catalog_choice(
            st.selectbox,
            "settings.padding",
            PADDINGS,
            key=f"{key}_pad",
            item="pool.padding.{}",
            help=t("pool.padding_help"),
        )
    return PoolSettings(op=op, pool_size=pool_size, strides=strides, padding=padding)


def pool_input(*, key: str = "pool") -> PickedInput | None:
    """Offer the course's 4×4 example (on by default), else the shared input picker.

    Returns the example, or what :func:`cnnviz.ui.image_picker.image_picker`
    returns with the same ``key``: its last valid input, None before the first.
    """
    course = url_toggle("pool.course_example", key=f"{key}_course", value=True)
    if course:
        st.caption(t("pool.course_example_caption"))
        return PickedInput(np.array(COURSE_EXAMPLE, dtype=float), True)
    return image_picker(key=key)


def _kernel_key(key: str) -> str:
    return f"{key}_tk"


def _refresh(key: str) -> None:
    version = f"{key}_tk_version"
    st.session_state[version] = st.session_state.get(version, 0) + 1


def _resize(key: str) -> None:
    shape = (st.session_state[f"{key}_tk_rows"], st.session_state[f"{key}_tk_cols"])
    st.session_state[_kernel_key(key)] = resize_kernel(st.session_state[_kernel_key(key)], shape)
    _refresh(key)


def _ones(key: str) -> None:
    st.session_state[_kernel_key(key)] = np.ones(st.session_state[_kernel_key(key)].shape)
    _refresh(key)


def _load_link(key: str) -> None:
    """Read the kernel from ``?{key}_tk=`` once per session: after that the table owns it."""
    kernel = from_link_once(
        _kernel_key(key),
        partial(links.decode_kernel, max_size=MAX_KERNEL),
        warning="pool.tconv.link_ignored",
    )
    if kernel is not None:
        st.session_state[_kernel_key(key)] = kernel


def transpose_kernel_editor(*, key: str = "pool") -> np.ndarray:
    """Show a small editable kernel (2×2 ones to start) and return the last valid one.

    A cell left empty or not a number shows a message under the table; the
    page keeps computing with the kernel as it was, and the table keeps what
    was typed. The kernel is written to ``?{key}_tk=`` whenever it is not the
    default, so a link carries it.

    Parameters
    ----------
    key : str
        Prefix of every widget and session-state key.

    Returns
    -------
    ndarray, shape (kh, kw)
        The weights.
    """
    state = st.session_state
    state.setdefault(_kernel_key(key), np.ones((2, 2)))
    _load_link(key)
    kernel = state[_kernel_key(key)]
    # The size inputs always show the kernel's shape, however it was set (link, test).
    state[f"{key}_tk_rows"], state[f"{key}_tk_cols"] = kernel.shape
    version = state.setdefault(f"{key}_tk_version", 0)
    for column, axis in zip(st.columns(2), AXES, strict=True):
        column.number_input(
            t(f"settings.{axis}"),
            1,
            MAX_KERNEL,
            key=f"{key}_tk_{axis}",
            on_change=_resize,
            args=(key,),
        )
    kernel = state[_kernel_key(key)]
    values = matrix_table(kernel, key=f"{key}_tk_table_v{version}")
    if values is None:
        st.error(t("pool.tconv.invalid_cell"))
    elif not np.array_equal(values, kernel):
        state[_kernel_key(key)] = kernel = values
    st.button(
        t("pool.tconv.ones"),
        key=f"{key}_tk_ones",
        on_click=_ones,
        args=(key,),
        help=t("pool.tconv.ones_help"),
    )
    if kernel.shape == (2, 2) and np.array_equal(kernel, np.ones((2, 2))):
        st.query_params.pop(_kernel_key(key), None)
    else:
        st.query_params[_kernel_key(key)] = links.encode_kernel(kernel)
    return kernel
