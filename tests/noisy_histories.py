"""In-memory search histories over a small synthetic space, for the strategy tests under noise."""

from autonas.benchmarks.landscapes import Landscape, synthetic_table
from autonas.search import InMemoryHistory
from autonas.search.history import REPEAT_KEY
from autonas.search.space import SearchSpace


def history(results, max_trials):
    """An in-memory history over a 4 x 4 x 4 space, filled with ``(config, [measurements])``.

    A configuration's second and later measurements are its re-measurements (`REPEAT_KEY`).
    """
    bench = synthetic_table(Landscape("4x3", (4, 4, 4), seed=3))
    out = InMemoryHistory(SearchSpace(bench.hyperparameters), max_trials=max_trials)
    for config, measurements in results:
        for k, value in enumerate(measurements):
            values = dict(config, **({REPEAT_KEY: k} if k else {}))
            out.end(out.start(values), value)
    return out
