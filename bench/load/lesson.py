"""The scripted lesson each simulated student follows, step by step.

Convolution: open the page, choose two kernel presets, stride 2 then 1, inspect
three output cells (two typed, one with the ▶ button, both fragment reruns).
Trained network: open it, pick two test digits by number (drawing needs the
canvas component's browser code, so a student here picks a test digit instead:
the page runs the same preprocessing and network either way). Saliency: open it
(it computes the maps for the chosen digit). One student in ``train_every``
also trains: a one-epoch run on 200 images of the bundled digits.

Every step's name starts with its page (``conv.``, ``net.``, ``sal.``,
``train.``) so the report can group latencies by page.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable

from bench.load.client import Interaction, StudentSession

TRAIN_EPOCHS = 1
TRAIN_SAMPLES = 200


def options(session: StudentSession, key: str) -> list[str]:
    """Return the formatted options of the selectbox ``key``, as the browser sends them back."""
    return list(session.find(key).proto.options)


def upper(session: StudentSession, key: str, fallback: int) -> int:
    """Return the largest value the number input ``key`` accepts (``fallback`` if unbounded)."""
    proto = session.find(key).proto
    return int(proto.max) if proto.has_max else fallback


def convolution_steps(s: StudentSession, rng: random.Random) -> list[Callable[[], Awaitable]]:
    """Return the convolution steps: presets, stride, cells (each reruns once)."""
    presets = options(s, "conv_preset_0")[1:]  # the first is "custom"
    first, second = rng.sample(presets, 2)
    cell = lambda axis: rng.randint(0, upper(s, f"conv_{axis}", 2))  # noqa: E731
    return [
        lambda: s.change("conv_preset_0", first, "conv.preset"),
        lambda: s.change("conv_preset_0", second, "conv.preset"),
        lambda: s.change("conv_stride_rows", 2, "conv.stride"),
        lambda: s.change("conv_stride_rows", 1, "conv.stride"),
        lambda: s.change("conv_row", cell("row"), "conv.cell"),
        lambda: s.change("conv_col", cell("col"), "conv.cell"),
        lambda: s.click("conv_forward", "conv.cell_next"),
    ]


async def train_short_run(s: StudentSession) -> Interaction:
    """Set one epoch on ``TRAIN_SAMPLES`` images and press Train (timed until the run ends)."""
    s.set("train_epochs", TRAIN_EPOCHS)
    s.set("train_samples", TRAIN_SAMPLES)
    return await s.click("train_start", "train.run")


async def lesson(
    s: StudentSession, rng: random.Random, think_s: float, trains: bool
) -> list[Interaction]:
    """Run the whole lesson on an open session; return every rerun's timing and error.

    Parameters
    ----------
    s : StudentSession
        Connected, nothing run yet.
    rng : random.Random
        Chooses presets, cells and digits (seeded per student: reproducible).
    think_s : float
        Mean pause between two steps, in seconds (uniform in 0.5x to 1.5x), not timed.
    trains : bool
        Whether this student also trains a short run.
    """
    done: list[Interaction] = []

    async def do(step: Callable[[], Awaitable[Interaction]]) -> bool:
        await asyncio.sleep(think_s * rng.uniform(0.5, 1.5))
        try:
            done.append(await step())
        except (KeyError, ValueError) as err:  # the page did not draw a widget the lesson uses
            done.append(Interaction(f"{s.page}.lesson", 0.0, f"lesson: {err}"))
        return done[-1].error is None

    if not await do(lambda: s.open_page("convolution", "conv.open")):
        return done  # a page that did not draw has no widgets to use
    try:
        steps = convolution_steps(s, rng)
    except KeyError as err:
        return [*done, Interaction("conv.lesson", 0.0, f"lesson: {err}")]
    for step in steps:
        await do(step)
    if await do(lambda: s.open_page("trained-network", "net.open")):
        top = upper(s, "digit_index", 1999)
        for _ in range(2):
            await do(lambda: s.change("digit_index", rng.randint(0, top), "net.digit"))
    await do(lambda: s.open_page("saliency", "sal.open"))
    if trains and await do(lambda: s.open_page("training", "train.open")):
        await do(lambda: train_short_run(s))
    return done
