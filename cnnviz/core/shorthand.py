"""The course's shorthand for a layer stack: ``"(CR)2P(CR)2P(CR)2PF"`` to a spec and back.

C is a convolution, R a ReLU, P a pooling and F a fully connected layer; a
number after a letter or a parenthesised group repeats it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from cnnviz.core.spec import Spec, conv_layer, resolve_layer
from cnnviz.i18n import InputError

SHORTHAND_TOKENS: Mapping[str, str] = {
    "C": "Conv2D",
    "R": "ReLU",
    "P": "pooling",
    "F": "Flatten + Dense",
}
"""The course's letters: convolution, ReLU, pooling, fully connected."""

_TOKEN = re.compile(r"\s*(?:([CRPF])|(\()|(\))|(\d+))")


def _expand(text: str) -> list[str]:
    """Expand the shorthand into letters: ``"(CR)2P"`` -> ``["C", "R", "C", "R", "P"]``."""
    stack: list[list[str]] = [[]]
    last: list[str] | None = None  # what a count after it repeats
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise InputError("error.arch_shorthand", text=text, position=pos + 1)
        letter, opening, closing, count = match.groups()
        if letter:
            last = [letter]
            stack[-1].append(letter)
        elif opening:
            stack.append([])
            last = None
        elif closing:
            if len(stack) == 1 or not stack[-1]:
                raise InputError("error.arch_shorthand", text=text, position=match.end())
            last = stack.pop()
            stack[-1].extend(last)
        else:
            times = int(count)
            if last is None or times < 1:
                raise InputError("error.arch_shorthand", text=text, position=match.end())
            stack[-1].extend(last * (times - 1))
            last = None
        pos = match.end()
    if len(stack) != 1 or not stack[0]:
        raise InputError("error.arch_shorthand", text=text, position=len(text))
    return stack[0]


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
        a letter or a parenthesised group repeats it. Spaces are ignored.
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
        Where the text cannot be read.

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
    for letter in _expand(str(text)):
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
        If a layer has no letter (``BatchNormalization``, a merge...).

    Examples
    --------
    >>> to_shorthand(parse_shorthand("(CR)2P(CR)2P(CR)2PF"))
    '(CR)2P(CR)2P(CR)2PF'
    >>> to_shorthand(parse_shorthand("CCCRP"))
    'C3RP'
    """
    letters = _letters(spec)
    n = len(letters)
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
    return "".join(out)
