"""Which output cell to inspect: its row and column typed in, or the ◀ ▶ buttons."""

from __future__ import annotations

import streamlit as st

from cnnviz.content.links import read_link_number
from cnnviz.core.trace import ConvTrace, PoolTrace
from cnnviz.i18n import t


def linked_index(name: str, limit: int) -> int:
    """Return the whole number in ``?name=``, clamped to ``0 .. limit - 1``; 0 if none.

    Read as every number in a link is (:func:`cnnviz.content.links.read_link_number`):
    ASCII digits only, finite, whole.
    """
    number = read_link_number(st.query_params.get(name), low=0, high=limit - 1, integer=True)
    return 0 if number is None else number.value


def clamped_index(name: str, limit: int) -> int:
    """Return the index in ``st.session_state[name]``, kept in ``0 .. limit - 1``, and link it.

    On a session's first run it comes from the link (``?name=``). It is
    written back to the URL by hand, not bound: Streamlit's own binding would
    parse the link's text itself and fail on "inf" or "1e400" before any check
    of ours.
    """
    if name not in st.session_state:
        st.session_state[name] = linked_index(name, limit)
    st.session_state[name] = min(st.session_state[name], limit - 1)
    st.query_params[name] = str(st.session_state[name])
    return st.session_state[name]


def clamp_cell(trace: ConvTrace | PoolTrace, *, key: str) -> tuple[int, int]:
    """Return the chosen cell, kept inside the output (which may have just shrunk).

    On a session's first run the cell comes from the link (``?{key}_row=``,
    ``?{key}_col=``), so a shared link reopens on the cell it was made on,
    even for the parts of the page drawn before the row and column inputs.
    ``key`` prefixes the session-state keys, as in :func:`cell_picker`; the
    result is the output (row, column) of ``trace``.
    """
    rows, cols = trace.output.shape[:2]
    return clamped_index(f"{key}_row", rows), clamped_index(f"{key}_col", cols)


def cell_picker(trace: ConvTrace | PoolTrace, fmap: int | None, *, key: str) -> tuple[int, int]:
    """Show the row and column inputs and the step buttons; return the chosen cell.

    A click on a feature map or on the stage sets the same ``{key}_row`` and
    ``{key}_col`` session-state keys, so every way of picking a cell ends up
    here; both are kept in the link.

    Parameters
    ----------
    trace : ConvTrace or PoolTrace
        The trace whose output cells are picked.
    fmap : int or None
        The feature map (filter or channel) the buttons step through; None when
        the output has a single map.
    key : str
        Prefix of the widget keys.

    Returns
    -------
    (int, int)
        Output row and column.
    """
    rows, cols = trace.output.shape[:2]
    row_key, col_key = f"{key}_row", f"{key}_col"
    clamp_cell(trace, key=key)

    def step(delta: int) -> None:
        start = trace.index_of(0, 0, fmap)
        index = trace.index_of(st.session_state[row_key], st.session_state[col_key], fmap)
        index = min(max(index + delta, start), start + rows * cols - 1)
        st.session_state[row_key], st.session_state[col_key], _ = trace.cell_of(index)

    back, row_col, col_col, forward = st.columns([1, 3, 3, 1], vertical_alignment="bottom")
    back.button("◀", key=f"{key}_back", on_click=step, args=(-1,), help=t("cell.back"))
    row_col.number_input(t("cell.row"), 0, rows - 1, key=row_key)
    col_col.number_input(t("cell.col"), 0, cols - 1, key=col_key)
    forward.button("▶", key=f"{key}_forward", on_click=step, args=(1,), help=t("cell.forward"))
    return st.session_state[row_key], st.session_state[col_key]
