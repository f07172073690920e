"""Framework overhead: one autonas trial against the same model trained by plain Keras.

Run from the repository root (also reachable as ``python benchmarks/tasks.py overhead``):

    python benchmarks/overhead.py

Reports, on sklearn digits: the time of one 25-epoch trial against plain Keras
(median of 5 interleaved rounds), the gap between the trainings of consecutive
trials, and the same gaps for a plain Keras loop over the same architectures.
"""

import os
import sys
import tempfile
import time

import numpy as np

from common import digits as _digits, report  # noqa: E402

# -- framework overhead ----------------------------------------------------------------------
class TrainingStamps:
    """Keras callback factory recording when each `fit` begins and ends.

    The times go to a class-level list, because the tuner deep-copies callbacks
    for every trial (instance attributes would be lost with the copy).
    """

    events = []

    @classmethod
    def callback(cls):
        import keras

        class Stamp(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                cls.events.append(("begin", time.perf_counter()))

            def on_train_end(self, logs=None):
                cls.events.append(("end", time.perf_counter()))

        return Stamp()


def _overhead_space():
    """One fixed image architecture: the default convnet (every searched value at its default)."""
    import autonas

    inp = autonas.ImageInput()
    out = autonas.ClassificationHead(dropout=0.0)(
        autonas.ImageBlock(block_type="vanilla", normalize=True, augment=False)(inp))
    return inp, out


def bench_overhead(workdir):
    import keras
    import keras_tuner

    import autonas

    x, y = _digits()
    x, y = x[:1400], y[:1400]
    epochs = 25  # a trial of 5 s or more, as the target names (20 epochs took 4.6-6.0 s on two cores)
    rounds_count = 5

    # The same architecture, built by the same graph, trained by plain Keras on the same split:
    # once as most users write it (NumPy validation data) and once with the validation set as a
    # tf.data pipeline, which is what autonas hands Keras (see autonas.tuner._validation_dataset).
    def plain(validation_as_dataset=False):
        import tensorflow as tf

        inp, out = _overhead_space()
        graph = autonas.Graph(inp, out)
        node, head = graph.inputs[0], graph.heads[0]
        from autonas.data import prepare_input, split_validation

        images = prepare_input(x, node, fit=True)
        head.fit_targets(y)
        train_idx, val_idx = split_validation(len(images), 0.2, 0, head.encode(y))
        from autonas.data.profile import profile_graph

        profile_graph(graph, [images[train_idx]])
        validation = (images[val_idx], head.encode(y[val_idx]))
        keras.utils.set_random_seed(0)
        keras.backend.clear_session()
        start = time.perf_counter()
        if validation_as_dataset:
            validation = tf.data.Dataset.from_tensor_slices(validation).batch(32)
        model = graph.build(keras_tuner.HyperParameters())
        model.fit(images[train_idx], head.encode(y[train_idx]), validation_data=validation,
                  epochs=epochs, batch_size=32, verbose=0)
        return time.perf_counter() - start

    def one_trial(name):
        inp, out = _overhead_space()
        model = autonas.AutoModel(inp, out, max_trials=1, seed=0, directory=workdir, project_name=name,
                                  overwrite=True)
        model.fit(x, y, epochs=epochs, verbose=0)
        return model.tuner_.trial_info(model.best_trial_.trial_id)["duration"]

    plain()  # warm-up: the first model of a process pays for TensorFlow's own start-up
    rounds = []
    for i in range(rounds_count):  # interleaved, so that a slow spell of a noisy machine hits all three
        rounds.append((plain(), plain(validation_as_dataset=True), one_trial(f"overhead_{i}")))
    keras_s, keras_ds_s, trial_s = (float(np.median([r[k] for r in rounds])) for k in range(3))
    detail = ", ".join(f"{a:.1f}/{b:.1f}/{t:.1f}" for a, b, t in rounds)
    report(f"Overhead: one trial vs plain Keras, NumPy validation (digits convnet, {epochs} epochs, "
           f"median of {rounds_count})", "time ratio", trial_s / keras_s, trial_s, "plain Keras fit", 1.0, keras_s,
           f"target <= 1.10; per round Keras/Keras with tf.data validation/trial seconds {detail}")
    report(f"Overhead: one trial vs plain Keras, tf.data validation (same rounds)", "time ratio",
           trial_s / keras_ds_s, trial_s, "plain Keras fit", 1.0, keras_ds_s,
           "target <= 1.10; the fair comparison of the per-trial machinery")

    # Time from the end of one trial's training to the start of the next one's, and the part of it
    # spent building the next model (which a plain Keras loop pays too).
    TrainingStamps.events.clear()
    trials = 8
    clf = autonas.ImageClassifier(max_trials=trials, seed=0, directory=workdir, project_name="overhead_gaps",
                                  overwrite=True)
    clf.fit(x[:400], y[:400], epochs=1, verbose=0, callbacks=[TrainingStamps.callback()])
    events = TrainingStamps.events
    infos = clf.tuner_.trial_infos()
    order = sorted(infos, key=lambda tid: infos[tid]["start_time"])
    gaps = [events[2 * i + 2][1] - events[2 * i + 1][1] for i in range(len(order) - 1)]
    builds = [infos[tid].get("build_seconds") or 0.0 for tid in order[1:]]
    own = [g - b for g, b in zip(gaps, builds)]
    report(f"Overhead: between trials (ImageClassifier, {len(order)} trials of 1 epoch on 400 digits)",
           "median gap (s)", float(np.median(gaps)), clf.search_time_, "-", float("nan"), float("nan"),
           f"target <= 0.3 s; gaps {', '.join(f'{g:.2f}' for g in gaps)}; max {max(gaps):.2f}s")
    report("Overhead: between trials, less building the next model", "median (s)", float(np.median(own)),
           clf.search_time_, "-", float("nan"), float("nan"),
           f"builds {', '.join(f'{b:.2f}' for b in builds)}; rest {', '.join(f'{g:.2f}' for g in own)}")

    # The same architectures, in the same order, trained back to back by a plain Keras loop: the
    # usual `clear_session()` between models, build, `fit` for one epoch on the same split (with
    # the validation set as a tf.data pipeline, as the tuner hands it). Its gaps are what Keras
    # itself costs between two models; the difference is autonas's own share.
    import tensorflow as tf

    from autonas.data import prepare_input, split_validation

    graph = clf.graph
    node, head = graph.inputs[0], graph.heads[0]
    images = prepare_input(x[:400], node, fit=True)
    targets = head.encode(y[:400])
    train_idx, val_idx = split_validation(len(images), 0.2, 0, targets)
    validation = tf.data.Dataset.from_tensor_slices((images[val_idx], targets[val_idx])).batch(32)
    stamp = TrainingStamps.callback()
    TrainingStamps.events.clear()
    for tid in order:
        keras.backend.clear_session()
        model = graph.build(clf.tuner_.oracle.get_trial(tid).hyperparameters.copy())
        model.fit(images[train_idx], targets[train_idx], validation_data=validation, epochs=1, batch_size=32,
                  verbose=0, callbacks=[stamp])
        del model
    events = TrainingStamps.events
    plain_gaps = [events[2 * i + 2][1] - events[2 * i + 1][1] for i in range(len(order) - 1)]
    report(f"Overhead: between models of a plain Keras loop (the same {len(order)} architectures)",
           "median gap (s)", float(np.median(plain_gaps)), sum(plain_gaps), "autonas median gap", float(np.median(gaps)),
           float(sum(gaps)), f"autonas - plain Keras, median of the pairs: "
           f"{float(np.median(np.subtract(gaps, plain_gaps))):+.2f}s; gaps {', '.join(f'{g:.2f}' for g in plain_gaps)}")



def main():
    with tempfile.TemporaryDirectory() as workdir:
        bench_overhead(workdir)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main())
