"""Tests of cnnviz.core.shorthand: the course's ``(CR)2P...F`` notation, both ways."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz.content import gallery
from cnnviz.core.architectures import summarize
from cnnviz.core.shorthand import parse_shorthand, to_shorthand
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
