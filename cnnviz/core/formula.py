"""Formula text of a trace's steps, as the course writes it.

``0·1 + 5·(−2) + ... = 6``: value times weight, the true minus sign, negative
factors in parentheses, and the decimal comma in Spanish (through
:func:`cnnviz.i18n.format_number`, the app's one number formatter). The step
classes of :mod:`cnnviz.core.trace`, :mod:`cnnviz.core.signal_trace` and
:mod:`cnnviz.core.pool_trace` write their formulas with these.
"""

from __future__ import annotations

import numpy as np

from cnnviz.i18n import MINUS, format_number


def number(value: float, lang: str, digits: int) -> str:
    """Write one number in ``lang`` with at most ``digits`` decimals.

    Parameters
    ----------
    value : float
        The number.
    lang : str
        Language (``"es"`` writes a decimal comma).
    digits : int
        Decimals kept at most.

    Returns
    -------
    str
        As :func:`cnnviz.i18n.format_number`: the true minus sign, no trailing zeros.

    Examples
    --------
    >>> number(-0.5, "es", 3), number(2.0, "en", 3)
    ('−0,5', '2')
    """
    return format_number(value, digits=digits, lang=lang)


def operand(value: float, lang: str, digits: int) -> str:
    """Write a factor or a term; a negative one in parentheses, so ``5·−2`` reads ``5·(−2)``.

    Parameters
    ----------
    value, lang, digits
        As in :func:`number`.

    Returns
    -------
    str
        :func:`number`, in parentheses when negative.

    Examples
    --------
    >>> operand(-2, "en", 3), operand(2, "en", 3)
    ('(−2)', '2')
    """
    text = number(value, lang, digits)
    return f"({text})" if text.startswith(MINUS) else text


def products(values: np.ndarray, weights: np.ndarray, lang: str, digits: int) -> str:
    """Write ``v·w + v·w + ...`` in the arrays' row-major order.

    Parameters
    ----------
    values, weights : ndarray, same shape
        A window and the weights applied to it.
    lang, digits
        As in :func:`number`.

    Returns
    -------
    str
        The products joined by `` + ``, without the result.

    Examples
    --------
    >>> products(np.array([0, 5]), np.array([1, -2]), "en", 3)
    '0·1 + 5·(−2)'
    """
    return " + ".join(
        f"{operand(v, lang, digits)}·{operand(w, lang, digits)}"
        for v, w in zip(values.ravel().tolist(), weights.ravel().tolist(), strict=True)
    )


def channels_first(array: np.ndarray) -> np.ndarray:
    """Move a window's channels first, so that ``ravel()`` reads one channel after another.

    Parameters
    ----------
    array : ndarray, shape (kh, kw) or (kh, kw, C)
        A window, its weights or its products.

    Returns
    -------
    ndarray, shape (kh, kw) or (C, kh, kw)
        A view; a 2-D array as it is.

    Examples
    --------
    >>> channels_first(np.zeros((3, 3, 2))).shape
    (2, 3, 3)
    """
    return array.transpose(2, 0, 1) if array.ndim == 3 else array
