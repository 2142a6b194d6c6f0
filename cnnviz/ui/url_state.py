"""Widgets whose values live in the URL, read from a link safely.

Streamlit's ``bind="query-params"`` writes a widget's *label* to the URL when
the widget has a ``format_func``, so a link made in Spanish
(``?conv_pad=same (salida del tamaño de la entrada)``) would not open in
English. Choices with translated labels use :func:`url_choice` instead; toggles
keep ``bind``.

Number inputs and sliders use :func:`url_number`. A bound number widget reads
the link inside Streamlit, from the query string the run started with
(neither ``st.query_params`` nor the session state can correct it first), and
Streamlit 1.67 raises there on ``?conv_stride_rows=inf`` or ``1e400`` for an
integer widget (``int(inf)``); it also takes ``٣`` as 3 and drops ``99`` or
``2.5`` without a word. So the link is read here instead, by
:func:`cnnviz.content.links.read_link_number`, and whatever it changed is said.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from cnnviz.content.links import compact_number, read_link_number
from cnnviz.i18n import labels, t

NOTICES = "_url_number_notices"
"""Session-state key: widget key -> :class:`LinkNotice` of a link's number that was replaced."""

_SHOWN = 40  # characters of a link's text quoted in a notice
_ICON = ":material/link_off:"


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
    if value == default or value not in options:  # never ?key=None in a link
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


@dataclass(frozen=True)
class LinkNotice:
    """A link's number that a widget could not take as it was.

    Attributes
    ----------
    received : str
        The parameter's text in the link.
    value : int or float
        What the widget started from instead (its default, or the nearest end of its range).
    """

    received: str
    value: int | float


def _shown(text: str) -> str:
    """Quote a link's text in a notice: printable, short, and safe inside a code span."""
    text = "".join(c if c.isprintable() and c != "`" else "?" for c in text[: _SHOWN + 1])
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


def _from_link(key: str, low: float, high: float, default: float, integer: bool) -> float:
    """Return the widget's first value: the link's number, checked, else ``default``.

    A number the link gave that had to be replaced is recorded under :data:`NOTICES`.
    """
    received = st.query_params.get(key)
    if received is None:
        return default
    read = read_link_number(received, low=low, high=high, integer=integer)
    if read is not None and not read.clamped:
        return read.value
    value = default if read is None else read.value
    st.session_state.setdefault(NOTICES, {})[key] = LinkNotice(received, value)
    return value


@dataclass
class _NoticeArea:
    """The place for one run's link notices, at the top of the page, and what it says so far."""

    where: Any
    lines: list[str] = field(default_factory=list)


# Set by app.py at the start of every run (each session's script runs in its own thread, and
# a context variable set there is that run's alone, as the language is).
_AREA: ContextVar[_NoticeArea | None] = ContextVar("cnnviz_link_notices", default=None)


def link_notice_area() -> None:
    """Reserve the place where this run's link notices go: one warning, above the page.

    ``app.py`` calls it before the page runs. Without it (a script that is not the
    app), each notice goes under its widget.
    """
    _AREA.set(_NoticeArea(st.empty()))


def _warn(message: str, where: Any) -> None:
    """Add ``message`` to the page's warning about its link, or show it at ``where``."""
    area = _AREA.get()
    if area is None:
        where.warning(message, icon=_ICON)
        return
    area.lines.append(message)
    area.where.warning("\n\n".join(area.lines), icon=_ICON)


def _notice(where: Any, label: str, key: str, value: float, bounds: tuple[float, float]) -> None:
    """Say what the link asked for, while the widget still holds what stood in for it."""
    notices = st.session_state.get(NOTICES, {})
    notice = notices.get(key)
    if notice is None:
        return
    if value != notice.value:  # the user has set it since: the notice is no longer news
        del notices[key]
        return
    low, high = bounds
    kind = "url.number.whole" if isinstance(value, int) else "url.number.any"
    message = t(
        "url.number.replaced",
        label=label,
        param=key,
        received=_shown(notice.received),
        kind=t(kind),
        low=low,
        high=high,
        value=value,
    )
    _warn(message, where)


def url_number(
    widget: Callable[..., Any],
    label: str,
    min_value: int | float,
    max_value: int | float,
    value: int | float | None = None,
    *,
    key: str,
    name: str | None = None,
    **kwargs: Any,
) -> Any:
    """Show a number input or slider whose value is kept in ``?key=``, read from a link safely.

    On the widget's first run in the session, the link's value is read with
    :func:`~cnnviz.content.links.read_link_number`: a number outside the range
    starts at the nearest end, anything else that is not a number the widget
    takes (``inf``, ``1e400``, ``abc``, ``²``, ``2.5`` for a whole number)
    starts at ``value``; either way a translated warning names the parameter and
    what the link said, until the user changes the widget. The warnings go
    together above the page (:func:`link_notice_area`), else under the widget.

    Parameters
    ----------
    widget : callable
        ``st.number_input`` or ``st.slider``, or the same on a container
        (``column.number_input``).
    label : str
        The widget's label.
    min_value, max_value : int or float
        The range. All ints (with ``value``) make a whole-number widget.
    value : int or float, optional
        The value when the link says nothing (``min_value`` by default); it is
        left out of the URL to keep links short. A value already in the session
        state (set by a button or a callback) is kept.
    key : str
        Widget key, and the name of the query parameter.
    name : str, optional
        What the warning calls the widget when its label alone would be unclear
        (``"Stride: rows"`` for a pair's ``"rows"``); the label by default.
    **kwargs
        Passed on to the widget (``step=``, ``format=``, ``help=``, ``disabled=``...).

    Returns
    -------
    int or float
        The widget's value, within ``[min_value, max_value]``.
    """
    default = min_value if value is None else value
    integer = all(isinstance(v, int) for v in (min_value, max_value, default))
    if key not in st.session_state:
        st.session_state[key] = _from_link(key, min_value, max_value, default, integer)
    # No value= here: the session state holds it (passing both makes Streamlit warn).
    number = widget(label, min_value=min_value, max_value=max_value, key=key, **kwargs)
    where = getattr(widget, "__self__", st)  # the widget's own container, for the fallback
    _notice(where, name or label, key, number, (min_value, max_value))
    if number == default:
        st.query_params.pop(key, None)
    else:
        text = str(number) if integer else compact_number(number)
        if st.query_params.get(key) != text:  # unchanged: no message to the browser
            st.query_params[key] = text
    return number
