"""Convolution playground: the stage first, then input, filter bank, inspector, shapes, export."""

from functools import partial

import numpy as np
import streamlit as st

from cnnviz.content import links
from cnnviz.core import shapes
from cnnviz.core.conv import MAX_MAGNITUDE
from cnnviz.core.stage import StageData, conv_stage_data
from cnnviz.core.trace import ConvTrace, conv2d_trace
from cnnviz.figures import cells as cell_figures
from cnnviz.i18n import InputError, format_number, format_shape, t
from cnnviz.io import export
from cnnviz.ui import kit
from cnnviz.ui.cell_picker import cell_picker, clamp_cell
from cnnviz.ui.conv_settings import ConvSettings, conv_settings
from cnnviz.ui.image_picker import image_picker
from cnnviz.ui.kernel_editor import bank_key, kernel_editor
from cnnviz.ui.language import fragment
from cnnviz.ui.stage import stage

KEY = "conv"


@st.cache_data(max_entries=32, show_spinner=False)
def trace_of(image: np.ndarray, bank: np.ndarray, settings: ConvSettings) -> ConvTrace:
    """Trace the whole convolution, once per input, bank and settings."""
    return conv2d_trace(image, bank, **settings.as_kwargs())


@st.cache_data(max_entries=16, show_spinner=False)
def stage_data_of(image: np.ndarray, bank: np.ndarray, settings: ConvSettings) -> StageData:
    """Pack the whole convolution for the stage, once per input, bank and settings."""
    return conv_stage_data(trace_of(image, bank, settings))


def load_link_once(channels: int) -> None:
    """Read the filter bank from ``?k=`` once per session: after that the editor owns it."""
    bank = kit.from_link_once(
        "k", partial(links.decode_bank, channels=channels), warning="conv.link_kernel_ignored"
    )
    if bank is None:
        return
    st.session_state[bank_key(KEY)] = bank
    st.session_state[f"{KEY}_rows"], st.session_state[f"{KEY}_cols"] = bank.shape[:2]
    st.session_state[f"{KEY}_filters"] = bank.shape[3]
    for f in range(bank.shape[3]):
        st.session_state[f"{KEY}_preset_{f}"] = "custom"


def shapes_panel(trace: ConvTrace, image: np.ndarray, bank: np.ndarray, s: ConvSettings) -> None:
    """Input, padded and output shapes, with the output formula written out per axis."""
    out = trace.output.shape
    channels = image.shape[2] if image.ndim == 3 else 1
    cols = st.columns(3)
    cols[0].metric(t("conv.shape.input"), format_shape(image.shape))
    cols[1].metric(t("conv.shape.padded"), format_shape(trace.padded.shape[:2]))
    cols[2].metric(t("conv.shape.output"), format_shape(out))
    formulas = [
        shapes.output_length_formula(
            image.shape[i],
            bank.shape[i],
            strides=s.strides[i],
            padding=trace.pads[i],
            dilation_rate=s.dilation_rate[i],
        )
        for i in range(2)
    ]
    params = shapes.conv_params_formula(bank.shape[:2], channels, bank.shape[3])
    kit.bullets([*kit.axis_lines("conv.shape", formulas), t("conv.shape.params", formula=params)])


def select_cell(row: int, col: int, fmap: int | None) -> None:
    """Inspect the cell clicked on the stage (its callback, run before the rerun)."""
    st.session_state[f"{KEY}_row"], st.session_state[f"{KEY}_col"] = row, col
    if fmap is not None:
        st.session_state[f"{KEY}_fmap"] = fmap


def inspector(trace: ConvTrace, fmap: int, row: int, col: int) -> None:
    """One output cell's arithmetic written out, ready to copy (the stage draws its window)."""
    step = trace.step_at(row, col, fmap if trace.map_axis else None)
    st.code("\n".join(step.formula_lines()), language=None, wrap_lines=True)


def share_link(bank: np.ndarray) -> None:
    """Write the kernel into the URL and show the link, ready to copy."""
    st.query_params["k"] = links.encode_bank(bank)
    kit.share_link(t("conv.link_help"))


@fragment
def cell_view(
    trace: ConvTrace, image: np.ndarray, bank: np.ndarray, settings: ConvSettings
) -> None:
    """Show the stage and everything that follows its cell: inspector, exports and link.

    A fragment: a click on the stage, another map or the ◀ ▶ buttons rerun only
    this part, so the input and kernel tables above are not drawn again.
    """
    maps = trace.output if trace.output.ndim == 3 else trace.output[..., None]
    # The chosen map may be gone (fewer filters now): fall back to the last one.
    fmap = st.session_state[f"{KEY}_fmap"] = min(
        st.session_state.get(f"{KEY}_fmap", 0), maps.shape[2] - 1
    )
    row, col = clamp_cell(trace, key=KEY)
    stage(
        stage_data_of(image, bank, settings),
        key=f"{KEY}_stage",
        selected=(row, col, fmap if trace.map_axis else None),
        on_select=select_cell,
    )
    st.subheader(t("conv.inspect"))
    if maps.shape[2] > 1:
        fmap = st.segmented_control(
            t("conv.which_map"),
            range(maps.shape[2]),
            format_func=str,
            required=True,
            key=f"{KEY}_fmap",
            bind="query-params",
        )
    row, col = cell_picker(trace, fmap if trace.map_axis else None, key=KEY)
    inspector(trace, fmap, row, col)
    export_col, share_col = st.columns(2)
    with export_col.popover(t("conv.export"), width="stretch"):
        downloads(trace, bank, maps, fmap, cell_figures.region_around(maps.shape, row, col))
    with share_col.popover(t("conv.share"), width="stretch"):
        share_link(bank)


def downloads(
    trace: ConvTrace, bank: np.ndarray, maps: np.ndarray, fmap: int, region: cell_figures.Region
) -> None:
    """Offer the map as PNG and CSV, the window's path as GIF, the kernel as CSV.

    A file that cannot be made (a map whose sums overflowed) gets a disabled
    button and its reason under the buttons, once: a download made only on
    click cannot show a message when it fails, so each is checked first. The
    buttons do not rerun the page, so two quick clicks both download.
    """
    values = maps[..., fmap]
    kernel_csv = partial(export.matrix_csv, bank[:, :, 0, fmap])
    gif = {"filter": fmap, "region": region}
    map_check = partial(export.check_feature_map, values)
    files = {  # widget key: (label, check, data made on click, file name)
        "png": ("png", map_check, partial(export.feature_map_png, values), "feature_map.png"),
        "gif": (
            "gif",
            partial(export.conv_animation_layout, trace, **gif),
            partial(export.conv_animation_gif, trace, **gif),
            "convolution.gif",
        ),
        "kernel_csv": ("kernel", kernel_csv, kernel_csv, "kernel.csv"),
        "output_csv": ("output", map_check, partial(export.matrix_csv, values), "feature_map.csv"),
    }
    mimes = {"png": "image/png", "gif": "image/gif", "csv": "text/csv"}
    reasons: dict[str, None] = {}  # each reason once, in order
    for key, (label, check, make, file_name) in files.items():
        try:
            check()
        except InputError as err:
            reasons[str(err)] = None
            make = None
        st.download_button(
            t(f"conv.download_{label}"),
            make or b"",
            file_name,
            mime=mimes[file_name.rsplit(".", 1)[1]],
            key=f"{KEY}_{key}",
            width="stretch",
            disabled=make is None,
            # No rerun at the click: a rerun registers every file made on click under a new id
            # and drops the old ones, while the browser may still be fetching one of them
            # (MediaFileStorageError "Deferred file ... not found": the click did nothing).
            on_click="ignore",
        )
    for reason in reasons:
        st.error(reason)


def overflow_notice(trace: ConvTrace) -> None:
    """Say, above the stage, that some sums went beyond float64 and show as ∞ or NaN."""
    if trace.overflowed:
        st.warning(
            t(
                "error.overflow_result",
                largest=format_number(np.finfo(np.float64).max, digits=1),
                max=MAX_MAGNITUDE,
            )
        )


st.title(t("conv.title"))
settings = conv_settings(key=KEY)
# The stage comes first, so input, kernel, window, map and sum fit on one screen;
# the pickers that feed it run first but show below it, after the page's introduction.
stage_area = st.container()
st.markdown(t("conv.intro"))

picked, kernel_col = kit.input_columns(t("conv.input"), partial(image_picker, key=KEY))
image = picked.pixels
channels = image.shape[2] if image.ndim == 3 else 1
load_link_once(channels)
with kernel_col:
    st.subheader(t("conv.kernel"))
    bank = kernel_editor(channels, key=KEY)

# A kernel larger than the padded input keeps the last result on show, under the message.
computed = kit.checked(
    lambda: (trace_of(image, bank, settings), image, bank, settings), where=stage_area
)
last = kit.last_valid(
    f"{KEY}_last_trace", computed, caption=t("conv.showing_last_valid"), where=stage_area
)
if last is None:
    st.stop()
trace, image, bank, settings = last

with stage_area:
    overflow_notice(trace)
    cell_view(trace, image, bank, settings)

st.header(t("conv.shapes"))
shapes_panel(trace, image, bank, settings)
