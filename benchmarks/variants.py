"""Fixed configurations scored on a dev split: the evidence behind the warm starts.

    python benchmarks/variants.py                       # titanic and diabetes, seeds 0-2
    python benchmarks/variants.py --data sms --seeds 0  # the text variants
    python benchmarks/variants.py --data diabetes --variants linear "defaults (2x128)"

Each configuration of the task's class (`StructuredDataClassifier`,
`StructuredDataRegressor`, `TextClassifier`) is trained as a one-trial
search (its validation split drawn by the seed; early stopping decides the
epochs; then the refit on all rows given), on the first 80% of the
benchmark's TRAINING rows; the last 20% of the training rows are the dev rows
it is scored on. The test rows of benchmarks/tasks.py are never read here.
"""

import argparse
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tasks import TASKS, _dev_split  # noqa: E402

B = "structured_data_block"
T = "text_block"
TEXT_VARIANTS = {
    "n-grams + char 1-4, 2x128, dropout 0.5": {f"{T}/char_ngrams": 4, f"{T}/ngram/dropout": 0.5},
    "n-grams + char 1-4, 20,000 tokens, dropout 0.5": {f"{T}/char_ngrams": 4, f"{T}/ngram/dropout": 0.5,
                                                        f"{T}/max_tokens": 20000},
    "n-grams + char 1-4, linear": {f"{T}/char_ngrams": 4, f"{T}/ngram/num_layers": 0},
    "n-grams + char 1-5, linear, 20,000 tokens": {f"{T}/char_ngrams": 5, f"{T}/ngram/num_layers": 0,
                                                   f"{T}/max_tokens": 20000},
    "n-grams + char 1-4, 1x256, dropout 0.5": {f"{T}/char_ngrams": 4, f"{T}/ngram/num_layers": 1,
                                                f"{T}/ngram/num_units": 256, f"{T}/ngram/dropout": 0.5},
    "words 1-2, 2x128": {},
}
TABLE_VARIANTS = {
    "defaults (2x128)": {},
    "2x32, dropout 0.25": {f"{B}/num_units": 32, f"{B}/dropout": 0.25},
    "2x64, dropout 0.25": {f"{B}/num_units": 64, f"{B}/dropout": 0.25},
    "linear": {f"{B}/num_layers": 0},
    "piecewise-linear, 2x64, dropout 0.25": {f"{B}/numeric_encoding": "piecewise_linear", f"{B}/num_units": 64,
                                             f"{B}/dropout": 0.25},
    "periodic, 2x64, dropout 0.25": {f"{B}/numeric_encoding": "periodic", f"{B}/num_units": 64,
                                     f"{B}/dropout": 0.25},
    "piecewise-linear, 1x128, dropout 0.5": {f"{B}/numeric_encoding": "piecewise_linear", f"{B}/num_layers": 1,
                                             f"{B}/num_units": 128, f"{B}/dropout": 0.5},
    "2x64, dropout 0.25, adamw": {f"{B}/num_units": 64, f"{B}/dropout": 0.25, "optimizer": "adamw"},
    "piecewise-linear, linear": {f"{B}/numeric_encoding": "piecewise_linear", f"{B}/num_layers": 0},
}


def main(argv=None):
    import autonas

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", nargs="+", default=["titanic", "diabetes"])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--variants", nargs="*", help="names of the variants to run (default: all)")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    for data in args.data:
        variants = TEXT_VARIANTS if data == "sms" else TABLE_VARIANTS
        names = args.variants or list(variants)
        task = TASKS[data]
        split = task.load()
        if split is None:
            print(f"{data}: data absent, skipped")
            continue
        x_train, y_train, x_dev, y_dev = _dev_split(split)
        regression = not task.higher_is_better
        print(f"\n{data}: {len(y_train)} training rows, {len(y_dev)} dev rows; dev {task.metric}")
        print("| configuration | mean ± std | per seed |")
        print("|---|---|---|")
        for name in names:
            values = []
            for seed in seeds:
                cls = autonas.StructuredDataRegressor if regression else autonas.StructuredDataClassifier
                if data == "sms":
                    cls = autonas.TextClassifier
                with tempfile.TemporaryDirectory() as folder:
                    model = cls(max_trials=1, seed=seed, directory=folder, overwrite=True,
                                initial_hps=[variants[name]])
                    model.fit(x_train, y_train, verbose=0)
                    values.append(task.score(model, x_dev, y_dev))
            values = np.array(values)
            print(f"| {name} | {values.mean():.4f} ± {values.std():.4f} | "
                  f"{' / '.join(f'{v:.4f}' for v in values)} |", flush=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.exit(main())
