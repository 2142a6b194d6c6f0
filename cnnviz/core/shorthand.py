"""The course's shorthand for a layer stack: ``"(CR)2P(CR)2P(CR)2PF"`` to a spec and back.

C is a convolution, R a ReLU, P a pooling and F a fully connected layer; a
number after a letter or a parenthesised group repeats it.

A shorthand comes from a student's keyboard or from a shared link, so it is
bounded before any layer is built: its length (:data:`MAX_SHORTHAND_CHARS`),
each repeat number's digits, the nesting of its groups
(:data:`MAX_SHORTHAND_DEPTH`) and the number of layers it stands for
(:data:`MAX_SHORTHAND_LAYERS`), which :func:`count_layers` computes from the
text without expanding it. A twenty-character link such as ``(CR)99999999P``
is refused at once instead of filling the server's memory.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from cnnviz.core.spec import Spec, conv_layer, resolve_layer
from cnnviz.i18n import InputError

SHORTHAND_TOKENS: Mapping[str, str] = {
    "C": "Conv2D",
    "R": "ReLU",
    "P": "pooling",
    "F": "Flatten + Dense",
}
"""The course's letters: convolution, ReLU, pooling, fully connected."""

MAX_SHORTHAND_LAYERS = 512
"""The most letters (layers) a shorthand may stand for, and :func:`to_shorthand` may write.

The gallery's longest chain with a shorthand, VGG-19, is 42 letters
(``(CR)2P(CR)2P(CR)4P(CR)4P(CR)4P(FR)2F``); ResNet-152 written letter by
letter (155 convolutions, 152 ReLUs, 2 poolings, 1 dense) would be about 310,
and the gallery's ResNet-34 has 126 rows in the table. 512 holds all of them;
beyond it the builder's table, its summary and :func:`to_shorthand` (cubic in
the length: 0.5 s for 1,000 letters) stop being a lesson and start being a load.
"""

MAX_SHORTHAND_CHARS = 200
"""The longest shorthand read, spaces included: VGG-19's is 36 characters."""

MAX_SHORTHAND_DEPTH = 8
"""The most groups nested one inside another: the course nests one, ``(CR)2``."""

_MAX_REPEAT_DIGITS = 9
# A longer repeat number is refused by its digits, before int() sees it (a 22-digit one
# used to reach list repetition and raise OverflowError). Up to a billion, the number is
# read so that the message can name the layer count it leads to: "(CR)2000P", 4001.

# re.ASCII: "\d" would also take "٣" (Arabic-Indic three), which int() reads as 3.
_TOKEN = re.compile(r"\s*(?:([CRPF])|(\()|(\))|([0-9]+))", re.ASCII)

_Size = TypeVar("_Size", int, list[str])


def _fold(text: str, one: Callable[[str], _Size], empty: Callable[[], _Size]) -> _Size:
    """Read the shorthand in one pass, combining letters with ``+`` and repeats with ``*``.

    With ``one=lambda _: 1, empty=int`` the result is the number of letters;
    with ``one=lambda c: [c], empty=list`` it is the letters themselves. Both
    passes raise the same errors, so the count, which costs nothing, runs first.
    ``text`` is stripped and at most :data:`MAX_SHORTHAND_CHARS` long.
    """
    stack: list[_Size] = [empty()]  # one entry per open group, the outermost first
    last: _Size | None = None  # what a count after it repeats
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise InputError("error.arch_shorthand", text=text, position=pos + 1)
        letter, opening, closing, count = match.groups()
        if letter:
            last = one(letter)
            stack[-1] += last
        elif opening:
            if len(stack) > MAX_SHORTHAND_DEPTH:
                raise InputError("error.shorthand_too_deep", limit=MAX_SHORTHAND_DEPTH)
            stack.append(empty())
            last = None
        elif closing:
            if len(stack) == 1 or not stack[-1]:
                raise InputError("error.arch_shorthand", text=text, position=match.end())
            last = stack.pop()
            stack[-1] += last
        else:
            if len(count) > _MAX_REPEAT_DIGITS:
                shown = count if len(count) <= 12 else count[:12] + "…"
                raise InputError("error.shorthand_repeat", count=shown, limit=MAX_SHORTHAND_LAYERS)
            times = int(count)
            if last is None or times < 1:
                raise InputError("error.arch_shorthand", text=text, position=match.end())
            stack[-1] += last * (times - 1)
            last = None
        pos = match.end()
    if len(stack) != 1 or not stack[0]:
        raise InputError("error.arch_shorthand", text=text, position=len(text))
    return stack[0]


def _clean(text: object) -> str:
    """Strip the shorthand's surrounding spaces; refuse it if it is too long to be one."""
    text = str(text).strip()
    if len(text) > MAX_SHORTHAND_CHARS:
        raise InputError("error.shorthand_too_long", length=len(text), limit=MAX_SHORTHAND_CHARS)
    return text


def count_layers(text: str) -> int:
    """Count the letters (layers) a shorthand stands for, without expanding it.

    Parameters
    ----------
    text : str
        A shorthand, as :func:`parse_shorthand` reads it; at most
        :data:`MAX_SHORTHAND_CHARS` characters, groups nested at most
        :data:`MAX_SHORTHAND_DEPTH` deep, repeat numbers of at most nine digits.

    Returns
    -------
    int
        ``len`` of its expansion: repeat counts multiplied through nested
        groups (the spec has one row more if there is an F: the ``Flatten``).
        It may exceed :data:`MAX_SHORTHAND_LAYERS` (it is an integer, not a
        list); :func:`parse_shorthand` refuses such a text.

    Raises
    ------
    InputError
        Where the text cannot be read, or it breaks one of the bounds above.

    Examples
    --------
    >>> count_layers("(CR)2P(CR)2P(CR)2PF"), count_layers("((C)9)9")
    (16, 81)
    """
    return _fold(_clean(text), lambda _: 1, int)


def _expand(text: str) -> list[str]:
    """Expand the shorthand into letters: ``"(CR)2P"`` -> ``["C", "R", "C", "R", "P"]``.

    The letters are counted first; no list is built for a text standing for
    more than :data:`MAX_SHORTHAND_LAYERS` letters (and no list built on the way
    is longer than the result, since every repeat count is at least 1).
    """
    text = _clean(text)
    count = count_layers(text)
    if count > MAX_SHORTHAND_LAYERS:
        raise InputError(
            "error.shorthand_too_many_layers", text=text, count=count, limit=MAX_SHORTHAND_LAYERS
        )
    return _fold(text, lambda letter: [letter], list)


def parse_shorthand(
    text: str,
    *,
    filters: int = 32,
    kernel_size: int = 3,
    padding: str = "same",
    pool: str = "max",
    pool_size: int = 2,
    units: int = 10,
) -> Spec:
    """Read the course's shorthand, such as ``"(CR)2P(CR)2P(CR)2PF"``, into a spec.

    Parameters
    ----------
    text : str
        Letters C (``Conv2D``), R (ReLU ``Activation``), P (pooling), F (fully
        connected: a ``Flatten`` the first time, then a ``Dense``); a number after
        a letter or a parenthesised group repeats it. Spaces are ignored. At
        most :data:`MAX_SHORTHAND_CHARS` characters, standing for at most
        :data:`MAX_SHORTHAND_LAYERS` letters (counted before any is built), with
        groups nested at most :data:`MAX_SHORTHAND_DEPTH` deep.
    filters, kernel_size, padding : int, int, str
        Every convolution's arguments.
    pool : {"max", "average"}, default "max"
        ``MaxPooling2D`` or ``AveragePooling2D``.
    pool_size : int, default 2
        Every pooling's window (and stride).
    units : int, default 10
        Every ``Dense``'s neurons.

    Returns
    -------
    list of dict
        Layers named ``conv1``, ``relu1``, ``pool1``, ``flatten``, ``dense1``...

    Raises
    ------
    InputError
        Where the text cannot be read (``error.arch_shorthand``, with the
        position), or it breaks a bound: too long (``error.shorthand_too_long``),
        a repeat number of more than nine digits (``error.shorthand_repeat``),
        nested too deep (``error.shorthand_too_deep``), too many layers
        (``error.shorthand_too_many_layers``, naming the count and the limit).

    Examples
    --------
    >>> [layer["name"] for layer in parse_shorthand("(CR)2PF")]
    ['conv1', 'relu1', 'conv2', 'relu2', 'pool1', 'flatten', 'dense1']
    """
    if pool not in ("max", "average"):
        raise InputError("error.arch_shorthand_pool", value=repr(pool))
    pool_type = "MaxPooling2D" if pool == "max" else "AveragePooling2D"
    counts = dict.fromkeys("CRPF", 0)
    spec: Spec = []
    for letter in _expand(text):
        counts[letter] += 1
        n = counts[letter]
        if letter == "C":
            spec.append(conv_layer(f"conv{n}", filters, kernel_size, padding=padding))
        elif letter == "R":
            spec.append({"type": "Activation", "name": f"relu{n}", "activation": "relu"})
        elif letter == "P":
            spec.append({"type": pool_type, "name": f"pool{n}", "pool_size": pool_size})
        else:
            if n == 1:
                spec.append({"type": "Flatten", "name": "flatten"})
            spec.append({"type": "Dense", "name": f"dense{n}", "units": units})
    return spec


def _letters(spec: Sequence[Mapping[str, Any]]) -> list[str]:
    letters = []
    for index, layer in enumerate(spec, start=1):
        name, kind, args = resolve_layer(layer, index)
        if kind == "Conv2D":
            letters.append("C")
            if args["activation"] == "relu":
                letters.append("R")
            elif args["activation"] not in (None, "linear"):
                raise InputError("error.arch_no_shorthand", layer=name, type=kind)
        elif kind == "Activation" and args["activation"] == "relu":
            letters.append("R")
        elif kind in ("MaxPooling2D", "AveragePooling2D"):
            letters.append("P")
        elif kind == "Dense" and args["activation"] in (None, "linear", "relu", "softmax"):
            letters.append("F")
            if args["activation"] == "relu":
                letters.append("R")
        elif kind != "Flatten":
            raise InputError("error.arch_no_shorthand", layer=name, type=kind)
    return letters


def to_shorthand(spec: Sequence[Mapping[str, Any]]) -> str:
    """Write a spec in the course's shorthand, grouping repeats as the course does.

    Parameters
    ----------
    spec : list of dict
        Layers of types ``Conv2D`` (C, and R for a ReLU activation),
        ``Activation`` ReLU (R), pooling (P), ``Flatten`` and ``Dense`` (F).

    Returns
    -------
    str
        Repeats are written once with their count, shortest units first and
        without nesting, as the course does (``"(CR)2"``, ``"C3"``); sizes and
        filters are not written.

    Raises
    ------
    InputError
        If a layer has no letter (``BatchNormalization``, a merge...), the
        table stands for more than :data:`MAX_SHORTHAND_LAYERS` letters
        (``error.shorthand_table_too_long``: the grouping below is cubic in
        their number, so it is not tried), or what it writes would be longer
        than :data:`MAX_SHORTHAND_CHARS`, which :func:`parse_shorthand` would
        refuse (``error.shorthand_table_too_wide``).

    Examples
    --------
    >>> to_shorthand(parse_shorthand("(CR)2P(CR)2P(CR)2PF"))
    '(CR)2P(CR)2P(CR)2PF'
    >>> to_shorthand(parse_shorthand("CCCRP"))
    'C3RP'
    """
    letters = _letters(spec)
    n = len(letters)
    if n > MAX_SHORTHAND_LAYERS:
        raise InputError("error.shorthand_table_too_long", count=n, limit=MAX_SHORTHAND_LAYERS)
    used = [False] * n
    groups: dict[int, tuple[int, int]] = {}  # start -> (unit length, times)
    # Shortest units first, left to right, never nesting: "(CR)2P(CR)2P", not "((CR)2P)2".
    for length in range(1, n // 2 + 1):
        i = 0
        while i + 2 * length <= n:
            unit = letters[i : i + length]
            times = 0
            while letters[i + times * length : i + (times + 1) * length] == unit and not any(
                used[i + times * length : i + (times + 1) * length]
            ):
                times += 1
            if times >= 2:
                groups[i] = (length, times)
                used[i : i + times * length] = [True] * (times * length)
                i += times * length
            else:
                i += 1
    out = []
    i = 0
    while i < n:
        if i in groups:
            length, times = groups[i]
            text = "".join(letters[i : i + length])
            out.append((text if length == 1 else f"({text})") + str(times))
            i += length * times
        else:
            out.append(letters[i])
            i += 1
    written = "".join(out)
    if len(written) > MAX_SHORTHAND_CHARS:
        raise InputError(
            "error.shorthand_table_too_wide", length=len(written), limit=MAX_SHORTHAND_CHARS
        )
    return written
