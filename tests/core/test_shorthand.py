"""Tests of cnnviz.core.shorthand: the course's ``(CR)2P...F`` notation, both ways."""

from __future__ import annotations

from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz.content import gallery
from cnnviz.core import shorthand
from cnnviz.core.architectures import summarize
from cnnviz.core.shorthand import (
    MAX_SHORTHAND_CHARS,
    MAX_SHORTHAND_LAYERS,
    count_layers,
    parse_shorthand,
    to_shorthand,
)
from cnnviz.i18n import InputError
from tests.core.helpers import assert_actionable


def test_course_shorthand():
    spec = parse_shorthand("(CR) 2P(CR) 2P(CR) 2PF", filters=16)
    assert [layer["type"] for layer in spec[:5]] == [
        "Conv2D",
        "Activation",
        "Conv2D",
        "Activation",
        "MaxPooling2D",
    ]
    assert len(spec) == 3 * 5 + 2
    assert to_shorthand(spec) == "(CR)2P(CR)2P(CR)2PF"
    s = summarize(spec, (28, 28, 1))
    assert s.output_shape == (10,)
    assert s.layer("pool3").output_shape == (3, 3, 16)


def test_shorthand_of_classic_and_errors():
    assert to_shorthand(gallery.vgg(16)) == "(CR)2P(CR)2P(CR)3P(CR)3P(CR)3P(FR)2F"
    with pytest.raises(InputError) as info:
        to_shorthand(gallery.resnet(18))
    assert_actionable(info.value, "error.arch_no_shorthand", "conv1_pad", "ZeroPadding2D")
    for text in ["", "(CR", "CR)", "2C", "CX", "()2", "C0"]:
        with pytest.raises(InputError) as info:
            parse_shorthand(text)
        assert info.value.key == "error.arch_shorthand"
        assert_actionable(info.value, "error.arch_shorthand")


def shorthand_texts():
    """(text, letters it stands for), nested groups with counts."""
    leaf = st.sampled_from("CRPF").map(lambda c: (c, c))

    def extend(children):
        concat = st.lists(children, min_size=1, max_size=3).map(
            lambda parts: ("".join(p[0] for p in parts), "".join(p[1] for p in parts))
        )
        group = st.tuples(children, st.integers(1, 3)).map(
            lambda g: (f"({g[0][0]}){g[1]}", g[0][1] * g[1])
        )
        return concat | group

    return st.recursive(leaf, extend, max_leaves=8)


def letters(spec):
    out = []
    for layer in spec:
        kind = layer["type"]
        if kind != "Flatten":
            out.append({"Conv2D": "C", "Activation": "R", "MaxPooling2D": "P", "Dense": "F"}[kind])
    return "".join(out)


@settings(max_examples=200, deadline=None)
@given(shorthand_texts())
def test_shorthand_round_trips(case):
    text, expansion = case
    spec = parse_shorthand(text)
    assert letters(spec) == expansion
    written = to_shorthand(spec)
    assert parse_shorthand(written) == spec
    assert to_shorthand(parse_shorthand(written)) == written


# --- bounds: counted before anything is expanded --------------------------------------------


def test_bounds_hold_the_classics():
    # The gallery's chains written in shorthand (VGG-16 and VGG-19: 36 characters, 42 letters).
    for name in ("vgg16", "vgg19"):
        written = to_shorthand(gallery.ARCHITECTURES[name].spec())
        assert len(written) <= MAX_SHORTHAND_CHARS
        assert count_layers(written) <= MAX_SHORTHAND_LAYERS
    assert count_layers(to_shorthand(gallery.vgg(19))) == 42
    # ResNet-34 has 126 rows in the table; ResNet-152 letter by letter is about 310 letters.
    assert len(gallery.resnet(34)) <= MAX_SHORTHAND_LAYERS


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("C", 1),
        ("C3", 3),
        ("(CR)2P(CR)2P(CR)2PF", 16),  # 17 rows: the F brings a Flatten
        ("(C(RP)2)3", 15),  # 3·(1 + 2·2)
        ("((C)9)9", 81),
        ("((((((((C)2)2)2)2)2)2)2)2", 256),  # eight groups deep: the limit
        ("(CR)256", 512),
        ("C512", 512),
        ("  C 0002 ", 2),  # spaces around and inside, zeros in front
    ],
)
def test_count_by_hand(text, count):
    assert count_layers(text) == count
    assert len(shorthand._expand(text)) == count


@pytest.mark.parametrize(
    ("text", "key", "quoted"),
    [
        # The links: each used to expand without limit (or raise OverflowError).
        ("(CR)99999999P", "error.shorthand_too_many_layers", ["199999999", "512"]),
        ("((((((((((C)9)9)9)9)9)9)9)9)9)9", "error.shorthand_too_deep", ["8"]),
        ("(CR)2000P", "error.shorthand_too_many_layers", ["(CR)2000P", "4001", "512"]),
        ("C999999999999999999999", "error.shorthand_repeat", ["999999999999…", "512"]),
        # One past each bound.
        ("(CR)256F", "error.shorthand_too_many_layers", ["513", "512"]),
        ("C513", "error.shorthand_too_many_layers", ["513", "512"]),
        ("(((((((((C)2)2)2)2)2)2)2)2)2", "error.shorthand_too_deep", ["8"]),
        ("C" * 201, "error.shorthand_too_long", ["201", "200"]),
        ("C1000000000", "error.shorthand_repeat", ["1000000000", "512"]),
        # A digit int() would read, but not an ASCII one (Arabic-Indic three).
        ("C\u0663", "error.arch_shorthand", ["C\u0663", "2"]),
    ],
)
def test_hostile_shorthands_are_refused_before_expanding(text, key, quoted):
    err, built = parse_recording_lists(text)
    assert isinstance(err, InputError)
    assert_actionable(err, key, *quoted)
    assert built == []  # only the counting pass ran, never the one that builds the letters


def test_at_the_limits_the_text_is_read():
    assert len(parse_shorthand("C" * MAX_SHORTHAND_CHARS)) == 200
    assert len(parse_shorthand("(CR)256")) == 512
    assert len(parse_shorthand("C" * 199 + "F")) == 201  # 200 letters and the Flatten


@settings(max_examples=200, deadline=None)
@given(shorthand_texts())
def test_count_without_expanding_equals_the_expansion(case):
    text, expansion = case
    assert count_layers(text) == len(shorthand._expand(text)) == len(expansion)


def hostile_texts():
    """Nests of big repeats around a few letters: each is past a bound (count, depth or digits)."""
    return st.builds(
        lambda depth, repeats, core: "(" * depth + core + "".join(f"){n}" for n in repeats[:depth]),
        st.integers(1, 12),
        st.lists(st.integers(MAX_SHORTHAND_LAYERS + 1, 10**25), min_size=12, max_size=12),
        st.text("CRPF", min_size=1, max_size=4),
    )


def parse_recording_lists(text):
    """Parse ``text``; return its spec (or the error) and the lengths of the letter lists built."""
    original, built = shorthand._fold, []

    def fold(text, one, empty):
        result = original(text, one, empty)
        if empty is list:
            built.append(len(result))
        return result

    with mock.patch.object(shorthand, "_fold", fold):
        try:
            return parse_shorthand(text), built
        except InputError as err:
            return err, built


@settings(max_examples=200, deadline=None)
@given(hostile_texts())
def test_hostile_shorthands_are_refused_without_building_letters(text):
    err, built = parse_recording_lists(text)
    assert isinstance(err, InputError)
    assert err.key in (
        "error.shorthand_too_many_layers",
        "error.shorthand_too_deep",
        "error.shorthand_repeat",
    )
    assert built == []


@settings(max_examples=300, deadline=None)
@given(st.text("CRPF()0123456789 ", max_size=250))
def test_no_list_is_built_past_the_limit(text):
    result, built = parse_recording_lists(text)
    if isinstance(result, InputError):
        assert built == []  # every refusal comes from the counting pass
    else:
        assert built == [count_layers(text)]
        assert len(result) <= MAX_SHORTHAND_LAYERS + 1  # and a Flatten
    assert all(n <= MAX_SHORTHAND_LAYERS for n in built)


def square_free(n):
    """n letters of C, R, P with no block repeated twice in a row (Thue's ternary word)."""
    bits = [bin(i).count("1") % 2 for i in range(n + 1)]
    return "".join("CRP"[bits[i + 1] - bits[i] + 1] for i in range(n))


def test_to_shorthand_is_bounded():
    # No repeats to group: the shorthand is the letters themselves, one character each.
    letters = square_free(MAX_SHORTHAND_CHARS)
    assert to_shorthand([parse_shorthand(c)[0] for c in letters]) == letters
    letters = square_free(MAX_SHORTHAND_CHARS + 1)
    with pytest.raises(InputError) as info:
        to_shorthand([parse_shorthand(c)[0] for c in letters])
    assert_actionable(info.value, "error.shorthand_table_too_wide", "201", "200")
    # Too many layers: refused before grouping (which is cubic in their number).
    long = parse_shorthand("(CR)256") + parse_shorthand("C")
    with pytest.raises(InputError) as info:
        to_shorthand(long)
    assert_actionable(info.value, "error.shorthand_table_too_long", "513", "512")
    assert to_shorthand(parse_shorthand("(CR)256")) == "(CR)256"
