"""Tests of cnnviz.nets.run_store: tokens, expiry, the cap, and runs in a thread."""

import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnviz.i18n import InputError
from cnnviz.nets.run_store import RunRegistry, check_token, start


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_run_is_found_by_its_token_until_it_expires():
    clock = Clock()
    registry = RunRegistry(3, keep_seconds=3600, clock=clock)
    live = registry.add()
    assert len(live.token) == 22 and registry.get(live.token) is live
    clock.now += 10 * 3600  # a running run never expires
    assert registry.get(live.token) is live
    registry.finish(live, run="the run")
    assert live.finished and live.phase == "done" and live.finished_at == clock.now
    clock.now += 3600  # exactly the keeping time: still there
    assert registry.get(live.token).run == "the run"
    clock.now += 1
    with pytest.raises(InputError) as caught:
        registry.get(live.token)
    assert caught.value.key == "train.reattach.unknown" and caught.value.fields == {"minutes": 60}
    assert len(registry) == 0


def test_a_full_registry_drops_the_run_that_finished_first_and_refuses_when_all_run():
    clock = Clock()
    registry = RunRegistry(3, keep_seconds=3600, clock=clock)
    first, second, third = registry.add(), registry.add(), registry.add()
    with pytest.raises(InputError) as caught:  # all three still running
        registry.add()
    assert caught.value.key == "train.reattach.full" and caught.value.fields == {"limit": 3}
    registry.finish(third, run=3)
    clock.now += 1
    registry.finish(second, run=2)
    fourth = registry.add()  # third finished first: it goes, second stays
    assert len(registry) == 3
    assert registry.get(second.token).run == 2 and registry.get(first.token) is first
    with pytest.raises(InputError):
        registry.get(third.token)
    assert registry.get(fourth.token) is fourth
    assert len({first.token, second.token, third.token, fourth.token}) == 4


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "A" * 21,
        "A" * 23,
        "../../../../etc/passwd",
        "A" * 21 + "=",
        "Ａ" * 22,
        "A" * 5000,
    ],
)
def test_malformed_tokens_are_refused_before_any_lookup(token):
    with pytest.raises(InputError) as caught:
        check_token(token)
    assert caught.value.key == "train.reattach.malformed"
    shown = caught.value.fields["token"]
    assert len(shown) <= 31 and shown.rstrip("…") == token[:30]


@given(st.text(max_size=60))
def test_only_22_urlsafe_characters_pass(token):
    ok = len(token) == 22 and all(c.isascii() and (c.isalnum() or c in "-_") for c in token)
    if ok:
        assert check_token(token) == token
    else:
        with pytest.raises(InputError):
            check_token(token)


def test_start_runs_the_job_in_a_thread_and_keeps_its_result_or_error():
    registry = RunRegistry(5, keep_seconds=60)
    release = threading.Event()

    def job(live):
        assert not live.finished  # the page sees a running run meanwhile
        release.wait(10)
        return "trained"

    live = start(registry, job)
    assert not live.finished and registry.get(live.token) is live
    release.set()
    for _ in range(200):
        if live.finished:
            break
        threading.Event().wait(0.05)
    assert live.run == "trained" and live.error is None

    def refused(live):
        raise InputError("train.limit.epochs", value=99, limit=30)

    def broken(live):
        raise RuntimeError("a bug")

    for job, key in ((refused, "train.limit.epochs"), (broken, "train.reattach.failed")):
        live = start(registry, job)
        for _ in range(200):
            if live.finished:
                break
            threading.Event().wait(0.05)
        assert live.run is None and live.error.key == key
