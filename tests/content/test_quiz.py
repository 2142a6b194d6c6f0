"""The quiz: questions made from a seed alone, answers read loosely, slips named."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz.content import quiz
from cnnviz.content.quiz import Question, check_answer, make_question, parse_count, parse_shape
from cnnviz.core import shapes
from cnnviz.core.trace import conv2d_trace
from cnnviz.i18n import InputError, format_count, t

ROOT = Path(__file__).resolve().parents[2]
SEEDS = st.integers(0, 2**32 - 1)
INDICES = st.integers(0, 500)
KINDS = st.sampled_from([None, *quiz.QUESTION_KINDS])


def answer_text(q: Question) -> str:
    if q.kind == "shape":
        return "x".join(map(str, q.expected))
    return str(int(q.expected)) if q.kind == "params" else str(q.expected)


# --- the same seed, the same questions --------------------------------------------------------


@given(SEEDS, INDICES, KINDS)
def test_same_seed_same_question(seed, index, kind):
    first = make_question(seed, index, kind)
    assert first == make_question(seed, index, kind)
    assert first.text("es") == make_question(seed, index, kind).text("es")
    # A mixed quiz asks exactly what the kind's own quiz would.
    assert make_question(seed, index, first.kind) == first
    assert (first.seed, first.index) == (seed, index)


def test_same_questions_in_a_fresh_interpreter():
    # Nothing global (no shared random state) decides a question: a new process agrees.
    code = (
        "import json\n"
        "from cnnviz.content.quiz import make_question\n"
        "print(json.dumps([make_question(s, i).text('en') for s in (0, 7, 4217)"
        " for i in range(6)]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    here = [make_question(s, i).text("en") for s in (0, 7, 4217) for i in range(6)]
    assert json.loads(result.stdout.splitlines()[-1]) == here


def test_different_seeds_and_numbers_give_different_questions():
    texts = {make_question(seed, 0).text("en") for seed in range(40)}
    assert len(texts) >= 35
    texts = {make_question(4217, index).text("en") for index in range(40)}
    assert len(texts) >= 35
    kinds = {make_question(4217, index).kind for index in range(40)}
    assert kinds == set(quiz.QUESTION_KINDS)


@pytest.mark.parametrize("text", ["²", "٣", "１２", "1²", "³³", "4٢"])
def test_a_seed_of_other_scripts_digits_is_no_seed(text):
    # str.isdigit accepts these; int() refuses "²" (ValueError) and reads "٣" as 3.
    assert quiz.read_seed(text) is None


def test_seeds_are_read_from_links_and_new_ones_are_short():
    assert quiz.read_seed("000123") == 123
    assert quiz.read_seed("1e3") is None and quiz.read_seed("") is None
    assert all(0 <= quiz.new_seed() <= quiz.MAX_SEED for _ in range(20))
    for bad in (-1, 1.5, "3", True):
        with pytest.raises(InputError) as info:
            make_question(bad, 0)
        assert info.value.key == "quiz.error_seed"
    with pytest.raises(InputError) as info:
        make_question(1, 0, "essay")
    assert info.value.key == "quiz.error_kind" and "essay" in info.value.message("es")


# --- every question is valid and its answer is the core's (and Keras') ------------------------


@settings(max_examples=300, deadline=None)
@given(SEEDS, INDICES, KINDS)
def test_every_question_is_valid_and_answered_by_the_core(seed, index, kind):
    q = make_question(seed, index, kind)
    h, w, c = q.input_shape
    assert min(q.input_shape) >= 1
    if q.kind == "shape":
        if q.layer_type == "MaxPooling2D":
            expected = shapes.pool_output_shape(
                q.input_shape, q.kernel_size, strides=q.strides, padding=q.padding
            )
        else:
            expected = shapes.conv_output_shape(
                q.input_shape,
                filters=q.filters,
                kernel_size=q.kernel_size,
                strides=q.strides,
                padding=q.padding,
                dilation_rate=q.dilation_rate,
            )
        assert q.expected == tuple(expected) and min(expected) >= 1
    elif q.kind == "params":
        assert q.expected == shapes.conv_params(q.kernel_size, c, q.filters, use_bias=q.use_bias)
    else:
        image, kernel = q.image_array, q.kernel_array
        assert image.shape == (h, w) and kernel.shape == (q.kernel_size,) * 2
        assert kernel.any() and q.expected == int(q.expected)
    for lang in ("en", "es"):
        text = q.text(lang)
        assert "{" not in text and "quiz." not in text
    assert q.text("en") != q.text("es")
    feedback = check_answer(q, answer_text(q), lang="es")
    assert feedback.correct and feedback.hint is None
    assert all("{" not in line for line in feedback.formula)


def keras_output(q: Question) -> tuple[tuple[int, ...], int]:
    inputs = keras.Input(shape=q.input_shape)
    x = inputs
    padding = q.padding
    if isinstance(padding, int):  # the course's p cells on each side: ZeroPadding2D, then valid
        x = keras.layers.ZeroPadding2D(padding)(x)
        padding = "valid"
    if q.layer_type == "MaxPooling2D":
        layer = keras.layers.MaxPooling2D(q.kernel_size, strides=q.strides, padding=padding)
    else:
        layer = keras.layers.Conv2D(
            q.filters,
            q.kernel_size,
            strides=q.strides,
            padding=padding,
            dilation_rate=q.dilation_rate,
            use_bias=q.use_bias,
        )
    out = layer(x)
    return tuple(out.shape[1:]), layer.count_params()


@settings(max_examples=30, deadline=None)
@given(SEEDS, INDICES, st.sampled_from(["shape", "params"]))
def test_shapes_and_parameter_counts_equal_keras(seed, index, kind):
    q = make_question(seed, index, kind)
    shape, params = keras_output(q)
    if kind == "shape":
        assert shape == q.expected
    else:
        assert params == q.expected


@settings(max_examples=30, deadline=None)
@given(SEEDS, INDICES)
def test_output_cells_equal_keras(seed, index):
    q = make_question(seed, index, "cell")
    layer = keras.layers.Conv2D(
        1, q.kernel_size, strides=q.strides, padding=q.padding, activation=q.activation
    )
    layer.build((1, *q.input_shape))
    layer.set_weights([q.kernel_array[:, :, None, None], np.array([float(q.bias)])])
    out = np.asarray(layer(q.image_array[None, :, :, None]))[0, :, :, 0]
    assert out[q.cell] == q.expected


# --- reading answers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "13x13x32",
        "13 × 13 × 32",
        "(13, 13, 32)",
        "13,13,32",
        "13 13 32",
        "[13; 13; 32]",
        "None, 13, 13, 32",
        "13X13*32",
        " 13 x13 x 32 ",
    ],
)
def test_shapes_are_read_leniently(text):
    assert parse_shape(text) == (13, 13, 32)


@pytest.mark.parametrize("text", ["13x13", "13x13x32x2", "13x-13x32", "trece", "", "13.5x13x32"])
def test_a_bad_shape_says_how_to_write_one(text):
    with pytest.raises(InputError) as info:
        parse_shape(text)
    assert info.value.key == "quiz.error_shape"
    assert "13x13x32" in info.value.message("en") and "13x13x32" in info.value.message("es")
    assert info.value.message("en") != info.value.message("es")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("760", 760),
        (" 1,792 ", 1792),
        ("1.792", 1792),
        ("61 706", 61706),
        ("61\u00a0706", 61706),
        ("138,357,544", 138357544),
        ("(5·5·3 + 1)·10", 760),
        ("5*5*3*10+10", 760),
        ("3x3x3x32 + 32", 896),
        ("007", 7),
    ],
)
def test_counts_are_read_with_separators_or_as_arithmetic(text, value):
    assert parse_count(text) == value


@pytest.mark.parametrize("text", ["7,5", "1,79", "abc", "2**10", "__import__('os')", "", "1/2"])
def test_a_bad_count_is_refused(text):
    with pytest.raises(InputError) as info:
        parse_count(text)
    assert info.value.key == "quiz.error_count"


def test_values_take_either_minus_and_a_decimal_comma():
    assert quiz.parse_value("−3") == quiz.parse_value("-3") == -3.0
    assert quiz.parse_value("2,5") == 2.5 and quiz.parse_value("+.5") == 0.5
    with pytest.raises(InputError) as info:
        quiz.parse_value("3 - 1")
    assert info.value.key == "quiz.error_value"


# --- feedback for the classic slips -----------------------------------------------------------


def conv_question(**fields) -> Question:
    base = Question(
        seed=0,
        index=0,
        kind="params",
        layer_type="Conv2D",
        input_shape=(16, 16, 3),
        filters=10,
        kernel_size=5,
        strides=1,
        padding="valid",
        dilation_rate=1,
        use_bias=True,
        expected=760,
    )
    return replace(base, **fields)


@pytest.mark.parametrize(
    ("answer", "slip"),
    [
        (260, "channels"),
        (750, "bias"),
        (250, "channels_and_bias"),
        (76, "one_filter"),
        (751, "one_bias"),
        (760 * 16 * 16, "shared"),
        (123, None),
    ],
)
def test_parameter_slips_are_named(answer, slip):
    q = conv_question()
    feedback = check_answer(q, answer, lang="en")
    assert not feedback.correct
    assert feedback.expected == "760" and feedback.answer == format_count(answer, "en")
    expected = None if slip is None else t(f"quiz.hint.{slip}", lang="en", k=5, c=3, filters=10)
    assert feedback.hint == expected
    assert feedback.formula == (
        t("quiz.formula.weights", lang="en", k=5, c=3, formula="5·5·3 = 75"),
        t("quiz.formula.params", lang="en", formula="(5·5·3 + 1)·10 = 760"),
    )


def test_a_layer_without_bias_says_so():
    q = conv_question(use_bias=False, expected=750)
    assert check_answer(q, "750").correct
    assert check_answer(q, "760", lang="es").hint == t(
        "quiz.hint.no_bias_here", lang="es", k=5, c=3, filters=10
    )
    assert "(5·5·3)·10 = 750" in check_answer(q, "1").formula[1]


def shape_question(input_shape, expected, **fields) -> Question:
    return conv_question(kind="shape", input_shape=input_shape, expected=expected, **fields)


@pytest.mark.parametrize(
    ("question", "answer", "slip"),
    [
        # The course's 5x7 matrix, 3x3 kernel, stride 2, one cell of padding: 3x4.
        (
            shape_question((5, 7, 1), (3, 4, 4), filters=4, kernel_size=3, strides=2, padding=1),
            (3, 4, 1),
            "conv_channels",
        ),
        (
            shape_question((5, 7, 1), (3, 4, 4), filters=4, kernel_size=3, strides=2, padding=1),
            (4, 3, 4),
            "rows_first",
        ),
        (
            shape_question((5, 7, 1), (3, 4, 4), filters=4, kernel_size=3, strides=2, padding=1),
            (5, 7, 4),
            "stride",
        ),
        (
            shape_question((28, 28, 1), (28, 28, 8), filters=8, kernel_size=5, padding="same"),
            (24, 24, 8),
            "same",
        ),
        (
            shape_question((28, 28, 1), (24, 24, 8), filters=8, kernel_size=3, dilation_rate=2),
            (26, 26, 8),
            "dilation",
        ),
        (
            shape_question((8, 8, 1), (3, 3, 8), filters=8, kernel_size=3, strides=2),
            (4, 4, 8),
            "round_up",
        ),
        (
            shape_question((8, 8, 1), (3, 3, 8), filters=8, kernel_size=3, strides=2),
            (2, 2, 8),
            "plus_one",
        ),
        (
            shape_question(
                (26, 26, 32), (13, 13, 32), layer_type="MaxPooling2D", kernel_size=2, strides=2
            ),
            (13, 13, 1),
            "pool_channels",
        ),
    ],
)
def test_shape_slips_are_named(question, answer, slip):
    for lang in ("en", "es"):
        feedback = check_answer(question, answer, lang=lang)
        assert not feedback.correct
        hint = t(
            f"quiz.hint.{slip}",
            lang=lang,
            s=question.strides,
            d=question.dilation_rate,
            c=question.input_shape[2],
            filters=question.filters,
        )
        assert feedback.hint == hint
    assert check_answer(question, "x".join(map(str, question.expected))).correct


def test_shape_formula_is_worked_with_the_numbers():
    q = shape_question((5, 7, 1), (3, 4, 4), filters=4, kernel_size=3, strides=2, padding=1)
    feedback = check_answer(q, "3 × 4 × 4", lang="en")
    assert feedback.correct and feedback.expected == "3 × 4 × 4"
    assert feedback.formula == (
        t("quiz.formula.cells", lang="en", p=1, total=2),
        t("quiz.formula.rows", lang="en", formula="⌊(5 − 3 + 2 + 2) / 2⌋ = 3"),
        t("quiz.formula.cols", lang="en", formula="⌊(7 − 3 + 2 + 2) / 2⌋ = 4"),
        t("quiz.formula.channels_conv", lang="en", filters=4),
    )


def cell_question(**fields) -> Question:
    # The course's 5x7 matrix and kernel 1..9 with alternating signs: output (0, 0) is 6.
    image = (
        (0, 5, 0, 1, 0, 0, 3),
        (1, 6, 0, 0, 2, 0, 0),
        (2, 7, 0, 0, 0, 0, 3),
        (3, 0, 0, 0, 1, 0, 2),
        (4, 0, 0, 0, 0, 5, 0),
    )
    kernel = ((1, -2, 3), (4, -5, 6), (-7, 8, -9))
    base = Question(
        seed=0,
        index=0,
        kind="cell",
        layer_type="Conv2D",
        input_shape=(5, 7, 1),
        filters=1,
        kernel_size=3,
        strides=1,
        padding="valid",
        dilation_rate=1,
        use_bias=False,
        expected=6.0,
        image=image,
        kernel=kernel,
        bias=0,
        activation=None,
        cell=(0, 0),
    )
    return replace(base, **fields)


def test_cell_feedback_shows_the_window_and_the_sum():
    q = cell_question()
    feedback = check_answer(q, "6", lang="en")
    assert feedback.correct and feedback.expected == "6"
    assert feedback.formula[0] == t(
        "quiz.formula.window", lang="en", row=0, col=0, r0=0, r1=2, c0=0, c1=2
    )
    assert (
        feedback.formula[1] == "0·1 + 5·(−2) + 0·3 + 1·4 + 6·(−5) + 0·6 + 2·(−7) + 7·8 + 0·(−9) = 6"
    )


def test_cell_slips_are_named():
    with_bias = cell_question(bias=2, use_bias=True, expected=8.0)
    assert check_answer(with_bias, "6", lang="es").hint == t(
        "quiz.hint.cell_bias", lang="es", bias="2"
    )
    # The kernel turned 180°: 0·(−9) + 5·8 + 0·(−7) + 1·6 + 6·(−5) + 0·4 + 2·3 + 7·(−2) + 0·1 = 8.
    flipped = check_answer(cell_question(), "8", lang="en")
    assert flipped.hint == t("quiz.hint.flipped", lang="en")
    negative = cell_question(bias=-10, use_bias=True, activation="relu", expected=0.0)
    assert check_answer(negative, "−4", lang="en").hint == t("quiz.hint.relu", lang="en")
    assert check_answer(negative, "0").correct
    other = check_answer(cell_question(), "99", lang="en")
    assert other.hint == t("quiz.hint.window", lang="en", s=1)


def test_swapped_cell_is_named():
    q = cell_question(cell=(0, 2), expected=None)
    out = conv2d_trace(q.image_array, q.kernel_array).output
    q = replace(q, expected=float(out[0, 2]))
    assert out[2, 0] != out[0, 2]
    assert check_answer(q, float(out[2, 0]), lang="en").hint == t(
        "quiz.hint.cell_rows_first", lang="en"
    )


def test_answers_of_the_wrong_form_raise_for_each_kind():
    with pytest.raises(InputError):
        check_answer(conv_question(), "seven hundred")
    with pytest.raises(InputError):
        check_answer(shape_question((8, 8, 1), (6, 6, 10)), "6x6")
    with pytest.raises(InputError):
        check_answer(cell_question(), "six")
