"""One simulated student: a websocket speaking Streamlit's own protocol, no browser.

The browser's part of the conversation is small: it sends a ``BackMsg`` with
``rerun_script`` (the page, the widget values, the fragment to rerun) and reads
``ForwardMsg`` frames until ``script_finished``. This client does the same with
the protobuf classes shipped in the ``streamlit`` package, finds widgets by the
user key at the end of their id (``$$ID-<hash>-<key>``) in the deltas, and
times each rerun from the ``BackMsg`` sent to the final ``script_finished``.

It sends no cached-message hashes, so the server sends every message in full:
a little more traffic than a browser with a warm cache, never less work.
"""

from __future__ import annotations

import asyncio
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NumberInput_pb2 import NumberInput

# Statuses that end a rerun; FINISHED_EARLY_FOR_RERUN (st.rerun) means another run follows.
_FINAL = {
    ForwardMsg.FINISHED_SUCCESSFULLY,
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
}
MAX_FRAME_BYTES = 64 * 2**20  # a ForwardMsg larger than this is an error, not a lesson


@dataclass(frozen=True)
class Widget:
    """A widget drawn by the last run: its full id, element kind, fragment and proto."""

    id: str
    kind: str
    fragment_id: str
    proto: Any


@dataclass(frozen=True)
class Interaction:
    """One rerun: what the student did, how long the server took, and what went wrong.

    ``seconds`` runs from the ``BackMsg`` sent to the final ``script_finished``;
    ``error`` is None, or the exception type and message shown in a delta, a
    compile error, a timeout or a lost connection.
    """

    step: str
    seconds: float
    error: str | None = None


@dataclass
class StudentSession:
    """A websocket session with one Streamlit server (or a balancer in front of some).

    Parameters
    ----------
    url : str
        ``http://127.0.0.1:<port>``; only loopback hosts are accepted.
    cookie : str
        Sent with the websocket handshake (a balancer's sticky cookie).
    timeout_s : float
        Longest wait for one rerun before it counts as an error.
    """

    url: str
    cookie: str = ""
    timeout_s: float = 120.0
    widgets: dict[str, Widget] = field(default_factory=dict)
    values: dict[str, tuple[str, Any]] = field(default_factory=dict)
    session_id: str = ""
    page: str = ""
    handshake_headers: dict[str, str] = field(default_factory=dict)
    _ws: Any = None

    async def load_page(self) -> None:
        """GET the app's page as a browser does first, keeping the cookies it sets.

        Behind HAProxy this is where the sticky cookie naming the replica comes from.
        """
        request = urllib.request.Request(f"{self._checked_url()}/")
        if self.cookie:
            request.add_header("Cookie", self.cookie)

        def get() -> list[str]:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                response.read()
                return response.headers.get_all("Set-Cookie") or []

        cookies = [c.split(";", 1)[0] for c in await asyncio.to_thread(get)]
        self.cookie = "; ".join(filter(None, [self.cookie, *cookies]))

    def _checked_url(self) -> str:
        """Return ``url`` without a trailing slash, or raise ValueError if not on loopback."""
        host = urlsplit(self.url).hostname
        if host not in {"127.0.0.1", "localhost", "::1"}:
            raise ValueError(f"load tests run on loopback only, not on {host!r}")
        return self.url.rstrip("/")

    async def connect(self, existing_session_id: str = "") -> None:
        """Open the websocket; ``existing_session_id`` asks the server to resume that session."""
        parts = urlsplit(self._checked_url())
        ws_url = f"ws://{parts.netloc}/_stcore/stream"
        # Streamlit reads the xsrf token and the session to resume from the subprotocols.
        # (no xsrf token: it only guards the auth cookie, which the app does not use).
        protocols = (
            ["streamlit", "no-xsrf", existing_session_id] if existing_session_id else ["streamlit"]
        )
        headers = {"Cookie": self.cookie} if self.cookie else None
        self._ws = await websockets.connect(
            ws_url,
            subprotocols=protocols,
            origin=f"{parts.scheme}://{parts.netloc}",
            additional_headers=headers,
            max_size=MAX_FRAME_BYTES,
            open_timeout=self.timeout_s,
        )
        self.handshake_headers = {k.lower(): v for k, v in self._ws.response.headers.raw_items()}

    async def close(self) -> None:
        """Close the websocket (the server keeps the session a while, then forgets it)."""
        if self._ws is not None:
            await self._ws.close()
            self._ws = None

    def find(self, key: str) -> Widget:
        """Return the widget whose user key is ``key`` in the last run, or raise KeyError."""
        for widget in self.widgets.values():
            if widget.id.endswith(f"-{key}"):
                return widget
        raise KeyError(f"no widget with key {key!r} on page {self.page!r}")

    def set(self, key: str, value: Any) -> Widget:
        """Remember a new value for the widget ``key``, as the browser would after an edit."""
        widget = self.find(key)
        self.values[widget.id] = (_value_field(widget), value)
        return widget

    async def open_page(self, page: str, step: str) -> Interaction:
        """Navigate to ``page`` (its url path, "" for home) and time the rerun."""
        self.page = page
        return await self.rerun(step)

    async def change(self, key: str, value: Any, step: str) -> Interaction:
        """Set widget ``key`` to ``value`` and rerun (the fragment only, if it is in one)."""
        widget = self.set(key, value)
        return await self.rerun(step, fragment_id=widget.fragment_id)

    async def click(self, key: str, step: str) -> Interaction:
        """Press the button ``key`` (a trigger, true for this run only)."""
        widget = self.find(key)
        return await self.rerun(step, fragment_id=widget.fragment_id, trigger=widget.id)

    async def rerun(self, step: str, fragment_id: str = "", trigger: str = "") -> Interaction:
        """Send ``rerun_script`` with the known widget values; read until the run ends."""
        msg = BackMsg()
        state = msg.rerun_script
        state.page_name = self.page
        state.fragment_id = fragment_id
        # Like the browser, send only the widgets the last run drew.
        for widget_id, (kind, value) in self.values.items():
            if widget_id in self.widgets:
                item = state.widget_states.widgets.add()
                item.id = widget_id
                _put(item, kind, value)
        if trigger:
            item = state.widget_states.widgets.add()
            item.id, item.trigger_value = trigger, True
        if not fragment_id:
            self.widgets = {}  # a full run redraws everything; a fragment keeps the rest
        start = time.perf_counter()
        try:
            await self._ws.send(msg.SerializeToString())
            error = await asyncio.wait_for(self._read_run(), self.timeout_s)
        except TimeoutError:
            error = f"timeout: no script_finished within {self.timeout_s:g} s"
        except websockets.ConnectionClosed as closed:
            error = f"disconnected: {closed}"
        return Interaction(step, time.perf_counter() - start, error)

    async def _read_run(self) -> str | None:
        """Read frames until a final ``script_finished``; return the first error seen."""
        error = None
        while True:
            frame = ForwardMsg()
            frame.ParseFromString(await self._ws.recv())
            kind = frame.WhichOneof("type")
            if kind == "new_session":
                self.session_id = frame.new_session.initialize.session_id
            elif kind == "delta":
                error = error or self._read_delta(frame)
            elif kind == "script_finished" and frame.script_finished in _FINAL:
                if frame.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    error = error or "compile error"
                return error

    def _read_delta(self, frame: ForwardMsg) -> str | None:
        """Record the widget a delta draws; return the message of an exception it shows."""
        delta = frame.delta
        if delta.WhichOneof("type") != "new_element":
            return None
        kind = delta.new_element.WhichOneof("type")
        element = getattr(delta.new_element, kind)
        if kind == "exception":
            return f"{element.type}: {element.message}"[:300]
        widget_id = getattr(element, "id", "")
        if widget_id.startswith("$$ID-"):
            self.widgets[widget_id] = Widget(widget_id, kind, delta.fragment_id, element)
        return None


def _value_field(widget: Widget) -> str:
    """Return the ``WidgetState`` field the browser fills for this kind of widget."""
    if widget.kind == "number_input":
        return "int_value" if widget.proto.data_type == NumberInput.INT else "double_value"
    fields = {"selectbox": "string_value", "checkbox": "bool_value", "slider": "double_array_value"}
    fields |= {"button_group": "string_array_value", "radio": "string_value"}
    if widget.kind not in fields:
        raise ValueError(f"the load test cannot set a {widget.kind} widget ({widget.id})")
    return fields[widget.kind]


def _put(item: Any, kind: str, value: Any) -> None:
    """Write ``value`` into the ``WidgetState`` field ``kind``."""
    if kind.endswith("_array_value"):
        getattr(item, kind).data.extend(value)
    else:
        setattr(item, kind, value)
