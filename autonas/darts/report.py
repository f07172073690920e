"""Pictures of a DARTS search: alpha evolution and cell diagrams (matplotlib, optional).

matplotlib is imported only when a picture is drawn; without it these
functions raise `ImportError` with the command that installs it.
"""

import os

from autonas.darts.genotype import Genotype, state_name
from autonas.utils.io import read_json


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("Plotting needs matplotlib: pip install matplotlib (or autonas[plot]).") from None
    return plt


def plot_alpha_history(alphas, path, kind=None):
    """Plot the softmax weight of every operation on every edge across epochs.

    One panel per edge (per cell kind), one line per candidate operation.

    Args:
        alphas: the dict a search writes to ``alphas.json`` (or that file's path).
        path: the PNG file to write.
        kind: ``"normal"``, ``"reduce"`` or None for both (one row of panels each).

    Returns:
        The path written.

    Example:
        >>> plot_alpha_history("runs/darts/alphas.json", "runs/darts/alphas.png")  # doctest: +SKIP
    """
    if isinstance(alphas, (str, os.PathLike)):
        alphas = read_json(alphas, what="alpha history")
    if not isinstance(alphas, dict) or "epochs" not in alphas or "candidates" not in alphas:
        raise ValueError("`alphas` must be the content of a DARTS alphas.json (keys 'candidates', 'edges', 'epochs').")
    kinds = ("normal", "reduce") if kind is None else (kind,)
    epochs = alphas["epochs"]
    if not epochs:
        raise ValueError("`alphas` holds no epoch yet; run the search first.")
    plt = _pyplot()
    candidates, edges = alphas["candidates"], alphas["edges"]
    nodes = max(node for node, _ in edges) - 1
    x = [e["epoch"] for e in epochs]
    # one block of panels per cell kind: a row per intermediate node, a column per source state
    cols = nodes + 1
    fig, axes = plt.subplots(nodes, cols * len(kinds), figsize=(2.0 * cols * len(kinds), 1.9 * nodes + 0.8),
                             sharex=True, sharey=True, squeeze=False)
    for ax in axes.flat:
        ax.set_visible(False)
    for block, k in enumerate(kinds):
        for col, (node, src) in enumerate(edges):
            ax = axes[node - 2][block * cols + src]
            ax.set_visible(True)
            for op_index, op in enumerate(candidates):
                ax.plot(x, [e[k][col][op_index] for e in epochs], label=op, linewidth=1.2, marker="o",
                        markersize=2)
            ax.set_title(f"{k}: {state_name(src)} → {node}", fontsize=7)
            ax.tick_params(labelsize=6)
    axes[0][0].set_ylabel("softmax(alpha)", fontsize=7)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(candidates), fontsize=7, frameon=False)
    fig.supxlabel("epoch", fontsize=7, y=0.06)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_cell(genotype, kind="normal", path=None):
    """Draw one cell of a genotype as a diagram: states as boxes, operations on the arrows.

    Args:
        genotype: a `Genotype`.
        kind: ``"normal"`` or ``"reduce"``.
        path: the PNG file to write; when None the figure is returned instead.

    Returns:
        The path written, or the matplotlib figure when `path` is None.

    Example:
        >>> plot_cell(genotype, "normal", "normal_cell.png")  # doctest: +SKIP
    """
    if not isinstance(genotype, Genotype):
        raise TypeError(f"`genotype` must be a Genotype; received {type(genotype).__name__}.")
    pairs = genotype.cell(kind)
    plt = _pyplot()
    nodes = genotype.nodes
    fig, ax = plt.subplots(figsize=(2.2 * (nodes + 3), 3.6))
    pos = {0: (0.0, 2.0), 1: (0.0, -2.0)}
    for i in range(nodes):
        pos[i + 2] = (2.0 * (i + 1), 1.0 if i % 2 == 0 else -1.0)
    pos["out"] = (2.0 * (nodes + 1), 0.0)
    for k, (op, src) in enumerate(pairs):
        target = k // 2 + 2
        (x0, y0), (x1, y1) = pos[src], pos[target]
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                    arrowprops=dict(arrowstyle="->", color="tab:blue" if op != "skip_connect" else "tab:red",
                                    shrinkA=14, shrinkB=14, connectionstyle="arc3,rad=0.12"))
        # label on the arc, 40% of the way from the source
        t, bend = 0.4, 0.12
        lx, ly = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
        lx, ly = lx + bend * (y1 - y0) * 0.9, ly - bend * (x1 - x0) * 0.9
        ax.text(lx, ly, op, fontsize=7, ha="center", va="center",
                bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.85))
    for i in range(nodes):
        (x0, y0), (x1, y1) = pos[i + 2], pos["out"]
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                    arrowprops=dict(arrowstyle="->", color="grey", linestyle="dashed", shrinkA=14, shrinkB=14))
    for key, (x, y) in pos.items():
        label = "c_{k}" if key == "out" else state_name(key)
        color = "lightblue" if key in (0, 1) else ("palegreen" if key == "out" else "lightyellow")
        ax.text(x, y, label, ha="center", va="center", fontsize=9,
                bbox=dict(boxstyle="round,pad=0.4", fc=color, ec="black"))
    ax.set_xlim(-1, 2.0 * (nodes + 1) + 1)
    ax.set_ylim(-3, 3)
    ax.axis("off")
    ax.set_title(f"{kind} cell ({genotype.count('skip_connect', kind)} skip connection(s))", fontsize=10)
    if path is None:
        return fig
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
