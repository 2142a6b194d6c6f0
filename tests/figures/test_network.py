import numpy as np
import pytest

from cnnviz.figures import network as nf
from cnnviz.i18n import InputError
from tests.figures.helpers import validated


def test_map_grid_one_panel_per_channel_with_a_shared_symmetric_scale():
    maps = np.arange(2 * 3 * 5, dtype=float).reshape(2, 3, 5) - 10
    fig = validated(nf.map_grid(maps, columns=2, lang="en"))
    assert len(fig.data) == 5
    assert all(trace.zmin == -19 and trace.zmax == 19 for trace in fig.data)
    np.testing.assert_array_equal(fig.data[3].z, maps[..., 3])
    assert [a.text for a in fig.layout.annotations] == ["0", "1", "2", "3", "4"]
    # Five panels in two columns: three rows, the last one half full.
    assert fig.layout.xaxis.domain == fig.layout.xaxis5.domain
    assert fig.layout.yaxis.domain[0] > fig.layout.yaxis3.domain[0] > fig.layout.yaxis5.domain[0]
    assert [trace.showscale for trace in fig.data] == [False] * 4 + [True]


def test_map_grid_grey_for_non_negative_maps_and_values_in_spanish():
    maps = np.array([[0.5, 1.25], [0.0, 2.0]])
    fig = nf.map_grid(maps, show_values=True, lang="es")
    assert fig.data[0].colorscale[0][1] == "rgb(0,0,0)"
    assert fig.data[0].text[0] == ["0,5", "1,25"]
    assert fig.layout.separators == ", "


def test_map_grid_frames_the_highlighted_channel():
    fig = nf.map_grid(np.zeros((3, 3, 4)), highlight=2, lang="en")
    (frame,) = fig.layout.shapes
    assert frame.xref == "x3 domain" and frame.yref == "y3 domain"


def test_map_grid_refuses_a_flat_vector():
    with pytest.raises(InputError) as err:
        nf.map_grid(np.zeros(10))
    assert err.value.key == "fig.error.maps_shape"


def test_image_strip_shows_sizes_and_a_fixed_grey_scale():
    images = [np.full((40, 30), 0.2), np.eye(28)]
    fig = validated(nf.image_strip(images, ["a", "b"], lang="en"))
    assert [a.text for a in fig.layout.annotations] == ["a<br>40 × 30", "b<br>28 × 28"]
    # The sizes in full-size type, as large as the figures' titles (no 8-pixel <sub>).
    assert [a.font.size for a in fig.layout.annotations] == [16, 16]
    assert all((trace.zmin, trace.zmax) == (0, 1) for trace in fig.data)
    assert fig.layout.xaxis.showline and fig.layout.yaxis2.mirror


def test_image_strip_wraps_long_titles_keeps_sizes_whole_and_makes_room_above():
    titles = ["1. Grayscale", "2. Light ink on black", "5. Centre in 28 × 28"]
    fig = validated(nf.image_strip([np.ones((2, 2))] * 3, titles, height=300, lang="en"))
    assert [a.text for a in fig.layout.annotations] == [
        "1. Grayscale<br>2 × 2",
        "2. Light ink<br>on black<br>2 × 2",
        "5. Centre in<br>28\u00a0×\u00a028<br>2 × 2",  # no line break inside a size
    ]
    # Two title lines and the size: three lines of 20 px above the panels, which keep 300 px.
    assert fig.layout.margin.t == 3 * 20 + 10
    assert fig.layout.height - fig.layout.margin.t == 300 - 60


def test_image_strip_needs_one_title_per_image():
    with pytest.raises(InputError):
        nf.image_strip([np.zeros((2, 2))], ["a", "b"])


def test_probability_bars_highlight_the_winner_and_write_percentages():
    probs = np.array([0.02, 0.898, 0.08, 0.002])
    fig = validated(nf.probability_bars(probs, lang="en"))
    (bars,) = fig.data
    assert list(bars.y) == pytest.approx([2, 89.8, 8, 0.2])
    assert list(bars.text) == ["2.0 %", "89.8 %", "8.0 %", ""]  # under 0.5 %: no text
    assert list(bars.marker.color) == [nf.BAR_COLOR, nf.WINNER_COLOR, nf.BAR_COLOR, nf.BAR_COLOR]
    assert not fig.layout.showlegend


def test_probability_bars_write_only_the_three_largest():
    # Ten similar bars (a photo of nothing): ten labels would overlap.
    probs = np.array([0.09, 0.11, 0.1, 0.12, 0.08, 0.1, 0.1, 0.13, 0.07, 0.1])
    (bars,) = validated(nf.probability_bars(probs, lang="es")).data
    written = {i: text for i, text in enumerate(bars.text) if text}
    assert written == {1: "11,0 %", 3: "12,0 %", 7: "13,0 %"}


def test_probability_bars_with_a_reference_draw_it_behind():
    fig = validated(nf.probability_bars([0.6, 0.4], reference=[0.1, 0.9], lang="es"))
    reference, current = fig.data
    assert list(reference.y) == pytest.approx([10, 90])
    assert reference.name == "Red original" and current.name == "Con tu filtro"
    assert fig.layout.barmode == "overlay" and fig.layout.showlegend


def test_saliency_panels_lay_each_map_over_the_input():
    image = np.eye(3)
    unsigned = np.array([[0.0, 2.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    signed = -unsigned
    fig = validated(nf.saliency_panels(image, [unsigned, signed], ["g", "ig"], opacity=0.3))
    base1, map1, _, map2 = fig.data
    np.testing.assert_array_equal(base1.z, image)
    assert base1.hoverinfo == "skip"
    assert (map1.zmin, map1.zmax, map1.opacity) == (0, 2, 0.3)
    assert (map2.zmin, map2.zmax) == (-2, 2)
    assert map1.colorscale[0][1] == "rgba(255,255,178,0)"  # zero is see-through
    assert map2.colorscale[2] == (0.5, "rgba(247,247,247,0)")
    assert map1.xaxis == "x" and map2.xaxis == "x2"


def test_saliency_panels_all_zero_map_keeps_a_valid_range():
    fig = nf.saliency_panels(np.zeros((2, 2)), [np.zeros((2, 2))], ["flat"])
    assert (fig.data[1].zmin, fig.data[1].zmax) == (0, 1)


def test_saliency_panels_refuse_a_map_of_another_size():
    with pytest.raises(InputError):
        nf.saliency_panels(np.zeros((4, 4)), [np.zeros((2, 2))], ["small"])


def test_five_saliency_maps_sit_three_then_two():
    maps = [np.full((4, 4), float(i + 1)) for i in range(5)]
    fig = nf.saliency_panels(np.zeros((4, 4)), maps, list("abcde"))
    tops = [fig.layout[f"yaxis{'' if i == 0 else i + 1}"].domain[1] for i in range(5)]
    lefts = [fig.layout[f"xaxis{'' if i == 0 else i + 1}"].domain[0] for i in range(5)]
    assert tops[0] == tops[1] == tops[2] > tops[3] == tops[4]  # two rows
    assert lefts[:3] == sorted(lefts[:3]) and lefts[3:] == lefts[:2]  # the second row starts left
    # Each panel is a third of the width, so taller rows than one row of five would be.
    one_row = nf.saliency_panels(np.zeros((4, 4)), maps[:3], list("abc"))
    assert fig.layout.height > one_row.layout.height
