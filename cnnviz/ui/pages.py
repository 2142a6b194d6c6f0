"""The page registry: every page once, read by ``app.py``'s navigation and the home page's links.

Material icons, not emoji: a classroom PC or a fresh Linux may have no emoji font.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from cnnviz.i18n import t


@dataclass(frozen=True)
class PageEntry:
    """One page of the app.

    Attributes
    ----------
    path : str
        The page's script, relative to the app's folder.
    title_key : str
        Catalog key of its title in the sidebar and on the home page.
    icon : str
        A Material icon, ``":material/<name>:"``.
    url_path : str
        Its address: ``/<url_path>``.
    section_key : str
        Catalog key of the sidebar section that holds it.
    """

    path: str
    title_key: str
    icon: str
    url_path: str
    section_key: str


HOME = PageEntry("app_pages/home.py", "home.nav", ":material/home:", "home", "nav.section.start")
"""The default page."""

PAGES: tuple[PageEntry, ...] = (
    HOME,
    PageEntry(
        "app_pages/convolution.py",
        "conv.nav",
        ":material/grid_on:",
        "convolution",
        "nav.section.operations",
    ),
    PageEntry(
        "app_pages/pooling.py",
        "pool.nav",
        ":material/compress:",
        "pooling",
        "nav.section.operations",
    ),
    PageEntry(
        "app_pages/signals.py",
        "signal.nav",
        ":material/show_chart:",
        "signals",
        "nav.section.operations",
    ),
    PageEntry(
        "app_pages/architectures/page.py",
        "arch.nav",
        ":material/account_tree:",
        "architectures",
        "nav.section.networks",
    ),
    PageEntry(
        "app_pages/trained_network.py",
        "net.nav",
        ":material/neurology:",
        "trained-network",
        "nav.section.networks",
    ),
    PageEntry(
        "app_pages/saliency.py",
        "saliency.page.nav",
        ":material/visibility:",
        "saliency",
        "nav.section.networks",
    ),
    PageEntry(
        "app_pages/adversarial/page.py",
        "adv.nav",
        ":material/gpp_bad:",
        "adversarial",
        "nav.section.networks",
    ),
    PageEntry(
        "app_pages/training/page.py",
        "train.nav",
        ":material/model_training:",
        "training",
        "nav.section.networks",
    ),
    PageEntry(
        "app_pages/transfer/page.py",
        "transfer.nav",
        ":material/move_up:",
        "transfer",
        "nav.section.networks",
    ),
    PageEntry(
        "app_pages/backprop/page.py",
        "backprop.nav",
        ":material/undo:",
        "backprop",
        "nav.section.learning",
    ),
    PageEntry(
        "app_pages/conv_matrix.py",
        "matrix.nav",
        ":material/grid_on:",
        "conv-matrix",
        "nav.section.learning",
    ),
    PageEntry(
        "app_pages/why_cnns/page.py",
        "why.nav",
        ":material/lightbulb:",
        "why-cnns",
        "nav.section.learning",
    ),
)
"""Every page, in sidebar order, grouped by section."""


def sections() -> dict[str, tuple[PageEntry, ...]]:
    """Return the pages grouped by section key, in registry order."""
    grouped: dict[str, list[PageEntry]] = {}
    for entry in PAGES:
        grouped.setdefault(entry.section_key, []).append(entry)
    return {key: tuple(entries) for key, entries in grouped.items()}


def navigation_pages() -> dict[str, list[st.Page]]:
    """Return ``st.navigation``'s input: section title -> pages, in the session's language."""
    return {
        t(section): [
            st.Page(
                entry.path,
                title=t(entry.title_key),
                icon=entry.icon,
                url_path=entry.url_path,
                default=entry is HOME,
            )
            for entry in entries
        ]
        for section, entries in sections().items()
    }


def page_links(columns: int = 4) -> None:
    """Link every page but home, a row per section, as the sidebar orders them."""
    for entries in sections().values():
        if HOME in entries:
            continue
        for column, entry in zip(st.columns(columns), entries, strict=False):
            column.page_link(entry.path, label=t(entry.title_key), icon=entry.icon)
