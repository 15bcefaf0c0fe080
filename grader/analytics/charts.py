"""Score histograms as inline SVG text: matplotlib draws them, nothing is fetched or written.

Figures are made with :class:`matplotlib.figure.Figure`, never pyplot, as matplotlib's guide to
web servers advises: no global figure manager, no GUI backend, safe to call from any thread.
Text stays text (``svg.fonttype: none``: the browser draws it in its own sans-serif, so no font
is embedded or fetched) and ids are made from a fixed salt, so the same scores give the same
SVG. What an SVG file carries for standalone use is removed: the XML declaration, the DOCTYPE
(a URL), the metadata (URLs of RDF vocabularies) and the namespace declarations (URLs that an
HTML parser does not need); each chart's ids get a prefix of its own, so two charts on one page
never share one.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import matplotlib
from matplotlib.figure import Figure

__all__ = ["histogram_svg"]

_STYLE = {"svg.fonttype": "none", "svg.hashsalt": "dlgrade", "font.family": "sans-serif",
          "font.sans-serif": ["DejaVu Sans", "Helvetica", "Arial"], "font.size": 9}
_BAR, _MEAN = "#4c72b0", "#c44e52"
_ID = re.compile(r'\bid="([^"]+)"')


def histogram_svg(scores: Sequence[float], max_score: float, *, title: str = "", bins: int = 10,
                  size: tuple[float, float] = (3.2, 2.0), prefix: str = "chart") -> str:
    """A histogram of ``scores`` over ``[0, max_score]`` as an ``<svg>`` element's text.

    Args:
        scores: one score per student, in points.
        max_score: the most a score can be; the x axis runs from 0 to it.
        title: drawn above the plot as plain text (no mathtext: a ``$`` is a dollar sign).
        bins: how many bars of equal width split ``[0, max_score]``; the last one holds the
            full marks.
        size: the figure's width and height in inches (96 px each in a browser).
        prefix: put before every id of the SVG; give each chart of a page its own.

    Returns:
        ``<svg ...>...</svg>`` without an XML declaration, DOCTYPE, metadata or any URL; a
        dashed line marks the mean.
    """
    top = max_score if max_score > 0 else 1.0  # a topic worth 0 points still gets an axis
    with matplotlib.rc_context(_STYLE):
        figure = Figure(figsize=size, layout="constrained")
        axes = figure.add_subplot()
        axes.hist(list(scores), bins=bins, range=(0, top), color=_BAR, edgecolor="white")
        if scores:
            mean = sum(scores) / len(scores)
            axes.axvline(mean, color=_MEAN, linestyle="--", linewidth=1.2, label=f"mean {mean:.3g}")
            axes.legend(loc="upper left", frameon=False, fontsize=8)
        axes.set_xlim(0, top)
        axes.set_ylim(0, None if scores else 1)
        axes.yaxis.get_major_locator().set_params(integer=True)
        axes.set_ylabel("students")
        axes.set_xlabel("points")
        axes.spines[["top", "right"]].set_visible(False)
        if title:
            axes.set_title(title, parse_math=False, fontsize=10, loc="left")
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None,
                                                      "Type": None})
    return _inline(buffer.getvalue(), prefix)


def _inline(svg: str, prefix: str) -> str:
    """``svg`` (a file matplotlib wrote) as an element to put inside HTML; see the module docstring."""
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)
    svg = re.sub(r'\s+xmlns(?::\w+)?="[^"]*"', "", svg)
    svg = re.sub(r'\s+version="[^"]*"', "", svg, count=1)
    for old in dict.fromkeys(_ID.findall(svg)):
        new = f"{prefix}-{old}"
        svg = svg.replace(f'id="{old}"', f'id="{new}"').replace(f"#{old})", f"#{new})").replace(
            f'"#{old}"', f'"#{new}"')
    return svg.strip()
