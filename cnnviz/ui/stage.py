"""The stage in a page: mount the browser component with a trace's data and translated labels.

The component's HTML/CSS/JS live as files in ``components/stage/`` and are
sent inline (no build step, nothing fetched at run time). Python sends what
:mod:`cnnviz.core.stage` packed; the browser plays it. A click on an output cell
comes back as ``{"row", "col", "map"}`` and is handed to the page's
``on_select`` callback before the rerun, so the inspector, the exports and the
share link follow it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from cnnviz.core.stage import StageData
from cnnviz.i18n import get_language, t
from cnnviz.ui import kit
from cnnviz.ui.presenter import STATE_KEY as PRESENTER_STATE

_COMPONENT = kit.browser_component("cnnviz.core.stage", "stage")


def _labels(kind: str, channels: int, titles: dict[str, str]) -> dict[str, Any]:
    """Every text the stage writes, in the current language (computed here, not in JS)."""
    names = (
        [t("stage.channel_rgb", index=i, name=t(f"stage.rgb.{i}")) for i in range(3)]
        if channels == 3
        else [t("trace.channel", index=i) for i in range(channels)]
    )
    keys = (
        "input", "math", "hint", "speed", "loop", "channels", "maps", "first", "back",
        "forward", "last", "play", "pause", "scrub", "all_channels", "one_map", "all_maps",
        "maps_title", "map_short", "cell", "cell_map", "position", "aria",
    )  # fmt: skip
    labels = {key: t(f"stage.{key}") for key in keys}
    labels["output"] = t("stage.output_pool" if kind == "pool" else "stage.output")
    labels["channel"] = t("trace.channel")
    labels["list_separator"] = t("trace.list_separator")
    labels["channel_names"] = names
    labels.update(titles)
    return labels


def stage(
    data: StageData,
    *,
    key: str,
    selected: tuple[int, int, int | None],
    on_select: Callable[[int, int, int | None], None] | None = None,
    titles: dict[str, str] | None = None,
) -> None:
    """Show the stage for one trace.

    Parameters
    ----------
    data : StageData
        The trace packed by :mod:`cnnviz.core.stage` (cache it: it is the heavy part).
    key : str
        The component's key.
    selected : (int, int, int or None)
        The output cell (row, column, map) the stage opens on; when it changes
        (the page's inputs or ◀ ▶ moved it), the window glides there.
    on_select : callable, optional
        Called with ``(row, col, map)`` when a cell is clicked, before the page
        reruns: the page writes the cell into its own session-state keys.
    titles : dict, optional
        Titles that replace the stage's own: ``"input"`` and ``"output"`` (which
        may hold ``{number}``, the map shown).
    """
    channels = data.header["input"]["shape"][2]

    def on_click() -> None:
        cell = st.session_state[key].get("cell") or {}
        if on_select is not None and "row" in cell:
            fmap = cell.get("map")
            on_select(int(cell["row"]), int(cell["col"]), None if fmap is None else int(fmap))

    _COMPONENT(
        data={
            "header": data.header,
            "ui": {
                "key": key,
                "lang": get_language(),
                "labels": _labels(data.header["kind"], channels, titles or {}),
                "selected": [int(selected[0]), int(selected[1]), selected[2]],
                "present": bool(st.session_state.get(PRESENTER_STATE, False)),
            },
            # A one-cell table: Streamlit sends it as Arrow, binary, not as base64 JSON.
            "blob": pd.DataFrame({"blob": [data.blob]}),
        },
        key=key,
        default={"cell": None},
        on_cell_change=on_click,
    )
