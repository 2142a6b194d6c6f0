"""The training page in a browser: the quick demo on CIFAR-10, the checkpoint's star, restore."""

import re

from playwright.sync_api import expect

from cnnviz.i18n import t
from tests.e2e.helpers import no_exception, open_app, settle

EPOCHS = 30


def _number(page, label, value):
    box = page.get_by_label(label)
    box.fill(str(value))
    box.press("Enter")
    settle(page)


def test_quick_demo_on_cifar_then_restore_the_checkpoint(page, app_url, screenshot):
    open_app(page, f"{app_url}/training?lang=en&train_source=cifar")
    page.get_by_role("button", name=t("trainset.preset.quick_demo", lang="en")).click()
    expect(page.get_by_text(re.compile("Preset «Quick demo"))).to_be_visible(timeout=30_000)
    settle(page)
    # Few images and the most epochs: the small network learns 400 images by heart long
    # before the 30th epoch, so the validation loss (the checkpoint's default) rises again.
    _number(page, re.compile("^Images for training and validation"), 500)
    _number(page, re.compile("^Epochs"), EPOCHS)
    page.get_by_role("button", name="Train", exact=True).click()
    expect(page.get_by_text(re.compile(r"^Checkpoint \(val_loss\)$"))).to_be_visible(
        timeout=240_000
    )
    settle(page)
    # The star on the curves: its legend entry names the best epoch.
    star = page.locator("[data-testid='stPlotlyChart'] .legendtext").filter(
        has_text=re.compile(r"Checkpoint: best epoch \d+")
    )
    expect(star.first).to_be_visible(timeout=30_000)
    best = int(re.search(r"\d+", star.first.text_content()).group())
    assert best < EPOCHS
    screenshot("training_checkpoint")
    page.get_by_role("button", name=f"Restore the weights of epoch {best}").click()
    expect(
        page.get_by_text(f"Active weights: epoch {best}, restored from the checkpoint.")
    ).to_be_visible(timeout=30_000)
    expect(
        page.get_by_role("button", name=f"Back to the last epoch's weights ({EPOCHS})")
    ).to_be_visible()
    no_exception(page)
    screenshot("training_restored")
