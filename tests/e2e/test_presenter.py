"""Presenter mode in Chromium at a classroom projector's 1024x768: no sidebar, larger type,
the whole width, and the settings one click away in the bar at the top."""

import re

import pytest
from playwright.sync_api import expect

from cnnviz.i18n import t

from .conftest import SCREENSHOTS
from .helpers import no_exception, open_app

pytestmark = pytest.mark.e2e
PROJECTOR = {"width": 1024, "height": 768}


def font_sizes(page, lang: str) -> dict[str, float]:
    """The root's font size, the page title's and its introduction's, in pixels."""

    def size(locator) -> float:
        return float(locator.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))

    title = page.get_by_role("heading", name=t("conv.title", lang=lang), exact=True)
    intro = page.locator("[data-testid=stMain] p", has_text=t("conv.intro", lang=lang)[:30])
    return {
        "root": size(page.locator("html")),
        "title": size(title.first),
        "text": size(intro.first),
    }


def overlapping(boxes: list[dict]) -> list[tuple[int, int]]:
    return [
        (i, j)
        for i, a in enumerate(boxes)
        for j, b in enumerate(boxes)
        if i < j
        and a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    ]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_presenter_mode_on_a_projector(page, app_url, screenshot, lang):
    page.set_viewport_size(PROJECTOR)
    open_app(page, f"{app_url}/convolution?lang={lang}")
    normal = font_sizes(page, lang)

    open_app(page, f"{app_url}/convolution?lang={lang}&present=1")
    no_exception(page)
    expect(page.get_by_role("heading", name=t("conv.title", lang=lang), exact=True)).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    expect(page.get_by_test_id("stExpandSidebarButton")).to_be_hidden()
    expect(page.get_by_test_id("stHeader")).to_be_hidden()
    presenting = font_sizes(page, lang)
    assert presenting["root"] == pytest.approx(1.5 * normal["root"], rel=0.02)
    assert presenting["title"] == pytest.approx(1.5 * normal["title"], rel=0.02)
    assert presenting["text"] == pytest.approx(1.5 * normal["text"], rel=0.02)

    # The page uses the whole width, from the top of the window.
    main = page.get_by_test_id("stMainBlockContainer").bounding_box()
    assert main["x"] <= 1 and main["width"] >= PROJECTOR["width"] - 2
    bar = page.locator(".st-key-presenter_bar")
    bar_box = bar.bounding_box()
    assert bar_box["y"] < 20 and bar_box["height"] < 80  # one compact row

    controls = bar.locator("button")
    names = [t(f"presenter.{key}", lang=lang) for key in ("settings", "pages", "copy_link", "exit")]
    for name in names:
        expect(bar.get_by_role("button", name=name)).to_be_visible()
    boxes = [controls.nth(i).bounding_box() for i in range(controls.count())]
    assert overlapping(boxes) == []
    assert all(box["x"] + box["width"] <= PROJECTOR["width"] for box in boxes)
    screenshot(f"presenter-convolution-{lang}")

    # The settings that live in the sidebar are one click away, the language among them.
    bar.get_by_role("button", name=t("presenter.settings", lang=lang)).click()
    body = page.get_by_test_id("stPopoverBody")
    expect(body.get_by_text(t("settings.padding", lang=lang), exact=True)).to_be_visible()
    expect(body.get_by_text("Idioma / Language")).to_be_visible()
    page.wait_for_timeout(300)  # the popover's opening transition
    page.screenshot(path=str(SCREENSHOTS / f"presenter-convolution-{lang}-settings.png"))
    page.keyboard.press("Escape")
    expect(body).to_be_hidden()

    # The presenter link: this page, its parameters and present=1.
    bar.get_by_role("button", name=t("presenter.copy_link", lang=lang)).click()
    link = page.get_by_test_id("stPopoverBody").get_by_test_id("stCode")
    expect(link).to_contain_text(re.compile(r"/convolution\?(.*&)?present=1(&|$)"))
    expect(link).to_contain_text(re.compile(rf"[?&]lang={lang}(&|$)"))
    page.keyboard.press("Escape")
    no_exception(page)


def test_the_switch_and_the_exit_button(page, app_url):
    page.set_viewport_size(PROJECTOR)
    open_app(page, f"{app_url}/convolution?lang=en")
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text(t("presenter.toggle", lang="en"), exact=True).click()
    expect(sidebar).to_be_hidden()
    expect(page).to_have_url(re.compile(r"present=1"))
    page.locator(".st-key-presenter_bar").get_by_role(
        "button", name=t("presenter.exit", lang="en")
    ).click()
    expect(sidebar).to_be_visible()
    expect(page).not_to_have_url(re.compile(r"present=1"))
    no_exception(page)
