"""Benchmark every search strategy on NAS-Bench-Macro under the noisy-seed protocol (or synthetic tables).

Each evaluation observes one of the three recorded CIFAR-10 runs of an
architecture at random; after a budget of N evaluations, the score of a run is
the ``mean_acc`` of the architecture the strategy returns (the best observed,
averaged over its measurements). Every strategy x budget runs over many seeds.
``--table synthetic:K`` runs the same protocol on the K-th synthetic landscape
of `autonas.benchmarks.landscapes.LANDSCAPES` (other numbers of decisions and
choices, other noise), ``--table synthetic`` on all of them; ``--table heldout``
on the held-out landscapes `HELD_OUT`, kept for confirmation only (``--table
confirm`` on `CONFIRM`, those confirming the racing endgame of ``bayesian``).

Usage (from the repository root):

    python benchmarks/strategies.py                      # all strategies, 50 seeds
    python benchmarks/strategies.py --strategies random evolution --seeds 10
    python benchmarks/strategies.py --data path/to/nas-bench-macro_cifar10.json
    python benchmarks/strategies.py --table synthetic --strategies evolution bayesian --budgets 50 100

Prints mean +- std per strategy and budget, each oracle's own time per proposal
(CPU time of the searching thread: mean over all proposals, and at ~100
completed trials), and writes a PNG of the mean best-so-far against evaluations.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

# Small matrices: BLAS threads only oversubscribe the cores next to the worker processes.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "nas-bench-macro" / "nas-bench-macro_cifar10.json"
DEFAULT_STRATEGIES = ["random", "grid", "evolution", "bayesian", "bayesian:remeasure=2", "hyperband",
                      "hyperband-evolution"]
BUDGETS = (25, 50, 100)

_BENCH = None


def _strategy(spec):
    """Map a row name such as ``"bayesian:remeasure=2"`` to ``(tuner, kwargs)`` for `TableBenchmark.run`.

    ``keras-tuner-bayesian`` is KerasTuner's own `BayesianOptimizationOracle`, as a reference.
    """
    name, _, options = spec.partition(":")
    kwargs = {}
    for option in filter(None, options.split(",")):
        key, _, value = option.partition("=")
        kwargs[key] = json.loads(value)
    if name == "keras-tuner-bayesian":
        import keras_tuner

        return keras_tuner.oracles.BayesianOptimizationOracle, kwargs
    return name, kwargs


def _init(data):
    global _BENCH
    import logging

    logging.getLogger("autonas").setLevel(logging.ERROR)
    from autonas.benchmarks import TableBenchmark

    _BENCH = {}
    for table in data:
        if table == "macro":
            _BENCH[table] = TableBenchmark.nas_bench_macro(_init.data)
        else:
            from autonas.benchmarks.landscapes import synthetic_table

            kind, _, k = table.partition(":")
            _BENCH[table] = synthetic_table(_landscape_sets()[kind][int(k)])


def _landscape_sets():
    from autonas.benchmarks.landscapes import CONFIRM, HELD_OUT, LANDSCAPES

    return {"synthetic": LANDSCAPES, "heldout": HELD_OUT, "confirm": CONFIRM}


def _init_worker(data, tables):
    _init.data = data
    _init(tables)


def _run(task):
    name, budget, seed, budgets, table = task
    start = time.perf_counter()
    tuner, kwargs = _strategy(name)
    bench = _BENCH[table]
    result = bench.run(tuner=tuner, max_trials=budget, seed=seed, **kwargs)
    cpu = result.proposal_cpu_seconds
    row = {"strategy": name, "table": table, "budget": budget, "seed": seed, "best_report": result.best_report,
           "regret": bench.optimum - result.best_report,
           "incumbent": result.incumbent_report, "n": result.n_evaluations,
           # the best configuration evaluated: best_evaluated - best_report is what selection under noise lost
           "best_evaluated": max((bench.report(c) for c in result.configs), default=float("nan")),
           "cpu_per_proposal": sum(cpu) / max(1, len(cpu)),
           "cpu_at_end": sum(cpu[-5:]) / max(1, len(cpu[-5:])), "wall": time.perf_counter() - start}
    rows = [row]
    for smaller in budgets:  # --prefix: the first evaluations of this run are the smaller budgets' runs
        curve = result.incumbent_report[:smaller]
        rows.append(dict(row, budget=smaller, best_report=curve[-1] if curve else float("nan"),
                         incumbent=curve, best_evaluated=max((bench.report(c) for c in result.configs[:smaller]),
                                                             default=float("nan"))))
    return rows


def _plot(rows, strategies, path, budget):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(8, 5))
    for name in strategies:
        curves = [r["incumbent"] for r in rows if r["strategy"] == name and r["budget"] == budget]
        if not curves:
            continue
        length = max(len(c) for c in curves)
        padded = np.array([c + [c[-1]] * (length - len(c)) for c in curves], dtype=float)
        ax.plot(np.arange(1, length + 1), np.nanmean(padded, axis=0), label=name)
    ax.set_xlabel("evaluations")
    ax.set_ylabel("mean_acc of the returned architecture (mean over seeds)")
    ax.set_title("NAS-Bench-Macro (CIFAR-10), noisy-seed protocol")
    ax.set_ylim(92.0, 93.2)
    ax.axhline(93.127, color="grey", lw=0.8, ls="--", label="optimum 93.127")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="nas-bench-macro_cifar10.json")
    parser.add_argument("--strategies", nargs="+", default=DEFAULT_STRATEGIES)
    parser.add_argument("--budgets", nargs="+", type=int, default=list(BUDGETS))
    parser.add_argument("--seeds", type=int, default=50, help="seeds 1..SEEDS per cell")
    parser.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1))
    parser.add_argument("--plot", default=str(ROOT / "benchmarks" / "strategies.png"))
    parser.add_argument("--json", default=None, help="also write the raw results here")
    parser.add_argument("--table", nargs="+", default=["macro"],
                        help="macro (NAS-Bench-Macro), synthetic:K (one development landscape), synthetic "
                             "(all of them), heldout:K or heldout (the held-out landscapes), confirm:K or "
                             "confirm (the landscapes confirming the racing endgame of bayesian)")
    parser.add_argument("--prefix", action="store_true",
                        help="run only the largest budget and read the smaller ones off its first evaluations "
                             "(exact for strategies that do not depend on the budget, e.g. KerasTuner's)")
    args = parser.parse_args(argv)

    sets = _landscape_sets()
    tables = []
    for table in args.table:
        if table in sets:
            tables += [f"{table}:{k}" for k in range(len(sets[table]))]
        else:
            tables.append(table)
    if "macro" in tables and not Path(args.data).exists():
        print(f"SKIPPED: NAS-Bench-Macro not found at {args.data} (pass --data PATH).")
        return 0

    budgets = sorted(args.budgets)
    seeds = range(1, args.seeds + 1)
    if args.prefix:
        tasks = [(s, budgets[-1], seed, budgets[:-1], t) for t in tables for s in args.strategies for seed in seeds]
    else:
        tasks = [(s, b, seed, [], t) for t in tables for s in args.strategies for b in budgets for seed in seeds]
    start = time.perf_counter()
    if args.workers > 1:
        import multiprocessing

        with multiprocessing.get_context("spawn").Pool(args.workers, initializer=_init_worker,
                                                       initargs=(args.data, tables)) as pool:
            rows = [r for rs in pool.imap_unordered(_run, tasks, chunksize=1) for r in rs]
    else:
        _init_worker(args.data, tables)
        rows = [r for t in tasks for r in _run(t)]
    elapsed = time.perf_counter() - start
    for table in tables:
        _report(rows, args, table)
    print(f"\n{args.seeds} seeds per cell; {len(tasks)} searches in {elapsed:.0f} s "
          f"on {args.workers} worker(s){' (smaller budgets read off the largest)' if args.prefix else ''}.")
    if args.plot and "macro" in tables:
        _plot([r for r in rows if r["table"] == "macro"], args.strategies, args.plot, max(args.budgets))
        print(f"Wrote {args.plot}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(rows, f)
    return 0


def _report(rows, args, table):
    import numpy as np

    rows = [r for r in rows if r["table"] == table]
    print(f"\n### {table}: mean ± std over seeds of the returned configuration's report")

    header = f"| strategy | " + " | ".join(f"N = {b}" for b in args.budgets) + \
        " | ms/proposal (mean) | ms/proposal (last 5 at the largest N) |"
    print(header)
    print("|" + "---|" * (len(args.budgets) + 3))
    for name in args.strategies:
        cells = []
        for b in args.budgets:
            scores = [r["best_report"] for r in rows if r["strategy"] == name and r["budget"] == b]
            cells.append(f"{np.nanmean(scores):.3f} ± {np.nanstd(scores):.3f}")
        timed = [r for r in rows if r["strategy"] == name and r["budget"] == max(args.budgets)]
        mean_ms = 1e3 * np.mean([r["cpu_per_proposal"] for r in timed])
        end_ms = 1e3 * np.mean([r["cpu_at_end"] for r in timed])
        print(f"| {name} | " + " | ".join(cells) + f" | {mean_ms:.1f} | {end_ms:.1f} |")


if __name__ == "__main__":
    sys.exit(main())
