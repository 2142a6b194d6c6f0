"""The trained network in a real browser: a digit drawn with the mouse is read and predicted."""

import itertools

from playwright.sync_api import expect

from cnnviz.i18n import t
from tests.e2e.helpers import no_exception, open_app

MODEL_LOAD_MS = 90_000  # the first visit starts TensorFlow and loads the network


def draw_stroke(page, points):
    """Drag the mouse through ``points`` (fractions of the canvas), as a hand would."""
    canvas = page.locator("canvas").first
    canvas.wait_for(timeout=MODEL_LOAD_MS)
    page.wait_for_timeout(1500)  # the component mounts its drawing surface after it appears
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()

    def at(point):
        return box["x"] + point[0] * box["width"], box["y"] + point[1] * box["height"]

    page.mouse.move(*at(points[0]))
    page.mouse.down()
    for start, end in itertools.pairwise(points):
        for step in range(1, 11):
            fraction = step / 10
            page.mouse.move(
                *at(
                    (
                        start[0] + (end[0] - start[0]) * fraction,
                        start[1] + (end[1] - start[1]) * fraction,
                    )
                )
            )
    page.mouse.up()


def test_a_drawn_one_is_read_as_a_one(page, app_url, screenshot):
    open_app(page, f"{app_url}/trained-network?lang=en&digit_source=draw")
    expect(page.get_by_text(t("net.pick.draw_first", lang="en"))).to_be_visible(
        timeout=MODEL_LOAD_MS
    )
    # A vertical bar below the canvas' toolbar, which appears over its top edge on hover.
    draw_stroke(page, [(0.5, 0.25), (0.5, 0.9)])
    expect(page.get_by_text("The network says: 1", exact=False)).to_be_visible(timeout=30_000)
    expect(page.get_by_text(t("preprocess.step.center", lang="en")).first).to_be_attached()
    no_exception(page)
    screenshot("trained-network-en-drawn-one")


def test_saliency_page_in_spanish_shows_the_five_methods(page, app_url, screenshot):
    open_app(page, f"{app_url}/saliency?lang=es&digit_index=12")
    expect(page.get_by_text("¿Por qué 9?")).to_be_visible(timeout=MODEL_LOAD_MS)
    for method in ("gradient", "smoothgrad", "integrated_gradients", "grad_cam", "occlusion"):
        name = t(f"saliency.method.{method}.name", lang="es")
        expect(page.get_by_text(name, exact=True).first).to_be_attached()
    no_exception(page)
    screenshot("saliency-es")


def test_saliency_page_shows_shapley_values_with_the_efficiency_check(page, app_url, screenshot):
    # Issue 13: the region map, the efficiency line with its check, one permutation explained.
    open_app(page, f"{app_url}/saliency?lang=es&digit_index=0&shap_grid=3&shap_method=exact")
    title = t("shapley.title", lang="es", digit=7)
    expect(page.get_by_text(title)).to_be_visible(timeout=MODEL_LOAD_MS)
    efficiency = page.get_by_text("Eficiencia:").first
    efficiency.scroll_into_view_if_needed()
    expect(efficiency).to_be_visible()
    line = efficiency.locator("xpath=..").inner_text()
    assert "f(x) − f(línea base) =" in line and line.rstrip().endswith("✓")
    expect(page.get_by_text(t("shapley.walk_title", lang="es", seed=0))).to_be_attached()
    no_exception(page)
    screenshot("saliency-shapley-es")
    shown = page.locator("[data-testid='stMain']").inner_text()
    for key in ("shapley.intro", "shapley.walk_none", "shapley.colours", "shapley.settings"):
        english = t(key, lang="en", digit=7).split("{")[0][:30]
        assert english not in shown, key
    for word in ("Efficiency", "Shapley value of", "marginal contribution", "baseline"):
        assert word not in shown, word
