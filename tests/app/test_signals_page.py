"""The 1-D signals page through AppTest: widgets driven by key, results checked against the core."""

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.core.conv import conv1d
from cnnviz.core.signals import COURSE_SIGNAL, format_numbers, generate_signal, parse_numbers
from cnnviz.core.trace import conv1d_trace
from cnnviz.i18n import InputError, format_count, t
from tests.app import helpers

COURSE_VALID = [8, -16, 11, 1]
COURSE_SAME = [0, 8, -16, 11, 1, -4]
COURSE_FULL = [-1, 0, 8, -16, 11, 1, -4, 1]


def open_page(lang: str = "en", **params: str) -> AppTest:
    return helpers.open_page("app_pages/signals.py", lang, **params)


def outputs(at: AppTest) -> dict[str, np.ndarray | None]:
    return {r.padding: r.output for r in at.session_state["sig_results"]}


def signal(at: AppTest) -> np.ndarray:
    return at.session_state["sig_last_signal"]


def kernel(at: AppTest) -> np.ndarray:
    return at.session_state["sig_last_kernel"]


def shown_numbers(at: AppTest) -> list[str]:
    """The rows of numbers written on the page (signal, kernel, then valid, same, full)."""
    return [m.value.rsplit(">", 2)[-2].split("<")[0] for m in at.markdown if "<div" in m.value]


def type_kernel(at: AppTest, text: str) -> AppTest:
    at.selectbox(key="sig_kernel").set_value("custom").run()
    at.text_input(key="sig_custom").input(text).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("lang", ["es", "en"])
def test_page_runs_in_both_languages(lang):
    at = open_page(lang)
    assert at.title[0].value == t("signal.title", lang=lang)
    assert not at.error and not at.warning
    # A rerun formats the choices again, in the page's language.
    at.run()
    assert not at.exception


@pytest.mark.parametrize("lang", ["es", "en"])
def test_default_is_the_course_table(lang):
    at = open_page(lang)
    np.testing.assert_array_equal(signal(at), COURSE_SIGNAL)
    np.testing.assert_array_equal(kernel(at), [-1, 2, -1])
    results = outputs(at)
    np.testing.assert_array_equal(results["valid"], COURSE_VALID)
    np.testing.assert_array_equal(results["same"], COURSE_SAME)
    np.testing.assert_array_equal(results["full"], COURSE_FULL)
    # What a student reads: the three rows of numbers and their lengths written out.
    assert shown_numbers(at) == [
        "[1, 2, −5, 4, 2, −1]",
        "[−1, 2, −1]",
        "[8, −16, 11, 1]",
        "[0, 8, −16, 11, 1, −4]",
        "[−1, 0, 8, −16, 11, 1, −4, 1]",
    ]
    lines = [m.value for m in at.markdown]
    for count, formula in [
        (4, "⌊(6 − 3 + 0 + 1) / 1⌋ = 4"),
        (6, "⌊(6 − 3 + 2 + 1) / 1⌋ = 6"),
        (8, "⌊(6 − 3 + 4 + 1) / 1⌋ = 8"),
    ]:
        assert t("signal.length_line", lang=lang, count=count, formula=formula) in lines


def test_typed_signal_and_kernel():
    at = open_page()
    at.selectbox(key="sig_source").set_value("typed").run()
    at.text_input(key="sig_text").input("1 2 3").run()
    type_kernel(at, "1, 1")
    np.testing.assert_array_equal(signal(at), [1, 2, 3])
    np.testing.assert_array_equal(kernel(at), [1, 1])
    results = outputs(at)
    np.testing.assert_array_equal(results["valid"], [3, 5])
    np.testing.assert_array_equal(results["same"], [3, 5, 3])  # TensorFlow: the extra 0 after
    np.testing.assert_array_equal(results["full"], [1, 3, 5, 3])
    assert shown_numbers(at)[2:] == ["[3, 5]", "[3, 5, 3]", "[1, 3, 5, 3]"]
    # An even kernel: the page says where np.convolve's "same" differs.
    assert t("signal.numpy_same", lang="en") in [c.value for c in at.caption]


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("text", ["1, x", "1, nan", "1,,2", ""])
def test_a_bad_kernel_shows_a_translated_message_and_keeps_the_last_result(lang, text):
    at = open_page(lang)
    type_kernel(at, "1, 1")
    before = outputs(at)
    at.text_input(key="sig_custom").input(text).run()
    assert not at.exception
    with pytest.raises(InputError) as info:
        parse_numbers(text, name="kernel")
    assert [e.value for e in at.error] == [info.value.message(lang)]
    assert t("signal.showing_last_valid", lang=lang) in [c.value for c in at.caption]
    np.testing.assert_array_equal(kernel(at), [1, 1])
    for padding, output in outputs(at).items():
        np.testing.assert_array_equal(output, before[padding])
    # The text is kept for the student to fix, and fixing it applies it.
    assert at.text_input(key="sig_custom").value == text
    at.text_input(key="sig_custom").input("2, 2").run()
    assert not at.error
    np.testing.assert_array_equal(outputs(at)["valid"], 2 * np.asarray(before["valid"]))


def test_a_bad_typed_signal_keeps_the_last_signal():
    at = open_page("es")
    at.selectbox(key="sig_source").set_value("typed").run()
    at.text_input(key="sig_text").input("1; 2,5; dos").run()
    assert not at.exception
    assert at.error[0].value.startswith("El valor 3 que hay en la señal, «dos»")
    np.testing.assert_array_equal(signal(at), COURSE_SIGNAL)
    np.testing.assert_array_equal(outputs(at)["valid"], COURSE_VALID)


def test_a_broken_link_still_opens_a_working_page():
    at = open_page(sig_kernel="custom", sig_custom="1, x")
    assert at.error
    np.testing.assert_array_equal(outputs(at)["valid"], COURSE_VALID)


def test_moving_average_of_n():
    at = open_page()
    at.selectbox(key="sig_kernel").set_value("moving_average").run()
    assert at.number_input(key="sig_n").value == 3
    # (1 + 2 - 5) / 3, (2 - 5 + 4) / 3, (-5 + 4 + 2) / 3, (4 + 2 - 1) / 3
    np.testing.assert_allclose(outputs(at)["valid"], [-2 / 3, 1 / 3, 1 / 3, 5 / 3])
    at.number_input(key="sig_n").set_value(2).run()
    np.testing.assert_allclose(outputs(at)["valid"], [1.5, -1.5, -0.5, 3, 0.5])
    assert shown_numbers(at)[1] == "[0.5, 0.5]"


def test_a_kernel_longer_than_the_signal_is_explained_for_valid():
    at = open_page(sig_kernel="moving_average", sig_n="10")
    assert not at.exception and not at.error
    results = outputs(at)
    assert results["valid"] is None
    assert len(results["same"]) == 6 and len(results["full"]) == 15
    warnings = [w.value for w in at.warning]
    assert any("Output would be empty: input 6, kernel 10" in w for w in warnings)
    # The animation of "valid" says why there is none and what to choose instead.
    assert any(w.endswith("Choose same or full to see the window slide.") for w in warnings)
    at.segmented_control(key="sig_pad").set_value("full").run()
    assert not at.exception
    assert len(at.warning) == 1
    assert at.code[0].value.endswith("= 0.1")  # position 0: only the first sample, times 0.1


def test_a_stride_larger_than_the_signal_gives_one_value():
    at = open_page()
    at.number_input(key="sig_stride").set_value(8).run()
    assert not at.exception and not at.error
    results = outputs(at)
    assert [len(r) for r in results.values()] == [1, 1, 1]
    np.testing.assert_array_equal(results["valid"], [8])


def test_flip_changes_the_result_of_an_asymmetric_kernel():
    at = open_page()
    type_kernel(at, "1, 0, -1")
    correlation = outputs(at)["valid"]
    np.testing.assert_array_equal(correlation, [6, -2, -7, 5])
    assert at.info, "the page says the two operations differ here, and shows both"
    assert "[6, −2, −7, 5]" in at.info[0].value and "[−6, 2, 7, −5]" in at.info[0].value
    at.toggle(key="sig_flip").set_value(True).run()
    convolution = outputs(at)["valid"]
    np.testing.assert_array_equal(convolution, np.convolve(COURSE_SIGNAL, [1, 0, -1], "valid"))
    assert not np.array_equal(correlation, convolution)
    assert t("signal.flip_on", lang="en") in [c.value for c in at.caption]


def test_flip_changes_nothing_for_the_course_kernel():
    at = open_page(sig_flip="true")
    np.testing.assert_array_equal(outputs(at)["valid"], COURSE_VALID)
    assert t("signal.flip_symmetric", lang="en") in [c.value for c in at.caption]


@pytest.mark.parametrize(
    ("kind", "length"), [("noisy_sine", 300), ("steps", 37), ("eeg_like", 1000)]
)
def test_generated_signals_have_the_requested_length(kind, length):
    at = open_page()
    at.selectbox(key="sig_source").set_value(kind).run()
    at.number_input(key="sig_length").set_value(length).run()
    at.number_input(key="sig_seed").set_value(4).run()
    assert not at.exception and not at.error
    expected = generate_signal(kind, length=length, seed=4)
    np.testing.assert_array_equal(signal(at), expected)
    results = outputs(at)
    assert len(results["same"]) == length
    np.testing.assert_array_equal(results["valid"], conv1d(expected, [-1, 2, -1]))
    # Long results are drawn, each labelled with its length.
    chart = at.get("plotly_chart")
    assert any(f"same: {format_count(length, 'en')} values" in c.proto.spec for c in chart)


def test_a_generated_signal_starts_from_its_own_length():
    at = open_page()
    at.selectbox(key="sig_source").set_value("eeg_like").run()
    assert at.number_input(key="sig_length").value == 500
    at.selectbox(key="sig_source").set_value("noisy_sine").run()
    assert at.number_input(key="sig_length").value == 200
    assert len(signal(at)) == 200


def test_the_course_eeg_demo():
    at = open_page("es")
    at.button(key="sig_demo_eeg").click().run()
    assert not at.exception and not at.error
    eeg = generate_signal("eeg_like")
    np.testing.assert_array_equal(signal(at), eeg)
    np.testing.assert_allclose(kernel(at), np.full(10, 0.1))
    same = outputs(at)["same"]
    np.testing.assert_allclose(same, conv1d(eeg, np.ones(10) / 10, padding="same"))
    # np.convolve's "same" centres an even kernel one sample earlier.
    np.testing.assert_allclose(np.convolve(eeg, np.ones(10) / 10, "same")[1:], same[:-1])
    assert at.segmented_control(key="sig_pad").value == "same"
    at.button(key="sig_demo_course").click().run()
    np.testing.assert_array_equal(outputs(at)["valid"], COURSE_VALID)


def test_a_link_opens_the_same_demo_in_either_language():
    params = {"sig_source": "typed", "sig_text": "0,5; 1; 2", "sig_kernel": "difference"}
    for lang in ("es", "en"):
        at = open_page(lang, **params)
        np.testing.assert_array_equal(signal(at), [0.5, 1, 2])
        np.testing.assert_array_equal(outputs(at)["valid"], [0.5, 1])
    # Choices go into the URL by name, not by their translated label, which would not
    # match after switching language; the default is left out.
    at = open_page("es")
    at.selectbox(key="sig_kernel").set_value("moving_average").run()
    assert at.query_params["sig_kernel"] == "moving_average"
    at.selectbox(key="sig_kernel").set_value("second_difference").run()
    assert "sig_kernel" not in at.query_params


def test_a_result_copied_from_the_page_pastes_back_as_a_signal():
    at = open_page("es")
    at.selectbox(key="sig_kernel").set_value("moving_average").run()
    copied = format_numbers(outputs(at)["full"], lang="es")
    at.selectbox(key="sig_source").set_value("typed").run()
    at.text_input(key="sig_text").input(copied).run()
    assert not at.error
    assert len(signal(at)) == 8


def test_inspecting_a_position_shows_its_formula():
    at = open_page()
    at.segmented_control(key="sig_pad").set_value("same").run()
    trace = conv1d_trace(COURSE_SIGNAL, [-1, 2, -1], padding="same")
    assert at.code[0].value == trace.step(0).formula("en")  # 0·(−1) + 1·2 + 2·(−1) = 0
    at.button(key="sig_forward").click().run()
    at.button(key="sig_forward").click().run()
    assert at.number_input(key="sig_pos").value == 2
    assert at.code[0].value == "2·(−1) + (−5)·2 + 4·(−1) = −16"
    at.button(key="sig_back").click().run()
    assert at.code[0].value == trace.step(1).formula("en")
    # A shorter output keeps the inspected position inside it.
    at.number_input(key="sig_pos").set_value(5).run()
    at.segmented_control(key="sig_pad").set_value("valid").run()
    assert not at.exception
    assert at.number_input(key="sig_pos").value == 3
    assert at.code[0].value.endswith("= 1")


def test_switching_language_keeps_the_demo():
    at = open_page("en")
    type_kernel(at, "1, 0, -1")
    at.sidebar.selectbox(key="lang").set_value("es").run()
    assert not at.exception
    assert at.title[0].value == t("signal.title", lang="es")
    np.testing.assert_array_equal(outputs(at)["valid"], [6, -2, -7, 5])
