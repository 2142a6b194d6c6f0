"""Named kernel presets: blurs, sharpening, edge detectors and the course's filters.

Every preset is meant for **cross-correlation**, what a CNN layer (and
OpenCV's ``filter2D``, which the course uses) computes: the kernel is laid on
the image as written, without flipping. Under true convolution the
antisymmetric kernels (Sobel, Prewitt, Scharr, the course's edge and line
filters, emboss) would respond with the opposite sign.

The names and one-line explanations live in the catalogs under
``kernel.<key>.name`` and ``kernel.<key>.explanation``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from cnnviz.core._checks import KERNEL_KEYS, as_float_array, is_int
from cnnviz.i18n import InputError, t


@dataclass(frozen=True, eq=False)
class KernelPreset:
    """A named kernel the editor offers.

    Attributes
    ----------
    key : str
        Identifier, used in URLs (``?kernel=sobel_x``) and catalog keys.
    weights : ndarray, shape (kh, kw), float64
        The weights, read-only (use :func:`get_kernel` for a copy to edit).
    name_key : str
        Catalog key of the display name.
    explanation_key : str
        Catalog key of a one-line explanation of what the kernel does.
    params : Mapping[str, float]
        Parameters :func:`get_kernel` accepts for this preset and their defaults.
    """

    key: str
    weights: np.ndarray
    name_key: str
    explanation_key: str
    params: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        weights = np.array(self.weights, dtype=np.float64)  # a private copy ...
        weights.flags.writeable = False  # ... that nobody can edit by accident
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    def name(self, lang: str | None = None) -> str:
        """Return the display name in ``lang`` (the current language by default).

        Examples
        --------
        >>> PRESETS["sobel_x"].name("es")
        'Sobel X'
        """
        return t(self.name_key, lang=lang)

    def explanation(self, lang: str | None = None) -> str:
        """Return the one-line explanation in ``lang`` (the current language by default).

        Examples
        --------
        >>> PRESETS["identity"].explanation("en")[:24]
        'Leaves the image as it i'
        """
        return t(self.explanation_key, lang=lang)


def gaussian_kernel(size: int = 3, sigma: float = 1.0) -> np.ndarray:
    r"""Return a square Gaussian blur kernel whose weights add up to 1.

    Parameters
    ----------
    size : int, default 3
        Rows and columns; odd, so the kernel has a centre.
    sigma : float, default 1.0
        Standard deviation of the bell, in pixels: larger blurs more.

    Returns
    -------
    ndarray, shape (size, size), float64
        The weights, symmetric about the centre.

    Raises
    ------
    InputError
        If ``size`` is not an odd integer of at least 1 or ``sigma`` is not a
        positive finite number.

    Notes
    -----
    .. math:: K(i, j) = \frac{e^{-(i^2 + j^2) / (2\sigma^2)}}
                             {\sum_{i, j} e^{-(i^2 + j^2) / (2\sigma^2)}},
              \qquad i, j \in \{-r, \dots, r\},\ r = (size - 1) / 2

    The bell is sampled at the cell centres and renormalised, so a kernel cut
    short (small ``size``, large ``sigma``) still keeps the brightness.

    Examples
    --------
    >>> np.round(gaussian_kernel(3, 1.0), 4)
    array([[0.0751, 0.1238, 0.0751],
           [0.1238, 0.2042, 0.1238],
           [0.0751, 0.1238, 0.0751]])
    """
    if not is_int(size) or size < 1 or size % 2 == 0:
        raise InputError("error.kernel_size_odd", value=repr(size))
    if (
        not isinstance(sigma, numbers.Real)
        or isinstance(sigma, bool)
        or not math.isfinite(sigma)
        or sigma <= 0
    ):
        # Numbers are quoted as numbers (decimal comma in Spanish), anything else as typed.
        is_number = isinstance(sigma, numbers.Real) and not isinstance(sigma, bool)
        raise InputError("error.kernel_sigma", value=float(sigma) if is_number else repr(sigma))
    radius = (int(size) - 1) // 2
    offsets = np.arange(-radius, radius + 1, dtype=np.float64)
    bell = np.exp(-(offsets**2) / (2.0 * float(sigma) ** 2))
    # The 2-D Gaussian is separable: the outer product of two 1-D bells.
    kernel = np.outer(bell, bell)
    return kernel / kernel.sum()


def _preset(
    key: str, weights: Sequence[Sequence[float]] | np.ndarray, **params: float
) -> KernelPreset:
    return KernelPreset(
        key=key,
        weights=np.asarray(weights, dtype=np.float64),
        name_key=f"kernel.{key}.name",
        explanation_key=f"kernel.{key}.explanation",
        params=params,
    )


# Sobel x: under cross-correlation the right column (+1, +2, +1) minus the left
# column responds POSITIVELY where the image goes from dark (left) to bright
# (right). True convolution flips the kernel and would give the opposite sign.
_SOBEL_X = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
_PREWITT_X = [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]
_SCHARR_X = [[-3, 0, 3], [-10, 0, 10], [-3, 0, 3]]

PRESETS: Mapping[str, KernelPreset] = MappingProxyType(
    {
        preset.key: preset
        for preset in (
            _preset("identity", [[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
            # Blurs: weights add up to 1, so flat regions keep their brightness.
            _preset("box_blur_3x3", np.full((3, 3), 1 / 9)),
            _preset("box_blur_5x5", np.full((5, 5), 1 / 25)),
            _preset("gaussian", gaussian_kernel(3, 1.0), size=3, sigma=1.0),
            _preset("sharpen", [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
            # The course's hand-made filters, exactly as written there (used with
            # cv2.filter2D, which is cross-correlation like a CNN layer).
            _preset("horizontal_edges", [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]),
            _preset("vertical_edges", [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
            _preset("diagonal_edges", [[-1, -2, 0], [-2, 0, 2], [0, 2, 1]]),
            _preset("horizontal_lines", [[1, 1, 1], [0, 0, 0], [-1, -1, -1]]),
            _preset("vertical_lines", [[1, 0, -1], [1, 0, -1], [1, 0, -1]]),
            # Classic edge operators; each _y kernel is its _x kernel transposed.
            _preset("sobel_x", _SOBEL_X),
            _preset("sobel_y", np.transpose(_SOBEL_X)),
            _preset("prewitt_x", _PREWITT_X),
            _preset("prewitt_y", np.transpose(_PREWITT_X)),
            _preset("scharr_x", _SCHARR_X),
            _preset("scharr_y", np.transpose(_SCHARR_X)),
            _preset("laplacian_4", [[0, 1, 0], [1, -4, 1], [0, 1, 0]]),
            _preset("laplacian_8", [[1, 1, 1], [1, -8, 1], [1, 1, 1]]),
            # Pillow's ImageFilter.EDGE_ENHANCE: (-1 around, 10 in the centre) / 2.
            _preset("edge_enhance", np.array([[-1, -1, -1], [-1, 10, -1], [-1, -1, -1]]) / 2),
            _preset("emboss", [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]),
        )
    }
)
"""The presets, keyed by :attr:`KernelPreset.key`, in the order a teacher would present them:
identity, blurs, sharpening, the course's filters, classic edge detectors, effects."""


def get_kernel(key: str, **params: float) -> np.ndarray:
    """Return a fresh, editable copy of a preset's weights.

    Parameters
    ----------
    key : str
        A key of :data:`PRESETS`, such as ``"sobel_x"``.
    **params
        The preset's parameters; only ``"gaussian"`` has any (``size``, ``sigma``).

    Returns
    -------
    ndarray, shape (kh, kw), float64
        A new writable array: editing it leaves the preset untouched.

    Raises
    ------
    InputError
        If the key is unknown, a parameter is not accepted, or a parameter's
        value is invalid.

    Examples
    --------
    >>> get_kernel("sharpen")
    array([[ 0., -1.,  0.],
           [-1.,  5., -1.],
           [ 0., -1.,  0.]])
    >>> get_kernel("gaussian", size=5, sigma=1.5).shape
    (5, 5)
    """
    preset = PRESETS.get(key)
    if preset is None:
        raise InputError("error.unknown_kernel", value=repr(key), known=", ".join(PRESETS))
    unknown = sorted(set(params) - set(preset.params))
    if unknown:
        if not preset.params:
            raise InputError(
                "error.kernel_takes_no_params", kernel=key, received=", ".join(unknown)
            )
        raise InputError(
            "error.kernel_unknown_params",
            kernel=key,
            received=", ".join(unknown),
            accepted=", ".join(preset.params),
        )
    if key == "gaussian" and params:
        return gaussian_kernel(**{**preset.params, **params})
    return preset.weights.copy()


def normalize_kernel(kernel: np.ndarray, *, rtol: float = 1e-8) -> np.ndarray:
    r"""Scale a kernel so its weights add up to 1, or, if they add up to 0, their sizes do.

    Parameters
    ----------
    kernel : array_like, shape (kh, kw) or any
        The weights.
    rtol : float, default 1e-8
        The sum counts as zero when it is at most ``rtol`` times the sum of the
        absolute values (so rounding in, e.g., ``0.1 + 0.2 - 0.3`` does not count).

    Returns
    -------
    ndarray, same shape, float64
        A new array.

    Raises
    ------
    InputError
        If the kernel is empty, has a NaN or infinite weight, or is all zeros.

    Notes
    -----
    - Sum :math:`S = \sum w \neq 0` (blurs, sharpening): :math:`w / S`. The
      weights then add up to 1, so a flat region keeps its brightness.
    - :math:`S \approx 0` (edge detectors): dividing by :math:`S` would blow up,
      so the kernel is divided by :math:`\sum |w|` instead. It still adds up to
      0 (flat regions give 0), and for an input in :math:`[0, 1]` the output
      stays within :math:`[-1, 1]`.

    Examples
    --------
    >>> normalize_kernel([[1, 2, 1]])
    array([[0.25, 0.5 , 0.25]])
    >>> normalize_kernel([[-1, 0, 1]])
    array([[-0.5,  0. ,  0.5]])
    """
    array = as_float_array(kernel, "kernel", keys=KERNEL_KEYS)
    total = array.sum()
    magnitude = np.abs(array).sum()
    if magnitude == 0:
        raise InputError("error.kernel_all_zero")
    if abs(total) > rtol * magnitude:
        return array / total
    return array / magnitude


def random_kernel(shape: int | Sequence[int] = (3, 3), *, seed: int | None = None) -> np.ndarray:
    r"""Draw random weights as Keras' ``glorot_uniform`` initialiser would for a Conv2D kernel.

    Parameters
    ----------
    shape : int or sequence of int, default (3, 3)
        ``(kh, kw)``, ``(kh, kw, C_in)`` or ``(kh, kw, C_in, filters)``; an int
        ``k`` means ``(k, k)``. Missing trailing axes count as 1.
    seed : int, optional
        Seed of NumPy's generator, so the same seed gives the same kernel (for
        a shareable link); fresh randomness when omitted.

    Returns
    -------
    ndarray, shape ``shape``, float64
        Weights drawn uniformly from :math:`[-L, L]`.

    Raises
    ------
    InputError
        If the shape does not have 2 to 4 positive sizes.

    Notes
    -----
    Glorot (Xavier) uniform keeps the variance of activations roughly equal
    across layers:

    .. math:: L = \sqrt{\frac{6}{n_{in} + n_{out}}}, \quad
              n_{in} = k_h k_w C_{in}, \quad n_{out} = k_h k_w F

    This is the same limit Keras uses for a ``Conv2D`` kernel of that shape
    (a lone 3x3 kernel is ``(3, 3, 1, 1)``: :math:`L = \sqrt{6/18} \approx
    0.577`), but the numbers come from NumPy, so they differ from Keras' for the
    same seed.

    Examples
    --------
    >>> kernel = random_kernel((3, 3), seed=0)
    >>> kernel.shape, bool(np.all(np.abs(kernel) <= np.sqrt(6 / 18)))
    ((3, 3), True)
    >>> bool(np.array_equal(kernel, random_kernel((3, 3), seed=0)))
    True
    """
    dims = (shape, shape) if is_int(shape) else tuple(shape)
    if not 2 <= len(dims) <= 4 or not all(is_int(d) for d in dims):
        raise InputError("error.kernel_shape", shape=repr(shape))
    for d in dims:
        if d < 1:
            raise InputError("error.below_one", name="kernel_shape", value=int(d))
    dims = tuple(int(d) for d in dims)
    kh, kw, in_channels, filters = (*dims, 1, 1)[:4]
    fan_in, fan_out = kh * kw * in_channels, kh * kw * filters
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return np.random.default_rng(seed).uniform(-limit, limit, size=dims)


def resize_kernel(kernel: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    """Grow or shrink a kernel to ``shape`` around its centre, padding with zeros.

    Parameters
    ----------
    kernel : ndarray, shape (kh, kw, ...)
        The weights; axes after the first two are kept as they are.
    shape : (int, int)
        New rows and columns, each at least 1.

    Returns
    -------
    ndarray, shape (rows, cols, ...), float64
        A new array. Growing keeps every weight (an identity kernel stays an
        identity); shrinking keeps the central weights.

    Examples
    --------
    >>> resize_kernel(np.array([[1.0]]), (3, 3))
    array([[0., 0., 0.],
           [0., 1., 0.],
           [0., 0., 0.]])
    >>> resize_kernel(np.arange(9.0).reshape(3, 3), (1, 2))
    array([[3., 4.]])
    """
    array = np.asarray(kernel, dtype=np.float64)
    rows, cols = (int(n) for n in shape)
    if rows < 1 or cols < 1:
        raise InputError("error.kernel_shape", shape=(rows, cols))
    out = np.zeros((rows, cols, *array.shape[2:]))
    # Offsets of the old kernel inside the new one (negative: it is cropped).
    top, left = (rows - array.shape[0]) // 2, (cols - array.shape[1]) // 2
    src_r = slice(max(-top, 0), max(-top, 0) + min(rows, array.shape[0]))
    src_c = slice(max(-left, 0), max(-left, 0) + min(cols, array.shape[1]))
    dst_r = slice(max(top, 0), max(top, 0) + min(rows, array.shape[0]))
    dst_c = slice(max(left, 0), max(left, 0) + min(cols, array.shape[1]))
    out[dst_r, dst_c] = array[src_r, src_c]
    return out
