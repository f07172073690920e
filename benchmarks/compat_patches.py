"""What each process-wide patch of `autonas._compat` buys: a search with and without it.

Run from the repository root:

    python benchmarks/compat_patches.py [--seeds 0 1 2] [--trials 8]

Two of the patches change a library's behaviour for the whole process while a trial runs:

- ``iterators``: `autonas._compat.iterators_released_in_background` hooks Keras's
  TensorFlow epoch iterator so that a trial's input iterators are dropped on a
  background thread instead of when `fit` returns;
- ``kernels``: `autonas._compat.shared_variable_kernels` replaces TensorFlow's
  `var_handle_op` during a build so that variables of one name share an eager kernel.

Each variant runs the same `ImageClassifier` search (ResNet/Xception/convnet trials of
one epoch on 400 digits, seed s) and reports the wall time of the whole `fit`, the
median gap between one trial's training and the next one's, and the median build time;
the variants are interleaved per seed so that a slow spell of the machine hits all of
them. The figures go to benchmarks/RESULTS.md ("Process-wide patches").
"""

import argparse
import contextlib
import os
import sys
import tempfile
import time

import numpy as np

from common import digits  # noqa: E402

VARIANTS = {
    "both patches": (),
    "no iterator release": ("iterators_released_in_background",),
    "no shared kernels": ("shared_variable_kernels",),
    "neither": ("iterators_released_in_background", "shared_variable_kernels"),
}


class Stamps:
    """Records when each `fit` begins and ends (class-level: the tuner deep-copies callbacks)."""

    events = []

    @classmethod
    def callback(cls):
        import keras

        class Stamp(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                cls.events.append(time.perf_counter())

            def on_train_end(self, logs=None):
                cls.events.append(time.perf_counter())

        return Stamp()


@contextlib.contextmanager
def without(names):
    """Replace the named `autonas._compat` context managers with no-ops."""
    from autonas import _compat

    saved = {name: getattr(_compat, name) for name in names}
    for name in names:
        setattr(_compat, name, contextlib.nullcontext)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(_compat, name, value)


def one_search(seed, trials, workdir, disabled):
    import autonas

    x, y = digits()
    Stamps.events.clear()
    with without(disabled):
        clf = autonas.ImageClassifier(max_trials=trials, seed=seed, directory=workdir,
                                      project_name=f"patches_{seed}_{len(disabled)}", overwrite=True)
        start = time.perf_counter()
        clf.fit(x[:400], y[:400], epochs=1, verbose=0, callbacks=[Stamps.callback()])
        wall = time.perf_counter() - start
    ev = Stamps.events
    ends, begins = ev[1::2], ev[2::2]
    gaps = [b - e for e, b in zip(ends, begins)]
    infos = clf.tuner_.trial_infos()
    builds = [info.get("build_seconds") or 0.0 for info in infos.values()]
    return wall, float(np.median(gaps)), float(np.median(builds))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--trials", type=int, default=8)
    args = parser.parse_args(argv)
    rows = {name: [] for name in VARIANTS}
    with tempfile.TemporaryDirectory() as workdir:
        one_search(99, 2, workdir, ())  # warm-up: TensorFlow's own start-up is paid once per process
        for seed in args.seeds:
            for name, disabled in VARIANTS.items():
                rows[name].append(one_search(seed, args.trials, workdir, disabled))
                wall, gap, build = rows[name][-1]
                print(f"seed {seed} {name}: fit {wall:.2f}s, median gap {gap:.3f}s, median build {build:.3f}s",
                      flush=True)
    print(f"\n| variant | whole fit (s) | median gap (s) | median build (s) | fit / both |")
    print("|---|---|---|---|---|")
    base = np.mean([r[0] for r in rows["both patches"]])
    for name, values in rows.items():
        a = np.asarray(values)
        cells = " | ".join(f"{a[:, k].mean():.3f} ± {a[:, k].std():.3f}" for k in range(3))
        print(f"| {name} | {cells} | {a[:, 0].mean() / base:.3f} |")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main())
