"""Links with hostile numbers, as a person opens them in Chromium: the page, a notice, no traceback.

Before the fix, ``inf`` or ``1e400`` in an integer parameter raised inside
Streamlit's ``number_input`` and replaced the whole page with a traceback.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from cnnviz.i18n import t
from cnnviz.nets.training import DEMO_SETTINGS

from .helpers import no_exception, open_app

pytestmark = pytest.mark.e2e


def notice(page, param: str):
    """The warning that names ``param`` (Streamlit's alerts carry ``stAlert``)."""
    return page.locator("[data-testid='stAlert']").filter(has_text=f"{param}")


def open_link(page, url: str, title_key: str, lang: str) -> None:
    """Open a hostile link: the page's title is there and no traceback is."""
    open_app(page, url)
    expect(page.get_by_role("heading", name=t(title_key, lang=lang))).to_be_visible()
    no_exception(page)


def test_infinite_stride_and_dilation_open_the_convolution_page(page, app_url, screenshot):
    url = f"{app_url}/convolution?lang=es&conv_stride_rows=inf&conv_dilation_cols=1e400"
    open_link(page, url, "conv.title", "es")
    stride = notice(page, "conv_stride_rows")
    expect(stride).to_be_visible()
    expect(stride).to_contain_text("El enlace da a")
    expect(stride).to_contain_text("inf")
    expect(stride).to_contain_text("Se usa 1 en su lugar")
    expect(notice(page, "conv_dilation_cols")).to_contain_text("1e400")
    # The widgets start from their defaults, and the URL no longer carries the bad values.
    expect(page).not_to_have_url(re.compile(r"conv_stride_rows|conv_dilation_cols"))
    screenshot("hostile-convolution-es")


def test_too_many_epochs_are_clamped_on_the_training_page(page, app_url, screenshot):
    open_link(
        page, f"{app_url}/training?lang=en&train_epochs=1e20&train_lr=nan", "train.title", "en"
    )
    epochs = notice(page, "train_epochs")
    expect(epochs).to_be_visible()
    expect(epochs).to_contain_text("1e20")
    expect(epochs).to_contain_text("a whole number from 1 to")
    default_lr = f"Using {DEMO_SETTINGS.learning_rate:g} instead"  # the page's default
    expect(notice(page, "train_lr")).to_contain_text(default_lr)
    expect(page).to_have_url(re.compile(r"train_epochs=\d+(&|$)"))
    screenshot("hostile-training-en")


def test_a_superscript_quiz_seed_and_question_start_a_fresh_quiz(page, app_url, screenshot):
    url = f"{app_url}/architectures?lang=en&quiz_seed=%C2%B2&quiz_q=%D9%A3"
    open_link(page, url, "arch.title", "en")
    expect(notice(page, "quiz_q")).to_contain_text("٣")
    expect(page).to_have_url(re.compile(r"quiz_seed=\d+"))
    screenshot("hostile-quiz-en")
