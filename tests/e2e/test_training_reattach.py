"""A training outlives a reload: the link (?run=) brings the page back to it, running or done."""

import re

from playwright.sync_api import expect

from tests.e2e.helpers import no_exception, open_app

PROGRESS = "[data-testid='stProgress']"
EPOCHS = 8  # long enough (tens of seconds) that the reload finds the run still going


def test_reload_reattaches_to_the_running_training_and_shows_its_end(page, app_url, screenshot):
    open_app(page, f"{app_url}/training?lang=en&train_epochs={EPOCHS}")
    page.get_by_role("button", name="Train", exact=True).click()
    progress = page.locator(PROGRESS)
    expect(progress).to_contain_text(
        re.compile(rf"Epoch 1 of {EPOCHS} · batch \d+"), timeout=120_000
    )
    expect(page).to_have_url(re.compile(r"[?&]run=[A-Za-z0-9_-]{22}(&|$)"))
    link = page.url

    page.reload()  # the training goes on in the server meanwhile
    expect(page.get_by_text("Back to your training: it kept running on the server")).to_be_visible(
        timeout=60_000
    )
    expect(progress).to_contain_text(
        re.compile(rf"Epoch \d of {EPOCHS} · batch \d+"), timeout=60_000
    )
    before = progress.inner_text()
    expect(progress).not_to_have_text(before, timeout=60_000)  # live progress continues
    screenshot("training_reattached")
    expect(page.get_by_text(f"Finished: {EPOCHS} of {EPOCHS} epochs.")).to_be_visible(
        timeout=180_000
    )
    expect(page.locator("[data-testid='stMetricLabel']").first).to_contain_text("Test accuracy")
    accuracy = page.locator("[data-testid='stMetricValue']").first.inner_text()
    no_exception(page)

    # The same link in a new tab, in Spanish: the finished run with its results.
    other = page.context.new_page()
    open_app(other, link.replace("lang=en", "lang=es"))
    expect(other.get_by_text("Resultados del entrenamiento de este enlace")).to_be_visible()
    expect(other.get_by_text(f"Terminado: {EPOCHS} de {EPOCHS} épocas.")).to_be_visible()
    shown = other.locator("[data-testid='stMetricValue']").first.inner_text()
    assert re.sub(r"\s", "", shown.replace(",", ".")) == re.sub(r"\s", "", accuracy)
    no_exception(other)


def test_a_link_to_an_unknown_run_says_so(page, app_url):
    open_app(page, f"{app_url}/training?lang=es&run=AAAAAAAAAAAAAAAAAAAAAA")
    expect(page.get_by_text(re.compile("ya no está en el servidor"))).to_be_visible()
    expect(page.get_by_role("button", name="Entrenar", exact=True)).to_be_enabled()
    no_exception(page)
