"""What the final model could be, scored on a dev split: the evidence behind its composition.

    python benchmarks/final_variants.py diabetes digits image_regression --seeds 0,1,2

For each task and seed, one default search of `benchmarks/tasks.py` runs on
the first 80% of the benchmark's TRAINING rows (its validation split drawn by
the seed from them), then several final models built from the same search are
scored on the last 20% of the training rows (the dev rows; the test rows are
never read):

- ``final``: the model `fit` returned (refits of the chosen members);
- ``checkpoints``: the same members' search checkpoints (trained on the
  training split only), with the same weights;
- ``final+checkpoints``: the average of the two (each refit beside its own
  checkpoint: an ensemble of two trainings of every member, no extra training);
- ``greedy checkpoints``: greedy ensemble selection over the best full trials'
  checkpoints on the validation predictions, no weight or gain thresholds;
- ``final+greedy``: the average of ``final`` and ``greedy checkpoints``;
- ``best checkpoint``: the best trial's checkpoint alone.

Since the final model itself holds the greedy checkpoints (`autonas.final_model.CHECKPOINT_SHARE`),
``final+checkpoints``, ``final+greedy`` and ``final+greedy>=0.08`` would count the checkpoints twice: they are
scored only when the final model holds none (``CHECKPOINT_SHARE = 0`` or ``ensemble_size=1``).

Each row prints the dev score of every variant (accuracy or RMSE) for one seed.
`--bags 1` adds ``refits only`` (the refitted members without the checkpoints);
`--bags N` also refits every refitted member N - 1 more times with other seeds.
Besides the tasks of `benchmarks/tasks.py`, kinds of data held out from every
decision: ``breast_cancer`` (sklearn, a table classifier), ``ett_table`` (ETTh1's
oil temperature from its six load columns, 2,000 rows, a table regressor) and
``mnist_small`` (the first 2,000 MNIST-t10k digits, an image classifier).
"""

import argparse
import json
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import SHARED, load_mnist, shuffled  # noqa: E402
from tasks import TASKS, Task, _accuracy, _dev_split, _rmse_of, _searched  # noqa: E402


# -- held-out kinds of data: never used for a decision before this check -------------------------------
def _breast_cancer_split():
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer(as_frame=True)
    order = shuffled(len(data.frame))
    x, y = data.data.iloc[order].reset_index(drop=True), data.target.to_numpy()[order]
    n = int(0.8 * len(x))
    return x[:n], y[:n], x[n:].reset_index(drop=True), y[n:]


def _ett_table_split():
    """ETTh1 as a table: oil temperature from the six load columns, 2,500 rows drawn from the first 12 months."""
    import pandas as pd

    if not (SHARED / "ett").exists():
        return None
    frame = pd.read_csv(next((SHARED / "ett").glob("*.csv")))
    rows = frame.iloc[:8640].iloc[shuffled(8640)[:2500]].reset_index(drop=True)
    x, y = rows[["HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL"]], rows["OT"].to_numpy(dtype="float32")
    return x[:2000], y[:2000], x[2000:].reset_index(drop=True), y[2000:]


def _mnist_small_split():
    if not (SHARED / "mnist-t10k").exists():
        return None
    x, y = load_mnist()
    return x[:2000], y[:2000], x[8000:8500], y[8000:8500]


HELD_OUT = {
    "breast_cancer": Task("StructuredDataClassifier breast cancer", "accuracy", True, _breast_cancer_split,
                          _searched("StructuredDataClassifier", "2m"), _accuracy, "", None),
    "ett_table": Task("StructuredDataRegressor ETTh1 OT from the loads", "RMSE", False, _ett_table_split,
                      _searched("StructuredDataRegressor", "2m"), _rmse_of, "", None),
    "mnist_small": Task("ImageClassifier 2,000 MNIST digits", "accuracy", True, _mnist_small_split,
                        _searched("ImageClassifier", "2m"), _accuracy, "", None),
}

#: checkpoints of the best full trials considered by the greedy variant
TOP = 8
_CAPTURED = {}


def _capture_validation_targets():
    """Keep the encoded validation targets `fit` hands to the member choice."""
    import autonas.auto_model as auto_model

    choose = auto_model.choose_members

    def wrapped(tuner, best, y_val, head, ensemble_size):
        _CAPTURED["y_val"] = np.asarray(y_val)
        return choose(tuner, best, y_val, head, ensemble_size)

    auto_model.choose_members = wrapped


def _raw(model, keras_model, x):
    saved = model.model_
    model.model_ = keras_model
    try:
        return np.asarray(model.predict_raw(x)[0], dtype="float64")
    finally:
        model.model_ = saved


def variants(model, x_dev):
    """``{variant: raw dev predictions}`` for one fitted task model."""
    from autonas import ensemble
    from autonas.final_model import MIN_WEIGHT, _candidates, head_kind

    tuner, head = model.tuner_, model.heads[0]
    final = _raw(model, model.model_, x_dev)
    candidates = _candidates(tuner, model.best_trial_)[:TOP]
    ckpt = {t.trial_id: _raw(model, tuner.load_trial_model(t), x_dev) for t, _ in candidates}
    members = model.ensemble_["members"]
    member_ckpt = sum(m["weight"] * ckpt.get(m["trial_id"], final) for m in members)
    holds_checkpoints = any(m.get("part") == "search checkpoints" for m in members)
    out = {"final": final, "checkpoints": member_ckpt, "best checkpoint": ckpt[model.best_trial_.trial_id]}
    if not holds_checkpoints:
        out["final+checkpoints"] = 0.5 * (final + member_ckpt)
    if len(candidates) >= 2:
        y_val = _CAPTURED.get("y_val")
        if y_val is not None:
            loss = ensemble.mean_squared_error if head_kind(head) == "regression" else ensemble.cross_entropy
            sel = ensemble.greedy_selection([p for _, p in candidates], y_val, loss=loss, size=25)
            greedy = ensemble.weighted_average([ckpt[t.trial_id] for t, _ in candidates], sel.weights)
            out["greedy checkpoints"] = greedy
            kept = {i: w for i, w in sel.weights.items() if w >= MIN_WEIGHT} or {sel.best_single: 1.0}
            if not holds_checkpoints:
                greedy_kept = ensemble.weighted_average([ckpt[t.trial_id] for t, _ in candidates], kept)
                out["final+greedy"] = 0.5 * (final + greedy)
                out["final+greedy>=0.08"] = 0.5 * (final + greedy_kept)
            out["members"] = len(sel.weights), len(kept)
    if _CAPTURED.get("bags"):
        out.update(_bagged(model, x_dev, _CAPTURED["bags"]))
    return out


def _bagged(model, x_dev, bags):
    """The final model with each refitted member refitted ``bags`` times (other seeds), averaged."""
    from autonas import data as data_module

    tuner, records, keras_model = model.tuner_, model.ensemble_["members"], model.model_
    x_all, y_all = _CAPTURED["train"]
    xs = model._keras_x(data_module.adapt_inputs(x_all, model.inputs, "x"))
    ys = model.heads[0].encode(data_module.adapt_targets(y_all, model.heads, "y")[0], "y")
    parts = [(r, _raw(model, keras_model.get_layer(f"member_{i}") if len(records) > 1 else keras_model, x_dev))
             for i, r in enumerate(records)]
    refits = [(r, p) for r, p in parts if r["source"] == "refit"]
    if not refits:
        return {}
    rest = sum(r["weight"] * p for r, p in parts if r["source"] != "refit")
    share = sum(r["weight"] for r, _ in refits)
    runs = [sum(r["weight"] * p for r, p in refits)]
    out = {"refits only": runs[0] / share}
    for bag in range(1, bags):
        run = 0.0
        for r, _ in refits:
            trial = tuner.oracle.get_trial(r["trial_id"])
            refit, _ = tuner.refit(trial, xs, ys, epochs=r["refit"]["epochs"], batch_size=32, verbose=0,
                                   member=50 + 10 * bag + len(runs))
            run = run + r["weight"] * _raw(model, refit, x_dev)
        runs.append(run)
        out[f"final, {bag + 1} refits per member"] = rest + sum(runs) / len(runs)
        out[f"refits only, {bag + 1} per member"] = sum(runs) / len(runs) / share
    return out


def score(task, model, raw, y):
    decoded = model.heads[0].decode(raw)
    if task.metric == "RMSE":
        return float(np.sqrt(np.mean((np.asarray(decoded, dtype="float64").reshape(-1) - y) ** 2)))
    return float(np.mean(np.asarray(decoded).reshape(-1) == np.asarray(y).reshape(-1)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tasks", nargs="+")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--json", help="append the records to this JSON-lines file")
    parser.add_argument("--bags", type=int, default=0, help="also refit every refitted member this many times")
    args = parser.parse_args(argv)
    _capture_validation_targets()
    for key in args.tasks:
        task = TASKS.get(key) or HELD_OUT[key]
        x_train, y_train, x_dev, y_dev = _dev_split(task.load())
        for seed in (int(s) for s in args.seeds.split(",")):
            _CAPTURED["bags"], _CAPTURED["train"] = args.bags, (x_train, y_train)
            with tempfile.TemporaryDirectory() as folder:
                model = task.fit(seed, x_train, y_train, folder)
                found = variants(model, x_dev)
                sizes = found.pop("members", None)
                scores = {name: score(task, model, raw, np.asarray(y_dev)) for name, raw in found.items()}
            members = ", ".join(f"{m['trial_id']}x{m['weight']:.2f}/{m['source']}" for m in model.ensemble_["members"])
            record = {"task": key, "seed": seed, "fit_s": model.fit_time_, "trials": len(model.tuner_.oracle.trials),
                      "members": members, "greedy_sizes": sizes, "scores": scores}
            print(json.dumps(record), flush=True)
            if args.json:
                with open(args.json, "a") as f:
                    f.write(json.dumps(record) + "\n")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.exit(main())
