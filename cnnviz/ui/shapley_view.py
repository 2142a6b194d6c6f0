"""The saliency page's Shapley section: settings, the region map, efficiency, one region explained.

Every number shown comes from :mod:`cnnviz.nets.shapley` (and through it
:mod:`cnnviz.core.shapley`); this module only lays it out. Settings live in
the URL (``?shap_grid=``, ``shap_base``, ``shap_method``, ``shap_perm``,
``shap_seed``, ``shap_region``) so a teacher's link shows the same values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import streamlit as st

from cnnviz.core import shapley as core
from cnnviz.figures import network as network_figures
from cnnviz.figures import shapley as figures
from cnnviz.i18n import format_count, format_number, get_language, t
from cnnviz.nets import shapley
from cnnviz.ui import kit
from cnnviz.ui.url_state import catalog_choice, url_choice, url_number

if TYPE_CHECKING:  # pragma: no cover
    import keras

    from cnnviz.ui.network import Network

KEY = "shap"
DEFAULT_GRID = 4
DEFAULT_PERMUTATIONS = 32
"""Permutations by default: 4x4 regions in about 0.1 s on the digit network (see bench)."""
PAGE_PERMUTATIONS = (2, 400)
"""The page's range of permutations (the core takes up to 1,000; 400 at 8x8 is ~5 s)."""
AGREE = 1e-6  # |sum - (f(x) - f(baseline))| below which the check shows ✓ (rounding only)


@dataclass(frozen=True)
class ShapleySettings:
    """What the student chose: grid (regions a side), baseline, exact or sampled, seed."""

    grid: int
    baseline: str
    exact: bool
    permutations: int
    seed: int


@st.cache_data(max_entries=4, show_spinner=False)
def _mean_image(model_id: str, shape: tuple[int, ...]) -> np.ndarray | None:
    """Return the bundled test set's mean image for the network's input shape, in [0, 1]."""
    from cnnviz.ui.network import test_set_for

    data = test_set_for(shape)
    if data is None:
        return None
    return (data.x_test.mean(axis=0) / 255.0).reshape(shape).astype(np.float32)


@st.cache_data(max_entries=32, show_spinner=False)
def _values(
    _model: keras.Model,
    model_id: str,
    image: np.ndarray,
    class_index: int,
    settings: ShapleySettings,
    mean: np.ndarray | None,
) -> shapley.RegionShapley:
    """Shapley values of the regions (cached per network, image, class and settings)."""
    return shapley.shapley_values(
        _model,
        image,
        class_index,
        grid=settings.grid,
        baseline=settings.baseline,
        mean=mean,
        permutations=None if settings.exact else settings.permutations,
        seed=settings.seed,
    )


@st.cache_data(max_entries=32, show_spinner=False)
def _walk(
    _model: keras.Model,
    model_id: str,
    image: np.ndarray,
    class_index: int,
    region: int,
    settings: ShapleySettings,
    mean: np.ndarray | None,
) -> tuple[core.PermutationWalk, np.ndarray, np.ndarray]:
    """One permutation, followed for ``region`` (cached like :func:`_values`)."""
    return shapley.permutation_walk(
        _model,
        image,
        class_index,
        region,
        grid=settings.grid,
        baseline=settings.baseline,
        mean=mean,
        seed=settings.seed,
    )


def choose_settings(has_mean: bool) -> ShapleySettings:
    """Show the settings, in two rows in an expander (the map stays in view); return them."""
    with st.expander(t("shapley.settings"), icon=":material/tune:"):
        return _settings_rows(has_mean)


def _settings_rows(has_mean: bool) -> ShapleySettings:
    top, bottom = st.columns(2), st.columns(3)
    columns = [*top, *bottom]
    low, high = core.GRID_RANGE
    grid = url_number(
        columns[0].slider, t("shapley.grid"), low, high, DEFAULT_GRID, key=f"{KEY}_grid"
    )
    baselines = [b for b in shapley.BASELINES if has_mean or b != "mean"]
    baseline = catalog_choice(
        columns[1].selectbox,
        "shapley.baseline",
        baselines,
        key=f"{KEY}_base",
        help=t("shapley.baseline_help"),
    )
    # Exact values need 2^n coalitions: offered only while the grid allows it.
    methods = ["sampled", "exact"] if grid * grid <= core.EXACT_MAX_REGIONS else ["sampled"]
    if st.query_params.get(f"{KEY}_method") == "exact" and "exact" not in methods:
        st.caption(t("shapley.exact_needs_small_grid", high=core.EXACT_MAX_REGIONS))
    method = catalog_choice(columns[2].radio, "shapley.method", methods, key=f"{KEY}_method")
    permutations = url_number(
        columns[3].number_input,
        t("shapley.permutations"),
        *PAGE_PERMUTATIONS,
        DEFAULT_PERMUTATIONS,
        step=2,
        key=f"{KEY}_perm",
        disabled=method == "exact",
    )
    seed = url_number(columns[4].number_input, t("shapley.seed"), 0, 9999, 0, key=f"{KEY}_seed")
    return ShapleySettings(grid, baseline, method == "exact", permutations, seed)


def efficiency_line(result: core.ShapleyResult, lang: str) -> tuple[str, bool]:
    """Write the efficiency check in words, with both numbers, and whether they agree."""
    difference = result.full - result.empty
    agree = abs(result.total - difference) <= AGREE
    text = t(
        "shapley.efficiency",
        total=format_number(result.total, digits=3, lang=lang),
        full=format_number(result.full, digits=3, lang=lang),
        empty=format_number(result.empty, digits=3, lang=lang),
        difference=format_number(difference, digits=3, lang=lang),
        mark="✓" if agree else "✗",
    )
    return text, agree


def method_note(found: shapley.RegionShapley, lang: str) -> str:
    """How the values were obtained: every coalition, or permutations and their error."""
    result = found.result
    seconds = format_number(found.seconds, digits=2, lang=lang)
    if result.exact:
        return t(
            "shapley.exact_note",
            coalitions=format_count(result.evaluations, lang),
            regions=result.values.size,
            seconds=seconds,
        )
    return t(
        "shapley.sampled_note",
        permutations=result.permutations,
        evaluations=format_count(result.evaluations, lang),
        error=format_number(result.standard_errors.max(), digits=3, lang=lang),
        seconds=seconds,
    )


def _clicked_region(selection: Any) -> int | None:
    """Return the region whose centre was clicked on the map, if any."""
    points = (selection or {}).get("selection", {}).get("points", [])
    for point in points:
        if "customdata" in point:
            data = point["customdata"]
            return int(data[0] if isinstance(data, list) else data)
    return None


def choose_region(found: shapley.RegionShapley, grid: int, lang: str) -> int:
    """Show the choice of the region to explain (a click on the map sets it too); return it."""
    values = found.result.values
    options = [str(i) for i in range(values.size)]
    labels = {
        str(i): t(
            "shapley.region_option",
            region=i + 1,
            row=i // grid + 1,
            col=i % grid + 1,
            value=format_number(v, digits=3, lang=lang),
        )
        for i, v in enumerate(values)
    }
    default = str(int(np.argmax(np.abs(values))))  # the region that matters most
    choice = url_choice(
        st.selectbox,
        t("shapley.region"),
        options,
        format_func=labels.__getitem__,
        key=f"{KEY}_region",
        default=default,
    )
    return int(choice)


def explain_region(found: shapley.RegionShapley, region: int, lang: str) -> None:
    """Say that the region's value is the average of its marginal contributions."""
    result = found.result
    value = format_number(result.values[region], digits=3, lang=lang)
    if result.exact:
        n = result.values.size
        st.markdown(
            t(
                "shapley.explain_exact",
                region=region + 1,
                value=value,
                orders=format_count(math.factorial(n), lang),
                regions=n,
            )
        )
        return
    own = result.contributions[:, region]
    st.markdown(
        t(
            "shapley.explain_sampled",
            region=region + 1,
            value=value,
            count=own.size,
            low=format_number(own.min(), digits=3, lang=lang),
            high=format_number(own.max(), digits=3, lang=lang),
            error=format_number(result.standard_errors[region], digits=3, lang=lang),
        )
    )
    kit.chart(figures.contribution_dots(own, result.values[region], lang=lang), key=f"{KEY}_dots")


def walk_through(
    network: Network,
    image: np.ndarray,
    class_index: int,
    region: int,
    settings: ShapleySettings,
    mean: np.ndarray | None,
) -> None:
    """One permutation step by step: who was in, f before and after the region joins."""
    lang = get_language()
    walk, before, after = _walk(
        network.model, network.model_id, image, class_index, region, settings, mean
    )
    already = [str(r + 1) for r in walk.order[: walk.position]]
    numbers = {
        name: format_number(value, digits=3, lang=lang)
        for name, value in (
            ("before", walk.value_before),
            ("after", walk.value_after),
            ("contribution", walk.contribution),
        )
    }
    st.markdown(f"**{t('shapley.walk_title', seed=settings.seed)}**")
    st.markdown(
        t(
            "shapley.walk",
            region=region + 1,
            step=walk.position + 1,
            regions=walk.order.size,
            already=", ".join(already) if already else t("shapley.walk_none"),
            **numbers,
        )
    )
    left, right = st.columns([1, 1.3])
    kit.chart(
        network_figures.image_strip(
            [before, after],
            [
                t("shapley.before_title", f=numbers["before"]),
                t("shapley.after_title", f=numbers["after"]),
            ],
            height=240,
            lang=lang,
        ),
        key=f"{KEY}_pair",
        where=left,
    )
    kit.chart(
        figures.permutation_chain(walk.chain, walk.order, region, lang=lang),
        key=f"{KEY}_chain",
        where=right,
    )


def _region_from_click(key: str) -> None:
    """Move the region choice to the region clicked on the map (a callback)."""
    region = _clicked_region(st.session_state.get(key))
    if region is not None:
        st.session_state[f"{KEY}_region"] = str(region)


def shapley_section(network: Network, image: np.ndarray, class_index: int, name: str) -> None:
    """Show the whole section: settings, the map beside the efficiency check, one region explained.

    Parameters
    ----------
    network : cnnviz.ui.network.Network
        Any network of the page (digits, colour, the session's).
    image : ndarray, shape (H, W) or (H, W, C)
        The input, as the network sees it.
    class_index : int
        The class explained; ``name`` is its label.
    """
    lang = get_language()
    st.subheader(t("shapley.title", digit=name))
    st.caption(t("shapley.intro", digit=name))
    mean = _mean_image(network.model_id, tuple(network.shape))
    settings = choose_settings(mean is not None)
    with st.spinner(t("shapley.computing")):
        found = kit.checked(
            lambda: _values(network.model, network.model_id, image, class_index, settings, mean)
        )
    found = kit.last_valid(f"{KEY}_last", found, caption=t("shapley.kept_last"))
    if found is None:
        return
    left, right = st.columns([1.25, 1], gap="medium")
    with right:
        region = choose_region(found, math.isqrt(found.result.values.size), lang)
        text, agree = efficiency_line(found.result, lang)
        (st.success if agree else st.error)(text)
        st.caption(method_note(found, lang))
        explain_region(found, region, lang)
    errors = None if found.result.exact else found.result.standard_errors
    kit.chart(
        figures.region_map(
            image,
            found.labels,
            found.result.values,
            errors=errors,
            highlight=region,
            height=350,
            lang=lang,
        ),
        key=f"{KEY}_map",
        where=left,
        on_select=lambda: _region_from_click(f"{KEY}_map"),
        selection_mode="points",
    )
    left.caption(t("shapley.colours", digit=name))
    walk_through(network, image, class_index, region, settings, mean)
    with st.expander(t("shapley.explain_title")):
        st.markdown(t("shapley.explain"))
