"""Tests of cnnviz.figures.training: a run's curves, runs compared, confusion matrix, images."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cnnviz.figures import training as figs
from cnnviz.i18n import InputError, t
from tests.figures.helpers import validated

# Two epochs of five batches: training rows every batch, validation only at epoch ends.
HISTORY = pd.DataFrame(
    {
        "epoch": [0.5, 1.0, 1.5, 2.0],
        "batch": [5, 10, 15, 20],
        "loss": [2.0, 1.2, 0.9, 0.7],
        "accuracy": [0.3, 0.6, 0.7, 0.8],
        "val_loss": [np.nan, 1.1, np.nan, 0.8],
        "val_accuracy": [np.nan, 0.55, np.nan, 0.75],
    }
)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_curves_plot_training_every_batch_and_validation_at_epoch_ends(lang):
    fig = validated(figs.curves(HISTORY, epochs=5, lang=lang))
    train_loss, val_loss, train_acc, val_acc = fig.data
    assert train_loss.x.tolist() == [0.5, 1.0, 1.5, 2.0] and train_loss.y.tolist() == [
        2.0,
        1.2,
        0.9,
        0.7,
    ]
    assert val_loss.x.tolist() == [1.0, 2.0] and val_loss.y.tolist() == [1.1, 0.8]
    assert train_acc.yaxis == "y2" and val_acc.y.tolist() == [0.55, 0.75]
    assert train_loss.name == t("train.fig.train", lang=lang)
    assert val_loss.name == t("train.fig.val", lang=lang)
    # The axis is fixed to the planned epochs, so the curves grow into it while training.
    assert list(fig.layout.xaxis.range) == [0, 5] and list(fig.layout.xaxis2.range) == [0, 5]
    assert fig.layout.separators == (", " if lang == "es" else ".,")  # decimal comma in Spanish


def test_runs_overlay_gives_each_run_its_colour_and_only_validation():
    other = HISTORY.assign(val_loss=HISTORY["val_loss"] * 2)
    fig = validated(figs.runs_overlay([("A", HISTORY), ("B", other)], lang="en"))
    assert [trace.name for trace in fig.data] == ["A", "A", "B", "B"]
    assert fig.data[0].line.color == figs.RUN_COLORS[0] != fig.data[2].line.color
    assert fig.data[2].y.tolist() == [2.2, 1.6]
    assert [trace.showlegend for trace in fig.data] == [True, False, True, False]


def test_confusion_matrix_rows_are_true_classes_and_cells_show_counts():
    matrix = np.array([[5, 0, 1], [2, 3, 0], [0, 0, 4]])
    fig = validated(figs.confusion_figure(matrix, ["0", "1", "2"], lang="es"))
    assert fig.data[0].z.tolist() == matrix.tolist()
    assert fig.data[0].text.tolist() == [["5", "0", "1"], ["2", "3", "0"], ["0", "0", "4"]]
    assert fig.layout.yaxis.title.text == t("train.fig.true", lang="es")
    assert fig.layout.yaxis.autorange == "reversed"  # class 0 on top, as the matrix is read


def test_confusion_matrix_must_be_square_over_the_labels():
    with pytest.raises(InputError) as info:
        figs.confusion_figure(np.ones((2, 3)), ["a", "b"], lang="en")
    assert info.value.key == "fig.error.maps_shape"


def test_per_class_bars_are_accuracies_in_percent():
    fig = validated(figs.per_class_bars(np.array([0.25, 1.0, 0.5]), ["a", "b", "c"], lang="en"))
    assert fig.data[0].x == ("a", "b", "c") and fig.data[0].y.tolist() == [0.25, 1.0, 0.5]
    assert fig.layout.yaxis.tickformat == ".0%"


def test_image_grid_draws_grey_as_heatmaps_and_colour_as_bytes():
    grey = figs.image_grid(np.full((5, 2, 2), 0.5), columns=2, lang="en")
    assert len(validated(grey).data) == 5 and {trace.type for trace in grey.data} == {"heatmap"}
    assert grey.data[0].z.tolist() == [[0.5, 0.5], [0.5, 0.5]]
    # Five images in two columns: three rows, the fifth image alone in the left column.
    assert grey.layout.xaxis5.domain == grey.layout.xaxis.domain
    rgb = np.zeros((1, 1, 2, 3))
    rgb[0, 0, 1] = (1.0, 0.5, 0.0)
    colour = figs.image_grid(rgb, ["x"], lang="en")
    assert colour.data[0].type == "image"
    assert np.asarray(colour.data[0].z).tolist() == [[[0, 0, 0], [255, 128, 0]]]


@pytest.mark.parametrize("shape", [(0, 4, 4), (2, 4, 4, 2), (4, 4)])
def test_image_grid_refuses_what_is_not_a_stack_of_images(shape):
    with pytest.raises(InputError) as info:
        figs.image_grid(np.zeros(shape), lang="en")
    assert info.value.key == "fig.error.maps_shape"
