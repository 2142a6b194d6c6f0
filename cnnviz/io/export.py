r"""Files to take away: a feature map as PNG, numbers as CSV, a convolution as an animated GIF.

Everything here is drawn with Pillow and NumPy only (no Matplotlib): the
colour maps are lookup tables sampled once from Plotly's colour scales, so a
downloaded picture has the colours the page shows.

Notes
-----
**Colours** are those of the page's heatmaps (:mod:`cnnviz.figures`), so a
download looks like the screen. A map with negative values (``signed``) uses
ColorBrewer's diverging, colour-blind-safe "RdBu", reversed and centred at 0:
0 is its neutral near-white (:data:`NEUTRAL`), the most negative value of the
map its darkest blue and the most positive its darkest red (the range is
symmetric, :math:`[-m, m]` with :math:`m = \max |x|`). A map without negative
values is gray, 0 black and 1 white, or its maximum white when that is above
1 (images in :math:`[0, 1]` look like themselves; a ReLU map reads "brighter =
stronger").

**The GIF** shows, for one feature map and a region of at most 16×16 output
cells, one frame per output cell in the trace's order (row by row): the padded
input around the region, padding cells hatched, the window outlined; the
kernel; the output filling in, its current cell outlined; and under them the
step's arithmetic as :meth:`cnnviz.core.trace.ConvStep.formula_lines` writes it, in
the current language, when it fits (otherwise the cell and its value).
Numbers are written in the cells when a grid is small enough for them to be
legible. Text uses DejaVu Sans when the system has it (Debian and Ubuntu
do) and Pillow's built-in font otherwise, which lacks accents and the minus
sign ``−``: those are then written without accents and as ``-``.
"""

from __future__ import annotations

import io
import math
import struct
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import GifImagePlugin, Image, ImageDraw, ImageFont

from cnnviz.content.links import compact_number
from cnnviz.core import conv
from cnnviz.core._checks import is_int
from cnnviz.core.trace import ConvStep, ConvTrace
from cnnviz.i18n import InputError, format_number, get_language, t

SIGNED_COLORSCALE = "RdBu"
"""Plotly colour scale of signed maps, used reversed: negative blue, 0 near-white, positive red."""

LUT_SIZE = 255
"""Entries of each colour lookup table; odd, so that 0 of a signed map falls on the middle one."""

NEUTRAL: tuple[int, int, int] = (247, 247, 247)
"""The colour of 0 on a signed map: the middle of "RdBu"."""

PNG_MIN_SIDE = 256
"""Longer side that :func:`feature_map_png` enlarges a small map to, by a whole factor."""

MAX_PNG_SIDE = 8192
"""Largest side, in pixels, of a PNG :func:`feature_map_png` writes."""

MAX_REGION_SIDE = 16
"""Most output rows and columns one GIF animates (256 frames at most)."""

MAX_NUMBERED_SIDE = 20
"""A GIF writes numbers in a grid's cells only up to this many rows and columns."""

WINDOW_COLOUR: tuple[int, int, int] = (0, 158, 115)
"""Outline of the window and of the current output cell: Okabe-Ito's bluish green, which
stands out on gray, red, blue and white alike."""

PADDING_COLOUR: tuple[int, int, int] = (221, 229, 240)
"""Fill of padding cells in the GIF (hatched), unlike any gray or "RdBu" colour."""

FONT_FILE = "DejaVuSans.ttf"
"""The font the GIF's text prefers (found in the system's font folders); Pillow's built-in
font is used when it is missing."""

_HATCH = (150, 170, 196)
_GRID = (190, 190, 190)
_BACKGROUND = (255, 255, 255)
_TEXT = (20, 20, 20)
_CAPTION = (90, 90, 90)  # the step counter above the formula


# --- colours ------------------------------------------------------------------------------


@cache
def _signed_lut() -> np.ndarray:
    """Return (LUT_SIZE, 3) uint8 colours of "RdBu" reversed (blue first), read-only."""
    from plotly.colors import sample_colorscale  # plotly is slow to import; only when drawing

    samples = sample_colorscale(SIGNED_COLORSCALE, np.linspace(0.0, 1.0, LUT_SIZE).tolist())
    rgb = [[round(float(v)) for v in s[s.index("(") + 1 : -1].split(",")] for s in samples]
    lut = np.array(rgb[::-1], dtype=np.uint8)  # reversed: negative blue, positive red
    lut.flags.writeable = False
    return lut


@cache
def _gray_lut() -> np.ndarray:
    """Return (LUT_SIZE, 3) uint8 grays from black to white, read-only."""
    levels = np.rint(np.linspace(0, 255, LUT_SIZE)).astype(np.uint8)
    lut = np.repeat(levels[:, None], 3, axis=1)
    lut.flags.writeable = False
    return lut


@dataclass(frozen=True)
class _ColourMap:
    """Values to colours: a lookup table over ``[low, high]``."""

    signed: bool
    low: float
    high: float

    @classmethod
    def of(cls, values: np.ndarray, signed: bool | None = None) -> _ColourMap:
        """Fit the map to ``values``: symmetric around 0 if signed, else ``[0, max(1, max)]``.

        A gray map forced on negative values starts at their minimum, as the
        page's heatmaps do.
        """
        if signed is None:
            signed = bool(np.any(values < 0))
        if signed:
            limit = float(np.max(np.abs(values))) if values.size else 0.0
            return cls(True, -limit, limit)
        low = min(0.0, float(np.min(values))) if values.size else 0.0
        high = max(1.0, float(np.max(values))) if values.size else 1.0
        return cls(False, low, high)

    def indices(self, values: np.ndarray) -> np.ndarray:
        """Return the LUT index of each value; an all-zero signed map gets the middle."""
        if self.high <= self.low:
            return np.full(values.shape, LUT_SIZE // 2 if self.signed else 0, dtype=np.intp)
        scaled = _unit_scale(values, self.low, self.high)
        return np.rint(scaled * (LUT_SIZE - 1)).astype(np.intp)

    def colours(self, values: np.ndarray) -> np.ndarray:
        """RGB uint8 colours, shape ``values.shape + (3,)``."""
        lut = _signed_lut() if self.signed else _gray_lut()
        return lut[self.indices(values)]


def _unit_scale(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """Map ``[low, high]`` onto ``[0, 1]`` (values outside clipped), ``low < high``.

    Only when ``high - low`` overflows (a map from −1e308 to 1e308: ∞ in
    float64, and ∞ / ∞ is NaN, an index out of any table) is everything
    halved first, which is exact there. Not always: halving the smallest
    subnormals gives 0 (−5e-324 / 2 is −0), so a map of them would divide 0
    by 0; and the difference of two distinct floats is never 0.

    Examples
    --------
    >>> _unit_scale(np.array([-5e-324, 5e-324]), -5e-324, 5e-324).tolist()
    [0.0, 1.0]
    >>> _unit_scale(np.array([-1e308, 0.0, 1e308]), -1e308, 1e308).tolist()
    [0.0, 0.5, 1.0]
    """
    values = np.asarray(values, dtype=np.float64)
    if np.isfinite(high - low):
        scaled = (values - low) / (high - low)
    else:
        scaled = (values / 2 - low / 2) / (high / 2 - low / 2)
    return np.clip(scaled, 0.0, 1.0)


# --- PNG and CSV --------------------------------------------------------------------------


def _check_finite(values: object) -> None:
    """Refuse ∞ and NaN with a message that says they come from numbers too large.

    The core refuses them in its inputs, so here they are sums that overflowed.
    Anything not a float array is left to :func:`cnnviz.core.conv.as_float_array`.
    """
    array = np.asarray(values)
    if array.dtype.kind != "f":
        return
    bad = int(np.count_nonzero(~np.isfinite(array)))
    if bad:
        raise InputError("export.not_finite", count=bad, size=array.size, max=conv.MAX_MAGNITUDE)


def check_feature_map(matrix: object) -> np.ndarray:
    """Read one feature map to save: what :func:`feature_map_png` accepts, without drawing.

    Parameters
    ----------
    matrix : array_like, shape (H, W)
        One feature map.

    Returns
    -------
    ndarray, shape (H, W), float64

    Raises
    ------
    InputError
        If the map is not 2-D, is empty, or has infinite or NaN values (sums
        that overflowed: key ``export.not_finite``).

    Examples
    --------
    >>> check_feature_map([[1, 2]]).dtype
    dtype('float64')
    >>> check_feature_map([[1.0, np.inf]])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cnnviz.i18n.InputError: The feature map cannot be saved: 1 of its 2 values are too large...
    """
    _check_finite(matrix)
    array = conv.as_float_array(matrix, "feature_map")
    if array.ndim != 2:
        raise InputError("error.export_not_2d", shape=array.shape, ndim=array.ndim)
    return array


def _png_scale(shape: tuple[int, int], scale: object) -> int:
    longest = max(shape)
    if scale is None:
        return max(1, min(math.ceil(PNG_MIN_SIDE / longest), MAX_PNG_SIDE // longest))
    if not is_int(scale) or not 1 <= scale <= MAX_PNG_SIDE // longest:
        raise InputError(
            "error.export_scale",
            value=repr(scale),
            max=max(1, MAX_PNG_SIDE // longest),
            rows=shape[0],
            cols=shape[1],
            max_side=MAX_PNG_SIDE,
        )
    return int(scale)


def feature_map_png(
    matrix: np.ndarray, *, signed: bool | None = None, scale: int | None = None
) -> bytes:
    """Draw a feature map as a colour PNG, each cell a square of ``scale`` pixels.

    Parameters
    ----------
    matrix : array_like, shape (H, W)
        One feature map (``output[:, :, f]`` of a filter bank), finite numbers.
    signed : bool, optional
        Diverging colours centred at 0 (True) or gray from 0 to the maximum
        (False); by default, diverging exactly when some value is negative.
    scale : int, optional
        Pixels per cell (nearest neighbour, so cells stay sharp squares). By
        default the smallest whole factor that makes the longer side at least
        :data:`PNG_MIN_SIDE` pixels (1 for a map that large already).

    Returns
    -------
    bytes
        An RGB PNG file of ``(H * scale) × (W * scale)`` pixels.

    Raises
    ------
    InputError
        As :func:`check_feature_map`, or if ``scale`` is not a whole number
        that keeps each side within :data:`MAX_PNG_SIDE` pixels.

    Notes
    -----
    See the module's Notes for the colours. A gray map with negative values
    (``signed=False`` forced) starts black at its minimum.

    Examples
    --------
    >>> data = feature_map_png([[-1.0, 0.0, 1.0]], scale=2)
    >>> image = Image.open(io.BytesIO(data))
    >>> image.size, image.getpixel((2, 0)) == NEUTRAL
    ((6, 2), True)
    """
    array = check_feature_map(matrix)
    factor = _png_scale(array.shape, scale)
    rgb = _ColourMap.of(array, signed).colours(array)
    big = np.repeat(np.repeat(rgb, factor, axis=0), factor, axis=1)
    buffer = io.BytesIO()
    Image.fromarray(big, "RGB").save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def matrix_csv(matrix: np.ndarray) -> str:
    r"""Write numbers as CSV: one line per row, ``,`` between values, ``.`` as decimal mark.

    Parameters
    ----------
    matrix : array_like, shape (N,), (H, W) or (H, W, F)
        Finite numbers: a signal, a kernel or feature map, or a stack of
        feature maps (channels last).

    Returns
    -------
    str
        Each number in the shortest form that reads back as the same value
        (:func:`cnnviz.content.links.compact_number`), lines ending in ``\\n``. A
        signal is one line. A stack ``(H, W, F)`` is written as F blocks, map
        after map, each introduced by a comment line ``# filter f`` and
        separated by an empty line, so a spreadsheet shows each map as a
        table and ``np.loadtxt(..., delimiter=",")`` (which skips comments and
        empty lines) reads an ``(F * H, W)`` array: reshape it to
        ``(F, H, W)`` and move the axis back.

    Raises
    ------
    InputError
        If the array is empty, not 1-D to 3-D, or has NaN or infinite values
        (key ``export.not_finite`` for floats: sums that overflowed).

    Examples
    --------
    >>> print(matrix_csv([[1, -0.5], [0.125, 1e-7]]), end="")
    1,-0.5
    0.125,1e-7
    >>> print(matrix_csv(np.dstack([[[1, 2]], [[3, 4]]])), end="")
    # filter 0
    1,2
    <BLANKLINE>
    # filter 1
    3,4
    """
    _check_finite(matrix)
    array = np.asarray(matrix)
    if array.dtype.kind not in "fiu":
        array = conv.as_float_array(matrix, "matrix")
    else:
        conv.as_float_array(array, "matrix")  # checks emptiness and finiteness
    if array.dtype.kind in "iu":
        array = array.astype(np.float64)
    if array.ndim == 1:
        return _csv_rows(array[None, :])
    if array.ndim == 2:
        return _csv_rows(array)
    if array.ndim == 3:
        blocks = [f"# filter {f}\n{_csv_rows(array[:, :, f])}" for f in range(array.shape[2])]
        return "\n".join(blocks)
    raise InputError("error.export_csv_rank", shape=array.shape, ndim=array.ndim)


def _csv_rows(array: np.ndarray) -> str:
    return "".join(",".join(compact_number(v) for v in row) + "\n" for row in array)


# --- GIF ----------------------------------------------------------------------------------


@cache
def _font(size: int) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, bool]:
    """Return a font of ``size`` pixels, and whether it has accents and ``−``."""
    try:
        return ImageFont.truetype(FONT_FILE, size), True
    except OSError:
        return ImageFont.load_default(size=size), False


_ASCII_FALLBACK = str.maketrans({"\u2212": "-", "×": "x", "¿": "", "¡": "", "⌊": "[", "⌋": "]"})


def _printable(text: str, full: bool) -> str:
    """Text the font can draw: unchanged for DejaVu; without accents and ``−`` otherwise."""
    if full:
        return text
    text = unicodedata.normalize("NFKD", text.translate(_ASCII_FALLBACK))
    return "".join(c for c in text if c == "·" or (c.isascii() and not unicodedata.combining(c)))


def _text_width(text: str, size: int) -> float:
    font, full = _font(size)
    return font.getlength(_printable(text, full))


def _fitting_size(labels: Sequence[str], cell_px: int) -> int | None:
    """Return the largest font size (9 px at least) at which every label fits a cell, or None."""
    longest = max(labels, key=len, default="")
    for size in range(max(9, round(cell_px * 0.42)), 8, -1):
        if _text_width(longest, size) <= cell_px - 4 and size <= cell_px - 4:
            return size
    return None


def _ink(rgb: np.ndarray) -> tuple[int, int, int]:
    """Black or white text, whichever reads better on ``rgb`` (by luma)."""
    luma = 0.299 * float(rgb[0]) + 0.587 * float(rgb[1]) + 0.114 * float(rgb[2])
    return _TEXT if luma > 120 else (255, 255, 255)


@dataclass(frozen=True)
class AnimationLayout:
    """Where everything sits in the GIF's frames, in pixels (x right, y down).

    Attributes
    ----------
    cell_px : int
        Side of a cell.
    size : (int, int)
        Frame width and height.
    region : (int, int, int, int)
        Output cells animated: ``(row_start, row_stop, col_start, col_stop)``.
    input_rows, input_cols : (int, int)
        Padded-input rows and columns shown: ``[start, stop)``.
    input_origin, kernel_origin, output_origin : (int, int)
        Top-left pixel of each grid; ``kernel_origin`` is None when the kernel
        is not drawn (a filter over several channels).
    caption_origin : (int, int)
        Top-left pixel of the caption.
    caption_lines : int
        Lines reserved for the caption.
    font_px : int
        Size of the labels and caption text.
    """

    cell_px: int
    size: tuple[int, int]
    region: tuple[int, int, int, int]
    input_rows: tuple[int, int]
    input_cols: tuple[int, int]
    input_origin: tuple[int, int]
    kernel_origin: tuple[int, int] | None
    output_origin: tuple[int, int]
    caption_origin: tuple[int, int]
    caption_lines: int
    font_px: int

    def input_box(self, row: int, col: int) -> tuple[int, int, int, int]:
        """Pixel box ``(x0, y0, x1, y1)`` (x1, y1 exclusive) of padded-input cell ``(row, col)``."""
        x = self.input_origin[0] + (col - self.input_cols[0]) * self.cell_px
        y = self.input_origin[1] + (row - self.input_rows[0]) * self.cell_px
        return x, y, x + self.cell_px, y + self.cell_px

    def output_box(self, row: int, col: int) -> tuple[int, int, int, int]:
        """Pixel box of output cell ``(row, col)`` (output coordinates)."""
        x = self.output_origin[0] + (col - self.region[2]) * self.cell_px
        y = self.output_origin[1] + (row - self.region[0]) * self.cell_px
        return x, y, x + self.cell_px, y + self.cell_px

    def window_box(self, step: ConvStep) -> tuple[int, int, int, int]:
        """Pixel box spanned by a step's window (its first to its last tap)."""
        x0, y0, _, _ = self.input_box(step.rows[0], step.cols[0])
        _, _, x1, y1 = self.input_box(step.rows[-1], step.cols[-1])
        return x0, y0, x1, y1


def _check_region(region: object, rows: int, cols: int) -> tuple[int, int, int, int]:
    if region is None:
        return 0, min(rows, MAX_REGION_SIDE), 0, min(cols, MAX_REGION_SIDE)
    try:
        values = tuple(region)  # type: ignore[arg-type]
    except TypeError:
        values = ()
    ok = len(values) == 4 and all(is_int(v) for v in values)
    if ok:
        r0, r1, c0, c1 = (int(v) for v in values)
        ok = 0 <= r0 < r1 <= rows and 0 <= c0 < c1 <= cols
        ok = ok and r1 - r0 <= MAX_REGION_SIDE and c1 - c0 <= MAX_REGION_SIDE
    if not ok:
        raise InputError(
            "error.export_region",
            value=repr(region),
            rows=rows,
            cols=cols,
            max=MAX_REGION_SIDE,
            example_rows=min(rows, MAX_REGION_SIDE),
            example_cols=min(cols, MAX_REGION_SIDE),
        )
    return r0, r1, c0, c1


def _check_filter(trace: ConvTrace, fmap: object) -> int | None:
    """Check ``filter`` and return it as ``trace.step_at`` wants it: None for a single map."""
    if trace.map_axis is None:
        if fmap not in (0, None) or isinstance(fmap, bool):
            raise InputError("error.trace_single_map", value=repr(fmap))
        return None
    trace.index_of(0, 0, fmap)  # raises the trace's own message if out of range
    return int(fmap)  # type: ignore[arg-type]


def _check_int(value: object, name: str, low: int, high: int) -> int:
    if not is_int(value) or not (low <= value <= high):
        raise InputError(f"error.export_{name}", value=repr(value), min=low, max=high)
    return int(value)


def _input_span(
    trace: ConvTrace, region: tuple[int, int, int, int]
) -> tuple[tuple[int, int], tuple[int, int]]:
    """Return the padded rows and columns the region's windows cover: ``(start, stop)`` each."""
    spans = [
        (k - 1) * d + 1 for k, d in zip(trace.kernel.shape[:2], trace.dilation_rate, strict=True)
    ]
    r0, r1, c0, c1 = region
    rows = (r0 * trace.strides[0], (r1 - 1) * trace.strides[0] + spans[0])
    cols = (c0 * trace.strides[1], (c1 - 1) * trace.strides[1] + spans[1])
    return rows, cols


def _shown_kernel(trace: ConvTrace, fmap: int | None) -> np.ndarray | None:
    """Return the 2-D weights to draw, or None for a filter over several channels."""
    kernel = trace.kernel
    if kernel.ndim == 2:
        return kernel
    if kernel.shape[2] != 1:
        return None
    return kernel[:, :, 0] if kernel.ndim == 3 else kernel[:, :, 0, fmap or 0]


def _shown_input(trace: ConvTrace, fmap: int | None) -> np.ndarray:
    """Return the padded input to draw: (Hp, Wp), or (Hp, Wp, C) for a multi-channel filter."""
    padded = trace.padded
    if padded.ndim == 2:
        return padded
    if trace.kernel.ndim == 2:  # the same 2-D kernel on each channel: map f is channel f
        return padded[:, :, fmap or 0]
    return padded[:, :, 0] if padded.shape[2] == 1 else padded


def _wrap(line: str, width: float, font_px: int) -> list[str]:
    """Break a long sum between its terms, each new line starting with ``+``."""
    pieces: list[str] = []
    for term in line.split(" + "):
        candidate = f"{pieces[-1]} + {term}" if pieces else term
        if not pieces or _text_width(candidate, font_px) > width:
            pieces.append(f"+ {term}" if pieces else term)
        else:
            pieces[-1] = candidate
    return pieces


def _caption_for(step: ConvStep, lang: str, width: int, font_px: int, max_lines: int) -> list[str]:
    """Write the step's arithmetic in ``max_lines`` lines of ``width`` px at most, or shortly.

    Tried in order: the lines as the inspector shows them; the same lines
    broken between terms; for a filter over several channels, only the sum of
    the channels' parts (and the activation); the output cell and its value.
    """
    lines = step.formula_lines(lang)
    candidates = [lines, [piece for line in lines for piece in _wrap(line, width, font_px)]]
    if step.channel_totals is not None and step.channel_totals.size > 1:
        candidates.append(lines[step.channel_totals.size :])
    for candidate in candidates:
        if len(candidate) <= max_lines and all(_text_width(s, font_px) <= width for s in candidate):
            return candidate
    value = format_number(step.activated, lang=lang)
    return [t("export.gif.value", lang=lang, row=step.row, col=step.col, value=value)]


def conv_animation_layout(
    trace: ConvTrace,
    *,
    filter: int = 0,  # the trace's own name for the map index
    region: Sequence[int] | None = None,
    cell_px: int | None = None,
) -> AnimationLayout:
    """Compute where :func:`conv_animation_gif` draws everything, without drawing.

    Parameters
    ----------
    trace, filter, region, cell_px
        As in :func:`conv_animation_gif`.

    Returns
    -------
    AnimationLayout
        The frame size and the pixel boxes of every cell.

    Raises
    ------
    InputError
        As :func:`conv_animation_gif`; a page calls this to learn, before
        offering the GIF, whether it can be made.

    Examples
    --------
    >>> from cnnviz.core.trace import conv2d_trace
    >>> layout = conv_animation_layout(conv2d_trace(np.ones((5, 7)), np.ones((3, 3))), cell_px=30)
    >>> layout.region, layout.input_rows, layout.input_cols
    ((0, 3, 0, 5), (0, 5), (0, 7))
    """
    fmap = _check_filter(trace, filter)
    # Colours are fitted to the whole map: one ∞ anywhere and no colour is defined.
    _check_finite(trace.output if trace.output.ndim == 2 else trace.output[:, :, fmap or 0])
    out_rows, out_cols = trace.output.shape[:2]
    box = _check_region(region, out_rows, out_cols)
    in_rows, in_cols = _input_span(trace, box)
    n_in = (in_rows[1] - in_rows[0], in_cols[1] - in_cols[0])
    n_out = (box[1] - box[0], box[3] - box[2])
    kernel = _shown_kernel(trace, fmap)
    n_k = kernel.shape if kernel is not None else (0, 0)
    if cell_px is None:
        # Fit the grids side by side in about 1100 px and 640 px high, cells 8 to
        # 44 px (a large stride spreads the windows over many input cells).
        columns = n_in[1] + n_k[1] + n_out[1]
        cell = int(np.clip(1100 // max(columns, 1), 8, 44))
        cell = min(cell, max(8, 640 // max(n_in[0], n_out[0], 1)))
    else:
        cell = _check_int(cell_px, "cell_px", 8, 96)
    font_px = 16
    margin, gap = 16, max(24, cell)
    label_h = round(font_px * 1.6)
    top = margin + label_h
    x = margin
    input_origin = (x, top)
    x += n_in[1] * cell + gap
    kernel_origin = None
    if kernel is not None:
        kernel_origin = (x, top)
        x += n_k[1] * cell + gap
    output_origin = (x, top)
    x += n_out[1] * cell + margin
    # Room for the labels, whatever their language.
    width = max(x, 560)
    grid_bottom = top + max(n_in[0], n_k[0], n_out[0]) * cell
    caption_lines = 5 if (trace.kernel.ndim >= 3 and trace.kernel.shape[2] > 1) else 4
    caption_origin = (margin, grid_bottom + margin)
    height = caption_origin[1] + round(font_px * 1.35) * (1 + caption_lines) + margin
    return AnimationLayout(
        cell_px=cell,
        size=(width, height),
        region=box,
        input_rows=in_rows,
        input_cols=in_cols,
        input_origin=input_origin,
        kernel_origin=kernel_origin,
        output_origin=output_origin,
        caption_origin=caption_origin,
        caption_lines=caption_lines,
        font_px=font_px,
    )


def _draw_text(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    size: int,
    fill: tuple[int, int, int],
    anchor: str = "la",
) -> None:
    font, full = _font(size)
    draw.text(xy, _printable(text, full), font=font, fill=fill, anchor=anchor)


def _draw_grid(
    draw: ImageDraw.ImageDraw,
    origin: tuple[int, int],
    cell: int,
    fills: np.ndarray,
    labels: list[list[str]] | None,
    hatched: np.ndarray | None = None,
) -> None:
    """Draw cells filled with ``fills`` (rows, cols, 3), optional labels and hatching."""
    rows, cols = fills.shape[:2]
    size = None
    if labels is not None and max(rows, cols) <= MAX_NUMBERED_SIDE:
        size = _fitting_size([s for row in labels for s in row], cell)
    for r in range(rows):
        for c in range(cols):
            x0, y0 = origin[0] + c * cell, origin[1] + r * cell
            fill = tuple(int(v) for v in fills[r, c])
            draw.rectangle((x0, y0, x0 + cell - 1, y0 + cell - 1), fill=fill, outline=_GRID)
            if hatched is not None and hatched[r, c]:
                step = max(4, cell // 4)
                for k in range(step, 2 * cell, step):  # "/" lines clipped to the cell
                    a = (x0 + max(0, k - cell + 1), y0 + min(k, cell - 1))
                    b = (x0 + min(k, cell - 1), y0 + max(0, k - cell + 1))
                    draw.line((a, b), fill=_HATCH, width=1)
            if size is not None and labels is not None:
                centre = (x0 + cell / 2, y0 + cell / 2)
                _draw_text(draw, centre, labels[r][c], size, _ink(fills[r, c]), anchor="mm")


def _input_fills(values: np.ndarray, padding: np.ndarray) -> np.ndarray:
    """Colour the input cells: gray (or RGB) by value as the page shows images, padding apart."""
    real = values[~padding] if values.ndim == 2 else values[~padding].reshape(-1)
    # 0 black and 1 white (or the maximum, above 1: the course's matrix goes to 9).
    low = min(0.0, float(real.min())) if real.size else 0.0
    high = max(1.0, float(real.max())) if real.size else 1.0
    scaled = _unit_scale(values, low, high)
    if values.ndim == 3 and values.shape[2] == 3:
        fills = np.rint(scaled * 255).astype(np.uint8)
    else:
        gray = scaled.mean(axis=2) if values.ndim == 3 else scaled
        fills = np.repeat(np.rint(gray * 255).astype(np.uint8)[..., None], 3, axis=2)
    fills[padding] = PADDING_COLOUR
    return fills


def _outline(
    draw: ImageDraw.ImageDraw,
    box: tuple[int, int, int, int],
    width: int,
    colour: tuple[int, int, int] = WINDOW_COLOUR,
) -> None:
    """Draw a rectangle whose line is centred on the box's edge (cells around stay visible)."""
    x0, y0, x1, y1 = box
    half = width // 2
    draw.rectangle(
        (x0 - half, y0 - half, x1 - 1 + half, y1 - 1 + half), outline=colour, width=width
    )


_SNAP = 8  # palette entries this close (per channel) to a fixed colour become it
_TRANSPARENT = 255  # palette index of "unchanged since the previous frame"; colours use 0-254


def _fit_palette(final: Image.Image) -> Image.Image:
    """Fit a palette of at most 255 colours to the fullest frame; return it as a "P" image.

    Median cut favours frequent colours, so large swatches of the fixed
    colours are added to the picture it learns from: the outline, padding and
    text colours then have exact entries.
    """
    fixed = (WINDOW_COLOUR, PADDING_COLOUR, _HATCH, _GRID, _BACKGROUND, _TEXT, _CAPTION)
    swatch = max(64, final.width // len(fixed))
    source = Image.new("RGB", (max(final.width, swatch * len(fixed)), final.height + swatch))
    source.paste(final, (0, 0))
    draw = ImageDraw.Draw(source)
    for i, colour in enumerate(fixed):
        draw.rectangle((i * swatch, final.height, (i + 1) * swatch, final.height + swatch), colour)
    palette = source.quantize(colors=_TRANSPARENT, method=Image.Quantize.MEDIANCUT)
    # Median cut averages each box of colours, so white may come out as 253, and
    # Pillow maps a pixel to the palette through a coarse colour cache, so an
    # exact entry next to a near-duplicate may lose. Snap every entry close to a
    # fixed colour onto it, and give a fixed colour with none close its nearest.
    entries = np.array(palette.getpalette() or [], dtype=np.int64).reshape(-1, 3)
    for colour in fixed:
        near = np.abs(entries - np.array(colour)).max(axis=1) <= _SNAP
        if not near.any():
            near[((entries - np.array(colour)) ** 2).sum(axis=1).argmin()] = True
        entries[near] = colour
    palette.putpalette(entries.astype(np.uint8).ravel().tobytes())
    return palette


def _gif_header(size: tuple[int, int], palette: Image.Image) -> bytes:
    """GIF89a header: screen size, a 256-entry global colour table, loop forever."""
    colours = bytes(palette.getpalette() or [])[: 3 * _TRANSPARENT]
    table = colours + bytes(3 * 256 - len(colours))
    return (
        b"GIF89a"
        + struct.pack("<HHBBB", size[0], size[1], 0xF7, 0, 0)  # global table of 2**(7+1)
        + table
        + b"!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # loop count 0: for ever
    )


def _gif_frame(indices: np.ndarray, previous: np.ndarray | None, duration_ms: int) -> bytes:
    """One frame: only the box that changed, unchanged pixels in it transparent.

    Frames are written one at a time (Pillow's own multi-frame writer keeps
    every frame in memory until the end: about 150 MB for 256 frames).
    """
    top, left = 0, 0
    block = indices
    if previous is not None:
        changed = indices != previous
        rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
        if rows.size == 0:  # identical frame: a 1x1 transparent patch keeps the timing
            rows, cols = np.array([0]), np.array([0])
        top, left = int(rows[0]), int(cols[0])
        window = (slice(top, int(rows[-1]) + 1), slice(left, int(cols[-1]) + 1))
        block = np.where(changed[window], indices[window], _TRANSPARENT).astype(np.uint8)
    image = Image.frombytes("P", (block.shape[1], block.shape[0]), block.tobytes())
    chunks = GifImagePlugin.getdata(
        image, offset=(left, top), duration=duration_ms, transparency=_TRANSPARENT, disposal=1
    )
    return b"".join(bytes(chunk) for chunk in chunks)


def conv_animation_gif(
    trace: ConvTrace,
    *,
    filter: int = 0,  # the trace's own name for the map index
    region: Sequence[int] | None = None,
    frame_ms: int = 500,
    cell_px: int | None = None,
    lang: str | None = None,
) -> bytes:
    """Draw a convolution step by step as an animated GIF, for slides.

    Parameters
    ----------
    trace : ConvTrace
        From :func:`cnnviz.core.trace.conv2d_trace`.
    filter : int, default 0
        The feature map (filter or channel) to animate; must be 0 when the
        output is a single map.
    region : (int, int, int, int), optional
        ``(row_start, row_stop, col_start, col_stop)`` in output cells, stops
        excluded, at most :data:`MAX_REGION_SIDE` rows and columns; by
        default the top-left 16×16 cells (the whole output if smaller).
    frame_ms : int, default 500
        Milliseconds per frame, 20 to 10000 (GIF counts hundredths of a second).
    cell_px : int, optional
        Side of a cell in pixels, 8 to 96; by default chosen so the frame is
        about 1100 px wide at most.
    lang : str, optional
        Language of the labels and formulas; the current one by default.

    Returns
    -------
    bytes
        A looping GIF with one frame per output cell of the region, in the
        trace's order (row by row).

    Raises
    ------
    InputError
        If the filter, region, frame time or cell size is out of range, or the
        map has infinite or NaN values (sums that overflowed: key
        ``export.not_finite``).

    Examples
    --------
    >>> from cnnviz.core.trace import conv2d_trace
    >>> trace = conv2d_trace(np.arange(12.0).reshape(3, 4), [[1, -1]])
    >>> gif = Image.open(io.BytesIO(conv_animation_gif(trace)))
    >>> gif.format, gif.n_frames
    ('GIF', 9)
    """
    lang = lang or get_language()
    duration = _check_int(frame_ms, "frame_ms", 20, 10_000)
    layout = conv_animation_layout(trace, filter=filter, region=region, cell_px=cell_px)
    fmap = _check_filter(trace, filter)
    r0, r1, c0, c1 = layout.region
    base = _draw_static(trace, fmap, layout, lang)
    output = _OutputCells(trace, fmap, layout, lang)

    # The palette is fitted to the fullest picture: every output cell filled.
    final = base.copy()
    final_draw = ImageDraw.Draw(final)
    for r in range(r0, r1):
        for c in range(c0, c1):
            output.draw(final_draw, r, c)
    palette = _fit_palette(final)

    cells = [(r, c) for r in range(r0, r1) for c in range(c0, c1)]
    dilated = trace.dilation_rate != (1, 1)
    chunks = [_gif_header(layout.size, palette)]
    canvas, canvas_draw = base, ImageDraw.Draw(base)  # output cells accumulate here
    previous = None
    for number, (r, c) in enumerate(cells, start=1):
        output.draw(canvas_draw, r, c)
        frame = canvas.copy()
        step = trace.step_at(r, c, fmap)
        _draw_step(ImageDraw.Draw(frame), step, layout, lang, (number, len(cells)), dilated)
        indices = np.asarray(frame.quantize(palette=palette, dither=Image.Dither.NONE))
        # The last frame (the whole map) stays four times as long before the loop restarts.
        hold = duration if number < len(cells) else min(4 * duration, 10_000)
        chunks.append(_gif_frame(indices, previous, hold))
        previous = indices
    chunks.append(b";")
    return b"".join(chunks)


def _draw_static(
    trace: ConvTrace, fmap: int | None, layout: AnimationLayout, lang: str
) -> Image.Image:
    """Draw what no step changes: labels, the input grid, the kernel, the empty output grid."""
    cell = layout.cell_px
    (ir0, ir1), (ic0, ic1) = layout.input_rows, layout.input_cols
    image = Image.new("RGB", layout.size, _BACKGROUND)
    draw = ImageDraw.Draw(image)
    label_y = layout.input_origin[1] - round(layout.font_px * 1.4)
    labels = [
        (layout.input_origin, "export.gif.input"),
        (layout.output_origin, "export.gif.output"),
    ]
    if layout.kernel_origin is not None:
        labels.append((layout.kernel_origin, "export.gif.kernel"))
    for origin, key in labels:
        _draw_text(draw, (origin[0], label_y), t(key, lang=lang), layout.font_px, _TEXT)

    shown = _shown_input(trace, fmap)[ir0:ir1, ic0:ic1]
    (top, bottom), (left, right) = trace.pads
    rows_p, cols_p = trace.padded.shape[:2]
    row_idx, col_idx = np.arange(ir0, ir1)[:, None], np.arange(ic0, ic1)[None, :]
    padding = (row_idx < top) | (row_idx >= rows_p - bottom)
    padding = padding | (col_idx < left) | (col_idx >= cols_p - right)
    numbers_ = _labels(shown, lang) if shown.ndim == 2 else None
    _draw_grid(draw, layout.input_origin, cell, _input_fills(shown, padding), numbers_, padding)

    kernel = _shown_kernel(trace, fmap)
    if kernel is not None and layout.kernel_origin is not None:
        fills = _ColourMap.of(kernel, signed=True).colours(kernel)
        _draw_grid(draw, layout.kernel_origin, cell, fills, _labels(kernel, lang))

    r0, r1, c0, c1 = layout.region
    empty = np.full((r1 - r0, c1 - c0, 3), _BACKGROUND, dtype=np.uint8)
    _draw_grid(draw, layout.output_origin, cell, empty, None)
    return image


def _labels(values: np.ndarray, lang: str) -> list[list[str]]:
    return [[format_number(v, digits=2, lang=lang) for v in row] for row in values.tolist()]


class _OutputCells:
    """Draws output cells as they are computed: colour of the whole map, value if legible."""

    def __init__(self, trace: ConvTrace, fmap: int | None, layout: AnimationLayout, lang: str):
        full_map = trace.output if trace.output.ndim == 2 else trace.output[:, :, fmap or 0]
        r0, r1, c0, c1 = layout.region
        values = full_map[r0:r1, c0:c1]
        # Colours fitted to the whole map, so they match the PNG export and never
        # change from frame to frame.
        self.colours = _ColourMap.of(full_map).colours(values)
        self.labels = _labels(values, lang)
        self.font_px = None
        if max(values.shape) <= MAX_NUMBERED_SIDE:
            self.font_px = _fitting_size([s for row in self.labels for s in row], layout.cell_px)
        self.layout = layout

    def draw(self, draw: ImageDraw.ImageDraw, row: int, col: int) -> None:
        x0, y0, x1, y1 = self.layout.output_box(row, col)
        r, c = row - self.layout.region[0], col - self.layout.region[2]
        fill = self.colours[r, c]
        draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=tuple(int(v) for v in fill), outline=_GRID)
        if self.font_px is not None:
            centre = ((x0 + x1) / 2, (y0 + y1) / 2)
            _draw_text(draw, centre, self.labels[r][c], self.font_px, _ink(fill), anchor="mm")


def _draw_step(
    draw: ImageDraw.ImageDraw,
    step: ConvStep,
    layout: AnimationLayout,
    lang: str,
    progress: tuple[int, int],
    dilated: bool,
) -> None:
    """Draw what changes every frame: the window, the current output cell, the caption.

    ``progress`` is (this frame's number from 1, the number of frames).
    """
    thick = max(2, layout.cell_px // 8)
    if dilated:  # the window's span has gaps: mark the cells actually used
        for tap_r in step.rows:
            for tap_c in step.cols:
                _outline(draw, layout.input_box(tap_r, tap_c), 1)
    _outline(draw, layout.window_box(step), thick)
    _outline(draw, layout.output_box(step.row, step.col), thick)
    x, y = layout.caption_origin
    line_h = round(layout.font_px * 1.35)
    number, count = progress
    header = t("export.gif.step", lang=lang, step=number, count=count, row=step.row, col=step.col)
    _draw_text(draw, (x, y), header, layout.font_px, _CAPTION)
    width = layout.size[0] - 2 * x
    for i, line in enumerate(_caption_for(step, lang, width, layout.font_px, layout.caption_lines)):
        _draw_text(draw, (x, y + (i + 1) * line_h), line, layout.font_px, _TEXT)
