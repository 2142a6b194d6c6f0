"""Decoding uploaded images: every format and mode a student may bring, bombs, errors."""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image, ImageFile

from cnnviz.i18n import InputError, catalog, format_count
from cnnviz.io.images import (
    MAX_PIXELS,
    DecodedImage,
    check_image,
    decode_image,
    image_size,
    image_to_png_bytes,
    load_image,
    to_grayscale,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# A little-endian TIFF header whose first IFD claims 65535 entries but stops short.
BROKEN_EXIF = b"Exif\0\0II*\0\x08\0\0\0\xff\xff garbage"


def encode(im: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    im.save(buffer, fmt, **options)
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose IHDR claims ``width`` x ``height`` 8-bit gray pixels (a bomb's header)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + _chunk(b"IEND", b"")
    )


def _forbid_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    def load(self: ImageFile.ImageFile) -> None:
        raise AssertionError("pixel data was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)


# --- formats and modes -------------------------------------------------------------------


def test_png_rgb_exact_values() -> None:
    im = Image.new("RGB", (3, 2), (255, 0, 51))
    im.putpixel((2, 1), (0, 128, 255))
    pixels = load_image(encode(im, "PNG"))
    assert pixels.dtype == np.float32
    assert pixels.shape == (2, 3, 3)
    np.testing.assert_array_equal(pixels[0, 0], np.array([255, 0, 51], np.float32) / 255)
    np.testing.assert_array_equal(pixels[1, 2], np.array([0, 128, 255], np.float32) / 255)


def test_grayscale_stays_two_dimensional() -> None:
    im = Image.fromarray(np.array([[0, 51], [204, 255]], dtype=np.uint8))
    pixels = load_image(encode(im, "PNG"))
    assert pixels.shape == (2, 2)
    np.testing.assert_allclose(pixels, [[0.0, 0.2], [0.8, 1.0]], atol=1e-7)


def test_rgb_with_identical_channels_stays_rgb() -> None:
    pixels = load_image(encode(Image.new("RGB", (2, 2), (90, 90, 90)), "PNG"))
    assert pixels.shape == (2, 2, 3)
    np.testing.assert_allclose(pixels, 90 / 255)


def test_rgba_is_flattened_on_white() -> None:
    rgba = np.array([[[0, 0, 0, 0], [0, 0, 0, 255], [0, 0, 0, 128], [255, 0, 0, 255]]], np.uint8)
    pixels = load_image(encode(Image.fromarray(rgba, "RGBA"), "PNG"))
    assert pixels.shape == (1, 4, 3)
    np.testing.assert_allclose(pixels[0, 0], [1, 1, 1])  # fully transparent -> white
    np.testing.assert_allclose(pixels[0, 1], [0, 0, 0])  # opaque black stays black
    np.testing.assert_allclose(pixels[0, 2], [127 / 255] * 3, atol=1 / 255)  # half way
    np.testing.assert_allclose(pixels[0, 3], [1, 0, 0])


def test_la_is_flattened_on_white_and_stays_gray() -> None:
    gray = Image.new("L", (3, 1), 0)
    alpha = Image.frombytes("L", (3, 1), bytes([0, 255, 128]))
    pixels = load_image(encode(Image.merge("LA", [gray, alpha]), "PNG"))
    assert pixels.shape == (1, 3)
    np.testing.assert_allclose(pixels[0], [1.0, 0.0, 127 / 255], atol=1 / 255)


def test_palette_with_transparency_is_flattened_on_white() -> None:
    im = Image.new("P", (3, 1))
    im.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 0])
    im.putdata([0, 1, 2])
    pixels = load_image(encode(im, "PNG", transparency=2))
    np.testing.assert_array_equal(pixels[0], [[1, 0, 0], [0, 1, 0], [1, 1, 1]])


def test_palette_without_transparency_becomes_rgb() -> None:
    im = Image.new("P", (2, 1))
    im.putpalette([0, 0, 255, 255, 255, 0])
    im.putdata([0, 1])
    pixels = load_image(encode(im, "PNG"))
    np.testing.assert_array_equal(pixels[0], [[0, 0, 1], [1, 1, 0]])


def test_grey_and_rgb_with_trns_colour_are_flattened_on_white() -> None:
    gray = Image.new("L", (2, 1), 7)
    gray.putpixel((1, 0), 9)
    np.testing.assert_allclose(load_image(encode(gray, "PNG", transparency=9)), [[7 / 255, 1.0]])
    rgb = Image.new("RGB", (2, 1), (10, 20, 30))
    rgb.putpixel((1, 0), (1, 2, 3))
    pixels = load_image(encode(rgb, "PNG", transparency=(1, 2, 3)))
    np.testing.assert_allclose(pixels[0] * 255, [[10, 20, 30], [255, 255, 255]], atol=1e-4)


@pytest.mark.parametrize("fmt", ["PNG", "TIFF"])
def test_sixteen_bit_grayscale_uses_the_full_16_bit_range(fmt: str) -> None:
    values = np.array([[0, 255, 32768, 65535]], dtype=np.uint16)
    im = Image.fromarray(values)
    assert im.mode == "I;16"
    pixels = load_image(encode(im, fmt))
    assert pixels.shape == (1, 4)
    # 255 is almost black in 16 bits, not white; 65535 is white.
    np.testing.assert_allclose(pixels[0], [0.0, 255 / 65535, 32768 / 65535, 1.0], rtol=1e-6)


def test_cmyk_jpeg_becomes_rgb() -> None:
    magenta = Image.new("CMYK", (16, 16), (0, 255, 0, 0))
    pixels = load_image(encode(magenta, "JPEG", quality=95))
    assert pixels.shape == (16, 16, 3)
    np.testing.assert_allclose(pixels[8, 8], [1.0, 0.0, 1.0], atol=0.03)


def test_one_bit_image() -> None:
    im = Image.new("1", (5, 3), 0)
    im.putpixel((1, 2), 1)
    pixels = load_image(encode(im, "PNG"))
    expected = np.zeros((3, 5), np.float32)
    expected[2, 1] = 1.0
    np.testing.assert_array_equal(pixels, expected)


@pytest.mark.parametrize(
    ("fmt", "options"),
    [
        ("GIF", {"duration": 100, "loop": 0}),
        ("WEBP", {"lossless": True, "duration": 100}),
        ("PNG", {"duration": 100}),  # APNG
    ],
)
def test_animation_uses_its_first_frame(fmt: str, options: dict[str, object]) -> None:
    red = Image.new("RGB", (6, 4), (255, 0, 0))
    blue = Image.new("RGB", (6, 4), (0, 0, 255))
    data = encode(red, fmt, save_all=True, append_images=[blue, blue], **options)
    decoded = decode_image(data)
    assert decoded.animated
    assert decoded.format == fmt
    assert decoded.pixels.shape == (4, 6, 3)
    np.testing.assert_array_equal(decoded.pixels, np.broadcast_to([1.0, 0.0, 0.0], (4, 6, 3)))


def test_still_image_is_not_animated() -> None:
    assert decode_image(encode(Image.new("L", (2, 2)), "GIF")).animated is False


@pytest.mark.parametrize(
    ("fmt", "options"),
    [("WEBP", {"lossless": True}), ("BMP", {}), ("TIFF", {}), ("PPM", {}), ("GIF", {})],
)
def test_other_formats_exact_values(fmt: str, options: dict[str, object]) -> None:
    im = Image.new("RGB", (5, 4), (10, 20, 30))
    im.putpixel((4, 3), (200, 100, 0))
    decoded = decode_image(encode(im, fmt, **options))
    assert decoded.format == fmt
    assert decoded.pixels.shape == (4, 5, 3)
    np.testing.assert_allclose(decoded.pixels[0, 0] * 255, [10, 20, 30], atol=1e-4)
    np.testing.assert_allclose(decoded.pixels[3, 4] * 255, [200, 100, 0], atol=1e-4)


def _jpeg_with_orientation(size: tuple[int, int], orientation: int) -> bytes:
    """A black JPEG of ``size`` (width, height) with a white 8x8 block at the stored top left."""
    im = Image.new("RGB", size, (0, 0, 0))
    im.paste((255, 255, 255), (0, 0, 8, 8))
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(im, "JPEG", exif=exif.tobytes(), quality=95)


def test_exif_orientation_6_turns_the_photo_upright() -> None:
    # Orientation 6: the camera was turned; the picture must be rotated 90° clockwise,
    # so the stored top-left corner ends up at the top right.
    decoded = decode_image(_jpeg_with_orientation((40, 24), 6))
    assert decoded.pixels.shape == (40, 24, 3)
    assert decoded.original_size == (40, 24)
    assert decoded.pixels[:8, 16:24].mean() > 0.95
    assert decoded.pixels[:8, :8].mean() < 0.05
    assert decoded.pixels[32:, :].mean() < 0.05


def test_exif_orientation_with_downscaling() -> None:
    decoded = decode_image(_jpeg_with_orientation((400, 200), 6), max_side=50)
    assert decoded.original_size == (400, 200)
    assert decoded.pixels.shape == (50, 25, 3)
    assert decoded.downscaled


def test_exif_orientation_1_changes_nothing() -> None:
    decoded = decode_image(_jpeg_with_orientation((40, 24), 1))
    assert decoded.pixels.shape == (24, 40, 3)
    assert decoded.pixels[:8, :8].mean() > 0.95


def test_corrupt_exif_is_ignored_and_its_warning_does_not_escape() -> None:
    # Pillow warns "Corrupt EXIF data"; pytest turns warnings into errors.
    data = encode(Image.new("RGB", (4, 2), (0, 255, 0)), "JPEG", exif=BROKEN_EXIF)
    with warnings.catch_warnings(record=True) as caught:  # the case really warns
        warnings.simplefilter("always")
        Image.open(io.BytesIO(data)).getexif()
    assert any("Corrupt EXIF" in str(w.message) for w in caught)
    pixels = load_image(data)
    assert pixels.shape == (2, 4, 3)


def test_decoding_leaves_global_state_alone() -> None:
    filters_before = list(warnings.filters)
    limit_before = Image.MAX_IMAGE_PIXELS
    load_image(encode(Image.new("RGB", (2, 2)), "PNG"))
    with pytest.raises(InputError):
        load_image(png_header_claiming(10_000, 10_000))
    assert warnings.filters == filters_before
    assert limit_before == Image.MAX_IMAGE_PIXELS


def test_concurrent_decoding_from_several_threads() -> None:
    files = [encode(Image.new("L", (3, 2), 10 * i), "PNG") for i in range(16)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(load_image, files))
    for i, pixels in enumerate(results):
        np.testing.assert_allclose(pixels, 10 * i / 255)


# --- size limits -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("width", "height", "key"),
    [
        (20_000, 20_000, "error.image_too_large_pixels"),  # Pillow's own DecompressionBombError
        (10_000, 10_000, "error.image_too_large"),  # Pillow only warns; we refuse
        (8_000, 7_000, "error.image_too_large"),  # under Pillow's limit, over ours
    ],
)
def test_decompression_bomb_is_refused_before_decoding(
    monkeypatch: pytest.MonkeyPatch, width: int, height: int, key: str
) -> None:
    data = png_header_claiming(width, height)
    assert len(data) < 100
    _forbid_decoding(monkeypatch)
    with pytest.raises(InputError) as info:
        load_image(data)
    assert info.value.key == key
    assert info.value.fields["megapixels"] == width * height / 1e6
    assert info.value.fields["max_megapixels"] == MAX_PIXELS / 1e6
    message = info.value.message("en")
    assert f"{width * height // 1_000_000} megapixels" in message
    assert "50 megapixels" in message
    assert "smaller image" in message


def test_too_large_message_quotes_the_size() -> None:
    with pytest.raises(InputError) as info:
        load_image(png_header_claiming(8_000, 7_000))
    assert info.value.message("en").startswith("The image is 8,000 × 7,000 pixels (56 megapixels)")
    assert info.value.message("es").startswith(
        "La imagen mide 8000 × 7000 píxeles (56 megapíxeles)"
    )


def test_pixel_cap_boundary() -> None:
    assert load_image(encode(Image.new("L", (10, 10)), "PNG"), max_pixels=100).shape == (10, 10)
    with pytest.raises(InputError) as info:
        load_image(encode(Image.new("L", (11, 10)), "PNG"), max_pixels=100)
    assert info.value.key == "error.image_too_large"
    assert (info.value.fields["width"], info.value.fields["height"]) == (11, 10)


def test_a_phone_photo_passes_the_default_cap() -> None:
    # 48 megapixels (8000 x 6000) is under the cap: the header check lets it through
    # (the pixel data here is missing, so it then fails as a damaged file).
    with pytest.raises(InputError) as info:
        load_image(png_header_claiming(8_000, 6_000))
    assert info.value.key == "error.image_corrupt"


def test_image_size_reads_the_header_only(monkeypatch: pytest.MonkeyPatch) -> None:
    _forbid_decoding(monkeypatch)
    assert image_size(png_header_claiming(8_000, 6_000)) == (6_000, 8_000)
    assert image_size(png_header_claiming(11, 10), max_pixels=110) == (10, 11)
    with pytest.raises(InputError) as info:
        image_size(png_header_claiming(11, 10), max_pixels=109)
    assert info.value.key == "error.image_too_large"


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (b"", "error.image_empty"),
        (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", "error.image_unreadable"),
        (png_header_claiming(20_000, 20_000), "error.image_too_large_pixels"),
    ],
    ids=["empty", "eps", "bomb"],
)
def test_image_size_refuses_as_decoding_does(data: bytes, key: str) -> None:
    with pytest.raises(InputError) as info:
        image_size(data)
    assert info.value.key == key


# --- downscaling -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "max_side", "expected_shape"),
    [
        ((1000, 250), 100, (25, 100)),
        ((250, 1000), 100, (100, 25)),
        ((300, 200), 512, (200, 300)),  # smaller than max_side: untouched, never upscaled
        ((513, 100), 512, (100, 512)),
        ((4000, 3), 100, (1, 100)),  # a very thin image keeps at least one row
    ],
)
def test_downscaling_keeps_aspect_ratio(
    size: tuple[int, int], max_side: int, expected_shape: tuple[int, int]
) -> None:
    decoded = decode_image(encode(Image.new("L", size, 128), "PNG"), max_side=max_side)
    assert decoded.pixels.shape == expected_shape
    assert decoded.original_size == (size[1], size[0])
    assert decoded.downscaled == (max(size) > max_side)
    np.testing.assert_allclose(decoded.pixels, 128 / 255, atol=1e-6)  # flat stays flat


def test_large_jpeg_is_downscaled_and_keeps_its_content() -> None:
    # Left half black, right half white; libjpeg's DCT scaling (draft) then Lanczos.
    array = np.zeros((1200, 1600, 3), np.uint8)
    array[:, 800:] = 255
    decoded = decode_image(encode(Image.fromarray(array), "JPEG", quality=90), max_side=200)
    assert decoded.pixels.shape == (150, 200, 3)
    assert decoded.original_size == (1200, 1600)
    assert decoded.pixels[:, :90].max() < 0.05
    assert decoded.pixels[:, 110:].min() > 0.95


def test_sixteen_bit_downscaling_keeps_the_range() -> None:
    values = np.full((40, 40), 65535, np.uint16)
    values[:, :20] = 0
    pixels = load_image(encode(Image.fromarray(values), "PNG"), max_side=10)
    assert pixels.shape == (10, 10)
    assert pixels.min() >= 0.0
    assert pixels.max() <= 1.0
    np.testing.assert_allclose(pixels[:, -2:], 1.0, atol=1e-6)
    np.testing.assert_allclose(pixels[:, :2], 0.0, atol=1e-6)


# --- errors ------------------------------------------------------------------------------


def _zero_width_png() -> bytes:
    return png_header_claiming(0, 5)


def _truncated_png() -> bytes:
    data = encode(Image.fromarray(np.arange(2500, dtype=np.uint8).reshape(50, 50)), "PNG")
    return data[: len(data) // 2]


def _truncated_jpeg() -> bytes:
    rng = np.random.default_rng(0)
    data = encode(Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)), "JPEG")
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (b"", "error.image_empty"),
        (b"not an image at all " * 5, "error.image_unreadable"),
        (b"%PDF-1.7\n" + b"0" * 100, "error.image_unreadable"),
        (PNG_SIGNATURE, "error.image_unreadable"),
        (_zero_width_png(), "error.image_unreadable"),  # Pillow refuses a 0-wide header
        (_truncated_png(), "error.image_corrupt"),
        (_truncated_jpeg(), "error.image_corrupt"),
    ],
    ids=[
        "empty",
        "garbage",
        "pdf",
        "signature-only",
        "zero-width",
        "truncated-png",
        "truncated-jpeg",
    ],
)
def test_bad_files_raise_input_errors(data: bytes, key: str) -> None:
    with pytest.raises(InputError) as info:
        load_image(data)
    assert info.value.key == key
    assert isinstance(info.value, ValueError)


def test_eps_is_not_opened() -> None:
    # Pillow could open EPS by running Ghostscript on the upload; we never try.
    with pytest.raises(InputError) as info:
        load_image(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n")
    assert info.value.key == "error.image_unreadable"


def test_damaged_file_message_quotes_what_was_received() -> None:
    data = _truncated_png()
    with pytest.raises(InputError) as info:
        load_image(data)
    assert info.value.message("en") == (
        f"The PNG image of 50 × 50 pixels could not be decoded: the file ({len(data)} bytes) "
        "seems truncated or damaged. Download or export it again as PNG or JPEG."
    )


def test_float_tiff_with_nan_is_refused() -> None:
    im = Image.fromarray(np.array([[0.25, np.nan]], dtype=np.float32))
    with pytest.raises(InputError) as info:
        load_image(encode(im, "TIFF"))
    assert info.value.key == "error.image_not_finite"
    assert info.value.fields["count"] == 1


@pytest.mark.parametrize(("name", "value"), [("max_side", 0), ("max_pixels", -1)])
def test_invalid_limits(name: str, value: int) -> None:
    with pytest.raises(InputError) as info:
        load_image(encode(Image.new("L", (2, 2)), "PNG"), **{name: value})
    assert info.value.key == "error.below_one"
    assert info.value.fields == {"name": name, "value": value}


def test_bytes_are_required() -> None:
    with pytest.raises(TypeError):
        load_image("image.png")  # type: ignore[arg-type]


def test_bytearray_and_memoryview_are_accepted() -> None:
    data = encode(Image.new("L", (2, 3), 255), "PNG")
    assert load_image(bytearray(data)).shape == (3, 2)
    assert load_image(memoryview(data)).shape == (3, 2)


ERROR_CASES: dict[str, Callable[[], object]] = {
    "empty": lambda: load_image(b""),
    "unreadable": lambda: load_image(b"garbage" * 10),
    "corrupt": lambda: load_image(_truncated_png()),
    "too_large": lambda: load_image(png_header_claiming(10_000, 10_000)),
    "bomb": lambda: load_image(png_header_claiming(20_000, 20_000)),
    "nan_tiff": lambda: load_image(
        encode(Image.fromarray(np.array([[np.inf]], np.float32)), "TIFF")
    ),
    "max_side": lambda: load_image(b"x", max_side=0),
    "rank": lambda: check_image(np.zeros(3)),
    "channels": lambda: check_image(np.zeros((2, 2, 4))),
    "no_pixels": lambda: check_image(np.zeros((0, 3))),
    "not_finite": lambda: check_image(np.array([[np.nan, 1.0]])),
    "dtype": lambda: check_image(np.array([["a", "b"]])),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_error_reads_well_in_both_languages(case: str, lang: str) -> None:
    with pytest.raises(InputError) as info:
        ERROR_CASES[case]()
    err = info.value
    assert err.key in catalog(lang)
    message = err.message(lang)
    assert message != err.key
    assert "{" not in message
    assert len(message) > 40
    for value in err.fields.values():
        if isinstance(value, int):
            assert format_count(value, lang) in message  # grouped: 10,000 or 10 000


def test_spanish_messages_use_spanish_words() -> None:
    with pytest.raises(InputError) as info:
        load_image(b"garbage" * 10)
    assert "no se pudo leer como imagen" in info.value.message("es")
    assert "70 bytes" in info.value.message("es")


# --- check_image, to_grayscale, image_to_png_bytes --------------------------------------


def test_check_image_accepts_and_converts() -> None:
    ints = check_image(np.arange(6).reshape(2, 3))
    assert ints.dtype == np.float64
    np.testing.assert_array_equal(ints, [[0, 1, 2], [3, 4, 5]])
    floats = np.zeros((2, 2, 3), np.float32)
    assert check_image(floats) is floats  # no copy when none is needed
    assert check_image(np.ones((2, 2, 1))).shape == (2, 2, 1)
    assert check_image([[True, False]]).dtype == np.float64


@pytest.mark.parametrize(
    ("array", "key", "fields"),
    [
        (np.zeros(5), "error.image_rank", {"shape": (5,), "ndim": 1}),
        (np.zeros((1, 2, 3, 4)), "error.image_rank", {"shape": (1, 2, 3, 4), "ndim": 4}),
        (np.zeros((2, 2, 4)), "error.image_channels", {"shape": (2, 2, 4), "channels": 4}),
        (np.zeros((2, 2, 2)), "error.image_channels", {"shape": (2, 2, 2), "channels": 2}),
        (np.zeros((0, 4)), "error.image_no_pixels", {"shape": (0, 4)}),
        (np.zeros((3, 0, 3)), "error.image_no_pixels", {"shape": (3, 0, 3)}),
        (
            np.array([[np.nan, np.inf], [-np.inf, 0.0]]),
            "error.image_not_finite",
            {"count": 3, "shape": (2, 2)},
        ),
        (np.array([[1 + 2j]]), "error.image_dtype", {"dtype": "complex128"}),
    ],
)
def test_check_image_refuses(array: np.ndarray, key: str, fields: dict[str, object]) -> None:
    with pytest.raises(InputError) as info:
        check_image(array)
    assert info.value.key == key
    assert info.value.fields == fields
    assert str(fields.get("shape", "")) in info.value.message("es")


def test_to_grayscale_uses_bt601_weights() -> None:
    image = np.array([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 1.0, 1.0]]])
    np.testing.assert_allclose(to_grayscale(image), [[0.299, 0.587, 0.114, 1.0]])


def test_to_grayscale_matches_pillow() -> None:
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, (8, 9, 3), dtype=np.uint8)
    ours = to_grayscale(rgb.astype(np.float32) / 255)
    assert ours.dtype == np.float32
    pillow = np.asarray(Image.fromarray(rgb).convert("L"), np.float32) / 255
    np.testing.assert_allclose(ours, pillow, atol=1 / 255)


def test_to_grayscale_of_gray_is_a_copy() -> None:
    gray = np.array([[0.1, 0.2]])
    result = to_grayscale(gray)
    result[0, 0] = 9.0
    assert gray[0, 0] == 0.1
    np.testing.assert_array_equal(to_grayscale(np.ones((2, 2, 1))), np.ones((2, 2)))


def test_image_to_png_bytes_clips_and_rounds() -> None:
    data = image_to_png_bytes(np.array([[-1.0, 0.5], [1.0, 7.0]]))
    assert data.startswith(PNG_SIGNATURE)
    im = Image.open(io.BytesIO(data))
    assert im.mode == "L"
    np.testing.assert_array_equal(np.asarray(im), [[0, 128], [255, 255]])


def test_image_to_png_bytes_modes() -> None:
    assert Image.open(io.BytesIO(image_to_png_bytes(np.zeros((2, 2, 1))))).mode == "L"
    assert Image.open(io.BytesIO(image_to_png_bytes(np.zeros((2, 2, 3))))).mode == "RGB"
    with pytest.raises(InputError):
        image_to_png_bytes(np.array([[np.nan]]))


@settings(max_examples=40, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 12), st.integers(1, 12), st.sampled_from([1, 3])),
        elements=st.floats(0.0, 1.0),
    )
)
def test_png_round_trip_within_half_a_level(image: np.ndarray) -> None:
    decoded = load_image(image_to_png_bytes(image))
    expected = image[:, :, 0] if image.shape[2] == 1 else image
    assert decoded.shape == expected.shape
    np.testing.assert_allclose(decoded, expected, atol=0.5 / 255 + 1e-6)


@settings(max_examples=25, deadline=None)
@given(
    arrays(np.uint8, st.tuples(st.integers(1, 10), st.integers(1, 10), st.just(3))),
    st.sampled_from(["PNG", "BMP", "TIFF", "PPM"]),
)
def test_lossless_formats_decode_exactly(levels: np.ndarray, fmt: str) -> None:
    decoded = load_image(encode(Image.fromarray(levels), fmt))
    np.testing.assert_array_equal(decoded, levels.astype(np.float32) / 255)


def test_decoded_image_is_a_frozen_dataclass() -> None:
    decoded = decode_image(encode(Image.new("L", (2, 2)), "PNG"))
    assert isinstance(decoded, DecodedImage)
    with pytest.raises(AttributeError):
        decoded.downscaled = True  # type: ignore[misc]
