r"""Predict, then check: random layer questions, the same for everyone who shares a seed.

A question is made from a *seed* and its *number* alone
(:func:`make_question`), so a teacher who hands out ``?quiz_seed=4217`` gives
the whole class the same questions in the same order. There are three kinds
(:data:`QUESTION_KINDS`):

- ``"shape"``: the output shape of a ``Conv2D`` or ``MaxPooling2D`` layer;
- ``"params"``: the parameter count of a ``Conv2D`` layer, usually over several
  input channels (the classic slip counts a 5x5 filter over RGB as 25 weights);
- ``"cell"``: one output cell of a tiny convolution of small integers, computed
  by :func:`cnnviz.core.trace.conv2d_trace`.

Every expected answer comes from the core (:mod:`cnnviz.core.shapes`,
:mod:`cnnviz.core.trace`), and :func:`check_answer` returns the worked formula with
the question's numbers and, for a wrong answer that matches a classic slip
(channels or bias forgotten, the ``+ s`` left out, the kernel flipped...), a
hint that names it.

Notes
-----
The random numbers come from NumPy's ``default_rng([seed, number, kind])``:
the same on every machine and NumPy version that keeps PCG64's stream, and
independent between questions, so question 7 does not depend on how many
others were asked.
"""

from __future__ import annotations

import ast
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cnnviz.core import shapes
from cnnviz.core._checks import is_int
from cnnviz.core.trace import conv2d_trace
from cnnviz.i18n import InputError, format_count, format_number, get_language, t

QUESTION_KINDS: tuple[str, ...] = ("shape", "params", "cell")
"""What a question asks for: an output shape, a parameter count or one output cell."""

MAX_SEED = 999_999
"""Seeds a new quiz picks from (any non-negative integer works): short enough to dictate."""

_SIDES = (5, 6, 7, 8, 9, 10, 12, 13, 14, 16, 24, 26, 28, 32, 56, 64, 224, 227)
_CHANNELS = (1, 3, 3, 3, 16, 32, 64)
_FILTERS = (6, 8, 10, 16, 32, 64, 96, 128)
_KERNELS = (1, 3, 3, 3, 5, 5, 7, 11)
_STRIDES = (1, 1, 1, 2, 2, 3, 4)


@dataclass(frozen=True)
class Question:
    """One question: a layer and its input, or a tiny convolution and one of its cells.

    Attributes
    ----------
    seed, index : int
        What it was made from.
    kind : str
        One of :data:`QUESTION_KINDS`.
    layer_type : str
        ``"Conv2D"`` or ``"MaxPooling2D"``.
    input_shape : (int, int, int)
        Rows, columns and channels of the input (channels 1 for a ``"cell"`` question).
    filters, kernel_size, strides, dilation_rate : int
        The layer's settings (square); ``filters`` is 1 for a pooling or a ``"cell"``.
    padding : str or int
        ``"valid"``, ``"same"`` or cells on each side.
    use_bias : bool
        Whether each filter has a bias.
    image, kernel : tuple of tuple of int, or None
        The input and the kernel of a ``"cell"`` question.
    bias : int
        The bias of a ``"cell"`` question.
    activation : str or None
        ``"relu"`` or None, for a ``"cell"`` question.
    cell : (int, int) or None
        The output cell asked for, from 0.
    expected : tuple of int, or int, or float
        The right answer: a shape, a count or a value.
    """

    seed: int
    index: int
    kind: str
    layer_type: str
    input_shape: tuple[int, int, int]
    filters: int
    kernel_size: int
    strides: int
    padding: str | int
    dilation_rate: int
    use_bias: bool
    expected: tuple[int, ...] | int | float
    image: tuple[tuple[int, ...], ...] | None = None
    kernel: tuple[tuple[int, ...], ...] | None = None
    bias: int = 0
    activation: str | None = None
    cell: tuple[int, int] | None = None

    @property
    def image_array(self) -> np.ndarray | None:
        """The input of a ``"cell"`` question as a float array."""
        return None if self.image is None else np.array(self.image, dtype=np.float64)

    @property
    def kernel_array(self) -> np.ndarray | None:
        """The kernel of a ``"cell"`` question as a float array."""
        return None if self.kernel is None else np.array(self.kernel, dtype=np.float64)

    def text(self, lang: str | None = None) -> str:
        """Return the question, in ``lang`` (the current language by default).

        Examples
        --------
        >>> make_question(7, 0, "params").text("en")  # doctest: +ELLIPSIS
        'A Conv2D layer with ... How many parameters ...'
        """
        lang = lang or get_language()
        h, w, c = self.input_shape
        # Every template takes what it needs from the same fields (str.format ignores the rest).
        fields = {
            "h": h,
            "w": w,
            "c": c,
            "k": self.kernel_size,
            "s": self.strides,
            "filters": self.filters,
            "padding": _padding_text(self.padding, lang),
        }
        if self.kind == "cell":
            extras = t("quiz.with_relu", lang=lang) if self.activation == "relu" else ""
            bias = format_number(self.bias, lang=lang)
            row, col = self.cell
            return t("quiz.q.cell", lang=lang, bias=bias, extras=extras, row=row, col=col, **fields)
        if self.kind == "params":
            extras = "" if self.use_bias else t("quiz.without_bias", lang=lang)
            return t("quiz.q.params", lang=lang, extras=extras, **fields)
        key = "quiz.q.shape_pool" if self.layer_type == "MaxPooling2D" else "quiz.q.shape_conv"
        extras = (
            t("quiz.with_dilation", lang=lang, d=self.dilation_rate)
            if self.dilation_rate > 1
            else ""
        )
        return t(key, lang=lang, extras=extras, **fields)


@dataclass(frozen=True)
class Feedback:
    """What :func:`check_answer` says about one answer.

    Attributes
    ----------
    correct : bool
        Whether the answer is right.
    answer, expected : str
        The answer as read and the right one, written for the language.
    formula : tuple of str
        The worked solution, one line each, with the question's numbers.
    hint : str or None
        For a wrong answer that matches a classic slip, what was probably
        forgotten; otherwise None.
    """

    correct: bool
    answer: str
    expected: str
    formula: tuple[str, ...]
    hint: str | None


def _padding_text(padding: str | int, lang: str) -> str:
    if isinstance(padding, str):
        return f'"{padding}"'
    return t("quiz.padding_cells", lang=lang, p=padding)


def new_seed() -> int:
    """Return a fresh random seed in ``0..MAX_SEED`` (not reproducible, on purpose)."""
    return secrets.randbelow(MAX_SEED + 1)


def read_seed(text: object) -> int | None:
    """Read a seed from a URL parameter; None when it is not a non-negative integer.

    Only ASCII digits count: ``str.isdigit`` is also true of ``²`` (which
    ``int`` refuses) and of ``٣`` (which it reads), and a link is ASCII.

    Examples
    --------
    >>> read_seed("4217"), read_seed(" 12 "), read_seed("-3"), read_seed("abc"), read_seed(None)
    (4217, 12, None, None, None)
    >>> read_seed("²"), read_seed("٣")
    (None, None)
    """
    if text is None:
        return None
    text = str(text).strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


# --- making questions ----------------------------------------------------------------------


def _rng(seed: int, index: int, kind: str | None) -> np.random.Generator:
    code = -1 if kind is None else QUESTION_KINDS.index(kind)
    return np.random.default_rng([seed, index, code + 1])


def _pick(rng: np.random.Generator, options: Sequence) -> object:
    return options[int(rng.integers(len(options)))]


def make_question(seed: int, index: int, kind: str | None = None) -> Question:
    """Make question number ``index`` of the quiz ``seed``, the same every time.

    Parameters
    ----------
    seed : int
        The quiz (a non-negative integer, as in ``?quiz_seed=``).
    index : int
        The question's number in it, from 0.
    kind : {"shape", "params", "cell"}, optional
        What to ask; by default one of them, drawn from the seed and number.

    Returns
    -------
    Question
        With settings that give a valid, non-empty layer.

    Raises
    ------
    InputError
        For a negative seed or number, or an unknown kind.

    Examples
    --------
    >>> make_question(42, 3) == make_question(42, 3)
    True
    >>> q = make_question(42, 3, "params")
    >>> q.expected == shapes.conv_params(q.kernel_size, q.input_shape[2], q.filters,
    ...                                  use_bias=q.use_bias)
    True
    """
    for value in (seed, index):
        if not is_int(value) or value < 0:
            raise InputError("quiz.error_seed", value=repr(value))
    seed, index = int(seed), int(index)
    if kind is None:
        kind = str(_pick(_rng(seed, index, None), QUESTION_KINDS))
    if kind not in QUESTION_KINDS:
        raise InputError("quiz.error_kind", value=repr(kind), expected=", ".join(QUESTION_KINDS))
    rng = _rng(seed, index, kind)
    maker = {"shape": _shape_question, "params": _params_question, "cell": _cell_question}[kind]
    # Draw until the settings make a valid layer: deterministic, as the stream is.
    for _ in range(1000):
        try:
            return maker(rng, seed, index)
        except InputError:
            continue
    raise AssertionError("no valid question in 1000 draws")  # pragma: no cover


def _side_pair(rng: np.random.Generator) -> tuple[int, int]:
    h = int(_pick(rng, _SIDES))
    # Now and then a non-square input, like the course's 5x7 matrix.
    w = h if rng.random() < 0.8 else int(_pick(rng, [s for s in _SIDES if s <= 2 * h]))
    return h, w


def _shape_question(rng: np.random.Generator, seed: int, index: int) -> Question:
    h, w = _side_pair(rng)
    if rng.random() < 0.25:
        pool = int(_pick(rng, (2, 2, 3)))
        strides = pool if rng.random() < 0.7 else int(_pick(rng, (1, 2)))
        padding = str(_pick(rng, ("valid", "valid", "same")))
        c = int(_pick(rng, (3, 16, 32, 64, 96)))
        out = shapes.pool_output_shape((h, w, c), pool, strides=strides, padding=padding)
        return Question(
            seed,
            index,
            "shape",
            "MaxPooling2D",
            (h, w, c),
            1,
            pool,
            strides,
            padding,
            1,
            False,
            tuple(out),
        )
    c = int(_pick(rng, _CHANNELS))
    filters = int(_pick(rng, _FILTERS))
    kernel = int(_pick(rng, _KERNELS))
    strides = int(_pick(rng, _STRIDES))
    padding: str | int = str(_pick(rng, ("valid", "valid", "same", "cells")))
    if padding == "cells":
        padding = int(rng.integers(1, 3))
    dilation = 2 if strides == 1 and kernel > 1 and rng.random() < 0.15 else 1
    out = shapes.conv_output_shape(
        (h, w, c),
        filters=filters,
        kernel_size=kernel,
        strides=strides,
        padding=padding,
        dilation_rate=dilation,
    )
    return Question(
        seed,
        index,
        "shape",
        "Conv2D",
        (h, w, c),
        filters,
        kernel,
        strides,
        padding,
        dilation,
        True,
        tuple(out),
    )


def _params_question(rng: np.random.Generator, seed: int, index: int) -> Question:
    h, w = _side_pair(rng)
    c = int(_pick(rng, (3, 3, 3, 16, 32, 64, 1)))
    kernel = int(_pick(rng, (1, 3, 3, 5, 5, 7)))
    filters = int(_pick(rng, _FILTERS))
    use_bias = bool(rng.random() < 0.85)
    expected = shapes.conv_params(kernel, c, filters, use_bias=use_bias)
    shapes.conv_output_shape((h, w, c), filters=filters, kernel_size=kernel)  # a real layer
    return Question(
        seed,
        index,
        "params",
        "Conv2D",
        (h, w, c),
        filters,
        kernel,
        1,
        "valid",
        1,
        use_bias,
        expected,
    )


def _cell_question(rng: np.random.Generator, seed: int, index: int) -> Question:
    h, w = int(rng.integers(4, 7)), int(rng.integers(4, 7))
    k = 3 if rng.random() < 0.8 else 2
    image = rng.integers(0, 7, size=(h, w))
    kernel = rng.integers(-2, 3, size=(k, k))
    if not kernel.any():
        kernel[0, 0] = 1
    strides = 1 if rng.random() < 0.7 else 2
    padding = "valid" if rng.random() < 0.7 else "same"
    bias = 0 if rng.random() < 0.6 else int(_pick(rng, (-3, -2, -1, 1, 2, 3)))
    activation = "relu" if rng.random() < 0.3 else None
    trace = conv2d_trace(
        image.astype(np.float64),
        kernel.astype(np.float64),
        bias=float(bias),
        strides=strides,
        padding=padding,
        activation=activation,
    )
    rows, cols = trace.output.shape
    cell = (int(rng.integers(rows)), int(rng.integers(cols)))
    return Question(
        seed,
        index,
        "cell",
        "Conv2D",
        (h, w, 1),
        1,
        k,
        strides,
        padding,
        1,
        bias != 0,
        float(trace.output[cell]),
        image=tuple(tuple(int(v) for v in row) for row in image),
        kernel=tuple(tuple(int(v) for v in row) for row in kernel),
        bias=bias,
        activation=activation,
        cell=cell,
    )


# --- reading answers -----------------------------------------------------------------------

_GROUPED = re.compile(r"\d{1,3}(?:[.,'’_ \u00a0\u202f]\d{3})+")
_SHAPE_SEPARATORS = re.compile(r"[x×X*,;()\[\]\s]+")


def parse_shape(text: str) -> tuple[int, ...]:
    """Read a shape written loosely: ``13x13x32``, ``13 × 13 × 32``, ``(None, 13, 13, 32)``...

    Parameters
    ----------
    text : str
        Three whole numbers (rows, columns, channels) separated by ``x``, ``×``,
        ``*``, commas, semicolons or spaces, with or without brackets; a leading
        ``None`` (Keras' batch axis) is ignored.

    Returns
    -------
    (int, int, int)
        The shape.

    Raises
    ------
    InputError
        When the text is not three whole numbers.

    Examples
    --------
    >>> parse_shape("13x13x32"), parse_shape(" (None, 5, 7, 3) "), parse_shape("2 × 3 ×1")
    ((13, 13, 32), (5, 7, 3), (2, 3, 1))
    """
    parts = [p for p in _SHAPE_SEPARATORS.split(str(text).strip()) if p]
    if parts and parts[0].lower() == "none":
        parts = parts[1:]
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise InputError("quiz.error_shape", value=str(text).strip())
    return tuple(int(p) for p in parts)


def _arithmetic(node: ast.AST) -> int:
    """Evaluate whole-number ``+``, ``−`` and ``·`` only (a student may type ``5*5*3*10+10``)."""
    if isinstance(node, ast.Expression):
        return _arithmetic(node.body)
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _arithmetic(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult):
        left, right = _arithmetic(node.left), _arithmetic(node.right)
        if isinstance(node.op, ast.Add):
            return left + right
        return left - right if isinstance(node.op, ast.Sub) else left * right
    raise ValueError("not arithmetic")


def parse_count(text: str) -> int:
    """Read a whole number: ``760``, ``1,792``, ``1.792``, ``61 706`` or ``(5·5·3 + 1)·10``.

    Parameters
    ----------
    text : str
        Digits, grouped by thousands or not, or a product and sum of whole
        numbers (``·``, ``×``, ``x`` and ``*`` multiply).

    Returns
    -------
    int
        The number.

    Raises
    ------
    InputError
        When the text is neither.

    Examples
    --------
    >>> parse_count("1,792"), parse_count("61 706"), parse_count("(5·5·3 + 1)·10")
    (1792, 61706, 760)
    """
    raw = str(text).strip()
    if raw.isdigit():
        return int(raw)
    if _GROUPED.fullmatch(raw):
        return int(re.sub(r"\D", "", raw))
    expression = re.sub(r"[·×xX]", "*", raw.replace("\u2212", "-"))
    if len(expression) <= 80 and re.fullmatch(r"[\d\s+\-*()]+", expression):
        try:
            return _arithmetic(ast.parse(expression, mode="eval"))
        except (SyntaxError, ValueError):
            pass
    raise InputError("quiz.error_count", value=raw)


def parse_value(text: str) -> float:
    """Read a number with a decimal point or comma and either minus sign: ``−3``, ``2,5``.

    Examples
    --------
    >>> parse_value("−3"), parse_value(" 2,5 "), parse_value("+4")
    (-3.0, 2.5, 4.0)
    """
    raw = str(text).strip()
    normal = raw.replace("\u2212", "-").replace(",", ".").replace(" ", "")
    if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)", normal):
        return float(normal)
    raise InputError("quiz.error_value", value=raw)


# --- checking ------------------------------------------------------------------------------


def _shape_formula(q: Question, lang: str) -> tuple[str, ...]:
    h, w, c = q.input_shape
    pads = shapes.padding_amounts_2d(
        (h, w), q.kernel_size, strides=q.strides, padding=q.padding, dilation_rate=q.dilation_rate
    )
    lines = []
    if q.padding == "same":
        lines.append(
            t(
                "quiz.formula.same",
                lang=lang,
                rows=sum(pads[0]),
                cols=sum(pads[1]),
                top=pads[0][0],
                bottom=pads[0][1],
                left=pads[1][0],
                right=pads[1][1],
            )
        )
    elif isinstance(q.padding, int):
        lines.append(t("quiz.formula.cells", lang=lang, p=q.padding, total=2 * q.padding))
    if q.dilation_rate > 1:
        span = shapes.effective_kernel_size(q.kernel_size, q.dilation_rate)
        lines.append(
            t("quiz.formula.dilation", lang=lang, d=q.dilation_rate, k=q.kernel_size, span=span)
        )
    for axis, key, n in ((0, "quiz.formula.rows", h), (1, "quiz.formula.cols", w)):
        formula = shapes.output_length_formula(
            n, q.kernel_size, strides=q.strides, padding=pads[axis], dilation_rate=q.dilation_rate
        )
        lines.append(t(key, lang=lang, formula=formula))
    if q.layer_type == "MaxPooling2D":
        lines.append(t("quiz.formula.channels_pool", lang=lang, c=c))
    else:
        lines.append(t("quiz.formula.channels_conv", lang=lang, filters=q.filters))
    return tuple(lines)


def _params_formula(q: Question, lang: str) -> tuple[str, ...]:
    k, c = q.kernel_size, q.input_shape[2]
    return (
        t("quiz.formula.weights", lang=lang, k=k, c=c, formula=f"{k}·{k}·{c} = {k * k * c}"),
        t(
            "quiz.formula.params" if q.use_bias else "quiz.formula.params_no_bias",
            lang=lang,
            formula=shapes.conv_params_per_filter_formula(k, c, q.filters, use_bias=q.use_bias),
        ),
    )


def _cell_trace(q: Question, *, flip: bool = False):
    return conv2d_trace(
        q.image_array,
        q.kernel_array,
        bias=float(q.bias),
        strides=q.strides,
        padding=q.padding,
        activation=q.activation,
        flip=flip,
    )


def _cell_formula(q: Question, lang: str) -> tuple[str, ...]:
    trace = _cell_trace(q)
    step = trace.step_at(*q.cell)
    (top, _), (left, _) = trace.pads
    window = t(
        "quiz.formula.window",
        lang=lang,
        row=q.cell[0],
        col=q.cell[1],
        r0=step.rows[0] - top,
        r1=step.rows[-1] - top,
        c0=step.cols[0] - left,
        c1=step.cols[-1] - left,
    )
    return (window, *step.formula_lines(lang))


def _axis_slips(n: int, q: Question, pads: tuple[int, int]) -> dict[str, int]:
    """Return what one axis comes to with each classic slip of the output-size formula."""
    k_eff = shapes.effective_kernel_size(q.kernel_size, q.dilation_rate)
    p, s = sum(pads), q.strides
    slips = {
        "plus_one": (n - k_eff + p) // s,
        "stride": n - k_eff + p + 1,
        "round_up": -(-(n - k_eff + p) // s) + 1,
        "padding": (n - k_eff + s) // s,
        "dilation": (n - q.kernel_size + p + s) // s,
    }
    if isinstance(q.padding, int):
        slips["both_sides"] = (n - k_eff + p // 2 + s) // s
    return slips


def _shape_hint(q: Question, answer: tuple[int, ...], lang: str) -> str | None:
    expected = q.expected
    h, w, c = q.input_shape
    if answer[:2] == expected[:2] and answer[2] != expected[2]:
        key = (
            "quiz.hint.pool_channels"
            if q.layer_type == "MaxPooling2D"
            else "quiz.hint.conv_channels"
        )
        return t(key, lang=lang, c=c, filters=q.filters)
    if answer[:2] == (expected[1], expected[0]) and expected[0] != expected[1]:
        return t("quiz.hint.rows_first", lang=lang)
    pads = shapes.padding_amounts_2d(
        (h, w), q.kernel_size, strides=q.strides, padding=q.padding, dilation_rate=q.dilation_rate
    )
    slips = [_axis_slips(n, q, pads[axis]) for axis, n in enumerate((h, w))]
    for slip in ("dilation", "both_sides", "padding", "stride", "plus_one", "round_up"):
        values = [axis.get(slip) for axis in slips]
        if None in values or tuple(values) == expected[:2]:
            continue
        if tuple(answer[:2]) == tuple(values):
            if slip == "padding" and q.padding == "same":
                slip = "same"
            return t(f"quiz.hint.{slip}", lang=lang, s=q.strides, d=q.dilation_rate)
    return None


def _params_hint(q: Question, answer: int, lang: str) -> str | None:
    k, (h, w, c), f = q.kernel_size, q.input_shape, q.filters
    bias = f if q.use_bias else 0
    slips = [("channels", k * k * f + bias)]
    if q.use_bias:
        slips += [("bias", k * k * c * f), ("channels_and_bias", k * k * f)]
        slips += [("one_bias", k * k * c * f + 1)]
    else:
        slips += [("no_bias_here", k * k * c * f + f)]
    slips += [("one_filter", k * k * c + (1 if q.use_bias else 0)), ("shared", q.expected * h * w)]
    for slip, value in slips:
        if value != q.expected and answer == value:
            return t(f"quiz.hint.{slip}", lang=lang, k=k, c=c, filters=f)
    return None


def _cell_hint(q: Question, answer: float, lang: str) -> str | None:
    trace = _cell_trace(q)
    total = float(trace.totals[q.cell])
    if q.activation == "relu" and total < 0 and answer == total:
        return t("quiz.hint.relu", lang=lang)
    without_bias = total - q.bias
    if q.activation == "relu":
        without_bias = max(without_bias, 0.0)
    if q.bias and without_bias != q.expected and answer == without_bias:
        return t("quiz.hint.cell_bias", lang=lang, bias=format_number(q.bias, lang=lang))
    flipped = float(_cell_trace(q, flip=True).output[q.cell])
    if flipped != q.expected and answer == flipped:
        return t("quiz.hint.flipped", lang=lang)
    row, col = q.cell
    rows, cols = trace.output.shape
    if row != col and col < rows and row < cols:
        swapped = float(trace.output[col, row])
        if swapped != q.expected and answer == swapped:
            return t("quiz.hint.cell_rows_first", lang=lang)
    return t("quiz.hint.window", lang=lang, s=q.strides)


def check_answer(
    question: Question, answer: str | Sequence[int] | float, *, lang: str | None = None
) -> Feedback:
    """Check an answer and explain the right one.

    Parameters
    ----------
    question : Question
        From :func:`make_question`.
    answer : str or tuple of int or number
        What the student typed (read with :func:`parse_shape`,
        :func:`parse_count` or :func:`parse_value`), or the value itself.
    lang : str, optional
        Language of the formula and hint; the current one by default.

    Returns
    -------
    Feedback
        Right or wrong, the expected answer, the worked formula and a hint for
        a classic slip.

    Raises
    ------
    InputError
        When the text cannot be read as an answer of the question's kind.

    Examples
    --------
    >>> q = make_question(1, 0, "params")
    >>> check_answer(q, str(q.expected)).correct
    True
    >>> k, c, f = q.kernel_size, q.input_shape[2], q.filters
    >>> c > 1 and q.use_bias  # this one has several channels and biases
    True
    >>> check_answer(q, k * k * f + f, lang="en").hint  # doctest: +ELLIPSIS
    'Each filter spans all ... input channels...'
    """
    lang = lang or get_language()
    if question.kind == "shape":
        given = parse_shape(answer) if isinstance(answer, str) else tuple(int(v) for v in answer)
        correct = given == question.expected
        hint = None if correct else _shape_hint(question, given, lang)
        return Feedback(
            correct,
            " × ".join(map(str, given)),
            " × ".join(map(str, question.expected)),
            _shape_formula(question, lang),
            hint,
        )
    if question.kind == "params":
        given = parse_count(answer) if isinstance(answer, str) else int(answer)
        correct = given == question.expected
        return Feedback(
            correct,
            format_count(given, lang),
            format_count(question.expected, lang),
            _params_formula(question, lang),
            None if correct else _params_hint(question, given, lang),
        )
    given = parse_value(answer) if isinstance(answer, str) else float(answer)
    correct = abs(given - question.expected) < 1e-9
    return Feedback(
        correct,
        format_number(given, lang=lang),
        format_number(question.expected, lang=lang),
        _cell_formula(question, lang),
        None if correct else _cell_hint(question, given, lang),
    )
