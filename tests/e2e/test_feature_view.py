"""Feature visualisation in a real browser: the picture, the top images, a switch, no English."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from cnnviz.i18n import t

from .helpers import no_exception, open_app
from .test_spanish_only import _ENGLISH, visible_texts

pytestmark = pytest.mark.e2e

MODEL_LOAD_MS = 120_000  # the first visit starts TensorFlow, loads the network, ranks 2,000 images
LOCALES = Path(__file__).resolve().parents[2] / "cnnviz" / "locales"
VIEW = "/trained-network?net_view=features&features_steps=24"


def our_english_sentences() -> list[str]:
    """The view's English texts that differ from their Spanish (what must not leak)."""
    en = json.loads((LOCALES / "en.json").read_text())
    es = json.loads((LOCALES / "es.json").read_text())
    return [
        en[key].split("{")[0].strip()
        for key in en
        if key.startswith("features.") and en[key] != es[key] and len(en[key].split("{")[0]) > 8
    ]


def wait_for_picture(page, lang: str, unit: str) -> None:
    header = t("features.generated", lang=lang, unit=unit)
    expect(page.get_by_text(header)).to_be_visible(timeout=MODEL_LOAD_MS)
    expect(page.locator("[data-testid='stProgress']")).to_have_count(0, timeout=MODEL_LOAD_MS)


def test_the_spanish_view_shows_the_picture_and_no_english(page, app_url, screenshot):
    open_app(page, f"{app_url}{VIEW}&lang=es&features_layer=conv1&features_filter=2")
    unit = t("features.unit.filter", lang="es", index=2, layer="conv1")
    wait_for_picture(page, "es", unit)
    # Above the view the test digit and its probabilities; the view's generated picture,
    # nine test images and curve: five charts.
    expect(page.locator("[data-testid='stPlotlyChart']")).to_have_count(5, timeout=30_000)
    no_exception(page)
    screenshot("features-es-digits")
    texts = visible_texts(page, page.url)
    leaked = sorted({m.group() for text in texts for m in _ENGLISH.finditer(text)})
    assert leaked == []
    everything = "\n".join(texts)
    assert [s for s in our_english_sentences() if s in everything] == []
    assert t("features.regularisers", lang="es") in everything


def test_a_switch_goes_into_the_link_and_changes_the_picture(page, app_url, screenshot):
    open_app(page, f"{app_url}{VIEW}&lang=en&network=colour&features_layer=class&features_class=1")
    unit = t("features.unit.class", lang="en", name="automobile")
    wait_for_picture(page, "en", unit)
    caption = page.get_by_text(t("features.scale.as_is", lang="en"))
    expect(caption).to_be_visible()
    page.get_by_text(t("features.clip", lang="en"), exact=True).click()
    expect(page).to_have_url(re.compile(r"features_clip=false"), timeout=30_000)
    # Without the clip the pixels leave [0, 1], and the page says how it scaled them.
    expect(page.get_by_text("Without the clip", exact=False)).to_be_visible(timeout=MODEL_LOAD_MS)
    no_exception(page)
    screenshot("features-en-colour-no-clip")
