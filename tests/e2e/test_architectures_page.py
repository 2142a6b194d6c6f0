"""The shapes and architectures page in Chromium: a shared quiz link, an answer, its feedback."""

import pytest
from playwright.sync_api import expect

from cnnviz.content import quiz
from cnnviz.i18n import t

from .helpers import no_exception, open_app

pytestmark = pytest.mark.e2e

SEED = 4217


@pytest.mark.parametrize("lang", ["es", "en"])
def test_a_quiz_link_asks_the_same_question_and_answers_it(page, app_url, screenshot, lang):
    open_app(page, f"{app_url}/architectures?lang={lang}&quiz_seed={SEED}&quiz_kind=params")
    title = page.get_by_role("heading", name=t("arch.title", lang=lang), exact=True)
    expect(title).to_be_visible(timeout=20_000)
    question = quiz.make_question(SEED, 0, "params")
    expect(page.get_by_text(question.text(lang), exact=True)).to_be_visible(timeout=20_000)
    # A wrong answer first: the classic slip of 5·5 instead of 5·5·3 weights per filter.
    k, f = question.kernel_size, question.filters
    assert question.input_shape[2] > 1  # this question has several input channels
    slip = k * k * f + f
    box = page.get_by_label(t("quiz.answer.params", lang=lang))
    box.fill(str(slip))
    box.press("Enter")
    feedback = quiz.check_answer(question, slip, lang=lang)
    error = page.locator("[data-testid='stAlertContentError']")
    # contain, not have: the alert's Material icon is text too ("close").
    expect(error).to_contain_text(
        t("quiz.wrong", lang=lang, answer=feedback.answer, expected=feedback.expected),
        timeout=10_000,
    )
    if feedback.hint:
        expect(page.get_by_text(feedback.hint, exact=True)).to_be_visible(timeout=10_000)
    code = page.locator("[data-testid='stCode']").first
    expect(code).to_contain_text(feedback.formula[-1], timeout=10_000)
    score = page.locator("[data-testid='stMetricValue']").first
    expect(score).to_have_text("0 / 1", timeout=10_000)
    no_exception(page)
    screenshot(f"architectures-quiz-{lang}")
    # The next question, answered right.
    page.get_by_role("button", name=t("quiz.next", lang=lang)).click()
    second = quiz.make_question(SEED, 1, "params")
    expect(page.get_by_text(second.text(lang), exact=True)).to_be_visible(timeout=10_000)
    box = page.get_by_label(t("quiz.answer.params", lang=lang))
    # The first question's box (a widget of another key) is gone once the rerun ends.
    expect(box).to_have_count(1, timeout=10_000)
    expect(box).to_have_value("")
    box.fill(str(second.expected))
    page.get_by_role("button", name=t("quiz.check", lang=lang)).click()
    expected = quiz.check_answer(second, second.expected, lang=lang).expected
    expect(page.locator("[data-testid='stAlertContentSuccess']")).to_contain_text(
        t("quiz.right", lang=lang, expected=expected), timeout=10_000
    )
    expect(score).to_have_text("1 / 2", timeout=10_000)
    no_exception(page)


def test_the_calculator_and_the_gallery_render(page, app_url, screenshot):
    open_app(page, f"{app_url}/architectures?lang=en")
    expect(page.get_by_text("(5·5·3 + 1)·10 = 760", exact=False).first).to_be_visible(
        timeout=20_000
    )
    no_exception(page)
    screenshot("architectures-calculator-en")
    open_app(page, f"{app_url}/architectures?lang=es&arch_view=gallery&arch_model=resnet34")
    expect(page.get_by_role("heading", name="ResNet-34", exact=True)).to_be_visible(timeout=20_000)
    # The diagram, the shares, the receptive field and the cost per box.
    expect(page.locator("[data-testid='stPlotlyChart']")).to_have_count(4, timeout=20_000)
    expect(page.locator(".main-svg").first).to_be_visible()
    no_exception(page)
    screenshot("architectures-gallery-resnet34-es")
