"""Tests of cnnviz.figures.channels: the filter bank, its channels, and a map's R + G + B + bias."""

import numpy as np
import pytest

from cnnviz.core.channels import channel_contributions, filter_as_rgb
from cnnviz.figures import channels as cf
from cnnviz.figures._base import DIVERGING, WINDOW_COLOR
from cnnviz.i18n import InputError, format_number
from tests.figures.helpers import validated

RNG = np.random.default_rng(3)
BANK = RNG.normal(0, 0.3, (3, 3, 3, 5))
IMAGE = RNG.uniform(0, 1, (6, 5, 3))


def test_filter_bank_tiles_are_the_filters_colours_in_a_mosaic():
    fig = validated(cf.filter_bank(BANK, selected=4, columns=2, lang="en"))
    image, targets = fig.data
    pixels = np.array(image.z)
    # Three block rows of two tiles: 2 label rows, then (3 + 2) per block row, less the last gap.
    assert pixels.shape == (2 + 3 * 5 - 2, 7, 3)
    rgb = np.round(filter_as_rgb(BANK) * 255)
    np.testing.assert_array_equal(pixels[2:5, 0:3], rgb[0])  # filter 0: first tile
    np.testing.assert_array_equal(pixels[7:10, 4:7], rgb[3])  # filter 3: block row 1, column 1
    np.testing.assert_array_equal(pixels[12:15, 0:3], rgb[4])
    assert (pixels[2:5, 3] == 255).all()  # white between tiles
    assert [a.text for a in fig.layout.annotations] == ["0", "1", "2", "3", "<b>4</b>"]
    assert fig.layout.annotations[4].font.color == WINDOW_COLOR
    # Targets at the tiles' centres, one per filter, the frame around filter 4.
    assert list(targets.x) == [1, 5, 1, 5, 1] and list(targets.y) == [3, 3, 8, 8, 13]
    assert [c[0] for c in targets.customdata] == [0, 1, 2, 3, 4]
    (frame,) = fig.layout.shapes
    assert (frame.x0 < -0.5 < 2.5 < frame.x1) and (frame.y0 < 11.5 < 14.5 < frame.y1)


def test_filter_channels_three_rows_of_weights_on_one_symmetric_scale():
    fig = validated(cf.filter_channels(BANK, selected=1, columns=3, lang="es"))
    weights, targets = fig.data
    z = np.array(weights.z, dtype=float)
    limit = np.abs(BANK).max()
    assert weights.zmin == -limit and weights.zmax == limit
    assert [list(stop) for stop in weights.colorscale] == [list(stop) for stop in DIVERGING]
    # Filter 1's G slice: block 0, tile column 1, second channel row (rows 2 + 4 .. 2 + 6).
    np.testing.assert_array_equal(z[6:9, 4:7], BANK[:, :, 1, 1])
    # Filter 3's B slice: block row 1 starts at 2 + 11 + 2.
    np.testing.assert_array_equal(z[15 + 8 : 15 + 11, 0:3], BANK[:, :, 2, 3])
    assert np.isnan(z[5, 0]) and np.isnan(z[2, 3])  # gaps between slices and tiles
    weight = format_number(BANK[0, 0, 1, 1], digits=3, lang="es")
    assert weights.text[6][4] == f"Filtro 1, G: peso {weight}"
    names = [
        a.text for a in fig.layout.annotations if a.text in ("<b>R</b>", "<b>G</b>", "<b>B</b>")
    ]
    assert names == ["<b>R</b>", "<b>G</b>", "<b>B</b>"] * 2
    assert targets.hoverinfo == "skip"


def test_filter_from_selection_reads_a_tile_and_ignores_the_rest():
    tile = {"customdata": [3], "legendgroup": cf.FILTER_GROUP}
    assert cf.filter_from_selection({"selection": {"points": [tile]}}) == 3
    assert (
        cf.filter_from_selection({"points": [{"customdata": [1, 2], "legendgroup": "x"}]}) is None
    )
    assert cf.filter_from_selection(None) is None
    assert cf.filter_from_selection({"selection": {"points": [{"legendgroup": "x"}, tile]}}) == 3


@pytest.mark.parametrize("stacked", [False, True])
def test_channel_sum_draws_each_term_on_one_scale_and_outlines_the_cell(stacked):
    parts = channel_contributions(IMAGE, BANK, np.linspace(-1, 1, 5), 3, padding="same")
    fig = validated(cf.channel_sum_figure(IMAGE, parts, cell=(0, 4), stacked=stacked, lang="es"))
    heatmaps = [d for d in fig.data if d.type == "heatmap"]
    # Input R, R's part, input G, G's part, input B, B's part; the map (its input is a picture).
    inputs, terms = heatmaps[0:6:2], [*heatmaps[1:6:2], heatmaps[6]]
    for channel, trace in enumerate(inputs):  # each channel in its own colour, 0 to 1
        np.testing.assert_array_equal(trace.z, IMAGE[..., channel])
        assert (trace.zmin, trace.zmax) == (0.0, 1.0)
        assert trace.colorscale[-1][1] == ["rgb(255,0,0)", "rgb(0,255,0)", "rgb(0,0,255)"][channel]
    expected = [*parts.contributions, parts.total]
    for trace, values in zip(terms, expected, strict=True):
        np.testing.assert_array_equal(trace.z, values)
        assert (trace.zmin, trace.zmax) == (-parts.limit, parts.limit)
    assert [trace.showscale for trace in terms] == [False, False, False, True]
    (picture,) = [d for d in fig.data if d.type == "image"]
    assert np.array(picture.z).shape == (6, 5, 3)
    texts = [a.text for a in fig.layout.annotations]
    assert "Mapa (b = 0,5)" in texts
    assert texts.count("+") == 2 and any(text.startswith("+ b") for text in texts)
    # The window on the inputs: rows 0..1 and columns 3..4 (the rest is padding); the cell.
    outlines = [d for d in fig.data if d.type == "scatter" and d.mode == "lines"]
    assert len(outlines) == 8
    assert (min(outlines[0].x), max(outlines[0].x)) == (2.5, 4.5)
    assert (min(outlines[0].y), max(outlines[0].y)) == (-0.5, 1.5)
    assert (min(outlines[1].x), max(outlines[1].x), min(outlines[1].y)) == (3.5, 4.5, -0.5)
    # Every cell of the map is clickable, with its value written the language's way.
    (targets,) = [d for d in fig.data if d.type == "scatter" and d.mode == "markers"]
    assert targets.yaxis == terms[3].yaxis and len(targets.customdata) == 30
    assert targets.text[0] == format_number(parts.total[0, 0], digits=3, lang="es")


def test_channel_sum_layouts_side_by_side_or_stacked():
    parts = channel_contributions(IMAGE, BANK, 0.0, 0)
    wide = cf.channel_sum_figure(IMAGE, parts, lang="en")
    phone = cf.channel_sum_figure(IMAGE, parts, stacked=True, lang="en")
    # Wide: the map's panels right of B's, inputs above; phone: the map's row under B's.
    assert wide.layout.xaxis8.domain[0] > wide.layout.xaxis6.domain[1]
    assert wide.layout.yaxis.domain[0] > wide.layout.yaxis2.domain[1]
    assert phone.layout.yaxis8.domain[1] < phone.layout.yaxis6.domain[0]
    assert phone.layout.xaxis.domain[1] < phone.layout.xaxis2.domain[0]
    assert phone.layout.height > wide.layout.height
    assert not [d for d in wide.data if d.type == "scatter" and d.mode == "lines"]


def test_filter_bank_refuses_filters_that_are_not_rgb():
    with pytest.raises(InputError) as err:
        cf.filter_bank(np.zeros((3, 3, 1, 4)))
    assert err.value.key == "channels.error.not_rgb_filters"


@pytest.mark.parametrize("draw", [cf.filter_bank, cf.filter_channels])
def test_a_bank_is_as_tall_as_its_tiles_at_the_width_it_is_made_for(draw):
    wide = draw(BANK, columns=5, width=cf.BANK_WIDTH, lang="en")
    phone = draw(BANK, columns=5, width=360, lang="en")
    # The same mosaic: its height in pixels scales with the width it is drawn at.
    assert phone.layout.height < wide.layout.height < 2.3 * phone.layout.height
    rows = np.shape(wide.data[0].z)[0]
    assert wide.layout.height > rows * 10  # every cell a readable size, not a sliver
