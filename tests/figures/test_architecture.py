"""Figures of whole networks: blocks, diagram, cost charts and receptive field."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import pytest

from cnnviz.content.gallery import ARCHITECTURES
from cnnviz.core.architectures import summarize
from cnnviz.core.shorthand import parse_shorthand
from cnnviz.figures import architecture as figs
from cnnviz.i18n import catalog, format_count, t


def network(key: str):
    a = ARCHITECTURES[key]
    spec = a.spec()
    return spec, summarize(spec, a.input_shape)


# --- blocks -------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", list(ARCHITECTURES))
@pytest.mark.parametrize("grouped", [True, False])
def test_blocks_account_for_every_layer_and_number(key, grouped):
    spec, summary = network(key)
    blocks = figs.network_blocks(spec, summary, grouped=grouped, lang="en")
    names = [name for block in blocks for name in block.layers]
    assert sorted(names) == sorted(layer.name for layer in summary.layers)
    assert sum(b.params for b in blocks) == summary.params
    assert sum(b.macs for b in blocks) == summary.macs
    assert blocks[0].category == "input" and blocks[0].output_shape == summary.input_shape
    assert blocks[-1].output_shape == summary.output_shape
    for block in blocks[1:]:
        assert block.inputs and all(blocks[i].level < block.level for i in block.inputs)
        assert block.level == 1 + max(blocks[i].level for i in block.inputs)
        assert block.description and "{" not in block.description


def test_resnet34_is_readable_in_nine_boxes():
    spec, summary = network("resnet34")
    blocks = figs.network_blocks(spec, summary, lang="en")
    assert [b.title for b in blocks] == [
        "Input",
        "conv1_conv",
        "pool1_pool",
        "conv2",
        "conv3",
        "conv4",
        "conv5",
        "avg_pool",
        "predictions",
    ]
    conv3 = blocks[4]
    assert conv3.output_shape == (28, 28, 128)
    assert conv3.description == "Conv 3×3/2 · 7× Conv 3×3 · Conv 1×1/2 · 4× Add"
    # Its four basic blocks: 8 convolutions, a projection, their batch normalisations.
    assert conv3.params == sum(
        layer.params for layer in summary.layers if layer.name.startswith("conv3_")
    )
    ungrouped = figs.network_blocks(spec, summary, grouped=False, lang="en")
    assert len(ungrouped) > 50 and figs.widest_row(ungrouped) == 2  # the projections beside


def test_inception_branches_sit_side_by_side():
    spec, summary = network("inception_3a")
    blocks = figs.network_blocks(spec, summary, lang="es")
    assert blocks[0].title == t("arch.fig.input", lang="es")
    assert figs.widest_row(blocks) == 4
    titles = {b.title: b for b in blocks}  # the shared prefix "inception_3a_" is left out
    assert titles["3x3"].inputs == (blocks.index(titles["3x3_reduce"]),)
    assert titles["output"].output_shape == (28, 28, 256) and len(titles["output"].inputs) == 4


def test_unet_skips_and_stage_names():
    spec, summary = network("small_unet")
    blocks = figs.network_blocks(spec, summary, lang="en")
    by_title = {b.title: i for i, b in enumerate(blocks)}
    assert blocks[by_title["concat1"]].inputs == (by_title["enc1"], by_title["up1"])
    assert blocks[by_title["enc1"]].description == "2× Conv 3×3"
    assert blocks[by_title["up2"]].description == "ConvT 2×2/2"


def test_vgg_stages_and_pools():
    spec, summary = network("vgg16")
    blocks = figs.network_blocks(spec, summary, lang="en")
    assert [b.description for b in blocks[1:4]] == ["2× Conv 3×3", "MaxPool 2×2", "2× Conv 3×3"]
    assert blocks[-2].title == "fc1…fc2" and blocks[-2].description == "2× Dense"
    alex = figs.network_blocks(*network("alexnet"), lang="en")
    assert alex[1].description == "Conv 11×11/4" and alex[2].description == "MaxPool 3×3/2"


# --- figures ------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", list(ARCHITECTURES))
@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_figure_is_valid_plotly(key, lang):
    spec, summary = network(key)
    blocks = figs.network_blocks(spec, summary, lang=lang)
    for fig in (
        figs.diagram(blocks, lang=lang),
        figs.cost_shares(summary, lang=lang),
        figs.cost_per_block(blocks, lang=lang),
        figs.receptive_field_chart(blocks, summary.input_shape, lang=lang),
    ):
        go.Figure(fig.to_dict())  # validates every property
        text = json.dumps(fig.to_plotly_json(), default=str)
        untranslated = [k for k in catalog(lang) if k.startswith("arch.") and k in text]
        assert untranslated == []
        assert "{value}" not in text and "{name}" not in text


def test_diagram_boxes_scale_with_shape():
    spec, summary = network("vgg16")
    blocks = figs.network_blocks(spec, summary, lang="en")
    fig = figs.diagram(blocks, lang="en")
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(rects) == len(blocks)
    widths = [r.x1 - r.x0 for r in rects]
    heights = [r.y1 - r.y0 for r in rects]
    # block1 (224 rows, 64 channels) is wider than block5 (14 rows) but thinner than it (512).
    assert widths[1] > widths[9] and heights[1] < heights[9]
    assert fig.layout.height == figs.ROW_PX * (max(b.level for b in blocks) + 1) + 90
    legend = [trace.name for trace in fig.data if trace.name]
    assert legend == [
        t(f"arch.category.{c}", lang="en") for c in ("conv", "pool", "dense", "other")
    ]
    hover = fig.data[2].hovertext[1]
    assert "block1" in hover and format_count(blocks[1].params, "en") in hover
    es = figs.diagram(blocks, lang="es")
    assert next(trace.name for trace in es.data if trace.name) == "convolución"


def test_skip_connections_run_down_the_margin():
    spec, summary = network("small_unet")
    blocks = figs.network_blocks(spec, summary, lang="en")
    fig = figs.diagram(blocks, lang="en")
    xs = [x for x in fig.data[0].x if x is not None]
    assert min(xs) < 0  # two skips, in two lanes left of the boxes
    assert sorted({x for x in xs if x < 0}) == [-0.04, -0.02]
    # One arrowhead per connection, every one into the top of its box.
    assert len(fig.data[1].x) == sum(len(b.inputs) for b in blocks)


def test_cost_shares_add_up_and_say_it():
    _, summary = network("vgg16")
    fig = figs.cost_shares(summary, lang="en")
    params = sum(trace.x[0] for trace in fig.data)
    macs = sum(trace.x[1] for trace in fig.data)
    assert params == pytest.approx(100) and macs == pytest.approx(100)
    conv = fig.data[0]
    assert conv.name == "convolution" and conv.customdata[0] == "14,714,688"
    sentence = figs.share_sentence(summary, lang="es")
    assert sentence.startswith("convolución: 10,6 %") and "densa: 89,4 %" in sentence


def test_cost_per_block_and_receptive_field_values():
    spec = parse_shorthand("(CR)2P(CR)2PF")
    summary = summarize(spec, (28, 28, 1))
    blocks = figs.network_blocks(spec, summary, lang="en")
    bars = figs.cost_per_block(blocks, lang="en")
    kept = [b for b in blocks if b.params or b.macs]
    assert list(bars.data[0].y) == [b.params for b in kept]
    assert list(bars.data[1].y) == [b.macs for b in kept]
    rf = figs.receptive_field_chart(blocks, (28, 28, 1), lang="en")
    assert list(rf.data[0].x) == [b.receptive_field for b in blocks]
    assert list(rf.data[0].x)[:4] == [1, 5, 6, 14]  # 3x3, 3x3 (grouped: 5), pool, 3x3 twice
    assert rf.layout.shapes[0].x0 == 28  # the input's rows, dashed
