"""The whole TextClassifier search on dev splits of the training rows, beside the classical model of the same run.

The data are those of `text_nb.py` (``sms``, ``sms-small``, ``sms-docs``: built
from the TRAINING rows of benchmarks/tasks.py only; its test rows are never read).
For each seed, `TextClassifier(max_time=...)` searches with that seed (which draws
its validation split) on the texts to learn from, as `tasks.py` does, and is scored
on the dev texts; the classical model of `tasks.py` (TF-IDF word 1-2 and
character 2-5 grams, LinearSVC) is trained on the same texts in the same run.

    python benchmarks/text_search.py --data sms-docs --seeds 0,1,2 --max-time 5m

Skips (exit code 0, with a message) when ../shared/data/sms-spam is absent.
"""

import argparse
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tasks import _describe, _tfidf_svm  # noqa: E402
from text_nb import datasets  # noqa: E402


def main(argv=None):
    import autonas

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", nargs="+", default=["sms-docs"])
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--max-time", default="5m")
    args = p.parse_args(argv)
    data = datasets()
    if data is None:
        print("SKIPPED: ../shared/data/sms-spam is absent")
        return 0
    for name in args.data:
        x, y, x_dev, y_dev = data[name]
        values, bases, times = [], [], []
        for seed in [int(s) for s in args.seeds.split(",")]:
            with tempfile.TemporaryDirectory() as folder:
                clf = autonas.TextClassifier(max_trials=500, max_time=args.max_time, seed=seed, directory=folder,
                                             project_name=f"text_{seed}", overwrite=True)
                began = time.time()
                clf.fit(x, y, verbose=0)
                times.append(time.time() - began)
                values.append(float(np.mean(np.asarray(clf.predict(x_dev)).reshape(-1) == y_dev)))
                bases.append(_tfidf_svm(seed, x, y, x_dev, y_dev))
                run = _describe(clf)
            print(f"  {name} seed {seed}: dev accuracy {values[-1]:.4f} in {times[-1]:.0f}s (classical "
                  f"{bases[-1]:.4f}); {run['trials']} trials ({run['full_trials']} full); final: {run['members']}",
                  flush=True)
        v, b = np.array(values), np.array(bases)
        print(f"| {name} ({len(x)} / {len(x_dev)}), max_time={args.max_time} | {v.mean():.4f} ± {v.std():.4f} "
              f"({' / '.join(f'{a:.4f}' for a in v)}) | {np.mean(times):.0f}s (max {np.max(times):.0f}s) | "
              f"{b.mean():.4f} ± {b.std():.4f} |", flush=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.exit(main())
