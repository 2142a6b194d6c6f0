"""The kernel editor: up to four filters, one editable table per input channel, with presets.

The filter bank lives in ``st.session_state`` as one array of Keras' shape
``(kh, kw, C, F)``, the *last valid* bank: a table with an empty or
non-numeric cell shows a message under it and the page keeps computing with
the bank as it was, while the table keeps what the user typed.

A filter's preset box names the preset only while the weights are the
preset's (:func:`shown_preset`): one edited cell makes it a custom kernel.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import streamlit as st

from cnnviz.core.conv import MAX_MAGNITUDE, first_too_large
from cnnviz.core.kernels import PRESETS, get_kernel, normalize_kernel, random_kernel, resize_kernel
from cnnviz.i18n import InputError, get_language, t
from cnnviz.ui.kit import matrix_table

MAX_FILTERS = 4
MAX_SIDE = 7
CUSTOM = "custom"
DEFAULT_PRESET = "vertical_edges"
CHANNEL_NAMES = ("R", "G", "B")
SAME_WEIGHT = 1e-9  # a typed weight this close to the preset's is the preset's (float noise)


def _state_key(key: str, name: str) -> str:
    return f"{key}_{name}"


def shown_preset(weights: np.ndarray, picked: str) -> str:
    """Return what a filter's preset box shows: the preset picked, while the weights are its.

    Parameters
    ----------
    weights : ndarray, shape (kh, kw, C)
        One filter, every input channel.
    picked : str
        The preset the user last chose for it (a key of
        :data:`~cnnviz.core.kernels.PRESETS`), or :data:`CUSTOM`.

    Returns
    -------
    str
        ``picked`` if every channel holds its weights (within
        :data:`SAME_WEIGHT`, so a preset typed back counts), else :data:`CUSTOM`.

    Examples
    --------
    >>> sobel = get_kernel("sobel_x")[:, :, None]
    >>> shown_preset(sobel, "sobel_x"), shown_preset(sobel, "sobel_y")
    ('sobel_x', 'custom')
    >>> edited = sobel.copy(); edited[0, 0, 0] = 5
    >>> shown_preset(edited, "sobel_x")
    'custom'
    """
    if picked == CUSTOM:
        return CUSTOM
    preset = get_kernel(picked)
    same = weights.shape[:2] == preset.shape and np.allclose(
        weights, preset[:, :, None], rtol=0, atol=SAME_WEIGHT
    )
    return picked if same else CUSTOM


def bank_key(key: str) -> str:
    """Session-state key of the filter bank, ``(kh, kw, C, F)``; tests seed it directly."""
    return _state_key(key, "bank")


def default_bank(channels: int) -> np.ndarray:
    """Return the course's vertical-edge filter, on every channel."""
    return np.repeat(get_kernel(DEFAULT_PRESET)[:, :, None, None], channels, axis=2)


def _fit_channels(bank: np.ndarray, channels: int) -> np.ndarray:
    """Give every filter one slice per input channel (the first slice, copied)."""
    if bank.shape[2] == channels:
        return bank
    return np.repeat(bank[:, :, :1, :], channels, axis=2)


def _refresh_tables(key: str) -> None:
    """Make every table show the bank again, dropping its pending edits."""
    version = _state_key(key, "version")
    st.session_state[version] = st.session_state.get(version, 0) + 1


def _set_filter(key: str, index: int, weights: np.ndarray) -> None:
    """Put 2-D ``weights`` on every channel of filter ``index``, resizing the bank to fit."""
    bank = st.session_state[bank_key(key)]
    if weights.shape != bank.shape[:2]:
        bank = resize_kernel(bank, weights.shape)
        st.session_state[_state_key(key, "rows")], st.session_state[_state_key(key, "cols")] = (
            weights.shape
        )
    bank = bank.copy()
    bank[:, :, :, index] = weights[:, :, None]
    st.session_state[bank_key(key)] = bank
    _refresh_tables(key)


def _apply_preset(key: str, index: int) -> None:
    preset = st.session_state[_state_key(key, f"preset_{index}")]
    st.session_state[_state_key(key, f"picked_{index}")] = preset
    if preset != CUSTOM:
        _set_filter(key, index, get_kernel(preset))


def _transform(key: str, index: int, action: str) -> None:
    """Normalise, randomise or reset filter ``index`` (a button's callback)."""
    bank = st.session_state[bank_key(key)].copy()
    if action == "normalize":
        try:
            bank[..., index] = normalize_kernel(bank[..., index])
        except InputError as err:  # an all-zero kernel: shown by the editor on this rerun
            st.session_state[_state_key(key, "notice")] = err
            return
    elif action == "randomize":
        bank[..., index] = random_kernel(bank.shape[:3])
        st.session_state[_state_key(key, f"picked_{index}")] = CUSTOM
    else:  # back to the preset picked last, even after edits made the box say "custom"
        preset = st.session_state.get(_state_key(key, f"picked_{index}"), CUSTOM)
        weights = get_kernel(preset if preset != CUSTOM else "identity")
        st.session_state[bank_key(key)] = bank
        _set_filter(key, index, weights)
        return
    st.session_state[bank_key(key)] = bank
    _refresh_tables(key)


def _resize(key: str) -> None:
    rows = st.session_state[_state_key(key, "rows")]
    cols = st.session_state[_state_key(key, "cols")]
    st.session_state[bank_key(key)] = resize_kernel(st.session_state[bank_key(key)], (rows, cols))
    _refresh_tables(key)


def _set_filter_count(key: str) -> None:
    count = st.session_state[_state_key(key, "filters")]
    bank = st.session_state[bank_key(key)]
    if count > bank.shape[3]:
        extra = np.repeat(get_kernel("identity")[:, :, None, None], bank.shape[2], axis=2)
        extra = resize_kernel(extra, bank.shape[:2])
        bank = np.concatenate([bank] + [extra] * (count - bank.shape[3]), axis=3)
    st.session_state[bank_key(key)] = bank[..., :count]
    _refresh_tables(key)


def _preset_name(preset: str, lang: str) -> str:
    return t("kernel_editor.custom", lang=lang) if preset == CUSTOM else PRESETS[preset].name(lang)


def _table(weights: np.ndarray, editor_key: str, label: str) -> np.ndarray | None:
    """Show one editable 2-D slice; return its values, or None if a cell is not a number.

    A weight above :data:`~cnnviz.core.conv.MAX_MAGNITUDE` is refused too: its
    sums could overflow to ∞ (1e308 · 2 already does).
    """
    values = matrix_table(weights, key=editor_key, cell_width="small", width="content")
    if values is None:
        st.error(t("kernel_editor.invalid_cell", table=label))
        return None
    too_large = first_too_large(values)
    if too_large is not None:
        st.error(t("error.overflow_kernel_cell", table=label, value=too_large, max=MAX_MAGNITUDE))
        return None
    return values


def _table_base(key: str) -> np.ndarray:
    """Return the bank the tables were drawn from at their version, redrawing them if stale.

    A table's edits are counted from the data it was first given. Given the
    bank with the edits already in it, the browser would take a weight typed
    back to its first value for "no edit" and show the edited one again: the
    preset's own value could never be typed back. So the tables keep their
    first data until they are redrawn (a new version), which happens when the
    bank changes other than through them (a button, a link, new channels).
    """
    state = st.session_state
    bank = state[bank_key(key)]
    version_key = _state_key(key, "version")
    base_key = _state_key(key, "table_base")
    made, base, seen = state.get(base_key, (None, None, None))
    changed = seen is not None and not (
        seen.shape == bank.shape and np.array_equal(seen, bank, equal_nan=True)
    )
    if changed and made == state.get(version_key, 0):
        _refresh_tables(key)
    version = state.setdefault(version_key, 0)
    if made != version:
        base = bank.copy()
    state[base_key] = (version, base, bank)
    return base


def _seen(key: str) -> None:
    """Record the bank the tables left, so that a change from elsewhere is noticed next run."""
    state = st.session_state
    made, base, _ = state[_state_key(key, "table_base")]
    state[_state_key(key, "table_base")] = (made, base, state[bank_key(key)])


def _filter_tab(key: str, f: int, channels: int, version: int) -> None:
    """Show filter ``f``: its preset box, one table per channel and its buttons.

    The box is drawn after the tables (in a container above them), so that an
    edit made in this run already turns its name to "custom".
    """
    state = st.session_state
    base = state[_state_key(key, "table_base")][1]
    preset_key = _state_key(key, f"preset_{f}")
    picked_key = _state_key(key, f"picked_{f}")
    # A link's kernel has set the box to "custom" already: nothing to reset to then.
    state.setdefault(picked_key, state.get(preset_key, DEFAULT_PRESET if f == 0 else CUSTOM))
    head = st.container()
    bank = state[bank_key(key)]
    # Channel slices stacked, not side by side: three tables in a row would be
    # too narrow to read their numbers.
    for c in range(channels):
        with st.container():
            label = (
                t("kernel_editor.channel", channel=CHANNEL_NAMES[c])
                if channels > 1
                else t("kernel_editor.weights")
            )
            st.markdown(f"**{label}**")
            values = _table(base[:, :, c, f], f"{key}_table_{f}_{c}_v{version}", label)
            if values is not None and not np.array_equal(values, bank[:, :, c, f]):
                bank = bank.copy()
                bank[:, :, c, f] = values
                state[bank_key(key)] = bank
    state[preset_key] = shown_preset(bank[..., f], state[picked_key])
    with head:
        preset = st.selectbox(
            t("kernel_editor.preset"),
            [CUSTOM, *PRESETS],
            format_func=partial(_preset_name, lang=get_language()),
            key=preset_key,
            on_change=_apply_preset,
            args=(key, f),
        )
        if preset != CUSTOM:
            st.caption(PRESETS[preset].explanation())
        elif state[picked_key] != CUSTOM:  # edited: say from what, and how to get it back
            st.caption(t("kernel_editor.edited", preset=PRESETS[state[picked_key]].name()))
    buttons = st.columns(3)
    for column, action in zip(buttons, ("normalize", "randomize", "reset"), strict=True):
        column.button(
            t(f"kernel_editor.{action}"),
            key=_state_key(key, f"{action}_{f}"),
            on_click=_transform,
            args=(key, f, action),
            width="stretch",
        )


def kernel_editor(channels: int, *, key: str = "conv") -> np.ndarray:
    """Show the filter-bank editor and return the last valid bank.

    Parameters
    ----------
    channels : int
        Channels of the input image (1 or 3): each filter has one slice per channel.
    key : str
        Prefix of every widget and session-state key, so two editors can coexist.

    Returns
    -------
    ndarray, shape (kh, kw, channels, F)
        The filters, Keras' layout.
    """
    state = st.session_state
    state.setdefault(bank_key(key), default_bank(channels))
    state[bank_key(key)] = _fit_channels(state[bank_key(key)], channels)
    bank = state[bank_key(key)]
    state.setdefault(_state_key(key, "rows"), bank.shape[0])
    state.setdefault(_state_key(key, "cols"), bank.shape[1])
    state.setdefault(_state_key(key, "filters"), bank.shape[3])
    _table_base(key)
    version = state[_state_key(key, "version")]

    notice = state.pop(_state_key(key, "notice"), None)
    if notice is not None:
        st.error(str(notice))
    inputs = (
        ("rows", MAX_SIDE, _resize),
        ("cols", MAX_SIDE, _resize),
        ("filters", MAX_FILTERS, _set_filter_count),
    )
    for column, (name, maximum, on_change) in zip(st.columns(3), inputs, strict=True):
        column.number_input(
            t(f"kernel_editor.{name}"),
            1,
            maximum,
            key=_state_key(key, name),
            on_change=on_change,
            args=(key,),
        )
    tabs = st.tabs([t("kernel_editor.filter", number=f) for f in range(bank.shape[3])])
    for f, tab in enumerate(tabs):
        with tab:
            _filter_tab(key, f, channels, version)
    _seen(key)
    return state[bank_key(key)]
