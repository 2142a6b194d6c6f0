"""Tests of cnnviz.figures.features: the top images with their boxes, the objective's curve."""

from __future__ import annotations

import numpy as np
import pytest

from cnnviz.figures import features as ff
from cnnviz.i18n import InputError, t
from tests.figures.helpers import validated


def test_top_images_draw_each_picture_and_its_box_around_the_right_pixels():
    grey = np.linspace(0, 1, 28 * 28).reshape(28, 28, 1)
    colour = np.zeros((28, 28, 3))
    fig = validated(ff.top_images([grey, colour], [(2, 4, 5, 7), None], ["9,5", "8"], lang="es"))
    assert [trace.type for trace in fig.data] == ["heatmap", "scatter", "image"]
    np.testing.assert_array_equal(fig.data[0].z, grey[..., 0])
    # Rows 2..5 and columns 4..7, drawn around the pixels' edges.
    assert list(fig.data[1].x) == [3.5, 7.5, 7.5, 3.5, 3.5]
    assert list(fig.data[1].y) == [1.5, 1.5, 5.5, 5.5, 1.5]
    assert fig.data[1].xaxis == "x" and fig.data[2].xaxis == "x2"
    assert [a.text for a in fig.layout.annotations] == ["9,5", "8"]


def test_nine_images_make_three_rows_whose_titles_sit_above_their_pictures():
    fig = ff.top_images([np.zeros((4, 4))] * 9, [None] * 9, list("abcdefghi"), lang="en")
    assert fig.layout.height == 3 * ff.PANEL_PX
    tops = [fig.layout[f"yaxis{'' if k == 0 else k + 1}"].domain[1] for k in (0, 3, 6)]
    assert tops[0] > tops[1] > tops[2]
    titles = [a.y for a in fig.layout.annotations][::3]
    assert all(title > top for title, top in zip(titles, tops, strict=True))


def test_top_images_refuse_mismatched_lists():
    with pytest.raises(InputError):
        ff.top_images([np.zeros((2, 2))], [None, None], ["a"], lang="en")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_objective_curve_has_one_point_per_step_in_the_language(lang):
    fig = validated(ff.objective_curve([0.5, 1.5, 1.75], lang=lang))
    assert list(fig.data[0].x) == [1, 2, 3] and list(fig.data[0].y) == [0.5, 1.5, 1.75]
    assert fig.layout.xaxis.title.text == t("features.fig.step", lang=lang)
    assert fig.layout.separators == (", " if lang == "es" else ".,")
