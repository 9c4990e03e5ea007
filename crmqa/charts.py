"""Charts for the HTML report: matplotlib (Agg) rendered to inline PNG data
URIs, so the report is one self-contained file that needs no network."""

from __future__ import annotations

import base64
import io

from analyzer.ru import DIRECTION_NAMES

DIRECTION_COLORS = {"attentiveness": "#4b6fd6", "skills": "#2e9e6b", "analytics": "#d98a1c",
                    "scripts": "#b3261e"}


def _figure(width: float = 7.5, height: float = 2.8):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width, height), dpi=110)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", alpha=0.3)
    return plt, fig, ax


def _png(plt, fig) -> str:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def trend(windows: list[str], shares: dict[str, list[float]]) -> str:
    """Share of the window's active deals with findings, per direction."""
    plt, fig, ax = _figure()
    for direction, values in shares.items():
        ax.plot(windows, [100 * v for v in values], marker="o", label=DIRECTION_NAMES[direction],
                color=DIRECTION_COLORS[direction])
    ax.set_ylabel("% сделок с замечаниями")
    ax.tick_params(axis="x", labelsize=8)
    ax.legend(fontsize=8, ncol=4, frameon=False)
    return _png(plt, fig)


def work_mix(windows: list[str], new: list[int], base: list[int]) -> str:
    """Deals worked per window: new leads vs the existing base."""
    plt, fig, ax = _figure()
    ax.bar(windows, base, color="#9aa8c9", label="работа с базой")
    ax.bar(windows, new, bottom=base, color="#4b6fd6", label="новые лиды")
    ax.set_ylabel("сделок в работе")
    ax.tick_params(axis="x", labelsize=8)
    ax.legend(fontsize=8, frameon=False)
    return _png(plt, fig)


def estimates(names: list[str], values: list[float], lows: list[float], highs: list[float]) -> str:
    """Estimated population defect rates with their 95% intervals."""
    plt, fig, ax = _figure(7.5, 0.35 * len(names) + 0.8)
    y = list(range(len(names)))[::-1]
    # an interval clipped to [0, 1] (or rounded) may not reach the estimate: draw no bar past it
    err = [[100 * max(0.0, v - lo) for v, lo in zip(values, lows, strict=True)],
           [100 * max(0.0, hi - v) for v, hi in zip(values, highs, strict=True)]]
    ax.barh(y, [100 * v for v in values], xerr=err, color="#4b6fd6", alpha=0.85,
            error_kw={"ecolor": "#1d2330", "capsize": 3})
    ax.set_yticks(y, names, fontsize=8)
    ax.set_xlabel("оценка доли сделок, % (95% интервал)")
    ax.grid(axis="x", alpha=0.3)
    return _png(plt, fig)
