"""Trainings that outlive the page that started them: a bounded, server-wide registry.

A training runs in a thread of the server, not in a page's script run, so a
reload, a closed tab or a click elsewhere does not end it. Each run is kept in
:data:`RUNS` under an unguessable token that the training page writes into
its link (``?run=<token>``): opening that link again (a reload, another tab)
finds the run, still going or finished, with its results.

The registry is bounded like everything a student controls: at most
``Limits.max_runs_stored`` runs for the whole server, each dropped
``Limits.run_keep_seconds`` after it finished; a token is checked against
:data:`TOKEN_PATTERN` before any lookup. No Streamlit here (the page draws),
no TensorFlow (the job given to :func:`start` imports it).
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cnnviz.i18n import InputError
from cnnviz.nets.limits import LIMITS
from cnnviz.nets.live import Progress

_LOG = logging.getLogger(__name__)

TOKEN_BYTES = 16
"""Random bytes of a token: 128 bits, not guessable."""

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{22}")
"""What :func:`secrets.token_urlsafe` writes for :data:`TOKEN_BYTES` bytes."""

SHOWN_CHARS = 30
"""Characters of a refused token repeated in a message (a link may be very long)."""


@dataclass(eq=False)
class LiveRun:
    """One training as the server keeps it while it runs and after.

    Attributes
    ----------
    token : str
        Its identifier in links (:data:`TOKEN_PATTERN`).
    stop : threading.Event
        Set to stop it after the current batch (or before it starts).
    phase : {"queued", "starting", "running", "done"}
        Waiting for a training slot; building the network (TensorFlow may
        still be importing); training; finished (``run`` or ``error`` is set).
    waiting : int
        Slots busy with other trainings while queued.
    progress : Progress or None
        The latest report of the training (None before the first batch).
    run : Any
        What the job returned (a :class:`~cnnviz.nets.training.TrainingRun`).
    error : InputError or None
        Why it could not train, translated when shown.
    finished_at : float or None
        Registry clock when it ended; it expires ``keep_seconds`` later.
    """

    token: str
    stop: threading.Event = field(default_factory=threading.Event)
    phase: str = "queued"
    waiting: int = 0
    progress: Progress | None = None
    run: Any = None
    error: InputError | None = None
    finished_at: float | None = None

    @property
    def finished(self) -> bool:
        """Whether it ended, with a run or an error."""
        return self.finished_at is not None

    def report(self, progress: Progress) -> None:
        """Keep the latest progress (the reporter given to :func:`~cnnviz.nets.training.train`)."""
        self.phase, self.progress = "running", progress


def check_token(token: str) -> str:
    """Return ``token`` if it has the shape of a run's identifier; refuse it otherwise.

    Examples
    --------
    >>> check_token("A" * 22)
    'AAAAAAAAAAAAAAAAAAAAAA'
    >>> check_token("../etc")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cnnviz.i18n.InputError: The training in this link, "../etc", is not a valid identifier...
    """
    if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
        shown = str(token)[:SHOWN_CHARS] + ("…" if len(str(token)) > SHOWN_CHARS else "")
        raise InputError("train.reattach.malformed", token=shown)
    return token


class RunRegistry:
    """The server's runs by token: at most ``capacity``, each kept ``keep_seconds`` after its end.

    Parameters
    ----------
    capacity : int
        Runs kept at once. When full, the run that finished first goes; when
        every run is still going, a new one is refused.
    keep_seconds : float
        How long a finished run stays.
    clock : callable
        Seconds (monotonic), for expiry.

    Examples
    --------
    >>> registry = RunRegistry(2, keep_seconds=60)
    >>> live = registry.add()
    >>> registry.get(live.token) is live
    True
    """

    def __init__(
        self, capacity: int, keep_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.capacity, self.keep_seconds, self.clock = capacity, keep_seconds, clock
        self._runs: dict[str, LiveRun] = {}  # insertion order: oldest first
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._runs)

    def add(self) -> LiveRun:
        """Register a new run under a fresh token and return it.

        Raises
        ------
        InputError
            Every kept run is still going (``train.reattach.full``).
        """
        with self._lock:
            self._prune()
            if len(self._runs) >= self.capacity:
                ended = [r for r in self._runs.values() if r.finished]
                if not ended:
                    raise InputError("train.reattach.full", limit=self.capacity)
                del self._runs[min(ended, key=lambda r: r.finished_at).token]
            token = secrets.token_urlsafe(TOKEN_BYTES)
            live = self._runs[token] = LiveRun(token)
            return live

    def get(self, token: str) -> LiveRun:
        """Return the run of ``token``.

        Raises
        ------
        InputError
            A malformed token (checked before any lookup), or one that is
            unknown or expired.
        """
        check_token(token)
        with self._lock:
            self._prune()
            live = self._runs.get(token)
        if live is None:
            raise InputError("train.reattach.unknown", minutes=round(self.keep_seconds / 60))
        return live

    def finish(self, live: LiveRun, *, run: Any = None, error: InputError | None = None) -> None:
        """Mark ``live`` ended with its run or its error; its expiry starts now."""
        live.run, live.error = run, error
        live.phase = "done"
        live.finished_at = self.clock()

    def _prune(self) -> None:
        """Drop the runs that finished more than ``keep_seconds`` ago (the lock is held)."""
        now = self.clock()
        for token in [
            t
            for t, r in self._runs.items()
            if r.finished_at is not None and now - r.finished_at > self.keep_seconds
        ]:
            del self._runs[token]


RUNS = RunRegistry(LIMITS.max_runs_stored, LIMITS.run_keep_seconds)
"""The server's runs."""


def start(registry: RunRegistry, job: Callable[[LiveRun], Any]) -> LiveRun:
    """Register a run and do ``job(live)`` in a thread of its own; return the run at once.

    ``job`` reports into ``live`` (``live.report``), honours ``live.stop`` and
    returns the finished run; an :class:`InputError` it raises becomes the
    run's ``error``, anything else a generic translated error (logged).

    Raises
    ------
    InputError
        The registry is full of running trainings.
    """
    live = registry.add()

    def work() -> None:
        try:
            registry.finish(live, run=job(live))
        except InputError as err:
            registry.finish(live, error=err)
        except Exception:  # a bug must not leave the page waiting forever
            _LOG.exception("training %s failed", live.token)
            registry.finish(live, error=InputError("train.reattach.failed"))

    threading.Thread(target=work, name=f"cnnviz-train-{live.token[:6]}", daemon=True).start()
    return live
