"""Tests of cnnviz.core.signals: signals, 1-D kernels with the course's numbers, typed lists."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz.core.conv import conv1d
from cnnviz.core.signals import (
    COURSE_KERNEL,
    COURSE_SIGNAL,
    KERNELS_1D,
    MAX_LENGTH,
    PADDINGS_1D,
    SAMPLE_RATE,
    SIGNALS,
    compare_paddings,
    format_numbers,
    generate_signal,
    is_symmetric,
    kernel_1d,
    moving_average_kernel,
    parse_numbers,
)
from cnnviz.i18n import InputError, format_number

# --- signals ----------------------------------------------------------------------------


def test_registry_and_names():
    assert list(SIGNALS) == ["course", "noisy_sine", "steps", "eeg_like"]
    assert SIGNALS["noisy_sine"].name("es") == "Seno con ruido"
    assert SIGNALS["steps"].name("en") == "Steps"
    assert all(p.description("es") != p.description("en") for p in SIGNALS.values())


def test_course_signal_and_kernel_give_the_course_table():
    signal = generate_signal("course")
    np.testing.assert_array_equal(signal, [1, 2, -5, 4, 2, -1])
    kernel = kernel_1d("second_difference")
    # The course's table: valid, same, full.
    np.testing.assert_array_equal(conv1d(signal, kernel), [8, -16, 11, 1])
    np.testing.assert_array_equal(conv1d(signal, kernel, padding="same"), [0, 8, -16, 11, 1, -4])
    np.testing.assert_array_equal(
        conv1d(signal, kernel, padding="full"), [-1, 0, 8, -16, 11, 1, -4, 1]
    )


def test_course_signal_ignores_length_and_noise_and_is_a_copy():
    signal = generate_signal("course", length=100, noise=5, seed=3)
    assert signal.shape == (6,)
    signal[0] = 99
    assert generate_signal("course")[0] == 1
    assert COURSE_SIGNAL[0] == 1


def test_noisy_sine_without_noise_is_a_sine_of_period_50():
    sine = generate_signal("noisy_sine", noise=0)
    assert sine.shape == (200,)
    assert sine[0] == 0
    assert sine[12] == pytest.approx(np.sin(2 * np.pi * 12 / 50))
    np.testing.assert_allclose(sine[:50], sine[50:100], atol=1e-12)


def test_noise_has_the_requested_spread():
    clean = generate_signal("noisy_sine", length=2000, noise=0)
    noisy = generate_signal("noisy_sine", length=2000, noise=0.3, seed=7)
    assert np.std(noisy - clean) == pytest.approx(0.3, rel=0.06)


def test_steps_hold_each_level_for_an_equal_share():
    np.testing.assert_array_equal(
        generate_signal("steps", length=12, noise=0),
        [0, 0, 1, 1, 0.25, 0.25, -0.5, -0.5, 0.75, 0.75, 0, 0],
    )


def test_difference_kernel_finds_the_jumps_of_the_steps():
    steps = generate_signal("steps", length=12, noise=0)
    jumps = conv1d(steps, kernel_1d("difference"))  # next minus current
    np.testing.assert_array_equal(np.flatnonzero(jumps), [1, 3, 5, 7, 9])
    np.testing.assert_array_equal(jumps[[1, 3, 5, 7, 9]], [1, -0.75, -0.75, 1.25, -0.75])


def test_signals_are_reproducible_and_seeded():
    for kind in ("noisy_sine", "steps", "eeg_like"):
        a = generate_signal(kind, seed=5)
        np.testing.assert_array_equal(a, generate_signal(kind, seed=5))
        assert not np.array_equal(a, generate_signal(kind, seed=6))
        assert a.dtype == np.float64 and np.isfinite(a).all()


@pytest.mark.parametrize("kind", ["noisy_sine", "steps", "eeg_like"])
def test_every_length_works(kind):
    for length in [*range(2, 40), 999, MAX_LENGTH]:
        signal = generate_signal(kind, length=length)
        assert signal.shape == (length,) and np.isfinite(signal).all()


def test_default_lengths():
    assert generate_signal("noisy_sine").shape == (200,)
    assert generate_signal("steps").shape == (200,)
    assert generate_signal("eeg_like").shape == (5 * SAMPLE_RATE,)
    assert generate_signal("eeg_like", length=2).shape == (2,)


def band_energy(signal: np.ndarray, low: float, high: float) -> float:
    spectrum = np.abs(np.fft.rfft(signal)) ** 2
    freqs = np.fft.rfftfreq(signal.size, d=1 / SAMPLE_RATE)
    return float(spectrum[(freqs >= low) & (freqs <= high)].sum())


def test_eeg_has_alpha_that_a_10_sample_moving_average_removes():
    eeg = generate_signal("eeg_like", noise=0, seed=2)
    # The course's smoothing: np.convolve(signal, np.ones(10) / 10, mode="same").
    smooth = np.convolve(eeg, moving_average_kernel(10), mode="same")
    alpha_before = band_energy(eeg, 9, 11)
    assert alpha_before > 3 * band_energy(eeg, 20, 50)  # alpha dominates the fast band
    assert band_energy(smooth, 9, 11) < 0.01 * alpha_before
    # The slow waves (2 Hz and 0.3 Hz) survive.
    assert band_energy(smooth, 0.1, 2.5) > 0.8 * band_energy(eeg, 0.1, 2.5)


def test_eeg_has_spikes():
    eeg = generate_signal("eeg_like", noise=0, seed=0)
    # Smooth waves change by at most about 0.7 per sample at 100 Hz; a spike jumps 2.5.
    assert np.abs(np.diff(eeg)).max() > 2


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"kind": "sine"}, "error.signal_unknown"),
        ({"kind": None}, "error.signal_unknown"),
        ({"kind": "steps", "length": 1}, "error.signal_length"),
        ({"kind": "steps", "length": MAX_LENGTH + 1}, "error.signal_length"),
        ({"kind": "steps", "length": 10.0}, "error.signal_length"),
        ({"kind": "steps", "noise": -0.1}, "error.signal_noise"),
        ({"kind": "steps", "noise": float("nan")}, "error.signal_noise"),
        ({"kind": "steps", "noise": 11}, "error.signal_noise"),
        ({"kind": "steps", "seed": -1}, "error.signal_seed"),
        ({"kind": "steps", "seed": 1.5}, "error.signal_seed"),
    ],
)
def test_invalid_signal_settings(kwargs, key):
    kind = kwargs.pop("kind")
    with pytest.raises(InputError) as info:
        generate_signal(kind, **kwargs)
    assert info.value.key == key
    assert info.value.message("es") != info.value.message("en")


# --- kernels ----------------------------------------------------------------------------


def test_moving_average_weights():
    np.testing.assert_array_equal(moving_average_kernel(1), [1.0])
    np.testing.assert_allclose(moving_average_kernel(10), np.full(10, 0.1))
    assert moving_average_kernel(7).sum() == pytest.approx(1.0)


def test_moving_average_of_the_course_signal_by_hand():
    # (1 + 2 - 5) / 3, (2 - 5 + 4) / 3, (-5 + 4 + 2) / 3, (4 + 2 - 1) / 3
    np.testing.assert_allclose(
        conv1d(COURSE_SIGNAL, moving_average_kernel(3)), [-2 / 3, 1 / 3, 1 / 3, 5 / 3]
    )


@pytest.mark.parametrize("n", [0, -2, MAX_LENGTH + 1, 2.0, "3", True, None])
def test_moving_average_refuses_invalid_windows(n):
    with pytest.raises(InputError) as info:
        moving_average_kernel(n)
    assert info.value.key == "error.moving_average_n"


def test_kernel_presets():
    assert list(KERNELS_1D) == ["moving_average", "second_difference", "difference", "custom"]
    np.testing.assert_array_equal(kernel_1d("second_difference"), COURSE_KERNEL)
    np.testing.assert_array_equal(kernel_1d("difference"), [-1, 1])
    np.testing.assert_array_equal(kernel_1d("moving_average"), np.full(3, 1 / 3))
    np.testing.assert_array_equal(kernel_1d("moving_average", n=4), np.full(4, 0.25))
    np.testing.assert_array_equal(kernel_1d("custom", text="1; -1"), [1, -1])
    for lang in ("es", "en"):
        assert all(p.name(lang) and p.explanation(lang) for p in KERNELS_1D.values())


def test_kernel_presets_are_copies():
    kernel = kernel_1d("second_difference")
    kernel[0] = 5
    assert kernel_1d("second_difference")[0] == -1
    with pytest.raises(ValueError, match="read-only"):
        KERNELS_1D["difference"].weights[0] = 3


def test_kernel_preset_errors():
    with pytest.raises(InputError) as info:
        kernel_1d("laplacian")
    assert info.value.key == "error.kernel1d_unknown"
    with pytest.raises(InputError) as info:
        kernel_1d("custom")
    assert info.value.key == "error.numbers_empty"
    assert "kernel" in info.value.message("en")


# --- typed numbers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1, 2, -5, 4", [1, 2, -5, 4]),
        ("1 2 -5 4", [1, 2, -5, 4]),
        ("1,2,-5,4", [1, 2, -5, 4]),
        ("1; 2; -5; 4", [1, 2, -5, 4]),
        ("[1, 2, -5, 4, 2, -1]", [1, 2, -5, 4, 2, -1]),
        ("(0.5, 1)", [0.5, 1]),
        ("0,5; 1", [0.5, 1]),
        ("0,5;1;-2,25", [0.5, 1, -2.25]),
        ("0,5 1", [0.5, 1]),
        ("0,5 −1,25", [0.5, -1.25]),
        ("−0,25; 1", [-0.25, 1]),
        ("0.5 1", [0.5, 1]),
        ("0.5, 1.5", [0.5, 1.5]),
        ("1,2 3,4", [1.2, 3.4]),  # spaces between values: the commas are decimal
        ("1,2,3 4", [1, 2, 3, 4]),  # a value with two commas: commas separate
        ("1,2, 3", [1, 2, 3]),
        ("1, 2, -5,", [1, 2, -5]),  # a separator at the end is forgiven
        ("  7  ", [7]),
        ("0,5", [0, 5]),  # no spaces or semicolons: the comma separates
        ("0,5;", [0.5]),  # ... unless a semicolon says the comma is decimal
        ("1.0,5", [1, 5]),
        ("1\n2\n3", [1, 2, 3]),
        ("1;\n2", [1, 2]),
        ("1e-3, 2E2, +3, .5, 5.", [0.001, 200, 3, 0.5, 5]),
    ],
)
def test_parse_numbers(text, expected):
    result = parse_numbers(text)
    assert result.dtype == np.float64
    np.testing.assert_array_equal(result, expected)


@pytest.mark.parametrize(
    ("text", "key", "quoted"),
    [
        ("", "error.numbers_empty", None),
        ("  ", "error.numbers_empty", None),
        ("[]", "error.numbers_empty", None),
        (",", "error.numbers_empty", None),
        ("1, two, 3", "error.numbers_token", "two"),
        ("1; 2,5,5", "error.numbers_token", "2,5,5"),
        ("1, nan", "error.numbers_token", "nan"),
        ("inf", "error.numbers_token", "inf"),
        ("1_000", "error.numbers_token", "1_000"),
        ("1, 2, 3, 4x", "error.numbers_token", "4x"),
        ("1,,2", "error.numbers_missing", None),
        ("1;;2", "error.numbers_missing", None),
        ("1, 1e999", "error.numbers_not_finite", "1e999"),
    ],
)
def test_parse_numbers_errors_name_the_offending_value(text, key, quoted):
    with pytest.raises(InputError) as info:
        parse_numbers(text)
    assert info.value.key == key
    message = info.value.message("en")
    assert "the signal" in message
    if quoted is not None:
        assert quoted in message and quoted in info.value.message("es")


def test_parse_numbers_says_which_value():
    with pytest.raises(InputError) as info:
        parse_numbers("1, 2, x", name="kernel")
    assert info.value.fields["position"] == 3
    assert info.value.message("es").startswith("El valor 3 que hay en el kernel, «x»")
    assert info.value.message("en").startswith('Value 3 of the kernel, "x", is not a number.')


def test_parse_numbers_long_token_is_shortened_in_the_message():
    with pytest.raises(InputError) as info:
        parse_numbers("1, " + "x" * 100)
    assert "x" * 20 + "…" in info.value.message("en")


def test_parse_numbers_caps_the_count_and_the_text():
    assert parse_numbers(", ".join(["1"] * MAX_LENGTH)).size == MAX_LENGTH
    with pytest.raises(InputError) as info:
        parse_numbers(", ".join(["1"] * (MAX_LENGTH + 1)))
    assert info.value.key == "error.numbers_too_many"
    with pytest.raises(InputError) as info:
        parse_numbers("1" * 100_000)
    assert info.value.key == "error.numbers_too_long"
    assert parse_numbers("1, 2, 3", max_count=3).size == 3
    with pytest.raises(InputError):
        parse_numbers("1, 2, 3", max_count=2)


def test_parse_numbers_refuses_non_text():
    with pytest.raises(TypeError):
        parse_numbers([1, 2])  # type: ignore[arg-type]


finite = st.floats(-1e9, 1e9, allow_nan=False, allow_subnormal=False)


@given(st.lists(finite, min_size=1, max_size=30))
def test_round_trip_with_commas_and_points(values):
    text = ", ".join(repr(v) for v in values)
    np.testing.assert_array_equal(parse_numbers(text), values)
    np.testing.assert_array_equal(parse_numbers(f"[{text}]"), values)


@given(st.lists(finite, min_size=1, max_size=30))
def test_round_trip_with_semicolons_and_decimal_commas(values):
    # A trailing semicolon keeps a single value's comma decimal ("1,5;" is 1.5).
    text = "; ".join(repr(v).replace(".", ",") for v in values) + ";"
    np.testing.assert_array_equal(parse_numbers(text), values)


@given(st.lists(finite, min_size=2, max_size=30))
def test_round_trip_with_spaces_and_decimal_commas(values):
    text = " ".join(repr(v).replace(".", ",") for v in values)
    np.testing.assert_array_equal(parse_numbers(text), values)


@given(st.lists(finite, min_size=1, max_size=30))
def test_round_trip_with_spaces_and_points(values):
    np.testing.assert_array_equal(parse_numbers(" ".join(repr(v) for v in values)), values)


@given(st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=1, max_size=20))
def test_numbers_as_the_app_writes_them_in_spanish_read_back(values):
    # What a student copies from a Spanish page: "−0,25; 1,5" (true minus, decimal comma).
    shown = [format_number(v, digits=3, lang="es") for v in values]
    parsed = parse_numbers("; ".join(shown) + ";")
    np.testing.assert_allclose(parsed, values, atol=0.0005 + 1e-12)


@settings(max_examples=300)
@given(st.text(max_size=80))
def test_garbage_only_ever_raises_input_error(text):
    try:
        values = parse_numbers(text)
    except InputError:
        return
    assert values.ndim == 1 and 1 <= values.size <= MAX_LENGTH and np.isfinite(values).all()


@settings(max_examples=300)
@given(st.text(alphabet="0123456789-+.,; \n[]()eE−\u00a0x", max_size=40))
def test_near_miss_text_only_ever_raises_input_error(text):
    with contextlib.suppress(InputError):
        parse_numbers(text)


# --- writing numbers back -----------------------------------------------------------------


def test_format_numbers_as_the_course_writes_them():
    assert format_numbers([8, -16, 11, 1], lang="en") == "[8, −16, 11, 1]"
    assert format_numbers([8, -16, 11, 1], lang="es") == "[8, −16, 11, 1]"
    assert format_numbers([0.25, -1.5], lang="en") == "[0.25, −1.5]"
    assert format_numbers([0.25, -1.5], lang="es") == "[0,25; −1,5]"
    assert format_numbers(np.array([2 / 3]), digits=2, lang="en") == "[0.67]"


@given(
    st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=2, max_size=20),
    st.sampled_from(["es", "en"]),
)
def test_format_numbers_reads_back(values, lang):
    # What a student copies from the page pastes back as a signal, in either language.
    np.testing.assert_allclose(
        parse_numbers(format_numbers(values, lang=lang)), values, atol=0.0005 + 1e-12
    )


# --- the three paddings side by side ------------------------------------------------------


def test_compare_paddings_gives_the_course_table():
    results = compare_paddings(COURSE_SIGNAL, COURSE_KERNEL)
    assert tuple(r.padding for r in results) == PADDINGS_1D == ("valid", "same", "full")
    valid, same, full = results
    np.testing.assert_array_equal(valid.output, [8, -16, 11, 1])
    np.testing.assert_array_equal(same.output, [0, 8, -16, 11, 1, -4])
    np.testing.assert_array_equal(full.output, [-1, 0, 8, -16, 11, 1, -4, 1])
    assert [r.length for r in results] == [4, 6, 8]
    assert [r.pads for r in results] == [(0, 0), (1, 1), (2, 2)]
    assert valid.formula == "⌊(6 − 3 + 0 + 1) / 1⌋ = 4"
    assert full.formula == "⌊(6 − 3 + 4 + 1) / 1⌋ = 8"
    assert all(r.error is None for r in results)


def test_compare_paddings_centres_line_up_with_the_signal():
    valid, same, full = compare_paddings(np.arange(6.0), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(valid.centres, [1, 2, 3, 4])
    np.testing.assert_array_equal(same.centres, [0, 1, 2, 3, 4, 5])
    np.testing.assert_array_equal(full.centres, [-1, 0, 1, 2, 3, 4, 5, 6])
    # An even kernel is centred between two samples; a stride spaces the outputs.
    valid, same, _ = compare_paddings(np.arange(8.0), [1.0, 1.0], strides=3)
    np.testing.assert_array_equal(valid.centres, [0.5, 3.5, 6.5])
    np.testing.assert_array_equal(same.centres, [0.5, 3.5, 6.5])
    # A dilated kernel of 3 taps spans 5 samples.
    valid, _, full = compare_paddings(np.arange(8.0), [1.0, 0.0, -1.0], dilation_rate=2)
    np.testing.assert_array_equal(valid.centres, [2, 3, 4, 5])
    assert full.pads == (4, 4) and full.centres[0] == -2


def test_compare_paddings_matches_conv1d_and_numpy():
    rng = np.random.default_rng(3)
    signal, kernel = rng.normal(size=40), rng.normal(size=5)
    for flip in (False, True):
        for stride in (1, 2, 3):
            for result in compare_paddings(signal, kernel, strides=stride, flip=flip):
                np.testing.assert_array_equal(
                    result.output,
                    conv1d(signal, kernel, padding=result.padding, strides=stride, flip=flip),
                )
    # With flip, "full" and "valid" are np.convolve's modes of the same names.
    valid, _, full = compare_paddings(signal, kernel, flip=True)
    np.testing.assert_allclose(full.output, np.convolve(signal, kernel, mode="full"))
    np.testing.assert_allclose(valid.output, np.convolve(signal, kernel, mode="valid"))


def test_a_kernel_longer_than_the_signal_leaves_valid_empty_with_a_reason():
    valid, same, full = compare_paddings(COURSE_SIGNAL, moving_average_kernel(10))
    assert valid.output is None and valid.centres is None and valid.formula is None
    assert valid.length == 0
    assert valid.error.key == "error.output_empty"
    assert "input 6, kernel 10" in valid.error.message("en")
    assert same.length == 6 and full.length == 15


def test_a_stride_larger_than_the_signal_gives_one_value():
    valid, same, full = compare_paddings(COURSE_SIGNAL, COURSE_KERNEL, strides=8)
    assert (valid.length, same.length, full.length) == (1, 1, 1)
    assert valid.output[0] == 8


@pytest.mark.parametrize(
    ("signal", "kernel", "kwargs", "key"),
    [
        ([1.0, np.nan], [1.0], {}, "error.not_finite"),
        ([1.0, 2.0], [np.inf], {}, "error.not_finite"),
        ([], [1.0], {}, "error.empty_array"),
        ([[1.0, 2.0]], [1.0], {}, "error.not_1d"),
        ([1.0, 2.0], [1.0], {"strides": 0}, None),
        ([1.0, 2.0], [1.0], {"dilation_rate": 0}, None),
    ],
)
def test_compare_paddings_refuses_what_no_padding_fixes(signal, kernel, kwargs, key):
    with pytest.raises(InputError) as info:
        compare_paddings(signal, kernel, **kwargs)
    if key is not None:
        assert info.value.key == key
    assert info.value.key != "error.output_empty"


def test_compare_paddings_results_survive_pickling():
    # The page caches them with st.cache_data, which pickles: the reason must survive.
    import pickle

    valid = pickle.loads(pickle.dumps(compare_paddings([1.0], [1.0, 1.0])))[0]
    assert "input 1, kernel 2" in valid.error.message("en")


def test_is_symmetric():
    assert is_symmetric(np.array(COURSE_KERNEL))
    assert is_symmetric(moving_average_kernel(4))
    assert is_symmetric(np.array([5.0]))
    assert not is_symmetric(kernel_1d("difference"))
    assert not is_symmetric(np.array([1.0, 0.0, -1.0]))
