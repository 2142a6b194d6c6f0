"""Small widgets every page repeats, written once.

Charts, bullet lists, the share link, "keep the last valid input", a numeric
matrix edited in a table, the drawing canvas and the image upload, the
settings panel. Pages import these instead of repeating Streamlit options, so
a change of look (say, showing Plotly's toolbar) is one line here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from cnnviz.i18n import InputError, t
from cnnviz.io.images import UPLOAD_EXTENSIONS
from cnnviz.ui.presenter import page_link, query_params, settings_container
from cnnviz.ui.url_state import url_number

T = TypeVar("T")

CHART_CONFIG: dict[str, Any] = {"displayModeBar": False}
"""Plotly's options for every chart: no toolbar over a projected figure."""

UPLOAD_TYPES = list(UPLOAD_EXTENSIONS)
"""File types every image upload accepts (:data:`cnnviz.io.images.UPLOAD_EXTENSIONS`)."""

CANVAS_PX = 280
"""Side of the drawing canvas, in CSS pixels."""

AXES = ("rows", "cols")
"""The two axes of a 2-D size, in the order of its pair: rows, then columns."""

COMPONENTS = Path(__file__).parent / "components"
"""The browser components' files: ``<name>/<name>.css``, ``<name>/<name>.js``, ``controls.css``."""


def browser_component(name: str, folder: str) -> Any:
    """Declare a browser component from its folder's CSS and JS, sent inline.

    Parameters
    ----------
    name : str
        The component's registered name.
    folder : str
        Its folder under ``components/``, holding ``<folder>.css`` and ``<folder>.js``.

    Returns
    -------
    callable
        What ``st.components.v2.component`` returns; call it to mount the component.

    Notes
    -----
    Every component's buttons look alike: ``controls.css`` goes before its own CSS.
    Nothing is built or fetched at run time.
    """
    files = COMPONENTS / folder
    css = [COMPONENTS / "controls.css", files / f"{folder}.css"]
    return st.components.v2.component(
        name,
        html="",
        css="\n".join(path.read_text(encoding="utf-8") for path in css),
        js=(files / f"{folder}.js").read_text(encoding="utf-8"),
    )


def chart(figure: go.Figure, *, key: str, where: Any = st, **options: Any) -> Any:
    """Show a Plotly figure without its toolbar.

    Parameters
    ----------
    figure : plotly.graph_objects.Figure
        What to draw.
    key : str
        The element's key (needed for a selection and for a stable element).
    where : streamlit container, default ``st``
        Where to draw: a column, a container, the sidebar.
    **options
        Passed on to ``st.plotly_chart`` (``on_select``, ``selection_mode``, ...).

    Returns
    -------
    object
        What ``st.plotly_chart`` returns (the selection, with ``on_select``).
    """
    return where.plotly_chart(figure, key=key, config=CHART_CONFIG, **options)


def bullets(lines: Iterable[str], *, where: Any = st) -> None:
    """Show lines as a Markdown bullet list."""
    where.markdown(bullet_text(lines))


def bullet_text(lines: Iterable[str]) -> str:
    """Return lines as a Markdown bullet list (one ``- line`` each), to embed in a longer text.

    Examples
    --------
    >>> print(bullet_text(["one", "two"]))
    - one
    - two
    """
    return "\n".join(f"- {line}" for line in lines)


def axis_lines(prefix: str, formulas: Sequence[str]) -> list[str]:
    """Return one line per axis, ``{prefix}.formula`` with the axis' name and its formula.

    Parameters
    ----------
    prefix : str
        Catalog prefix holding ``formula`` (with ``{axis}`` and ``{formula}``),
        ``rows`` and ``cols``, e.g. ``"conv.shape"``.
    formulas : sequence of str
        The rows' formula, then the columns'.

    Returns
    -------
    list of str
        Lines for :func:`bullets`.

    Examples
    --------
    >>> axis_lines("pool.shape", ["(4 − 2) / 2 + 1 = 2", "4"])
    ['Rows: (4 − 2) / 2 + 1 = 2', 'Columns: 4']
    """
    return [
        t(f"{prefix}.formula", axis=t(f"{prefix}.{axis}"), formula=formula)
        for axis, formula in zip(AXES, formulas, strict=True)
    ]


def share_link(help_text: str) -> None:
    """Show this page's link with every setting (not presenter mode), ready to copy.

    A page writes what only it can encode (a kernel) into ``st.query_params``
    before calling this; everything bound to the URL is in it already.

    Parameters
    ----------
    help_text : str
        The caption under the link: what it opens.
    """
    st.code(page_link(st.context.url, query_params()), language=None)
    st.caption(help_text)


def checked(compute: Callable[[], T], *, where: Any = st) -> T | None:
    """Return ``compute()``, or None after showing its :class:`~cnnviz.i18n.InputError`.

    The core says what is wrong with an input in words a student can act on;
    this shows them with ``st.error`` instead of a traceback.

    Parameters
    ----------
    compute : callable
        The work that may refuse its input.
    where : streamlit container, default ``st``
        Where the message goes.

    Returns
    -------
    object or None
        The result; None if the input was refused.
    """
    try:
        return compute()
    except InputError as err:
        where.error(str(err))
        return None


def last_valid(
    key: str,
    value: T | None,
    *,
    default: T | None = None,
    where: Any = st,
    caption: str | None = None,
) -> T | None:
    """Remember a valid value; when the new one is not valid, give back the last one.

    A typo, an empty cell or a broken link then leaves the page working on what
    it showed before, and the user's widgets keep what they typed.

    Parameters
    ----------
    key : str
        Session-state key of the last valid value.
    value : object or None
        This run's value; None when it is not valid (the reason is shown already).
    default : object, optional
        What stands in before any valid value.
    where : streamlit container, default ``st``
        Where the caption goes.
    caption : str, optional
        Shown when the page falls back to an earlier value (or ``default``).

    Returns
    -------
    object or None
        ``value``, else the last valid one, else ``default``.
    """
    if value is not None:
        st.session_state[key] = value
        return value
    fallback = st.session_state.get(key, default)
    if caption is not None and fallback is not None:
        where.caption(caption)
    return fallback


def from_link_once(param: str, decode: Callable[[str], T], *, warning: str) -> T | None:
    """Decode ``?param=`` on the session's first run only: after that the page's widgets own it.

    Parameters
    ----------
    param : str
        The query parameter, e.g. ``"k"`` for the convolution's filter bank.
    decode : callable
        Turns the parameter's text into the value; raises
        :class:`~cnnviz.i18n.InputError` if it cannot.
    warning : str
        Catalog key of the warning (with ``{reason}``) shown when the link's
        value cannot be decoded; the page then opens with its default.

    Returns
    -------
    object or None
        The decoded value; None on later runs, without the parameter, or if it
        did not decode.
    """
    loaded = f"{param}_link_loaded"
    if st.session_state.get(loaded):
        return None
    st.session_state[loaded] = True
    encoded = st.query_params.get(param)
    if not encoded:
        return None
    try:
        return decode(encoded)
    except InputError as err:
        st.warning(t(warning, reason=str(err)))
        return None


def matrix_table(
    matrix: np.ndarray,
    *,
    key: str,
    dynamic: bool = False,
    plain: bool = False,
    cell_width: str | None = None,
    width: str | int = "stretch",
) -> np.ndarray | None:
    """Show a numeric matrix in an editable table; return what it holds, or None if not numbers.

    Rows and columns are labelled from 0, as the core indexes them. An empty
    cell shows ``?`` and a number as short as it can be written (``%g``).

    Parameters
    ----------
    matrix : ndarray, shape (rows, cols)
        What the table starts from.
    key : str
        The table's widget key (change it to drop the edits in the browser).
    dynamic : bool, default False
        Let the user add and delete rows; otherwise the shape must stay ``matrix``'s.
    plain : bool, default False
        Streamlit's own look: no number format, no ``?`` in empty cells.
    cell_width : {"small", "medium", "large"}, optional
        Width of every column.
    width : "stretch", "content" or int, default "stretch"
        Width of the table.

    Returns
    -------
    ndarray, shape (rows, cols), or None
        The values as floats; None if a cell is empty or not a number, or
        (not ``dynamic``) the shape changed.
    """
    frame = pd.DataFrame(matrix, columns=[str(c) for c in range(matrix.shape[1])])
    options: dict[str, Any] = {"num_rows": "dynamic"} if dynamic else {}
    if not plain:
        options["column_config"] = {
            c: st.column_config.NumberColumn(c, format="%g", width=cell_width)
            for c in frame.columns
        }
        options["placeholder"] = "?"
        options["width"] = width
    edited = st.data_editor(frame, key=key, hide_index=False, **options)
    values = pd.DataFrame(edited).apply(pd.to_numeric, errors="coerce").to_numpy(float)
    wrong_shape = not dynamic and values.shape != matrix.shape
    if wrong_shape or values.size == 0 or not np.isfinite(values).all():
        return None
    return values


def drawing_canvas(*, key: str, stroke_width: int) -> bytes | None:
    """Show a square canvas to draw on in black over white; return the drawing as PNG bytes.

    Parameters
    ----------
    key : str
        The canvas' widget key.
    stroke_width : int
        Width of the pen, in CSS pixels.

    Returns
    -------
    bytes or None
        The drawing; None before the canvas has sent one.
    """
    from streamlit_drawable_canvas import st_canvas  # a component: only when drawing

    result = st_canvas(
        stroke_width=stroke_width,
        stroke_color="#000000",
        background_color="#ffffff",
        height=CANVAS_PX,
        width=CANVAS_PX,
        drawing_mode="freedraw",
        return_image_data=True,
        key=key,
    )
    return None if result is None else result.image_bytes or None


def image_upload(label: str, *, key: str) -> Any:
    """Offer to upload one image of a type :mod:`cnnviz.io.images` decodes.

    Parameters
    ----------
    label : str
        The uploader's label.
    key : str
        Its widget key.

    Returns
    -------
    UploadedFile or None
        The file; None before one is chosen.
    """
    return st.file_uploader(label, type=UPLOAD_TYPES, key=key)


@contextmanager
def settings_panel() -> Iterator[DeltaGenerator]:
    """Open the page's settings, under their header: the sidebar, or presenter mode's bar.

    Yields
    ------
    DeltaGenerator
        The container the settings' widgets are written in.
    """
    with settings_container() as container:
        st.header(t("settings.header"))
        yield container


def input_columns(title: str, pick: Callable[[], T | None]) -> tuple[T, DeltaGenerator]:
    """Pick the page's input in the left of two columns, under ``title``; stop if there is none.

    There is none before a first upload or drawing: the page then ends under
    the picker, which says what to do.

    Parameters
    ----------
    title : str
        The left column's subheader.
    pick : callable
        Shows the picker and returns its input, or None.

    Returns
    -------
    (object, DeltaGenerator)
        The input, and the right column for what goes beside it.
    """
    left, right = st.columns(2, gap="large")
    with left:
        st.subheader(title)
        picked = pick()
    if picked is None:
        st.stop()
    return picked, right


def pair_inputs(label: str, key: str, maximum: int, value: int = 1) -> tuple[int, int]:
    """Show two small integer inputs, rows and columns, side by side; return their values.

    Parameters
    ----------
    label : str
        What the pair sets, e.g. the stride.
    key : str
        Prefix of the two widget keys (``{key}_rows``, ``{key}_cols``), which
        are also their query parameters.
    maximum : int
        Largest value; the smallest is 1.
    value : int, default 1
        Starting value of both.

    Returns
    -------
    (int, int)
        Rows and columns.
    """
    st.markdown(f"**{label}**")
    rows, cols = st.columns(2)
    return tuple(
        int(
            url_number(
                column.number_input,
                t(f"settings.{axis}"),
                1,
                maximum,
                value,
                key=f"{key}_{axis}",
                name=f"{label}: {t(f'settings.{axis}')}",
            )
        )
        for column, axis in zip((rows, cols), AXES, strict=True)
    )
