"""Running one trial: the runner every executor calls, its callbacks, checkpoints and data pipelines.

- `autonas.trials.runner`: `TrialRunner` (build, seed, feasibility, train, checkpoint, record);
- `autonas.trials.callbacks`: best-epoch checkpoint, NaN stop, epoch timer, deadline;
- `autonas.trials.checkpoints`: the files of a trial folder;
- `autonas.trials.pipeline`: the `tf.data` pipelines trials train and validate on.

Example:
    >>> from autonas.trials import TrialRunner, TrialFailed
"""

from autonas.trials.checkpoints import (
    CHECKPOINT,
    PREDICTIONS,
    TRIAL_INFO,
    best_epoch_index,
    load_checkpoint,
    save_checkpoint,
)
from autonas.trials.runner import (
    DEFAULT_MAX_EPOCHS,
    DEFAULT_PATIENCE,
    TrialFailed,
    TrialRunner,
    check_feasible,
    measure,
    read_record,
    trial_seed,
    write_record,
)

__all__ = [
    "CHECKPOINT", "DEFAULT_MAX_EPOCHS", "DEFAULT_PATIENCE", "PREDICTIONS", "TRIAL_INFO", "TrialFailed", "TrialRunner",
    "best_epoch_index", "check_feasible", "load_checkpoint", "measure", "read_record", "save_checkpoint", "trial_seed",
    "write_record",
]
