"""Kernel surgery: a session's own copy of a layer's filters, edited in tables, and its effect.

The shared model is never changed: the trained-network page runs the picture
with this copy through :func:`cnnviz.ui.network.inspect_digit`'s overrides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import streamlit as st

from cnnviz.figures import conv as conv_figures
from cnnviz.figures import network as network_figures
from cnnviz.i18n import t
from cnnviz.ui.kernel_editor import CHANNEL_NAMES
from cnnviz.ui.kit import chart
from cnnviz.ui.network import Network, inspect_digit, learned_filters

if TYPE_CHECKING:  # pragma: no cover
    from cnnviz.nets.model import Inspection

ACTIONS = (
    ("reset", ":material/undo:"),
    ("zero", ":material/block:"),
    ("negate", ":material/swap_vert:"),
)
"""What a button does to one filter, with its icon, in the order shown."""


@dataclass(frozen=True)
class Surgery:
    """Kernel surgery on one convolution layer of a network, for this session.

    Attributes
    ----------
    network : Network
        The network whose filters are copied.
    layer : str
        The ``Conv2D`` layer open to surgery.
    key : str
        Prefix of the widget and session-state keys (the page's).
    """

    network: Network
    layer: str
    key: str

    @property
    def _bank_key(self) -> str:
        return f"{self.key}_surgery_bank_{self.network.model_id}"

    @property
    def _version_key(self) -> str:
        return f"{self.key}_surgery_version"

    def bank(self) -> np.ndarray:
        """Return the session's own copy of the layer's kernel (kh, kw, C_in, F), made once."""
        if self._bank_key not in st.session_state:
            st.session_state[self._bank_key] = learned_filters(self.network, self.layer)[0].copy()
        return st.session_state[self._bank_key]

    def bias(self) -> np.ndarray:
        """Return the layer's learned bias (F,): surgery edits only the kernel."""
        return learned_filters(self.network, self.layer)[1]

    def _new_version(self) -> None:
        # A new editor key: the table shows the new weights instead of its stale edits.
        st.session_state[self._version_key] = st.session_state.get(self._version_key, 0) + 1

    def edit(self, index: int, action: str) -> None:
        """Reset, switch off or negate one filter (a button's callback)."""
        bank = self.bank()
        learned = learned_filters(self.network, self.layer)[0]
        edits = {
            "reset": learned[..., index],
            "zero": np.zeros_like(learned[..., index]),
            "negate": -bank[..., index],
        }
        bank[..., index] = edits[action]
        self._new_version()

    def reset_all(self) -> None:
        """Bring every filter back to its learned weights (a button's callback)."""
        st.session_state[self._bank_key] = learned_filters(self.network, self.layer)[0].copy()
        self._new_version()

    def table(self, index: int) -> None:
        """Edit one filter's weights, one table per input channel; valid numbers go into the bank.

        A digit has one channel (one table); a colour image three, R, G and B,
        stacked (side by side, three tables would be too narrow to read).
        A cell that is not a number leaves that channel's last valid weights.
        """
        bank = self.bank()
        channels = bank.shape[2]
        version = st.session_state.get(self._version_key, 0)
        for channel in range(channels):
            weights = bank[:, :, channel, index]
            editor_key = f"{self.key}_surgery_editor_{index}_{version}"
            if channels > 1:
                st.markdown(f"**{t('kernel_editor.channel', channel=CHANNEL_NAMES[channel])}**")
                editor_key += f"_{CHANNEL_NAMES[channel]}"
            frame = pd.DataFrame(weights, columns=[str(c) for c in range(weights.shape[1])])
            edited = st.data_editor(frame, key=editor_key, hide_index=False)
            values = pd.DataFrame(edited).apply(pd.to_numeric, errors="coerce").to_numpy(float)
            if values.shape != weights.shape or not np.isfinite(values).all():
                st.error(t("net.surgery.bad_cell"))  # keep the last valid weights
                continue
            bank[:, :, channel, index] = values

    def buttons(self, index: int) -> None:
        """Show the buttons that reset, switch off or negate the filter, and reset them all."""
        with st.container(horizontal=True):  # the buttons wrap in a narrow column
            for action, icon in ACTIONS:
                st.button(
                    t(f"net.surgery.{action}"),
                    key=f"{self.key}_surgery_{action}",
                    on_click=self.edit,
                    args=(index, action),
                    icon=icon,
                )
            st.button(
                t("net.surgery.reset_all"),
                key=f"{self.key}_surgery_reset_all",
                on_click=self.reset_all,
            )

    def _filter_index(self, count: int) -> int:
        return int(
            st.number_input(
                t("net.surgery.filter", last=count - 1),
                min_value=0,
                max_value=count - 1,
                key=f"{self.key}_surgery_filter",
            )
        )

    def show(
        self, image: np.ndarray, original: Inspection, class_names: list[str], *, lang: str
    ) -> None:
        """Edit one filter; compare its feature map and the prediction before and after.

        Parameters
        ----------
        image : ndarray
            The network's input, as the page shows it.
        original : Inspection
            The untouched network's pass on ``image``.
        class_names : list of str
            The classes' names in the page's language.
        lang : str
            The page's language.
        """
        bank = self.bank()
        st.markdown(t("net.surgery.explain"))
        left, right = st.columns([1, 2])
        with left:
            index = self._filter_index(bank.shape[3])
            self.table(index)
            self.buttons(index)
        edited = inspect_digit(self.network, image, {self.layer: (bank.copy(), self.bias())})
        old, new = original.predicted, edited.predicted
        with right:
            if old != new:
                st.warning(t("net.surgery.changed", old=class_names[old], new=class_names[new]))
            else:
                st.success(t("net.surgery.same", digit=class_names[new]))
            class_title = t("net.bars.class" if self.network.reads_digits else "colour.bars.class")
            bars = network_figures.probability_bars(
                edited.probabilities,
                class_names=class_names,
                class_title=class_title,
                reference=original.probabilities,
                lang=lang,
            )
            chart(bars, key=f"{self.key}_surgery_bars")
        maps = [run.layer(self.layer).values[..., index] for run in (original, edited)]
        titles = [t("net.surgery.before", index=index), t("net.surgery.after", index=index)]
        chart(
            conv_figures.feature_map_grid(
                np.stack(maps, axis=-1), titles=titles, clickable=False, lang=lang
            ),
            key=f"{self.key}_surgery_maps",
        )
