"""What the browser tests do on every page: open it, read the stage, check for errors."""

from playwright.sync_api import expect


def open_app(page, url: str) -> None:
    """Open a page of the app and wait until its script has finished running."""
    page.goto(url)
    page.wait_for_selector("[data-testid='stApp']")
    expect(page.locator("[data-testid='stAppRunningIndicator']")).to_have_count(0, timeout=30_000)
    settle(page)


def settle(page, timeout_s: float = 30.0) -> None:
    """Wait until the page shows its real elements: some, no skeletons, none arriving.

    A fresh browser shows skeletons while it fetches each element's code, several
    seconds on a busy two-core machine, and Streamlit's running indicator may never
    appear for a run that short; the elements' count settling is what a person sees.
    """
    elements = page.locator("[data-testid='stMain'] [data-testid='stElementContainer']")
    skeletons = page.locator("[data-testid='stSkeleton']")
    previous, steady = -1, 0
    for _ in range(int(timeout_s / 0.25)):
        count = elements.count()
        steady = steady + 1 if count == previous and count and not skeletons.count() else 0
        if steady >= 4:  # one second without change
            return
        previous = count
        page.wait_for_timeout(250)


def stage(page, key: str) -> dict:
    """The stage's state as the browser holds it: step, map, playing, output size, speed."""
    page.wait_for_function(
        f"() => window.__cnnvizStages && window.__cnnvizStages[{key!r}]"
        f" && window.__cnnvizStages[{key!r}].inputImage"
    )
    return page.evaluate(
        f"""() => {{ const s = window.__cnnvizStages[{key!r}];
        return {{step: s.step, map: s.map, playing: s.playing, rows: s.rows, cols: s.cols,
                maps: s.maps, speed: s.speed}}; }}"""
    )


def stage_cell_point(page, key: str, row: int, col: int, fmap: int = 0) -> tuple[float, float]:
    """Where output cell (row, col) of map ``fmap`` is on the screen (page coordinates)."""
    canvas = page.locator("[data-testid='stage-output']").first  # one stage per page
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y = page.evaluate(
        f"""() => {{ const s = window.__cnnvizStages[{key!r}];
        const k = s.grid.shown === 1 ? 0 : {fmap}; const slot = s.slot(k);
        return [slot.x + ({col} + 0.5) * s.outCell, slot.y + ({row} + 0.5) * s.outCellY]; }}"""
    )
    return box["x"] + x, box["y"] + y


def stage_lines(page) -> list[str]:
    """The arithmetic the page's first stage writes for the shown cell, one entry per line."""
    return page.locator("[data-testid='stage-lines']").first.locator(".line").all_text_contents()


def open_titled(page, url: str, title: str) -> None:
    """Open a page of the app, see its title, and check it shows no traceback."""
    open_app(page, url)
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    no_exception(page)


def play(page, key: str) -> None:
    """Press the stage's play button and wait until its window has moved on."""
    stage(page, key)
    page.get_by_test_id("stage-play").first.click()
    page.wait_for_function(f"() => window.__cnnvizStages[{key!r}].step > 0")
    no_exception(page)


def no_exception(page) -> None:
    """No traceback anywhere on the page."""
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
