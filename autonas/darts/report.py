"""What a DARTS search writes: ``alphas.json``, ``genotype.json`` and pictures.

- ``alphas.json`` (`write_progress`, after every epoch): the candidates, the edges
  and each epoch's softmax weights, losses and derived genotype;
- ``genotype.json`` (`write_results`): the genotype, the search's settings, time and
  epochs, the selection scores and the perturbation scores; `load_genotype` reads it;
- ``alphas.png``, ``normal_cell.png``, ``reduce_cell.png``: alpha evolution and cell
  diagrams (`plot_alpha_history`, `plot_cell`). matplotlib is imported only when a
  picture is drawn; without it these functions raise `ImportError` with the command
  that installs it.
"""

import logging
import os

import numpy as np

from autonas.darts.genotype import CELL_KINDS, Genotype, edge_list, state_name
from autonas.utils.io import atomic_write_json, read_json

logger = logging.getLogger("autonas")

ALPHAS_FILE = "alphas.json"
GENOTYPE_FILE = "genotype.json"


def alphas_document(candidates, nodes, history):
    """The content of ``alphas.json``.

    Args:
        candidates: the operation names.
        nodes: intermediate nodes per cell.
        history: the search's per-epoch records.

    Returns:
        A JSON-ready dict (keys ``candidates``, ``nodes``, ``edges``, ``epochs``).

    Example:
        >>> alphas_document(["none", "skip_connect"], 1, [])["edges"]
        [[2, 0], [2, 1]]
    """
    return {"candidates": list(candidates), "nodes": nodes,
            "edges": [[node + 2, src] for node, src in edge_list(nodes)], "epochs": history}


def perturbation_document(record):
    """A perturbation record as JSON (the ``none`` column's ``nan``/``-inf`` become null).

    Args:
        record: a perturbation record, or None.

    Returns:
        A JSON-ready dict, or None.

    Example:
        >>> perturbation_document(None) is None
        True
    """
    if record is None:
        return None

    def rows(array):
        return [[float(v) if np.isfinite(v) else None for v in row] for row in array]

    return {key: ({kind: rows(v) for kind, v in record[key].items()}
                  if key in ("loss_increase", "accuracy_drop") else record[key]) for key in record}


def results_document(search):
    """The content of ``genotype.json`` for a `DartsSearch`.

    Args:
        search: a `DartsSearch` that derived a genotype.

    Returns:
        A JSON-ready dict: the genotype, candidates, time, epochs, selection and
        perturbation scores, and the search's settings (flat).

    Example:
        >>> results_document(search)["genotype"]  # doctest: +SKIP
    """
    return {"genotype": search.genotype.to_dict(), "candidates": list(search.supernet_config.candidates),
            "search_time": search.search_time_, "epochs_run": len(search.history),
            "stopped_early": search.stopped_early_, "selection": search.selection_,
            "perturbation": perturbation_document(search.perturbation_), "config": search.get_config()}


def write_progress(directory, document):
    """Write ``alphas.json`` atomically (nothing when `directory` is None).

    Args:
        directory: the search directory, or None.
        document: what `alphas_document` returned.

    Returns:
        None.

    Example:
        >>> write_progress(None, {})
    """
    if directory is not None:
        atomic_write_json(os.path.join(directory, ALPHAS_FILE), document)


def write_results(directory, results, alphas=None, plot=True):
    """Write ``genotype.json`` and, with `plot`, the pictures (nothing when `directory` is None).

    Args:
        directory: the search directory, or None.
        results: the JSON-ready content of ``genotype.json``; its ``"genotype"`` is drawn.
        alphas: what `alphas_document` returned, for ``alphas.png``.
        plot: draw the pictures (skipped with a log line without matplotlib).

    Returns:
        None.

    Example:
        >>> write_results(None, {})
    """
    if directory is None:
        return
    atomic_write_json(os.path.join(directory, GENOTYPE_FILE), results)
    if not plot:
        return
    genotype = Genotype.from_dict(results["genotype"])
    try:
        plot_alpha_history(alphas, os.path.join(directory, "alphas.png"))
        for kind in CELL_KINDS:
            plot_cell(genotype, kind, os.path.join(directory, f"{kind}_cell.png"))
    except ImportError:
        logger.info("matplotlib is not installed; skipping the DARTS plots (pip install matplotlib).")


def load_genotype(path):
    """Read the genotype a search wrote (``genotype.json``) or a bare genotype JSON file.

    Args:
        path: a ``genotype.json`` file or the search directory holding one.

    Returns:
        A `Genotype`.

    Example:
        >>> genotype = load_genotype("runs/darts")  # doctest: +SKIP
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        path = os.path.join(path, GENOTYPE_FILE)
    data = read_json(path, what="genotype file")
    return Genotype.from_dict(data.get("genotype", data) if isinstance(data, dict) else data)


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
