"""The parts of the page "Convolution as a matrix": its inputs, the drawing, the counts.

The drawing is a browser component (``components/matrix/``): Python sends the
matrix's entries with the kernel weight each one is, the operand and result as
texts, and a readout per row and per column, all from
:mod:`cnnviz.core.conv_matrix`; the browser draws them and lights what the
pointer points at.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from cnnviz.core.conv_matrix import (
    MAX_DRAWN_CELLS,
    SEVERAL_TAPS,
    ConvMatrix,
    MatrixCounts,
    MatrixProduct,
    TransposedConv,
    conv_matrix,
    matrix_counts,
    matrix_product,
    transposed_conv,
)
from cnnviz.core.kernels import PRESETS, get_kernel
from cnnviz.i18n import MINUS, format_count, format_number, format_shape, get_language, labels, t
from cnnviz.ui import kit
from cnnviz.ui.conv_settings import ConvSettings
from cnnviz.ui.kernel_editor import bank_key
from cnnviz.ui.presenter import STATE_KEY as PRESENTER_STATE
from cnnviz.ui.presenter import settings_container
from cnnviz.ui.url_state import url_choice, url_number

KEY = "matrix"
MAX_INPUT_SIDE = 8
FROM_CONV = "conv"  # the kernel source "the convolution page's first filter"
DEFAULT_PRESET = "vertical_edges"
VIEWS = ("matrix", "transpose")
MAX_SEED = 9999
EXAMPLE_HIGH = 9  # example inputs are whole numbers from 0 to 9: easy to add up by eye

_COMPONENT = kit.browser_component("cnnviz.ui.matrix_view", "matrix")


# --- inputs -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MatrixInputs:
    """The input and the single 2-D kernel the page draws the matrix of."""

    image: np.ndarray
    kernel: np.ndarray
    source: str


def example_input(rows: int, cols: int, seed: int) -> np.ndarray:
    """Return a ``(rows, cols)`` input of whole numbers 0..9, the same for the same seed."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, EXAMPLE_HIGH + 1, size=(rows, cols)).astype(np.float64)


def _conv_page_kernel() -> np.ndarray | None:
    """Return the convolution page's first filter (first channel), if the user has been there."""
    bank = st.session_state.get(bank_key("conv"))
    return None if bank is None else np.asarray(bank, dtype=np.float64)[:, :, 0, 0]


def matrix_inputs() -> MatrixInputs:
    """Show the input size, its seed and the kernel's source; return the input and kernel.

    They go in the settings panel, under the convolution's settings; every
    widget is bound to the URL (the convolution page's kernel is this
    session's, so a link falls back to the presets).
    """
    from_conv = _conv_page_kernel()
    sources = ([FROM_CONV] if from_conv is not None else []) + list(PRESETS)
    names = {key: t(f"kernel.{key}.name") for key in PRESETS} | {FROM_CONV: t("matrix.from_conv")}
    with settings_container():
        st.subheader(t("matrix.inputs"))
        rows, cols = kit.pair_inputs(t("matrix.input_size"), f"{KEY}_size", MAX_INPUT_SIDE, 6)
        seed = url_number(
            st.number_input,
            t("matrix.seed"),
            0,
            MAX_SEED,
            0,
            key=f"{KEY}_seed",
            help=t("matrix.seed_help"),
        )
        source = url_choice(
            st.selectbox,
            t("matrix.kernel_source"),
            sources,
            key=f"{KEY}_kernel",
            format_func=names.__getitem__,
            default=sources[0] if from_conv is not None else DEFAULT_PRESET,
            help=t("matrix.kernel_source_help"),
        )
    kernel = from_conv if source == FROM_CONV else get_kernel(source)
    return MatrixInputs(example_input(rows, cols, int(seed)), kernel, source)


def edited_input(example: np.ndarray) -> np.ndarray | None:
    """Offer the example input in an editable table; return what it holds, or None if invalid.

    The table is new for every new example (size or seed), so editing starts from it.
    """
    shape_key = "x".join(str(n) for n in example.shape)
    st.subheader(t("matrix.edit_input"))
    values = kit.matrix_table(
        example,
        key=f"{KEY}_table_{shape_key}_{zlib.crc32(example.tobytes())}",
        cell_width="small",
        width="content",
    )
    if values is None:
        st.error(t("matrix.edit_invalid"))
    return values


def view_choice() -> str:
    """Choose the matrix or its transpose, in a segmented control bound to ``?matrix_view=``."""
    return url_choice(
        st.segmented_control,
        t("matrix.view"),
        VIEWS,
        key=f"{KEY}_view",
        format_func=labels("matrix.view.{}"),
        label_visibility="collapsed",
    )


# --- the work, cached ---------------------------------------------------------------------


@dataclass(frozen=True)
class MatrixResult:
    """Everything the page shows for one input, kernel and settings."""

    cm: ConvMatrix
    counts: MatrixCounts
    product: MatrixProduct
    transposed: TransposedConv


@st.cache_data(max_entries=32, show_spinner=False)
def matrix_result(image: np.ndarray, kernel: np.ndarray, settings: ConvSettings) -> MatrixResult:
    """Build the matrix (refused over :data:`MAX_DRAWN_CELLS`), its product and transpose."""
    cm = conv_matrix(image.shape, kernel, max_cells=MAX_DRAWN_CELLS, **settings.as_kwargs())
    product = matrix_product(cm, image)
    return MatrixResult(cm, matrix_counts(cm), product, transposed_conv(cm, product.by_matrix))


# --- the drawing --------------------------------------------------------------------------


def _cell(index: int, shape: tuple[int, ...]) -> str:
    row, col = divmod(int(index), int(shape[1]))
    return f"({row}, {col})"


def _sum_text(weights: np.ndarray, values: np.ndarray, lang: str) -> str:
    """``w₁×v₁ + w₂×v₂ − …``: a negative weight as a minus sign, a negative value in brackets."""
    text = ""
    for weight, value in zip(weights, values, strict=True):
        shown = format_number(value, lang=lang)
        factor = f"({shown})" if value < 0 else shown
        size = format_number(abs(weight), lang=lang)
        if not text:
            text = f"{format_number(weight, lang=lang)}×{factor}"
        else:
            text += f" {MINUS if weight < 0 else '+'} {size}×{factor}"
    return text or "0"


def _readouts(
    oriented: Any,
    operand: np.ndarray,
    result: np.ndarray,
    shapes: tuple[tuple, tuple],
    mode: str,
    lang: str,
) -> tuple[list[str], list[str]]:
    """One line per row (its sum written out) and per column (what it feeds), in words."""
    operand_shape, result_shape = shapes
    by_col = oriented.tocsc()
    rows = []
    for r in range(oriented.shape[0]):
        start, stop = oriented.indptr[r], oriented.indptr[r + 1]
        columns = oriented.indices[start:stop]
        terms = _sum_text(oriented.data[start:stop], operand.ravel()[columns], lang)
        rows.append(
            t(
                f"matrix.readout.row.{mode}",
                lang=lang,
                row=r,
                cell=_cell(r, result_shape),
                terms=terms,
                value=format_number(result.flat[r], lang=lang),
            )
        )
    cols = []
    for c in range(oriented.shape[1]):
        fed = by_col.indices[by_col.indptr[c] : by_col.indptr[c + 1]]
        cols.append(
            t(
                f"matrix.readout.col.{mode}",
                lang=lang,
                col=c,
                cell=_cell(c, operand_shape),
                value=format_number(operand.flat[c], lang=lang),
                count=len(fed),
                cells=t("trace.list_separator", lang=lang).join(
                    _cell(r, result_shape) for r in sorted(fed)
                )
                or "—",
            )
        )
    return rows, cols


def _grid(values: np.ndarray, lang: str) -> dict[str, Any]:
    return {
        "rows": int(values.shape[0]),
        "cols": int(values.shape[1]),
        "texts": [format_number(v, lang=lang) for v in values.ravel()],
    }


@st.cache_data(max_entries=32, show_spinner=False)
def drawing_data(
    image: np.ndarray, kernel: np.ndarray, settings: ConvSettings, mode: str, lang: str
) -> dict[str, Any]:
    """Pack the drawing for the browser: entries, grids, captions and readouts (cached)."""
    result = matrix_result(image, kernel, settings)
    cm = result.cm
    forward = mode == "matrix"
    oriented = cm.matrix if forward else cm.matrix.T.tocsr()
    taps = cm.taps if forward else cm.taps.T.tocsr()
    coo = taps.tocoo()
    operand = image if forward else result.product.by_matrix
    answer = result.product.by_matrix if forward else result.transposed.by_matrix
    rows, cols = _readouts(oriented, operand, answer, (operand.shape, answer.shape), mode, lang)
    fields = {
        "rows": oriented.shape[0],
        "cols": oriented.shape[1],
        "in_shape": format_shape(operand.shape),
        "out_shape": format_shape(answer.shape),
        "n_in": operand.size,
        "n_out": answer.size,
        "kh": cm.kernel.shape[0],
        "kw": cm.kernel.shape[1],
    }
    names = ("matrix", "operand_vector", "result_vector", "operand", "result")
    captions = {name: t(f"matrix.caption.{mode}.{name}", lang=lang, **fields) for name in names}
    return {
        "id": f"{mode}:{lang}:{hash((image.tobytes(), kernel.tobytes(), settings))}",
        "matrix": {
            "rows": int(oriented.shape[0]),
            "cols": int(oriented.shape[1]),
            "cells": np.column_stack([coo.row, coo.col, coo.data]).astype(int).tolist(),
        },
        "kernel": _grid(cm.kernel, lang),
        "operand": _grid(operand, lang),
        "result": _grid(answer, lang),
        "readouts": {"rows": rows, "cols": cols},
        "labels": captions | {"kernel": t("matrix.caption.kernel", lang=lang, **fields)},
    }


def drawing(image: np.ndarray, kernel: np.ndarray, settings: ConvSettings, mode: str) -> None:
    """Mount the component with this input, kernel, settings and view (matrix or transpose)."""
    data = drawing_data(image, kernel, settings, mode, get_language())
    ui_labels = data["labels"] | {key: t(f"matrix.ui.{key}") for key in ("play", "pause", "aria")}
    ui_labels["hint"] = t(f"matrix.ui.hint.{mode}")
    _COMPONENT(
        data={
            "id": data["id"],
            "matrix": data["matrix"],
            "kernel": data["kernel"],
            "operand": data["operand"],
            "result": data["result"],
            "readouts": data["readouts"],
            "ui": {
                "key": f"{KEY}_drawing",
                "lang": get_language(),
                "labels": ui_labels,
                "present": bool(st.session_state.get(PRESENTER_STATE, False)),
            },
        },
        key=f"{KEY}_drawing",
    )


# --- the numbers under it ------------------------------------------------------------------


def counts_panel(counts: MatrixCounts, cm: ConvMatrix) -> None:
    """Cells, stored entries, density and distinct weights, written out."""
    columns = st.columns(4)
    columns[0].metric(
        t("matrix.count.cells"),
        format_count(counts.rows * counts.cols),
        help=t("matrix.count.cells_help", rows=counts.rows, cols=counts.cols),
    )
    columns[1].metric(t("matrix.count.nonzeros"), format_count(counts.nonzeros))
    columns[2].metric(
        t("matrix.count.density"), f"{format_number(100 * counts.density, digits=1)} %"
    )
    columns[3].metric(t("matrix.count.distinct"), format_count(counts.distinct_weights))
    st.caption(
        t(
            "matrix.count.sentence",
            nonzeros=counts.nonzeros,
            cells=counts.rows * counts.cols,
            distinct=counts.distinct_weights,
            uses=format_number(counts.nonzeros / max(counts.distinct_weights, 1), digits=1),
        )
    )
    if (cm.taps.data == SEVERAL_TAPS).any():
        st.caption(t("matrix.several_taps"))


def proof(result: MatrixResult, mode: str) -> None:
    """Show the number that proves it: ``M x`` against ``conv2d``, ``M^T y`` against Keras."""
    if mode == "matrix":
        st.success(
            t(
                "matrix.proof.forward",
                shape=format_shape(result.product.by_matrix.shape),
                diff=format_number(result.product.max_difference, digits=17),
            ),
            icon=":material/check:",
        )
        return
    tr = result.transposed
    fields = {
        "in_shape": format_shape(result.cm.input_shape),
        "out_shape": format_shape(result.cm.output_shape),
    }
    if tr.keras is None:
        st.info(t("matrix.proof.no_keras", **fields))
    elif tr.agrees:
        st.success(
            t(
                "matrix.proof.keras_same",
                padding=tr.keras_padding,
                diff=format_number(tr.max_difference, digits=17),
                **fields,
            ),
            icon=":material/check:",
        )
    else:
        st.warning(
            t(
                "matrix.proof.keras_differs",
                padding=tr.keras_padding,
                keras_shape=format_shape(tr.keras.shape),
                **fields,
            )
        )


def dense_panel(counts: MatrixCounts) -> None:
    """Show the convolution against a dense layer with the same input and output sizes."""
    conv, dense = st.columns(2)
    conv.metric(t("matrix.dense.conv_params"), format_count(counts.conv_params))
    conv.metric(t("matrix.dense.conv_macs"), format_count(counts.conv_macs))
    dense.metric(t("matrix.dense.dense_params"), format_count(counts.dense_params))
    dense.metric(t("matrix.dense.dense_macs"), format_count(counts.dense_macs))
    st.caption(
        t(
            "matrix.dense.sentence",
            inputs=counts.cols,
            outputs=counts.rows,
            times=format_number(counts.dense_params / counts.conv_params, digits=1),
            nonzeros=counts.nonzeros,
        )
    )
