"""A choice widget whose value, not its translated label, lives in the URL.

Streamlit's ``bind="query-params"`` writes a widget's *label* to the URL when
the widget has a ``format_func``, so a link made in Spanish
(``?conv_pad=same (salida del tamaño de la entrada)``) would not open in
English. Choices with translated labels use :func:`url_choice` instead; number
inputs and toggles, whose values are their labels, keep ``bind``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from cnnviz.i18n import labels, t


def url_choice(
    widget: Callable[..., Any],
    label: str,
    options: Sequence[str],
    *,
    key: str,
    format_func: Callable[[str], str],
    default: str | None = None,
    **kwargs: Any,
) -> str:
    """Show a choice widget whose option value is kept in ``?key=``.

    Parameters
    ----------
    widget : callable
        ``st.selectbox``, ``st.radio`` or ``st.segmented_control`` (or the same on
        ``st.sidebar``).
    label : str
        The widget's label.
    options : sequence of str
        Option values: what the URL holds.
    key : str
        Widget key, and the name of the query parameter.
    format_func : callable
        The translated label of an option.
    default : str, optional
        The value when the URL names none (the first option by default); it is
        left out of the URL to keep links short.
    **kwargs
        Passed on to the widget (``help=``, ``on_change=``...).

    Returns
    -------
    str
        The chosen option value.
    """
    options = list(options)
    default = options[0] if default is None else default
    # Once per session: the link's value, if it is an option. Again if the browser sent no
    # choice back (a segmented control remounted in the browser can report None): restore it.
    if st.session_state.get(key) not in options:
        linked = st.query_params.get(key)
        st.session_state[key] = linked if linked in options else default
    if widget.__name__ == "segmented_control":
        kwargs.setdefault("required", True)
    value = widget(label, options, format_func=format_func, key=key, **kwargs)
    if value == default:
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = value
    return value


def catalog_choice(
    widget: Callable[..., Any],
    name: str,
    options: Sequence[str],
    *,
    key: str,
    item: str | None = None,
    **kwargs: Any,
) -> str:
    """:func:`url_choice` labelled from the catalog: ``t(name)``, each option ``name.{option}``.

    Parameters
    ----------
    widget : callable
        The choice widget, as for :func:`url_choice`.
    name : str
        Catalog key of the label; the options' labels are under it.
    options : sequence of str
        Option values: what the URL holds.
    key : str
        Widget key, and the name of the query parameter.
    item : str, optional
        Catalog key of an option's label with ``{}`` for its value, when it is
        not ``name.{}`` (``"signal.{}.name"``).
    **kwargs
        Passed on to :func:`url_choice` (``default=``, ``help=``...).

    Returns
    -------
    str
        The chosen option value.
    """
    format_func = labels(item or f"{name}.{{}}")
    return url_choice(widget, t(name), options, key=key, format_func=format_func, **kwargs)


def url_toggle(name: str, *, key: str, value: bool = False) -> bool:
    """Show a switch kept in ``?key=``, labelled ``t(name)`` with the help ``t(name_help)``.

    Parameters
    ----------
    name : str
        Catalog key of the label; ``{name}_help`` is its help.
    key : str
        Widget key, and the name of the query parameter.
    value : bool, default False
        Where it starts when the URL does not say.

    Returns
    -------
    bool
        Whether it is on.
    """
    return st.toggle(t(name), value=value, key=key, bind="query-params", help=t(f"{name}_help"))
