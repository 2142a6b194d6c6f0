"""Figures of a whole network: its diagram, where its weights and work are, its receptive field.

Every builder takes a spec and its :class:`cnnviz.core.architectures.Summary` (or the
:class:`Block` list made from them) and returns a
:class:`plotly.graph_objects.Figure`; nothing here imports Streamlit. Words come
from :func:`cnnviz.i18n.t`; Keras layer names (``Conv2D``, ``Dense``...) are the
same in both languages, as the course writes them.

Notes
-----
**Blocks.** A diagram of ResNet-34 with one box per layer would hold some 120
boxes. :func:`network_blocks` first hides the layers that change neither the
shape nor the picture (batch normalisation, activations, dropout, zero
padding: their weights are counted in the box they follow), then, when
``grouped``, joins consecutive layers of the same kind and output shape (a VGG
block's convolutions, a ResNet stage with its shortcuts and additions) into one
box, labelled with what it holds (``6× Conv 3×3 · 3× Add``). ResNet-34 becomes
nine boxes, VGG-16 fourteen.

**Diagram.** Boxes run from the input at the top down to the output, one row per
step of the longest path from the input, so that parallel branches (an
inception block's four) sit side by side. A box's width grows with its rows
(square root, so 7 of 224 stays visible) and its height with the logarithm of
its channels (1 to thousands); a vector (``Dense``) is drawn one cell wide. A
connection that skips rows (a U-Net's) runs down the left margin, along the gaps
between rows, so that it crosses no box.

**Colours** are Okabe and Ito's colour-blind safe palette, one per kind of layer
(:data:`CATEGORY_COLOURS`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from cnnviz.core.architectures import Summary
from cnnviz.core.spec import INPUT_NAME
from cnnviz.figures._base import build_figure, paper_text, separators
from cnnviz.i18n import (
    format_compact,
    format_count,
    format_number,
    format_shape,
    get_language,
    t,
)

__all__ = [
    "CATEGORIES",
    "CATEGORY_COLOURS",
    "Block",
    "cost_per_block",
    "cost_shares",
    "diagram",
    "format_compact",
    "format_count",
    "layer_category",
    "network_blocks",
    "receptive_field_chart",
    "share_sentence",
    "widest_row",
]

CATEGORIES: tuple[str, ...] = ("input", "conv", "pool", "dense", "norm", "merge", "other")
"""Kinds of layer, for colours and for "where do parameters and compute live"."""

CATEGORY_COLOURS: Mapping[str, str] = {
    "input": "#d9d9d9",
    "conv": "#0072B2",
    "pool": "#E69F00",
    "dense": "#009E73",
    "norm": "#56B4E9",
    "merge": "#CC79A7",
    "other": "#999999",
}
"""One Okabe-Ito colour per category (grey for the input and the rest)."""

_CATEGORY = {
    "Conv2D": "conv",
    "Conv2DTranspose": "conv",
    "MaxPooling2D": "pool",
    "AveragePooling2D": "pool",
    "GlobalAveragePooling2D": "pool",
    "GlobalMaxPooling2D": "pool",
    "Dense": "dense",
    "BatchNormalization": "norm",
    "Add": "merge",
    "Concatenate": "merge",
}
_HIDDEN = ("Activation", "BatchNormalization", "Dropout", "ZeroPadding2D")
_SHORT = {
    "Conv2D": "Conv",
    "Conv2DTranspose": "ConvT",
    "MaxPooling2D": "MaxPool",
    "AveragePooling2D": "AvgPool",
    "GlobalAveragePooling2D": "GlobalAvgPool",
    "GlobalMaxPooling2D": "GlobalMaxPool",
    "Concatenate": "Concat",
    "UpSampling2D": "UpSampling",
}
ROW_PX = 66  # one row of boxes: three lines of 14 px text fit beside a box
FONT = 14  # px: readable on a projector
LABEL_WIDTH = 30  # characters per line of a box's description


# --- blocks ----------------------------------------------------------------------------------


def layer_category(kind: str) -> str:
    """Return the category of a Keras layer type (one of :data:`CATEGORIES`).

    Examples
    --------
    >>> layer_category("Conv2DTranspose"), layer_category("Flatten")
    ('conv', 'other')
    """
    return _CATEGORY.get(kind, "other")


@dataclass(frozen=True)
class Block:
    """One box of a diagram: a layer, or consecutive layers of one kind and shape.

    Attributes
    ----------
    title : str
        The layer's name, or the name its layers share (``block1``, ``conv3``);
        a prefix every layer of the network shares is left out.
    layers : tuple of str
        Every layer it stands for, hidden ones (batch normalisation...) included.
    description : str
        What it holds, in Keras' words: ``2× Conv 3×3`` or ``Conv 7×7/2``.
    category : str
        Of its first layer (see :data:`CATEGORIES`).
    output_shape : tuple of int
        Its output shape (the input's shape for the input block).
    params, macs : int
        Sums over its layers.
    receptive_field : int
        The largest over its layers, in input rows.
    jump : float
        Input rows between neighbouring output cells, at its output.
    level : int
        Its row in the diagram: the longest path from the input (0).
    inputs : tuple of int
        Indices of the blocks it reads.
    """

    title: str
    layers: tuple[str, ...]
    description: str
    category: str
    output_shape: tuple[int, ...]
    params: int
    macs: int
    receptive_field: int
    jump: float
    level: int
    inputs: tuple[int, ...]


def _pair_text(value: Any) -> str:
    rows, cols = (value, value) if isinstance(value, int) else tuple(value)
    return f"{rows}×{cols}"


def _label(layer: Mapping[str, Any]) -> str:
    """Write a layer in a few characters: ``Conv 3×3/2``, ``MaxPool 3×3/2``, ``Dense``."""
    kind = layer["type"]
    short = _SHORT.get(kind, kind)
    if kind in ("Conv2D", "Conv2DTranspose"):
        text = f"{short} {_pair_text(layer['kernel_size'])}"
        strides = layer.get("strides", 1)
        dilation = layer.get("dilation_rate", 1)
        if strides not in (1, (1, 1), [1, 1]):
            text += f"/{strides if isinstance(strides, int) else strides[0]}"
        if dilation not in (1, (1, 1), [1, 1]):
            text += f" d{dilation if isinstance(dilation, int) else dilation[0]}"
        return text
    if kind in ("MaxPooling2D", "AveragePooling2D"):
        pool = layer.get("pool_size", 2)
        strides = layer.get("strides")
        text = f"{short} {_pair_text(pool)}"
        if strides is None or _pair_text(strides) == _pair_text(pool):
            return text
        return f"{text}/{strides if isinstance(strides, int) else strides[0]}"
    return short


def _describe(labels: list[str]) -> str:
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    return " · ".join(f"{n}× {label}" if n > 1 else label for label, n in counts.items())


def _common_prefix(names: Sequence[str]) -> str:
    """Return the longest prefix ending in ``_`` that every name has (and is longer than)."""
    if len(names) < 2:
        return ""
    first = names[0]
    cut = 0
    for i, char in enumerate(first):
        if any(len(name) <= i + 1 or name[i] != char for name in names):
            break
        if char == "_":
            cut = i + 1
    return first[:cut]


def _title(names: list[str], prefix: str) -> str:
    names = [name[len(prefix) :] for name in names]
    if len(names) == 1:
        return names[0]
    heads = {name.split("_")[0] for name in names}
    if len(heads) == 1 and "_" in names[0]:
        return heads.pop()
    return f"{names[0]}…{names[-1]}"


def network_blocks(
    spec: Sequence[Mapping[str, Any]],
    summary: Summary,
    *,
    grouped: bool = True,
    lang: str | None = None,
) -> tuple[Block, ...]:
    """Cut a network into the boxes of its diagram (see the module's Notes).

    Parameters
    ----------
    spec : list of dict
        The layers, as given to :func:`cnnviz.core.architectures.summarize`.
    summary : Summary
        Its summary.
    grouped : bool, default True
        Join consecutive layers of one kind and shape into one box.
    lang : str, optional
        Language of the input block's title; the current one by default.

    Returns
    -------
    tuple of Block
        The input first, then in spec order.

    Examples
    --------
    >>> from cnnviz.content.gallery import vgg
    >>> from cnnviz.core.architectures import summarize
    >>> spec = vgg(16)
    >>> blocks = network_blocks(spec, summarize(spec, (224, 224, 3)), lang="en")
    >>> [(b.title, b.description) for b in blocks[:3]]
    [('Input', 'Input'), ('block1', '2× Conv 3×3'), ('block1_pool', 'MaxPool 2×2')]
    >>> len(blocks), blocks[-1].output_shape
    (14, (1000,))
    """
    lang = lang or get_language()
    layers = summary.layers
    prefix = _common_prefix([layer.name for layer in layers])
    input_title = t("arch.fig.input", lang=lang)
    items = [_item("input", summary.input_shape, level=0, inputs=[], labels=[input_title])]
    owner: dict[str, int] = {INPUT_NAME: 0}
    for layer, info in zip(spec, layers, strict=True):
        sources = sorted({owner[name] for name in info.inputs})
        if info.type in _HIDDEN:  # counted in the box it follows, not drawn
            item = items[sources[0]]
            owner[info.name] = sources[0]
        else:
            category = layer_category(info.type)
            if not (grouped and _joins(items, info.output_shape, category, sources)):
                level = 1 + max(items[s]["level"] for s in sources)
                items.append(_item(category, info.output_shape, level=level, inputs=sources))
            item = items[-1]
            owner[info.name] = len(items) - 1
            item["drawn"].append(info.name)
            item["labels"].append(_label({**layer, "type": info.type}))
            item["shape"] = info.output_shape
            item["rf"] = max(item["rf"], info.receptive_field[0])
            item["jump"] = info.receptive_field[1]
        item["names"].append(info.name)
        item["params"] += info.params
        item["macs"] += info.macs
    return tuple(
        _block(item, input_title if i == 0 else _title(item["drawn"], prefix))
        for i, item in enumerate(items)
    )


def _item(
    category: str,
    shape: Sequence[int],
    *,
    level: int,
    inputs: list[int],
    labels: list[str] | None = None,
) -> dict[str, Any]:
    """Start a box being filled: no layers yet, nothing counted."""
    return {
        "names": [],
        "drawn": [],
        "labels": [] if labels is None else labels,
        "category": category,
        "shape": shape,
        "params": 0,
        "macs": 0,
        "rf": 1,
        "jump": 1.0,
        "level": level,
        "inputs": inputs,
    }


def _joins(
    items: list[dict[str, Any]], shape: Sequence[int], category: str, sources: list[int]
) -> bool:
    """Whether a layer joins the last box: same shape, same kind (or a merge), no new input."""
    last = items[-1]
    return (
        len(items) > 1
        and last["shape"] == shape
        and category in (last["category"], "merge")
        and set(sources) <= {len(items) - 1, *last["inputs"]}
    )


def _block(item: dict[str, Any], title: str) -> Block:
    """Freeze a filled box into a :class:`Block`."""
    return Block(
        title=title,
        layers=tuple(item["names"]),
        description=_describe(item["labels"]),
        category=item["category"],
        output_shape=tuple(item["shape"]),
        params=item["params"],
        macs=item["macs"],
        receptive_field=item["rf"],
        jump=float(item["jump"]),
        level=item["level"],
        inputs=tuple(item["inputs"]),
    )


# --- the diagram -------------------------------------------------------------------------------


def _wrap(text: str, width: int = LABEL_WIDTH) -> list[str]:
    """Break a description at its `` · `` separators into lines of about ``width`` characters."""
    lines: list[str] = []
    for part in text.split(" · "):
        if lines and len(lines[-1]) + 3 + len(part) <= width:
            lines[-1] += " · " + part
        else:
            lines.append(part)
    return lines


def _positions(blocks: Sequence[Block]) -> dict[int, tuple[float, float]]:
    """Each block's slot ``(left, width)`` in [0, 1]: its row's blocks side by side.

    Within a row, blocks are ordered by the mean position of the blocks they read
    (the barycentre heuristic), which keeps most connections from crossing.
    """
    rows: dict[int, list[int]] = {}
    for i, block in enumerate(blocks):
        rows.setdefault(block.level, []).append(i)
    slots: dict[int, tuple[float, float]] = {}
    for level in sorted(rows):
        members = rows[level]

        def centre(i: int) -> float:
            parents = [slots[p] for p in blocks[i].inputs if p in slots]
            return sum(a + w / 2 for a, w in parents) / len(parents) if parents else 0.5

        members.sort(key=lambda i: (centre(i), i))
        width = 1 / len(members)
        for k, i in enumerate(members):
            slots[i] = (k * width, width)
    return slots


def widest_row(blocks: Sequence[Block]) -> int:
    """Return the most blocks side by side in one row of the diagram (parallel branches).

    Examples
    --------
    >>> from cnnviz.content.gallery import inception_3a
    >>> from cnnviz.core.architectures import summarize
    >>> spec = inception_3a()
    >>> widest_row(network_blocks(spec, summarize(spec, (28, 28, 192))))
    4
    """
    counts: dict[int, int] = {}
    for block in blocks:
        counts[block.level] = counts.get(block.level, 0) + 1
    return max(counts.values())


def diagram(
    blocks: Sequence[Block], *, lang: str | None = None, title: str | None = None
) -> go.Figure:
    """Draw a network as boxes from input (top) to output, each sized by its output shape.

    Parameters
    ----------
    blocks : sequence of Block
        From :func:`network_blocks`.
    lang : str, optional
        Language of the legend and hover texts; the current one by default.
    title : str, optional
        Shown above the diagram.

    Returns
    -------
    plotly.graph_objects.Figure
        Boxes as layout shapes, their labels as annotations, connections as
        lines and, for hovering, one invisible marker per box with its
        parameters, MACs and receptive field. About 66 px per row.

    Examples
    --------
    >>> from cnnviz.content.gallery import lenet5
    >>> from cnnviz.core.architectures import summarize
    >>> spec = lenet5()
    >>> fig = diagram(network_blocks(spec, summarize(spec, (32, 32, 1))), lang="en")
    >>> len(fig.layout.shapes), fig.layout.height
    (9, 684)
    """
    lang = lang or get_language()
    slots = _positions(blocks)
    spatial = [b.output_shape[0] for b in blocks if len(b.output_shape) == 3]
    largest = (max(spatial, default=1), max(b.output_shape[-1] for b in blocks))
    geometry = [_box(block, slots[i], largest) for i, block in enumerate(blocks)]
    shapes = [_box_shape(block, box) for block, box in zip(blocks, geometry, strict=True)]
    annotations = [_box_label(i, block, slots[i]) for i, block in enumerate(blocks)]
    edge_x, edge_y, heads_down, margin = _edges(blocks, geometry)
    grey = "#7f7f7f"
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "x": edge_x,
            "y": edge_y,
            "mode": "lines",
            "line": {"color": grey, "width": 1.5},
            "hoverinfo": "skip",
            "showlegend": False,
        },
        {
            "type": "scatter",
            "x": heads_down[0],
            "y": heads_down[1],
            "mode": "markers",
            "hoverinfo": "skip",
            "showlegend": False,
            "marker": {"symbol": "triangle-down", "size": 9, "color": grey},
        },
        {
            "type": "scatter",
            "x": [box[0] for box in geometry],
            "y": [box[1] for box in geometry],
            "mode": "markers",
            "marker": {"size": 24, "opacity": 0},
            "hoverinfo": "text",
            "showlegend": False,
            "hovertext": [_hover(block, lang) for block in blocks],
        },
        *_legend(blocks, lang),
    ]
    levels = max(b.level for b in blocks) + 1
    layout: dict[str, Any] = {
        "shapes": shapes,
        "annotations": annotations,
        "height": ROW_PX * levels + 90,
        "margin": {"l": 10, "r": 10, "t": 70 if title else 40, "b": 10},
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "separators": separators(lang),
        "font": {"size": FONT},
        "legend": {"orientation": "h", "x": 0, "y": 1, "yanchor": "bottom", "font": {"size": FONT}},
        "hoverlabel": {"font": {"size": FONT}},
        "dragmode": False,
        "xaxis": {"range": [-0.02 * margin - 0.02, 1.0], "visible": False, "fixedrange": True},
        "yaxis": {"range": [levels - 0.5, -0.5], "visible": False, "fixedrange": True},
    }
    if title:
        layout["title"] = {"text": title, "font": {"size": 18}, "x": 0}
    return build_figure(data, layout)


Box = tuple[float, float, float, float]
"""A box in the diagram: centre x and y, half width and half height, in axis units."""


def _box(block: Block, slot: tuple[float, float], largest: tuple[int, int]) -> Box:
    """Size a block's box: width by the square root of its rows, height by log of channels.

    ``largest`` is the network's largest side and channel count, which get
    the full size; a vector (``Dense``) is one cell wide.
    """
    left, width = slot
    max_side, max_depth = largest
    side = block.output_shape[0] if len(block.output_shape) == 3 else 1
    scale_w = max(math.sqrt(side / max_side), 0.06)
    depth = block.output_shape[-1]
    scale_h = 0.25 + 0.75 * math.log2(depth + 1) / math.log2(max_depth + 1)
    return left + 0.2 * width, float(block.level), 0.19 * width * scale_w, 0.36 * scale_h


def _box_shape(block: Block, box: Box) -> dict[str, Any]:
    """Draw a box as a layout rectangle in its category's colour."""
    x, y, half_w, half_h = box
    return {
        "type": "rect",
        "x0": x - half_w,
        "x1": x + half_w,
        "y0": y - half_h,
        "y1": y + half_h,
        "fillcolor": CATEGORY_COLOURS[block.category],
        "line": {"color": "#303030", "width": 1},
        "layer": "above",
    }


def _box_label(index: int, block: Block, slot: tuple[float, float]) -> dict[str, Any]:
    """Write a box's title, shape and description on its right, three lines at most."""
    left, width = slot
    if width > 0.5:
        lines = [f"<b>{block.title}</b>  {format_shape(block.output_shape)}"]
        if index > 0:
            lines += _wrap(block.description, LABEL_WIDTH)
    else:  # a branch beside others: less room, one thing per line
        lines = [f"<b>{block.title}</b>", format_shape(block.output_shape)]
        if index > 0:
            lines += _wrap(block.description, 14)
    return {
        "x": left + 0.42 * width,
        "y": float(block.level),
        "xanchor": "left",
        "yanchor": "middle",
        "align": "left",
        "showarrow": False,
        "text": "<br>".join(lines[:3]),
        "font": {"size": FONT if width > 0.5 else FONT - 1, "color": "#1a1a1a"},
    }


def _edges(
    blocks: Sequence[Block], geometry: Sequence[Box]
) -> tuple[list[float | None], list[float | None], tuple[list[float], list[float]], int]:
    """Route every connection from the bottom of its source box to the top of its target's.

    Returns the lines' x and y (None between lines), the arrow heads' x and y,
    and how many lanes down the left margin the row-skipping connections took.
    """
    edge_x: list[float | None] = []
    edge_y: list[float | None] = []
    heads_down: tuple[list[float], list[float]] = ([], [])
    margin = 0
    for block, (x, y, _, half_h) in zip(blocks, geometry, strict=True):
        for source in block.inputs:
            sx, sy, _, s_half_h = geometry[source]
            if block.level - blocks[source].level == 1:
                edge_x += [sx, x, None]
                edge_y += [sy + s_half_h, y - half_h, None]
            else:  # skips rows: along the gaps between rows and down the left margin,
                # so that it crosses no box, and into the top of its box like the others.
                margin += 1
                lane = -0.02 * margin
                edge_x += [sx, sx, lane, lane, x, x, None]
                edge_y += [sy + s_half_h, sy + 0.5, sy + 0.5, y - 0.5, y - 0.5, y - half_h, None]
            heads_down[0].append(x)
            heads_down[1].append(y - half_h)
    return edge_x, edge_y, heads_down, margin


def _legend(blocks: Sequence[Block], lang: str) -> list[dict[str, Any]]:
    """One legend entry (an empty trace) per category the diagram shows, the input left out."""
    return [
        {
            "type": "scatter",
            "x": [None],
            "y": [None],
            "mode": "markers",
            "name": t(f"arch.category.{category}", lang=lang),
            "marker": {"symbol": "square", "size": 14, "color": CATEGORY_COLOURS[category]},
        }
        for category in CATEGORIES
        if category != "input" and any(b.category == category for b in blocks)
    ]


def _hover(block: Block, lang: str) -> str:
    lines = [
        f"<b>{block.title}</b>: {format_shape(block.output_shape)}",
        block.description,
        t("arch.fig.hover_params", lang=lang, value=format_count(block.params, lang)),
        t("arch.fig.hover_macs", lang=lang, value=format_count(block.macs, lang)),
        t(
            "arch.fig.hover_rf",
            lang=lang,
            size=block.receptive_field,
            jump=format_number(block.jump, digits=3, lang=lang),
        ),
    ]
    if len(block.layers) > 1:
        shown = ", ".join(block.layers[:6]) + ("…" if len(block.layers) > 6 else "")
        lines.append(t("arch.fig.hover_layers", lang=lang, count=len(block.layers), names=shown))
    return "<br>".join(lines)


# --- where the parameters and the compute are --------------------------------------------------


def _cost_category(category: str) -> str:
    return category if category in ("conv", "dense") else "other"


def cost_shares(summary: Summary, *, lang: str | None = None) -> go.Figure:
    """Draw what share of the parameters and of the MACs sits in conv, dense and other layers.

    Parameters
    ----------
    summary : Summary
        A network's summary.
    lang : str, optional
        Language; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        Two stacked horizontal bars (parameters, MACs) of 100 %, one segment
        per category, each with its share written in and its count on hover.

    Examples
    --------
    >>> from cnnviz.content.gallery import vgg
    >>> from cnnviz.core.architectures import summarize
    >>> fig = cost_shares(summarize(vgg(16), (224, 224, 3)), lang="en")
    >>> [round(x, 1) for x in fig.data[0].x]  # conv: 10.6 % of weights, 99.2 % of MACs
    [10.6, 99.2]
    """
    lang = lang or get_language()
    totals = _cost_totals(summary)
    whole = [max(summary.params, 1), max(summary.macs, 1)]
    rows = [t("arch.fig.params", lang=lang), t("arch.fig.macs", lang=lang)]
    data = []
    for category, (params, macs) in totals.items():
        if params == 0 and macs == 0:
            continue
        shares = [100 * params / whole[0], 100 * macs / whole[1]]
        name = t(f"arch.category.{category}", lang=lang)
        data.append(
            {
                "type": "bar",
                "x": shares,
                "y": rows,
                "orientation": "h",
                "name": name,
                "marker": {"color": CATEGORY_COLOURS[category]},
                "text": [
                    f"{format_number(s, digits=1, lang=lang)} %" if s >= 15 else "" for s in shares
                ],
                "textposition": "inside",
                "insidetextanchor": "middle",
                "textfont": {"size": FONT, "color": "white"},
                "customdata": [format_count(params, lang), format_count(macs, lang)],
                "hovertemplate": f"{name}: %{{customdata}} (%{{x:.1f}} %)<extra></extra>",
            }
        )
    layout = {
        "barmode": "stack",
        "height": 200,
        "margin": {"l": 10, "r": 10, "t": 40, "b": 30},
        "separators": separators(lang),
        "plot_bgcolor": "white",
        "font": {"size": FONT},
        "legend": {
            "orientation": "h",
            "x": 0,
            "y": 1.02,
            "yanchor": "bottom",
            "traceorder": "normal",
        },
        "dragmode": False,
        "xaxis": {
            "range": [0, 100],
            "ticksuffix": " %",
            "fixedrange": True,
            "gridcolor": "#ececec",
        },
        "yaxis": {"autorange": "reversed", "fixedrange": True, "automargin": True},
    }
    return build_figure(data, layout)


def _cost_totals(summary: Summary) -> dict[str, list[int]]:
    """Parameters and MACs of the conv, dense and other layers."""
    totals = {"conv": [0, 0], "dense": [0, 0], "other": [0, 0]}
    for layer in summary.layers:
        cost = totals[_cost_category(layer_category(layer.type))]
        cost[0] += layer.params
        cost[1] += layer.macs
    return totals


def share_sentence(summary: Summary, *, lang: str | None = None) -> str:
    """Say in words where the parameters and the multiply-accumulates are.

    Parameters
    ----------
    summary : Summary
        From :func:`cnnviz.core.architectures.summarize`.
    lang : str, optional
        Language of the sentence; the current one by default.

    Returns
    -------
    str
        One clause per kind of layer that has any (convolution, dense, other).

    Examples
    --------
    >>> from cnnviz.content.gallery import vgg
    >>> from cnnviz.core.architectures import summarize
    >>> share_sentence(summarize(vgg(16), (224, 224, 3)), lang="en")  # doctest: +ELLIPSIS
    'convolution: 10.6 % of the parameters and 99.2 % of the multiply-accumulates; dense: ...'
    """
    lang = lang or get_language()
    whole = [max(summary.params, 1), max(summary.macs, 1)]
    clauses = [
        t(
            "arch.fig.share_item",
            lang=lang,
            name=t(f"arch.category.{category}", lang=lang),
            params=format_number(100 * params / whole[0], digits=1, lang=lang) + " %",
            macs=format_number(100 * macs / whole[1], digits=1, lang=lang) + " %",
        )
        for category, (params, macs) in _cost_totals(summary).items()
        if params or macs
    ]
    return "; ".join(clauses)


def _unique_titles(blocks: Sequence[Block]) -> list[str]:
    seen: dict[str, int] = {}
    titles = []
    for block in blocks:
        seen[block.title] = seen.get(block.title, 0) + 1
        titles.append(
            block.title if seen[block.title] == 1 else f"{block.title} ({seen[block.title]})"
        )
    return titles


def cost_per_block(blocks: Sequence[Block], *, lang: str | None = None) -> go.Figure:
    """Draw each block's parameters (top) and MACs (bottom) as bars, coloured by kind.

    Parameters
    ----------
    blocks : sequence of Block
        From :func:`network_blocks`; blocks without weights are left out.
    lang : str, optional
        Language; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        Two bar charts sharing the blocks' axis.

    Examples
    --------
    >>> from cnnviz.content.gallery import lenet5
    >>> from cnnviz.core.architectures import summarize
    >>> spec = lenet5()
    >>> fig = cost_per_block(network_blocks(spec, summarize(spec, (32, 32, 1))), lang="en")
    >>> list(fig.data[0].x), list(fig.data[0].y)
    (['c1', 'c3', 'c5', 'f6', 'output'], [156, 2416, 48120, 10164, 850])
    """
    lang = lang or get_language()
    kept = [b for b in blocks if b.params or b.macs]
    titles = _unique_titles(kept)
    colours = [CATEGORY_COLOURS[b.category] for b in kept]
    data = []
    for row, values in ((1, [b.params for b in kept]), (2, [b.macs for b in kept])):
        data.append(
            {
                "type": "bar",
                "x": titles,
                "y": values,
                "xaxis": "x" if row == 1 else "x2",
                "yaxis": "y" if row == 1 else "y2",
                "marker": {"color": colours},
                "customdata": [
                    [format_count(v, lang), b.description]
                    for v, b in zip(values, kept, strict=True)
                ],
                "hovertemplate": "<b>%{x}</b>: %{customdata[0]}<br>%{customdata[1]}<extra></extra>",
                "showlegend": False,
            }
        )
    # Two charts, one above the other, sharing the blocks' axis (what make_subplots builds).
    y_axis = {"gridcolor": "#ececec", "tickformat": "~s", "fixedrange": True}
    x_axis = {"fixedrange": True, "automargin": True, "tickangle": -45 if len(kept) > 8 else 0}
    layout = {
        "height": 460,
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "separators": separators(lang),
        "plot_bgcolor": "white",
        "font": {"size": FONT},
        "bargap": 0.25,
        "dragmode": False,
        "xaxis": {**x_axis, "anchor": "y", "matches": "x2", "showticklabels": False},
        "yaxis": {**y_axis, "anchor": "x", "domain": [0.55, 1.0]},
        "xaxis2": {**x_axis, "anchor": "y2"},
        "yaxis2": {**y_axis, "anchor": "x2", "domain": [0.0, 0.45]},
        "annotations": [
            paper_text(
                t(key, lang=lang),
                0,
                top,
                size=16,
                xanchor="left",
                yanchor="bottom",
            )
            for key, top in (("arch.fig.params_per_block", 1.0), ("arch.fig.macs_per_block", 0.45))
        ],
    }
    return build_figure(data, layout)


def _input_rows_label(rows: int, largest: int, lang: str) -> dict[str, Any]:
    """Name the dashed line of the input's rows at the top, on the side with more room.

    At the top the first blocks see little, so the text covers no marker.
    """
    right = 2 * rows < largest
    return {
        "text": t("arch.fig.input_rows", lang=lang, rows=rows),
        "x": rows,
        "xref": "x",
        "y": 1,
        "yref": "paper",
        "yanchor": "top",
        "showarrow": False,
        "xanchor": "left" if right else "right",
        "font": {"size": FONT - 1},
    }


def receptive_field_chart(
    blocks: Sequence[Block], input_shape: Sequence[int], *, lang: str | None = None
) -> go.Figure:
    """Draw how many input rows one output cell sees, block after block, top to bottom.

    Parameters
    ----------
    blocks : sequence of Block
        From :func:`network_blocks`, input first.
    input_shape : tuple of int
        The network's input, whose rows are drawn as a dashed line.
    lang : str, optional
        Language; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        Blocks down the side in the diagram's order, the receptive field
        across; the hover gives the jump (input rows between neighbouring
        output cells).

    Examples
    --------
    >>> from cnnviz.core.architectures import summarize
    >>> from cnnviz.core.shorthand import parse_shorthand
    >>> spec = parse_shorthand("(CR)2P")
    >>> fig = receptive_field_chart(
    ...     network_blocks(spec, summarize(spec, (28, 28, 1)), grouped=False, lang="en"),
    ...     (28, 28, 1), lang="en")
    >>> list(fig.data[0].x), list(fig.data[0].y)
    ([1, 3, 5, 6], ['Input', 'conv1', 'conv2', 'pool1'])
    """
    lang = lang or get_language()
    titles = _unique_titles(blocks)
    data = [
        {
            "type": "scatter",
            "x": [b.receptive_field for b in blocks],
            "y": titles,
            "mode": "lines+markers+text",
            "line": {"color": "#7f7f7f", "width": 2},
            "marker": {"size": 10, "color": [CATEGORY_COLOURS[b.category] for b in blocks]},
            "text": [str(b.receptive_field) for b in blocks],
            "textposition": "middle right",
            "textfont": {"size": FONT - 1},
            "customdata": [
                [b.description, format_number(b.jump, digits=3, lang=lang)] for b in blocks
            ],
            "hovertemplate": (
                "<b>%{y}</b>: %{x} "
                + t("arch.fig.rf_unit", lang=lang)
                + "<br>%{customdata[0]}<br>"
                + t("arch.fig.rf_jump", lang=lang)
                + " %{customdata[1]}<extra></extra>"
            ),
            "showlegend": False,
            "cliponaxis": False,
        }
    ]
    largest = max(b.receptive_field for b in blocks)
    shapes: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    if len(input_shape) == 3:
        rows = input_shape[0]
        largest = max(largest, rows)
        shapes.append(
            {
                "type": "line",
                "x0": rows,
                "x1": rows,
                "xref": "x",
                "y0": 0,
                "y1": 1,
                "yref": "paper",
                "line": {"dash": "dash", "color": "#7f7f7f"},
            }
        )
        annotations.append(_input_rows_label(rows, largest, lang))
    layout = {
        "height": max(240, 26 * len(blocks) + 90),
        "margin": {"l": 10, "r": 30, "t": 10, "b": 10},
        "separators": separators(lang),
        "plot_bgcolor": "white",
        "font": {"size": FONT},
        "dragmode": False,
        "shapes": shapes,
        "annotations": annotations,
        "xaxis": {
            "title": {"text": t("arch.fig.rf_axis", lang=lang), "font": {"size": FONT}},
            "gridcolor": "#ececec",
            "range": [0, largest * 1.15],
            "fixedrange": True,
        },
        "yaxis": {"autorange": "reversed", "fixedrange": True, "automargin": True},
    }
    return build_figure(data, layout)
