"""Hostile shorthand links in Chromium: refused with a translated message, never a traceback.

Before the shorthand was counted, the first link below asked the server for
hundreds of millions of layers (gigabytes of memory from twenty characters).
"""

from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from cnnviz.i18n import InputError, format_count, t

from .helpers import no_exception, open_app

pytestmark = pytest.mark.e2e

LINKS = [
    (
        "es",
        "(CR)99999999P",
        InputError(
            "error.shorthand_too_many_layers", text="(CR)99999999P", count=199_999_999, limit=512
        ),
    ),
    ("en", "((((((((((C)9)9)9)9)9)9)9)9)9)9", InputError("error.shorthand_too_deep", limit=8)),
]


@pytest.mark.parametrize(("lang", "text", "err"), LINKS, ids=["layers-es", "depth-en"])
def test_a_hostile_shorthand_link_shows_why_and_keeps_the_course_model(
    page, app_url, screenshot, lang, text, err
):
    open_app(page, f"{app_url}/architectures?lang={lang}&arch_view=builder&arch_sh={quote(text)}")
    title = page.get_by_role("heading", name=t("arch.title", lang=lang), exact=True)
    expect(title).to_be_visible(timeout=20_000)
    error = page.locator("[data-testid='stAlertContentError']")
    # contain, not have: the alert's Material icon is text too.
    expect(error).to_contain_text(err.message(lang), timeout=20_000)
    expect(error).to_have_count(1)
    # Nothing lost: the link's text is in its box, and the course's model is summarised.
    box = page.get_by_label(t("arch.build.shorthand", lang=lang), exact=True)
    expect(box).to_have_value(text)
    params = page.locator("[data-testid='stMetricValue']").first
    expect(params).to_have_text(format_count(93_962, lang), timeout=20_000)
    no_exception(page)
    assert "Traceback" not in page.locator("body").inner_text()
    screenshot(f"hostile-shorthand-{lang}")
