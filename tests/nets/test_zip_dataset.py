"""Tests of cnnviz.nets.zip_dataset: a student's zip of class folders, and its refusals."""

import io
import struct
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from cnnviz.i18n import InputError
from cnnviz.nets import zip_dataset
from cnnviz.nets.limits import Limits
from cnnviz.nets.zip_dataset import load_zip_dataset
from tests.io.test_images import png_header_claiming


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _png(value: int, size=(10, 6)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (value, value, 0)).save(buffer, "PNG")
    return buffer.getvalue()


def test_zip_loader_reads_class_folders():
    files = {f"pets/{kind}/{i}.png": _png(40 * i) for kind in ("dogs", "cats") for i in range(5)}
    files["pets/.DS_Store"] = b"junk"
    files["__MACOSX/pets/._x.png"] = b"junk"
    dataset = load_zip_dataset(_zip(files), side=16)
    assert dataset.class_names == ("cats", "dogs")
    assert dataset.x_train.shape == (8, 16, 16, 3) and dataset.x_test.shape == (2, 16, 16, 3)
    assert sorted(dataset.y_test.tolist()) == [0, 1]
    grey = load_zip_dataset(_zip(files), side=8, color=False)
    assert grey.x_train.shape == (8, 8, 8)
    # A uniform picture stays uniform: red 40·i and green 40·i, no blue.
    assert set(np.unique(dataset.x_test[..., 2]).tolist()) == {0}


@pytest.mark.parametrize(
    ("files", "key"),
    [
        ({"a.png": _png(1), "b.png": _png(2)}, "train.zip.loose_file"),
        ({f"cats/{i}.png": _png(i) for i in range(5)}, "train.zip.one_class"),
        (
            {**{f"{c}/{i}.png": _png(i) for c in "ab" for i in range(5)}, "a/notes.txt": b"hi"},
            "train.zip.not_image",
        ),
        (
            {**{f"{c}/{i}.png": _png(i) for c in "ab" for i in range(5)}, "a/x.png": b"not png"},
            "train.zip.not_image",
        ),
        ({f"{c}/{i}.png": _png(i) for c in "ab" for i in range(3)}, "train.zip.few_images"),
        ({}, "train.zip.empty"),
    ],
)
def test_malformed_zips_are_refused(files, key):
    with pytest.raises(InputError) as err:
        load_zip_dataset(_zip(files))
    assert err.value.key == key
    assert err.value.message("es") != err.value.message("en")


def test_zip_limits():
    files = {f"{c}/{i}.png": _png(i) for c in "ab" for i in range(5)}
    with pytest.raises(InputError) as err:
        load_zip_dataset(_zip(files), limits=Limits(max_zip_files=9))
    assert err.value.key == "train.zip.too_many"
    with pytest.raises(InputError) as err:
        load_zip_dataset(b"PK\x03\x04 broken")
    assert err.value.key == "train.zip.not_zip"


# --- hostile zips: each refused with a translated message naming the file -----------------


def _noise_png() -> bytes:
    buffer = io.BytesIO()
    noise = np.random.default_rng(0).integers(0, 256, (40, 40, 3), dtype=np.uint8)
    Image.fromarray(noise).save(buffer, "PNG")
    return buffer.getvalue()


def _good_files() -> dict[str, bytes]:
    return {f"{c}/{i}.png": _png(30 * i) for c in ("cats", "dogs") for i in range(5)}


def _packed(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _headers(data: bytes, name: str) -> tuple[int, int]:
    """Offsets of entry ``name``'s local header and of its central directory record."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        local = archive.getinfo(name).header_offset
    central = data.index(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(name)] != name.encode():
        central = data.index(b"PK\x01\x02", central + 4)
    return local, central


def _patch(data: bytes, name: str, fmt: str, local_at: int, value: int) -> bytes:
    """Overwrite a field of ``name``'s local header and the same field of its directory record.

    The record has 2 more bytes before the field (its "version made by"), hence ``+ 2``.
    """
    local, central = _headers(data, name)
    patched = bytearray(data)
    struct.pack_into(fmt, patched, local + local_at, value)
    struct.pack_into(fmt, patched, central + local_at + 2, value)
    return bytes(patched)


# Field offsets in a local file header (APPNOTE 4.3.7).
_FLAGS, _METHOD, _CRC, _SIZE = 6, 8, 14, 22


@pytest.fixture
def inflated(monkeypatch):
    """Count the bytes zipfile's decompressors actually produce (not what headers declare)."""
    count = [0]
    real = zipfile._get_decompressor

    class Counting:
        def __init__(self, inner):
            self._inner = inner

        def decompress(self, *args):
            out = self._inner.decompress(*args)
            count[0] += len(out)
            return out

        def flush(self, *args):
            out = self._inner.flush(*args)
            count[0] += len(out)
            return out

        def __getattr__(self, name):
            return getattr(self._inner, name)

    monkeypatch.setattr(zipfile, "_get_decompressor", lambda method: Counting(real(method)))
    return count


def _refused(data: bytes, key: str, file: str | None = None, **limits) -> InputError:
    with pytest.raises(InputError) as err:
        load_zip_dataset(data, limits=Limits(**limits))
    assert err.value.key == key
    english, spanish = err.value.message("en"), err.value.message("es")
    assert english != spanish and key not in (english, spanish)  # both catalogs have it
    if file is not None:
        assert file in english and file in spanish
    return err.value


_ZEROS = 50_000_000  # deflates to about 50 KB


def test_lying_header_inflates_at_most_one_chunk(inflated):
    # A 50 MB entry whose headers say 100 bytes: zipfile's read() would inflate all
    # 50 MB in one call before cutting it to 100; read in chunks, at most one chunk is.
    data = _packed({**_good_files(), "cats/big.png": bytes(_ZEROS)})
    data = _patch(data, "cats/big.png", "<L", _SIZE, 100)
    _refused(data, "error.zip_corrupt", "cats/big.png")  # 100 bytes cannot match the CRC
    assert 100 <= inflated[0] <= 2 * zip_dataset._CHUNK


def test_entry_cap_stops_inflating_at_the_cap(inflated):
    data = _packed({**_good_files(), "cats/big.png": bytes(_ZEROS)})
    _refused(data, "error.zip_entry_too_big", "cats/big.png", max_zip_entry_bytes=1_000_000)
    assert 1_000_000 < inflated[0] <= 1_000_000 + 2 * zip_dataset._CHUNK


def test_declared_total_refuses_before_inflating(inflated):
    data = _packed({**_good_files(), "cats/big.png": bytes(_ZEROS)})
    err = _refused(data, "train.zip.too_big", max_zip_bytes=10_000_000)
    assert err.fields == {"limit": 10}
    assert inflated[0] == 0


def test_total_cap_counts_inflated_bytes(inflated):
    data = _packed({"cats/0.png": bytes(1_000_000)})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        budget = zip_dataset._Budget(Limits(max_zip_bytes=300_000))
        with pytest.raises(InputError) as err:
            zip_dataset._inflate(archive, archive.infolist()[0], budget)
    assert err.value.key == "train.zip.too_big"
    assert 300_000 < inflated[0] <= 300_000 + 2 * zip_dataset._CHUNK


def test_member_count_is_read_before_the_directory(monkeypatch):
    data = _packed(_good_files())

    def parse(*args, **kwargs):
        raise AssertionError("the central directory was parsed")

    monkeypatch.setattr(zipfile, "ZipFile", parse)
    err = _refused(data, "error.zip_too_many_members", max_zip_members=9)
    assert err.fields == {"count": 10, "limit": 9}


def test_understated_member_count_is_caught_after_parsing():
    data = bytearray(_packed(_good_files()))
    end = data.rindex(b"PK\x05\x06")
    struct.pack_into("<HH", data, end + 8, 1, 1)  # the end record now claims one entry
    err = _refused(bytes(data), "error.zip_too_many_members", max_zip_members=9)
    assert err.fields == {"count": 10, "limit": 9}


def test_nameless_entry_is_skipped():
    # zipfile cannot write an empty name: write "Q", then make its letter an extra field.
    data = _packed({**_good_files(), "Q": b"junk"})
    local, central = _headers(data, "Q")
    patched = bytearray(data)
    struct.pack_into("<HH", patched, local + 26, 0, 1)
    struct.pack_into("<HH", patched, central + 28, 0, 1)
    with zipfile.ZipFile(io.BytesIO(bytes(patched))) as archive:
        assert archive.namelist()[-1] == ""
    assert len(load_zip_dataset(bytes(patched)).x_train) == 8


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("../evil.png", "error.zip_unsafe_path"),
        ("cats/../../evil.png", "error.zip_unsafe_path"),
        ("/etc/evil.png", "error.zip_unsafe_path"),
        ("C:/evil.png", "error.zip_unsafe_path"),
        ("cats\\..\\..\\evil.png", "error.zip_unsafe_path"),
    ],
)
def test_names_that_leave_the_zip_are_refused(name, key):
    # "../evil.png" starts with a dot: without the check it was skipped as a hidden file.
    _refused(_packed({**_good_files(), name: _png(1)}), key, name)


def test_encrypted_entry_is_refused_before_reading(inflated):
    data = _patch(_packed(_good_files()), "dogs/3.png", "<H", _FLAGS, 0x1)
    _refused(data, "error.zip_encrypted", "dogs/3.png")
    assert inflated[0] == 0


def test_bad_crc_is_refused():
    data = _patch(_packed(_good_files()), "dogs/2.png", "<L", _CRC, 0xDEADBEEF)
    _refused(data, "error.zip_corrupt", "dogs/2.png")


def test_damaged_deflate_stream_is_refused():
    data = _packed(_good_files())
    local, _ = _headers(data, "cats/1.png")
    start = local + 30 + len("cats/1.png")
    damaged = data[:start] + b"\xff" * 8 + data[start + 8 :]  # invalid block type
    _refused(damaged, "error.zip_corrupt", "cats/1.png")


def test_truncated_entry_is_refused():
    data = _packed(_good_files(), method=zipfile.ZIP_STORED)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("dogs/4.png")
    # Claim more stored bytes than the entry has: reading runs into the directory.
    data = _patch(data, "dogs/4.png", "<L", _SIZE - 4, info.compress_size + 10_000)
    data = _patch(data, "dogs/4.png", "<L", _SIZE, info.file_size + 10_000)
    _refused(data, "error.zip_corrupt", "dogs/4.png")


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA, 9, 99])
def test_unsupported_compression_is_refused(method, inflated):
    # bzip2 can turn a few KB into gigabytes in one call; 9 is Deflate64, 99 AES.
    if method in (zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA):
        data = _packed(_good_files(), method=method)
    else:
        data = _patch(_packed(_good_files()), "cats/0.png", "<H", _METHOD, method)
    err = _refused(data, "error.zip_method", "cats/0.png")
    assert err.fields["method"] == method
    assert inflated[0] == 0


def test_picture_bomb_is_refused_before_decoding(monkeypatch):
    decoded = []
    monkeypatch.setattr(
        zip_dataset, "decode_image", lambda *a, **k: decoded.append(1) or pytest.fail()
    )
    data = _packed({**_good_files(), "cats/0.png": png_header_claiming(7000, 7000)})
    err = _refused(data, "train.zip.huge_image", "cats/0.png")
    assert err.fields["megapixels"] == 49.0 and err.fields["limit"] == 25.0
    assert "49 megapixels" in err.message("en") and "25" in err.message("en")
    assert decoded == []


def test_pixel_budget_of_the_zip_stops_decoding(monkeypatch):
    # 200 copies of a 100 x 100 picture under a 0.05-megapixel budget: five are decoded.
    real = zip_dataset.decode_image
    decoded = []
    monkeypatch.setattr(
        zip_dataset, "decode_image", lambda *a, **k: decoded.append(1) or real(*a, **k)
    )
    picture = _png(7, size=(100, 100))
    files = {f"{c}/{i:03}.png": picture for c in ("cats", "dogs") for i in range(100)}
    err = _refused(
        _packed(files), "error.zip_too_many_pixels", "cats/005.png", max_zip_pixels=50_000
    )
    assert err.fields["limit"] == 0.05
    assert len(decoded) == 5


@pytest.mark.parametrize(
    ("name", "content", "key"),
    [
        (
            "cats/x.eps",
            b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n",
            "train.zip.not_image",
        ),
        (
            "cats/x.png",
            b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n",
            "train.zip.not_image",
        ),
        ("cats/x.png", b"", "train.zip.not_image"),
        ("cats/x.png", _noise_png()[:600], "error.zip_image_corrupt"),
    ],
    ids=["eps-suffix", "eps-as-png", "empty", "truncated-png"],
)
def test_files_that_are_not_accepted_images(name, content, key):
    err = _refused(_packed({**_good_files(), name: content}), key, name)
    if key == "train.zip.not_image":
        assert ".webp" in err.fields["expected"] and ".eps" not in err.fields["expected"]


def test_upload_formats_are_accepted_in_a_zip():
    def encoded(fmt: str, value: int) -> bytes:
        buffer = io.BytesIO()
        Image.new("RGB", (12, 9), (value, 0, 0)).save(buffer, fmt)
        return buffer.getvalue()

    files = {f"cats/{i}.webp": encoded("WEBP", 200) for i in range(5)}
    files |= {f"dogs/{i}.tiff": encoded("TIFF", 10) for i in range(5)}
    dataset = load_zip_dataset(_packed(files), side=8, test_fraction=0.2)
    reds = {
        int(label): int(image[..., 0].mean())
        for image, label in zip(dataset.x_train, dataset.y_train, strict=True)
    }
    assert dataset.class_names == ("cats", "dogs")
    assert reds[1] == 10 and abs(reds[0] - 200) <= 2  # WebP is lossy, TIFF is not


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_damage_gives_a_dataset_or_an_input_error(data):
    """Flip bytes anywhere in a valid zip: never a traceback, only a result or a message."""
    archive = bytearray(_packed(_good_files()))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(archive) - 1))
        archive[at] = data.draw(st.integers(0, 255))
    try:
        dataset = load_zip_dataset(bytes(archive), side=8)
    except InputError as err:
        assert err.message("es") != err.key
    else:
        assert dataset.x_train.shape[1:] == (8, 8, 3)


@given(
    st.lists(
        st.text("abc._-", min_size=1, max_size=4).filter(lambda p: p not in (".", "..")),
        min_size=1,
        max_size=4,
    ),
    st.integers(0, 4),
)
def test_a_name_is_unsafe_exactly_when_it_climbs_or_is_absolute(parts, where):
    name = "/".join(parts)
    assert not zip_dataset._unsafe(name)
    climbing = [*parts[:where], "..", *parts[where:]]
    assert zip_dataset._unsafe("/".join(climbing))
    assert zip_dataset._unsafe("/" + name)
