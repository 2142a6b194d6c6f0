"""Tests of cnnviz.nets.saliency.methods (catalog, compute_all, normalize_map) and the package."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnviz.i18n import InputError, catalog
from cnnviz.nets.saliency.grad_cam import grad_cam
from cnnviz.nets.saliency.gradients import integrated_gradients, smoothgrad, vanilla_gradient
from cnnviz.nets.saliency.methods import METHODS, SaliencyResult, compute_all, normalize_map
from cnnviz.nets.saliency.occlusion import occlusion
from cnnviz.nets.saliency.options import SaliencyOptions
from tests.nets.helpers import assert_actionable
from tests.nets.saliency.helpers import PROPERTY, bright_spot

ROOT = Path(__file__).resolve().parents[3]

# --- display ----------------------------------------------------------------------------


def test_normalize_map_ranges_and_zero_maps():
    np.testing.assert_allclose(normalize_map(np.array([0.0, 1.0, 4.0])), [0, 0.25, 1])
    np.testing.assert_allclose(normalize_map(np.array([-1.0, 0.0, 3.0])), [0, 0.25, 1])
    np.testing.assert_allclose(normalize_map(np.array([-4.0, 2.0]), signed=True), [-1, 0.5])
    for signed in (False, True):
        for values in (np.zeros((3, 3)), np.full((2, 2), -0.0), np.array([[np.nan, 0.0]])):
            out = normalize_map(values, signed=signed)
            assert out.dtype == np.float32 and not np.isnan(out).any()
            np.testing.assert_array_equal(out, 0)
    # A percentile below 100 clips the few extreme pixels.
    values = np.r_[np.linspace(0, 1, 99), 100.0]
    clipped = normalize_map(values, percentile=90)
    assert clipped.max() == 1 and clipped[50] > 0.5


@PROPERTY
@given(
    st.lists(st.floats(-1e6, 1e6, allow_subnormal=False), min_size=1, max_size=30),
    st.booleans(),
)
def test_normalize_map_stays_in_range(values, signed):
    out = normalize_map(np.array(values), signed=signed)
    assert np.isfinite(out).all()
    low = -1 if signed else 0
    assert out.min() >= low and out.max() <= 1


# --- the catalog of methods and compute_all ---------------------------------------------


def test_methods_are_listed_in_order_with_translated_names_and_explanations():
    assert list(METHODS) == [
        "gradient",
        "smoothgrad",
        "integrated_gradients",
        "grad_cam",
        "occlusion",
    ]
    for method_id, method in METHODS.items():
        assert method.id == method_id
        assert method.name_key == f"saliency.method.{method_id}.name"
        assert method.explain_key == f"saliency.method.{method_id}.explain"
        for lang in ("en", "es"):
            assert catalog(lang)[method.name_key].strip()
            explanation = catalog(lang)[method.explain_key]
            assert 2 <= explanation.count(". ") + 1 <= 4, explanation
        assert method.reference and "(20" in method.reference
    assert (
        catalog("es")["saliency.method.occlusion.explain"]
        != catalog("en")["saliency.method.occlusion.explain"]
    )
    assert [m.signed for m in METHODS.values()] == [False, False, True, False, True]
    assert METHODS["occlusion"].options() == ("window", "stride", "fill", "target")


def test_compute_all_runs_every_method_and_times_it(spot):
    image = np.random.default_rng(15).random((8, 8)).astype(np.float32)
    results = compute_all(spot, image, 0, samples=4, steps=8, window=3)
    assert list(results) == list(METHODS)
    for method_id, result in results.items():
        assert isinstance(result, SaliencyResult) and result.method == method_id
        assert result.map.shape == (8, 8) and result.map.dtype == np.float32
        assert np.isfinite(result.map).all()
        assert result.seconds >= 0
    np.testing.assert_array_equal(results["gradient"].map, vanilla_gradient(spot, image, 0))
    np.testing.assert_array_equal(results["occlusion"].map, occlusion(spot, image, 0, window=3))
    some = compute_all(spot, image, 1, methods=["occlusion", "grad_cam"], layer_name="pool")
    assert list(some) == ["occlusion", "grad_cam"]
    np.testing.assert_array_equal(some["grad_cam"].map, grad_cam(spot, image, 1, layer_name="pool"))
    with pytest.raises(TypeError, match="colour"):
        compute_all(spot, image, 0, colour="red")


def test_compute_all_reads_its_settings_from_options(spot):
    image = np.random.default_rng(16).random((8, 8)).astype(np.float32)
    options = SaliencyOptions(samples=3, window=4, stride=1, layer_name="pool")
    results = compute_all(spot, image, 0, options=options, methods=["smoothgrad", "occlusion"])
    np.testing.assert_array_equal(results["smoothgrad"].map, smoothgrad(spot, image, 0, samples=3))
    np.testing.assert_array_equal(
        results["occlusion"].map, occlusion(spot, image, 0, window=4, stride=1)
    )
    # A keyword replaces one field and keeps the others.
    cam = compute_all(spot, image, 0, options=options, methods=["grad_cam"], upsample=False)
    np.testing.assert_array_equal(
        cam["grad_cam"].map, grad_cam(spot, image, 0, layer_name="pool", upsample=False)
    )
    again = compute_all(spot, image, 0, options=options, methods=["occlusion"], window=5)
    np.testing.assert_array_equal(
        again["occlusion"].map, occlusion(spot, image, 0, window=5, stride=1)
    )


# --- errors a student can cause ---------------------------------------------------------


@pytest.mark.parametrize("bad", [2, -1, 1.0, True, "0"])
def test_bad_class_index(spot, bad):
    for method in METHODS.values():
        with pytest.raises(InputError) as err:
            method.function(spot, bright_spot(), bad)
        assert_actionable(err.value, "error.saliency_class_index", repr(bad), "1")


def test_bad_images_and_settings_of_the_other_methods(one_pixel, pixel_image):
    cases = [
        (lambda: vanilla_gradient(one_pixel, np.zeros((7, 6)), 0), "error.saliency_image_shape"),
        (lambda: vanilla_gradient(one_pixel, np.zeros((1, 6, 7, 1)), 0), "error.image_rank"),
        (lambda: vanilla_gradient(one_pixel, np.full((6, 7), np.nan), 0), "error.image_not_finite"),
        (lambda: vanilla_gradient(one_pixel, np.array([["a"]]), 0), "error.image_dtype"),
        (lambda: smoothgrad(one_pixel, pixel_image, 0, samples=0), "error.below_one"),
        (
            lambda: smoothgrad(one_pixel, pixel_image, 0, noise_level=-0.1),
            "error.saliency_noise_level",
        ),
        (lambda: integrated_gradients(one_pixel, pixel_image, 0, steps=0), "error.below_one"),
        (
            lambda: integrated_gradients(one_pixel, pixel_image, 0, baseline=np.zeros(3)),
            "error.saliency_baseline_shape",
        ),
        (
            lambda: compute_all(one_pixel, pixel_image, 0, methods=["lime"]),
            "error.saliency_unknown_method",
        ),
        (lambda: normalize_map(pixel_image, percentile=0), "error.saliency_percentile"),
    ]
    for call, key in cases:
        with pytest.raises(InputError) as err:
            call()
        assert_actionable(err.value, key)


# --- the package as a whole -------------------------------------------------------------


def test_every_saliency_key_is_in_both_catalogs():
    package = ROOT / "cnnviz" / "nets" / "saliency"
    source = "".join(path.read_text(encoding="utf-8") for path in sorted(package.glob("*.py")))
    keys = set(re.findall(r'"((?:error|arg)\.[a-z_]+)"', source))
    keys |= {f"arg.{name}" for name in ("window", "stride", "samples", "steps", "baseline")}
    for method in METHODS.values():
        keys |= {method.name_key, method.explain_key}
    for lang in ("en", "es"):
        assert sorted(keys - set(catalog(lang))) == []


def test_importing_saliency_does_not_import_tensorflow():
    code = (
        "import json, sys\nimport cnnviz.nets.saliency\n"
        "print(json.dumps(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('tensorflow', 'keras', 'streamlit'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == []
