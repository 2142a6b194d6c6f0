"""Every export downloads, one right after another: the convolution page's and training's.

A download button whose click also reran the page raced its own download: the
rerun replaced the file the browser was about to fetch (``MediaFileStorageError:
Deferred file ... not found`` in the server's log, nothing in the browser). Each
button is clicked in turn, then the first again, and each file must arrive whole.
"""

import re

from playwright.sync_api import expect

from tests.e2e.helpers import no_exception, open_app, settle

CONV_EXPORTS = {
    "Map as PNG": ("feature_map.png", b"\x89PNG"),
    "Animation as GIF": ("convolution.gif", b"GIF8"),
    "Kernel as CSV": ("kernel.csv", None),
    "Map as CSV": ("feature_map.csv", None),
}


def _download(page, button, timeout=60_000):
    """Click ``button`` and return the file that arrives (name, bytes)."""
    with page.expect_download(timeout=timeout) as info:
        button.click()
    download = info.value
    assert download.failure() is None, download.failure()
    with open(download.path(), "rb") as handle:
        return download.suggested_filename, handle.read()


def _check(name, data, expected_name, magic):
    assert name == expected_name
    if magic is None:  # a CSV of numbers, one row per line
        rows = data.decode().strip().splitlines()
        assert rows and all(re.fullmatch(r"[-0-9.,e]+", row) for row in rows), rows[:3]
    else:
        assert data.startswith(magic) and len(data) > 100


def _open_exports(page):
    """Open the Export popover (a click before the page listens is lost: click again)."""
    first = page.get_by_role("button", name="Map as PNG", exact=True)
    for _ in range(5):
        if first.is_visible():
            return
        page.get_by_role("button", name=re.compile("^Export")).click()
        page.wait_for_timeout(500)
    expect(first).to_be_visible()


def test_convolution_exports_one_after_another(page, app_url):
    open_app(page, f"{app_url}/convolution?lang=en")
    order = [*CONV_EXPORTS, *CONV_EXPORTS, "Map as PNG"]  # every one twice, then the first again
    for label in order:
        _open_exports(page)
        name, data = _download(page, page.get_by_role("button", name=label, exact=True))
        _check(name, data, *CONV_EXPORTS[label])
    # Quick clicks, each before the previous file has arrived: the server answers every one
    # with its whole file. (Counted as the server's answers, not as saved files: a download
    # that starts after a slow answer has lost the click's user activation, and Chromium
    # then holds it back as "multiple automatic downloads", its own policy, not ours.)
    # By file address (one per file's content): the last PNG's answer may still come in.
    served = {}
    page.on(
        "response",
        lambda response: (
            "/media/" in response.url and served.setdefault(response.url, response.status)
        ),
    )
    for label in CONV_EXPORTS:
        page.get_by_role("button", name=label, exact=True).click()
    for _ in range(240):
        if len(served) == len(CONV_EXPORTS):
            break
        page.wait_for_timeout(250)
    assert sorted(url.rsplit(".", 1)[-1] for url in served) == ["csv", "csv", "gif", "png"]
    assert set(served.values()) == {200}
    no_exception(page)


def test_training_downloads_one_after_another(page, app_url):
    open_app(page, f"{app_url}/training?lang=en&train_epochs=1")
    page.get_by_role("button", name="Train", exact=True).click()
    expect(page.get_by_text("Finished: 1 of 1 epochs.")).to_be_visible(timeout=180_000)
    # The results arrive with new kinds of elements, whose code the browser fetches first:
    # wait until they are all drawn, as a person sees them, before clicking.
    expect(page.locator("[data-testid='stAppRunningIndicator']")).to_have_count(0, timeout=30_000)
    settle(page)
    model = page.get_by_role("button", name=re.compile("model"))
    history = page.get_by_role("button", name=re.compile("history"))
    for button, suffix in ((model, ".keras"), (history, "_history.csv"), (model, ".keras")):
        name, data = _download(page, button.first)
        assert name == f"cnnviz_run1{suffix}"
        if suffix == ".keras":
            assert data[:2] == b"PK"  # a .keras file is a zip
        else:
            assert data.decode().startswith("epoch,batch,loss,accuracy,val_loss,val_accuracy")
    no_exception(page)
