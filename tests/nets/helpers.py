"""Checks the tests of cnnviz.nets share."""

from __future__ import annotations

from cnnviz.i18n import InputError, catalog


def assert_actionable(err: InputError, key: str, *quoted: str) -> None:
    """Check the key and a real message in both languages, every field filled, ``quoted`` in it."""
    assert isinstance(err, ValueError)
    assert err.key == key
    assert key in catalog("en") and key in catalog("es")
    messages = {lang: err.message(lang) for lang in ("en", "es")}
    assert messages["en"] != messages["es"]
    for message in messages.values():
        assert "{" not in message and "}" not in message
        assert "error." not in message
        for value in quoted:
            assert value in message, (value, message)
