"""Tests of cnnviz.content.gallery: the classic networks' totals against published figures
and keras.applications."""

from __future__ import annotations

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import pytest

from cnnviz.content import gallery
from cnnviz.content.gallery import ARCHITECTURES
from cnnviz.core.architectures import summarize
from cnnviz.i18n import InputError
from tests.core.helpers import assert_actionable


@pytest.fixture(scope="module")
def vgg_applications():
    """keras.applications' VGG16 and VGG19 (weights=None): built once, a few seconds."""
    models = {
        "vgg16": keras.applications.VGG16(weights=None, include_top=True),
        "vgg19": keras.applications.VGG19(weights=None, include_top=True),
    }
    yield models
    keras.backend.clear_session()


@pytest.mark.parametrize("key", ["vgg16", "vgg19"])
def test_vgg_matches_keras_applications(vgg_applications, key):
    a = ARCHITECTURES[key]
    model = vgg_applications[key]
    s = summarize(a.spec(), a.input_shape)
    for layer in s.layers:
        k = model.get_layer(layer.name)
        assert tuple(k.output.shape[1:]) == layer.output_shape
        assert k.count_params() == layer.params
    assert model.count_params() == s.params == a.params


@pytest.mark.parametrize(
    ("key", "params", "trainable"),
    [
        ("lenet5", 61_706, 61_706),  # 156 + 2,416 + 48,120 + 10,164 + 850
        ("alexnet", 62_378_344, 62_378_344),  # the usually quoted 62.3 M (one stream)
        ("vgg16", 138_357_544, 138_357_544),  # keras.applications.VGG16
        ("vgg19", 143_667_240, 143_667_240),  # keras.applications.VGG19
        ("resnet18", 11_699_112, 11_689_512),  # torchvision resnet18: 11,689,512
        ("resnet34", 21_814_696, 21_797_672),  # torchvision resnet34: 21,797,672
        ("inception_3a", 163_696, 163_696),  # 163,328 weights = the paper's 159K (K = 1024)
        ("small_unet", 116_753, 116_753),
    ],
)
def test_classic_totals_against_published_figures(key, params, trainable):
    a = ARCHITECTURES[key]
    s = summarize(a.spec(), a.input_shape)
    assert (s.params, s.trainable_params) == (a.params, a.trainable_params) == (params, trainable)
    json.dumps(a.spec())  # plain data


def test_resnet_variants_and_bad_depths():
    s = summarize(gallery.resnet(34), (224, 224, 3))
    assert s.layer("conv5_block3_out").output_shape == (7, 7, 512)
    assert round(s.trainable_params / 1e6, 1) == 21.8
    with pytest.raises(InputError) as info:
        gallery.resnet(50)
    assert_actionable(info.value, "error.arch_resnet_depth", "50")
    with pytest.raises(InputError):
        gallery.vgg(11)
