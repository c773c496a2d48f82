"""Charts for reports: matplotlib figures embedded as self-contained SVG images.

Every chart is drawn with matplotlib's object API (no pyplot, no global
backend) inside :func:`chart_style`, which selects a CJK font *by file*, so
Chinese labels never come out as empty boxes even when matplotlib's font
cache predates the font. Text is written as SVG paths, so a page shows the
same glyphs on a machine without the font. Meaning never rests on colour
alone: series differ by hatch, marker or line style as well, and values are
labelled in words or numbers.
"""

from __future__ import annotations

import base64
import functools
import io
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

import matplotlib as mpl
import numpy as np
from matplotlib import font_manager
from matplotlib.figure import Figure

from reports._errors import FontMissingError

__all__ = [
    "CJK_FONT_ENV",
    "CJK_FONT_PACKAGE",
    "Chart",
    "chart_style",
    "cjk_font",
    "encode",
    "new_figure",
]

#: Debian package of the font the reports expect.
CJK_FONT_PACKAGE = "fonts-wqy-microhei"
#: Environment variable naming a font file to use instead of the search.
CJK_FONT_ENV = "CREDCERT_CJK_FONT"

_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)
_NAME_HINTS = ("wqy", "notosanscjk", "notoserifcjk", "droidsansfallback", "sourcehan")

#: Okabe-Ito colours: distinguishable with colour blindness and in grey print.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9")
HATCHES = ("", "//", "..", "xx", "\\\\", "--")
MARKERS = ("o", "s", "^", "D", "v", "P")
LINESTYLES = ("-", "--", ":", "-.")


@dataclass(frozen=True, slots=True)
class Chart:
    """A rendered chart: an SVG data URI with its size in CSS pixels."""

    uri: str
    alt: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class CJKFont:
    """The font file chosen for Chinese text and the family name it registers."""

    path: Path
    family: str


@functools.cache
def cjk_font() -> CJKFont:
    """Find a font file with Chinese glyphs and register it with matplotlib.

    The file named by ``$CREDCERT_CJK_FONT`` wins; then known install paths;
    then any system font whose file name looks like a CJK font.

    Raises
    ------
    FontMissingError
        If no such font is installed.
    """
    path = _find_font_file()
    font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(path)).get_name()
    return CJKFont(path=path, family=family)


def _find_font_file() -> Path:
    given = os.environ.get(CJK_FONT_ENV)
    if given:
        if not Path(given).is_file():
            raise FontMissingError(
                f"${CJK_FONT_ENV}: expected a font file; got {given!r}, which "
                "does not exist"
            )
        return Path(given)
    for candidate in _CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    for found in sorted(font_manager.findSystemFonts()):
        name = Path(found).name.lower().replace("-", "").replace("_", "")
        if any(hint in name for hint in _NAME_HINTS):
            return Path(found)
    raise FontMissingError(
        "no font with Chinese glyphs found for report charts: install the "
        f"Debian package {CJK_FONT_PACKAGE} (apt-get install {CJK_FONT_PACKAGE}), "
        f"or set ${CJK_FONT_ENV} to a .ttf/.ttc/.otf file with CJK glyphs"
    )


@contextmanager
def chart_style() -> Iterator[None]:
    """matplotlib settings of every report chart, CJK font first."""
    font = cjk_font()
    settings: dict[str, Any] = {
        "font.family": [font.family, "DejaVu Sans"],
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.labelsize": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.color": "#d9d9d9",
        "grid.linewidth": 0.6,
        "axes.axisbelow": True,
        "axes.unicode_minus": False,
        "hatch.linewidth": 0.8,
        "legend.frameon": False,
        "svg.fonttype": "path",
        "svg.hashsalt": "credcert",
    }
    with mpl.rc_context():
        # matplotlib's stubs key rcParams by a Literal of every setting name.
        cast(Any, mpl.rcParams).update(settings)
        yield


def new_figure(
    width: float, height: float, layout: Literal["constrained"] | None = "constrained"
) -> Figure:
    """A figure of ``width`` x ``height`` inches; call inside :func:`chart_style`."""
    return Figure(figsize=(width, height), layout=layout)


def encode(figure: Figure, alt: str) -> Chart:
    """The figure as an SVG data URI (no date, stable ids: same data, same bytes)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    width, height = figure.get_size_inches() * 96
    return Chart(
        uri=f"data:image/svg+xml;base64,{data}",
        alt=alt,
        width=round(width),
        height=round(height),
    )


# -- chart kinds used by several reports ----------------------------------------


def grouped_bars(
    categories: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    title: str,
    ylabel: str,
    alt: str,
    percent: bool = False,
    reference: tuple[float, str] | None = None,
    size: tuple[float, float] = (7.0, 2.8),
) -> Chart:
    """Bars per category, one hatched and coloured bar per series, values on top.

    ``reference`` draws a labelled horizontal line (value, label).
    """
    with chart_style():
        figure = new_figure(*size)
        ax = figure.add_subplot()
        x = np.arange(len(categories))
        width = 0.8 / max(len(series), 1)
        for i, (name, values) in enumerate(series.items()):
            bars = ax.bar(
                x + (i - (len(series) - 1) / 2) * width,
                values,
                width,
                label=name,
                color=COLOURS[i % len(COLOURS)],
                hatch=HATCHES[i % len(HATCHES)],
                edgecolor="black",
                linewidth=0.5,
            )
            if len(categories) * len(series) <= 24:
                fmt = "{:.1%}" if percent else "{:.3g}"
                ax.bar_label(
                    bars, labels=[fmt.format(v) for v in values], fontsize=7, padding=1
                )
        if reference is not None:
            value, label = reference
            ax.axhline(value, color="black", linestyle="--", linewidth=1, label=label)
        long = max((len(c) for c in categories), default=0) * len(categories) > 70
        ax.set_xticks(
            x,
            list(categories),
            rotation=25 if long else 0,
            ha="right" if long else "center",
        )
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        if percent:
            ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0, decimals=0))
        ax.margins(y=0.18)
        if len(series) > 1 or reference is not None:
            figure.legend(
                ncols=len(series) + (reference is not None),
                loc="outside lower center",
                fontsize=8,
            )
        return encode(figure, alt)


def horizontal_bars(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    xlabel: str,
    alt: str,
    lines: Sequence[float] = (),
    muted: Sequence[bool] = (),
    value_format: str = "{:.3f}",
    width: float = 7.0,
) -> Chart:
    """One horizontal bar per label, first label on top.

    Negative bars are red and hatched ``//``; bars marked in ``muted`` are
    grey and dotted. ``lines`` draws dotted vertical reference lines (name
    their meaning in ``xlabel``).
    """
    with chart_style():
        figure = new_figure(width, 0.9 + 0.24 * len(labels))
        ax = figure.add_subplot()
        y = np.arange(len(labels))[::-1]
        vals = np.asarray(values, dtype=float)
        quiet = list(muted) or [False] * len(vals)
        bars = ax.barh(
            y,
            vals,
            color=[
                "#c8c8c8" if q else COLOURS[3] if v < 0 else COLOURS[0]
                for v, q in zip(vals, quiet, strict=True)
            ],
            hatch=[
                ".." if q else "//" if v < 0 else ""
                for v, q in zip(vals, quiet, strict=True)
            ],
            edgecolor="black",
            linewidth=0.5,
        )
        ax.bar_label(
            bars, labels=[value_format.format(v) for v in vals], fontsize=7, padding=2
        )
        for value in lines:
            ax.axvline(value, color="black", linestyle=":", linewidth=0.9)
        if vals.size and (vals < 0).any():
            ax.axvline(0, color="black", linewidth=0.8)
        ax.set_yticks(y, list(labels))
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.margins(x=0.15)
        return encode(figure, alt)
