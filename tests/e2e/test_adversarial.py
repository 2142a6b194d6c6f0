"""The adversarial-examples page in a real browser: the ε slider changes the prediction."""

import re

from playwright.sync_api import expect

from cnnviz.i18n import catalog, t
from tests.e2e.helpers import no_exception, open_app

MODEL_LOAD_MS = 90_000  # the first visit starts TensorFlow and loads the network


def headline(page) -> str:
    """The prediction before → after, as the page writes it."""
    prefix = t("adv.before_after", lang="en", before="", after="").split(":")[0]
    locator = page.get_by_role("heading", name=re.compile(f"^{re.escape(prefix)}"))
    expect(locator).to_be_visible(timeout=MODEL_LOAD_MS)
    return locator.inner_text()


def test_the_epsilon_slider_changes_the_prediction(page, app_url, screenshot):
    open_app(page, f"{app_url}/adversarial?lang=en&digit_index=0&adv_eps=0")
    before = headline(page)
    expect(page.get_by_text(t("adv.unchanged", lang="en"))).to_be_visible()
    slider = page.get_by_role("slider").first  # ε: FGSM has no other slider
    slider.focus()
    page.keyboard.press("End")  # ε = 0.3: plenty for a digit
    expect(page.get_by_text(t("adv.changed", lang="en"))).to_be_visible(timeout=30_000)
    after = headline(page)
    assert after != before
    # The answer before the attack stays; the one after it is another digit.
    assert before.split("→")[0] == after.split("→")[0]
    assert "0.3 (76.5/255)" in page.locator("[data-testid='stMain']").inner_text()
    no_exception(page)
    screenshot("adversarial-en-eps-max")


def test_the_spanish_page_has_none_of_its_english_texts(page, app_url, screenshot):
    open_app(page, f"{app_url}/adversarial?lang=es&digit_index=0&adv_eps=0.1")
    expect(page.get_by_text(t("adv.changed", lang="es"))).to_be_visible(timeout=MODEL_LOAD_MS)
    page.locator("[data-testid='stPlotlyChart']").first.wait_for()
    text = page.locator("[data-testid='stMain']").inner_text()
    english, spanish = catalog("en"), catalog("es")
    own = [k for k in english if k.startswith("adv.") and english[k] != spanish[k]]
    # The fixed part of each English text (before its first field) must not show.
    leaks = [k for k in own if len(part := english[k].split("{")[0].strip()) > 5 and part in text]
    assert not leaks, leaks
    assert "Antes:" in text and "Perturbación" in text
    no_exception(page)
    screenshot("adversarial-es")
