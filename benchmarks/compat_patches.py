"""What each process-wide patch of `autonas._compat` buys: a search with and without it.

Run from the repository root:

    python benchmarks/compat_patches.py micro [--repeats 7]            # each patch on the step it speeds up
    python benchmarks/compat_patches.py search [--seeds 0 1 2] [--trials 8]   # whole searches

Two of the patches change a library's behaviour for the whole process while a trial runs:

- ``iterators``: `autonas._compat.iterators_released_in_background` hooks Keras's
  TensorFlow epoch iterator so that a trial's input iterators are dropped on a
  background thread instead of when `fit` returns;
- ``kernels``: `autonas._compat.shared_variable_kernels` replaces TensorFlow's
  `var_handle_op` during a build so that variables of one name share an eager kernel.

``micro`` times the step each patch targets, with and without it, interleaved: a
trial's build (the ResNet and Xception image blocks on digits, after `clear_session`)
and a trial's `fit` call (a small convnet, 3 epochs, validation as `tf.data`) until it
returns. ``search``: each variant runs the same `ImageClassifier` search (ResNet/Xception/convnet trials of
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


def _mean_std(values):
    return f"{np.mean(values) * 1000:.1f} ± {np.std(values) * 1000:.1f} ms"


def micro(repeats):
    """Each patch on the step it targets, with and without, interleaved; mean ± std over `repeats`."""
    import keras
    import keras_tuner
    import tensorflow as tf

    import autonas
    from autonas import _compat
    from autonas.data import prepare_input
    from autonas.data.profile import profile_graph

    x, y = digits()
    x, y = x[:512], y[:512]
    rows = []
    for family in ("resnet", "xception"):
        inp = autonas.ImageInput()
        head = autonas.ClassificationHead()
        graph = autonas.Graph(inp, head(autonas.ImageBlock(block_type=family, augment=False)(inp)))
        profile_graph(graph, [prepare_input(x, inp, fit=True)])
        head.fit_targets(y)
        times = {True: [], False: []}
        for i in range(repeats + 1):
            for on in (True, False):
                keras.backend.clear_session()
                scope = _compat.shared_variable_kernels() if on else contextlib.nullcontext()
                start = time.perf_counter()
                with scope:
                    graph.build(keras_tuner.HyperParameters())
                if i:  # the first round warms TensorFlow's caches up
                    times[on].append(time.perf_counter() - start)
        rows.append((f"build, {family} image block (shared_variable_kernels)", times[True], times[False]))

    images = prepare_input(x, autonas.ImageInput(), fit=True)[..., None] / 16.0
    validation = tf.data.Dataset.from_tensor_slices((images[:128], y[:128])).batch(32)
    times = {True: [], False: []}
    for i in range(repeats + 1):
        for on in (True, False):
            keras.backend.clear_session()
            keras.utils.set_random_seed(i)
            model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(16, 3, activation="relu"),
                                      keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
            model.compile("adam", "sparse_categorical_crossentropy")
            scope = _compat.iterators_released_in_background() if on else contextlib.nullcontext()
            start = time.perf_counter()
            with scope:
                model.fit(images[128:], y[128:], validation_data=validation, epochs=3, batch_size=32, verbose=0)
            if i:
                times[on].append(time.perf_counter() - start)
            del model
    rows.append(("fit until it returns, small convnet (iterators_released_in_background)", times[True], times[False]))
    print(f"\n| step ({repeats} repeats, interleaved) | with the patch | without | saved |")
    print("|---|---|---|---|")
    for name, with_patch, without in rows:
        saved = np.subtract(without, with_patch)
        print(f"| {name} | {_mean_std(with_patch)} | {_mean_std(without)} | {_mean_std(saved)} |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["micro", "search"], nargs="?", default="micro")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--trials", type=int, default=8)
    args = parser.parse_args(argv)
    if args.mode == "micro":
        micro(args.repeats)
        return 0
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
