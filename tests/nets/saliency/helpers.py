"""What the saliency tests share besides their models: the one-pixel model's numbers, a spot."""

from __future__ import annotations

import numpy as np
from hypothesis import settings

PROPERTY = settings(max_examples=40, deadline=None)

# The one-pixel model: 6x7 single-channel input, class 0's logit is WEIGHT * x[ROW, COL],
# class 1's is 0, then a softmax. Every method must look at that pixel only.
ROWS, COLS, ROW, COL, WEIGHT = 6, 7, 2, 4, 2.0


def bright_spot(row: int = 2, col: int = 5) -> np.ndarray:
    image = np.zeros((8, 8), np.float32)
    image[row, col] = 1.0
    return image
