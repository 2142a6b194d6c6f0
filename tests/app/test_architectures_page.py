"""The shapes and architectures page through AppTest, in both languages."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.content import quiz
from cnnviz.content.gallery import ARCHITECTURES, course_mnist
from cnnviz.core.architectures import summarize
from cnnviz.core.builder_rows import spec_to_rows
from cnnviz.core.shorthand import parse_shorthand
from cnnviz.i18n import InputError, format_count, t
from tests.app import helpers

PAGE = "app_pages/architectures/page.py"
LANGS = ["es", "en"]


def open_page(lang: str = "en", **params: str) -> AppTest:
    return helpers.open_page(PAGE, lang, **params)


def metric(at: AppTest, key: str, lang: str) -> str:
    label = t(key, lang=lang)
    return next(m.value for m in at.metric if m.label == label)


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def no_errors(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("view", ["calculator", "builder", "gallery", "quiz"])
def test_every_view_runs_in_both_languages(lang, view):
    at = open_page(lang, arch_view=view, quiz_seed="7")
    no_errors(at)
    assert at.title[0].value == t("arch.title", lang=lang)
    at.run()  # a second run keeps working
    no_errors(at)


# --- one layer ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_calculator_opens_on_the_study_guide_layer(lang):
    # 16x16x3, 10 filters of 5x5, 2 cells of padding: 16x16x10 and 10·(5·5·3 + 1) = 760.
    at = open_page(lang)
    no_errors(at)
    assert metric(at, "arch.calc.output", lang) == "16 × 16 × 10"
    assert metric(at, "arch.calc.params", lang) == "760"
    assert metric(at, "arch.calc.macs", lang) == format_count(192_000, lang)
    text = markdown(at)
    assert t("arch.calc.line.params", lang=lang, formula="(5·5·3 + 1)·10 = 760") in text
    assert t("arch.calc.line.rows", lang=lang, formula="⌊(16 − 5 + 4 + 1) / 1⌋ = 16") in text
    slip = t("arch.calc.slip", lang=lang, k=5, c=3, right=75, wrong=25)
    assert slip in [i.value for i in at.info]


def test_calculator_reproduces_the_textbook_5x7_example_from_a_link():
    at = open_page(
        "es",
        arch_calc_h="5",
        arch_calc_w="7",
        arch_calc_c="1",
        arch_calc_k="3",
        arch_calc_s="2",
        arch_calc_pad_cells="1",
        arch_calc_filters="1",
    )
    no_errors(at)
    assert metric(at, "arch.calc.output", "es") == "3 × 4 × 1"
    text = markdown(at)
    assert "⌊(5 − 3 + 2 + 2) / 2⌋ = 3" in text and "⌊(7 − 3 + 2 + 2) / 2⌋ = 4" in text


def test_calculator_pooling_and_transposed_convolution():
    at = open_page("en")
    at.segmented_control(key="arch_calc_type").set_value("MaxPooling2D")
    at.number_input(key="arch_calc_k").set_value(2)
    at.number_input(key="arch_calc_s").set_value(2)
    at.selectbox(key="arch_calc_pad").set_value("valid").run()
    no_errors(at)
    assert metric(at, "arch.calc.output", "en") == "8 × 8 × 3"
    assert metric(at, "arch.calc.params", "en") == "0"
    at.segmented_control(key="arch_calc_type").set_value("Conv2DTranspose").run()
    no_errors(at)
    assert metric(at, "arch.calc.output", "en") == "32 × 32 × 10"  # 16·2 + max(2 − 2, 0)
    assert "16·2 + max(2 − 2, 0) = 32" in markdown(at)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    ("settings", "key"),
    [
        ({"arch_calc_s": 0}, "error.stride_below_one"),
        ({"arch_calc_k": 30, "arch_calc_pad_cells": 0}, "error.output_empty"),
        ({"arch_calc_d": 0}, "error.below_one"),
    ],
)
def test_invalid_settings_show_a_translated_error_not_a_traceback(lang, settings, key):
    at = open_page(lang)
    for widget, value in settings.items():
        at.number_input(key=widget).set_value(value)
    at.run()
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert "{" not in message and "error." not in message
    assert message != t(key, lang=lang)  # filled in with the values
    assert metric_missing(at, lang)


def metric_missing(at: AppTest, lang: str) -> bool:
    return all(m.label != t("arch.calc.output", lang=lang) for m in at.metric)


def test_pooling_has_no_full_padding():
    at = open_page("en")
    at.segmented_control(key="arch_calc_type").set_value("MaxPooling2D")
    at.selectbox(key="arch_calc_pad").set_value("full").run()
    assert not at.exception
    assert at.error[0].value == str(InputError("error.unknown_pool_padding", value="'full'"))


# --- the stack builder -------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_builder_opens_on_the_textbook_mnist_model(lang):
    at = open_page(lang, arch_view="builder")
    no_errors(at)
    assert metric(at, "arch.total.params", lang) == format_count(93_962, lang)
    table = next(d.value for d in at.dataframe if "shape" in d.value.columns)  # not the editor
    # The rows are the course's model (cnnviz.content.gallery.course_mnist), with its names.
    assert list(table["name"]) == [
        "conv1",
        "pool1",
        "conv2",
        "pool2",
        "conv3",
        "pool3",
        "flatten",
        "output",
    ]
    assert list(table["shape"]) == [
        "26 × 26 × 32",
        "13 × 13 × 32",
        "11 × 11 × 64",
        "5 × 5 × 64",
        "3 × 3 × 128",
        "1 × 1 × 128",
        "128",
        "10",
    ]
    assert list(table["params"])[:3] == ["320", "0", format_count(18_496, lang)]
    assert t("arch.build.as_shorthand", lang=lang, shorthand="(CRP)3F") in markdown(at)


@pytest.mark.parametrize("lang", LANGS)
def test_course_shorthand_round_trip(lang):
    at = open_page(lang, arch_view="builder")
    at.number_input(key="arch_in_h").set_value(32)
    at.number_input(key="arch_in_w").set_value(32)
    at.number_input(key="arch_in_c").set_value(3)
    at.text_input(key="arch_sh").set_value("(CR)2P(CR)2P(CR)2PF")
    at.button(key="arch_sh_build").click().run()
    no_errors(at)
    rows = at.session_state["arch_rows"]
    assert [row["type"] for row in rows][:5] == [
        "Conv2D",
        "Activation",
        "Conv2D",
        "Activation",
        "MaxPooling2D",
    ]
    assert len(rows) == 17
    # ...and written back: the same shorthand, from the table.
    assert "`(CR)2P(CR)2P(CR)2PF`" in markdown(at)
    expected = summarize(parse_shorthand("(CR)2P(CR)2P(CR)2PF"), (32, 32, 3)).params
    assert metric(at, "arch.total.params", lang) == format_count(expected, lang)


def test_a_bad_shorthand_and_a_collapsing_stack_are_explained():
    at = open_page("en", arch_view="builder")
    at.text_input(key="arch_sh").set_value("(CR").run()
    assert not at.exception
    assert at.error[0].value == str(InputError("error.arch_shorthand", text="(CR", position=3))
    at.text_input(key="arch_sh").set_value("(CP)6F")
    at.selectbox(key="arch_sh_padding").set_value("valid").run()
    assert not at.exception
    # 28 → 26 → 13 → 11 → 5 → 3 → 1 → a 3x3 convolution cannot fit: the core names the layer.
    assert len(at.error) == 1
    message = at.error[0].value
    assert "conv4" in message and t("error.output_empty", lang="en").split(":")[0] in message


# The links: each used to expand without limit (gigabytes from twenty characters,
# half a minute of a core) or raise OverflowError. Counted first, each is refused.
HOSTILE_SHORTHANDS = {
    "(CR)99999999P": InputError(
        "error.shorthand_too_many_layers", text="(CR)99999999P", count=199_999_999, limit=512
    ),
    "((((((((((C)9)9)9)9)9)9)9)9)9)9": InputError("error.shorthand_too_deep", limit=8),
    "(CR)2000P": InputError(
        "error.shorthand_too_many_layers", text="(CR)2000P", count=4001, limit=512
    ),
    "C999999999999999999999": InputError(
        "error.shorthand_repeat", count="999999999999…", limit=512
    ),
}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("text", list(HOSTILE_SHORTHANDS))
def test_a_hostile_shorthand_link_is_refused_and_the_course_model_stays(lang, text):
    at = open_page(lang, arch_view="builder", arch_sh=text)
    assert not at.exception
    message = HOSTILE_SHORTHANDS[text].message(lang)
    assert [e.value for e in at.error] == [message]
    assert "{" not in message and "error." not in message
    # Nothing lost: the link's text stays in its box, the table is the course's model.
    assert at.text_input(key="arch_sh").value == text
    assert at.session_state["arch_rows"] == spec_to_rows(course_mnist())
    assert metric(at, "arch.total.params", lang) == format_count(93_962, lang)


@pytest.mark.parametrize("lang", LANGS)
def test_a_hostile_shorthand_typed_keeps_the_previous_table(lang):
    at = open_page(lang, arch_view="builder")
    at.text_input(key="arch_sh").set_value("(CR)2P(CR)2PF").run()
    built = at.session_state["arch_rows"]
    assert len(built) == 12  # 11 letters and the Flatten
    for text, err in HOSTILE_SHORTHANDS.items():
        at.text_input(key="arch_sh").set_value(text).run()
        assert not at.exception
        assert [e.value for e in at.error] == [err.message(lang)]
        assert at.session_state["arch_rows"] == built
        assert "`(CR)2P(CR)2PF`" in markdown(at)  # the table, written back, is the old one
    # A readable shorthand builds its table, and the message goes.
    at.text_input(key="arch_sh").set_value("C3F").run()
    no_errors(at)
    assert [row["type"] for row in at.session_state["arch_rows"]] == [
        "Conv2D",
        "Conv2D",
        "Conv2D",
        "Flatten",
        "Dense",
    ]


def test_loading_a_classic_clears_a_refused_shorthand():
    at = open_page("es", arch_view="builder", arch_sh="(CR)2000P")
    assert len(at.error) == 1
    at.selectbox(key="arch_start").set_value("vgg16")
    at.button(key="arch_start_load").click().run()
    no_errors(at)
    assert len(at.session_state["arch_rows"]) == len(ARCHITECTURES["vgg16"].spec())


def test_loading_a_classic_sets_its_input():
    at = open_page("es", arch_view="builder")
    at.selectbox(key="arch_start").set_value("alexnet")
    at.button(key="arch_start_load").click().run()
    no_errors(at)
    assert at.number_input(key="arch_in_h").value == 227
    assert metric(at, "arch.total.params", "es") == "62,4\u00a0M"


# --- the gallery ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_gallery_renders_every_architecture(name):
    lang = "es" if name in ("lenet5", "resnet34", "small_unet") else "en"
    at = open_page(lang, arch_view="gallery", arch_model=name)
    no_errors(at)
    a = ARCHITECTURES[name]
    assert at.subheader[0].value == t(a.title_key, lang=lang)
    assert at.info[0].value == t(a.note_key, lang=lang)
    charts = [c for c in at.get("plotly_chart")]
    assert len(charts) == 4
    summary = summarize(a.spec(), a.input_shape)
    exact = next(c.value for c in at.caption if format_count(a.params, lang) in c.value)
    for number in (a.trainable_params, summary.macs, summary.activation_memory):
        assert format_count(number, lang) in exact


def test_gallery_ungrouped_resnet34():
    at = open_page("en", arch_view="gallery", arch_model="resnet34")
    at.toggle(key="arch_gallery_grouped").set_value(False).run()
    no_errors(at)


# --- the quiz -------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_same_seed_same_questions_for_everyone(lang):
    first = open_page(lang, quiz_seed="4217")
    second = open_page(lang, quiz_seed="4217")
    expected = quiz.make_question(4217, 0).text(lang)
    for at in (first, second):
        no_errors(at)
        assert expected in markdown(at)
        assert at.query_params["quiz_seed"] == "4217"
    other = open_page(lang, quiz_seed="4218")
    assert quiz.make_question(4218, 0).text(lang) in markdown(other)


def test_without_a_seed_one_is_written_to_the_url():
    at = open_page("en", arch_view="quiz")
    seed = at.query_params["quiz_seed"]
    assert quiz.read_seed(seed) is not None
    assert quiz.make_question(int(seed), 0).text("en") in markdown(at)
    code = [c.value for c in at.code]
    assert any(f"quiz_seed={seed}" in c for c in code)


def answer(at: AppTest, seed: int, number: int, kind: str, text: str) -> None:
    at.text_input(key=f"quiz_answer_{seed}-{number}-{kind}").set_value(text)
    at.button(key="quiz_check").click().run()


def right_answer(q: quiz.Question) -> str:
    if q.kind == "shape":
        return " x ".join(map(str, q.expected))
    return str(int(q.expected))


@pytest.mark.parametrize("lang", LANGS)
def test_a_right_answer_scores(lang):
    at = open_page(lang, quiz_seed="123")
    assert metric(at, "quiz.score", lang) == "0 / 0"
    answer(at, 123, 1, "mixed", right_answer(quiz.make_question(123, 0)))
    no_errors(at)
    assert metric(at, "quiz.score", lang) == "1 / 1"
    assert len(at.success) == 1 and at.code[0].value  # the worked formula is shown too
    at.button(key="quiz_next").click().run()
    assert quiz.make_question(123, 1).text(lang) in markdown(at)
    assert metric(at, "quiz.score", lang) == "1 / 1"


@pytest.mark.parametrize("lang", LANGS)
def test_a_wrong_answer_shows_the_worked_formula(lang):
    at = open_page(lang, quiz_seed="5", quiz_kind="params")
    q = quiz.make_question(5, 0, "params")
    answer(at, 5, 1, "params", str(q.expected + 1))
    assert not at.exception
    assert metric(at, "quiz.score", lang) == "0 / 1"
    feedback = quiz.check_answer(q, q.expected + 1, lang=lang)
    assert at.error[0].value == t(
        "quiz.wrong", lang=lang, answer=feedback.answer, expected=feedback.expected
    )
    assert at.code[0].value == "\n".join(feedback.formula)
    assert f"= {q.expected}" in at.code[0].value
    # Answering again does not change the score: the first answer counts.
    answer(at, 5, 1, "params", str(q.expected))
    assert metric(at, "quiz.score", lang) == "0 / 1"


def test_a_classic_slip_gets_its_hint():
    at = open_page("es", quiz_seed="1", quiz_kind="params")
    q = quiz.make_question(1, 0, "params")
    k, c, f = q.kernel_size, q.input_shape[2], q.filters
    assert c > 1 and q.use_bias
    answer(at, 1, 1, "params", str(k * k * f + f))  # the 5·5 (not 5·5·3) slip
    hint = t("quiz.hint.channels", lang="es", k=k, c=c, filters=f)
    assert hint in [i.value for i in at.info]


def test_a_bad_answer_is_explained_and_not_counted():
    at = open_page("en", quiz_seed="9", quiz_kind="shape")
    answer(at, 9, 1, "shape", "thirteen")
    assert not at.exception
    assert at.warning[0].value == str(InputError("quiz.error_shape", value="thirteen"))
    assert metric(at, "quiz.score", "en") == "0 / 0"


def test_new_quiz_changes_the_seed_and_resets_the_score():
    at = open_page("en", quiz_seed="123")
    answer(at, 123, 1, "mixed", right_answer(quiz.make_question(123, 0)))
    at.button(key="quiz_new").click().run()
    no_errors(at)
    seed = int(at.query_params["quiz_seed"])
    assert at.session_state["quiz_seed"] == seed
    assert metric(at, "quiz.score", "en") == "0 / 0"
    assert quiz.make_question(seed, 0).text("en") in markdown(at)
