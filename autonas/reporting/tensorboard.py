"""TensorBoard logging of a search: per-trial scalars and the HParams dashboard.

Layout under the log directory::

    <log_dir>/                     the HParams experiment (search space, metrics)
    <log_dir>/trial_<id>/          that trial's hyperparameters and final ``score``
    <log_dir>/trial_<id>/train/    per-epoch training scalars (``epoch_loss``, ...)
    <log_dir>/trial_<id>/validation/  per-epoch validation scalars

Open it with ``tensorboard --logdir <log_dir>``: the Scalars tab compares the
trials' learning curves, the HParams tab their hyperparameters and scores.
TensorFlow and TensorBoard are imported only when a search logs.
"""

import math
import os

import keras

__all__ = ["TensorBoardLogger", "resolve_log_dir"]

#: the folder under the project directory used by ``tensorboard=True``.
DEFAULT_SUBDIR = "tensorboard"
#: scalar tag of a trial's score (the objective at its best epoch).
SCORE_TAG = "score"


def resolve_log_dir(tensorboard, project_dir):
    """The TensorBoard log directory chosen by an AutoModel's `tensorboard` argument.

    Args:
        tensorboard: ``None`` or ``False`` (no logging), ``True`` (a
            ``tensorboard`` folder inside the project directory) or a path.
        project_dir: the search's project directory.

    Returns:
        A path string, or None when nothing is logged.

    Raises:
        TypeError: when `tensorboard` is neither a bool, None nor a path.

    Example:
        >>> resolve_log_dir(True, "runs/digits")
        'runs/digits/tensorboard'
        >>> resolve_log_dir("logs/tb", "runs/digits")
        'logs/tb'
    """
    check_tensorboard_arg(tensorboard)
    if tensorboard is None or tensorboard is False:
        return None
    if tensorboard is True:
        return os.path.join(os.fspath(project_dir), DEFAULT_SUBDIR)
    return os.fspath(tensorboard)


def check_tensorboard_arg(tensorboard):
    """Validate the `tensorboard` argument of an AutoModel.

    Args:
        tensorboard: the value received.

    Returns:
        The value, unchanged.

    Raises:
        TypeError: when it is not None, a bool, a string or a path-like object.
        ValueError: when it is an empty string.
        ImportError: when logging is asked for and the tensorboard package is
            missing (``pip install 'autonas[tensorboard]'``).

    Example:
        >>> check_tensorboard_arg(True)
        True
    """
    if tensorboard is None or tensorboard is False:
        return tensorboard
    if isinstance(tensorboard, (str, os.PathLike)) and not os.fspath(tensorboard):
        raise ValueError("`tensorboard` must be True, False or a log directory; received an empty string.")
    if tensorboard is True or isinstance(tensorboard, (str, os.PathLike)):
        _require_tensorboard()
        return tensorboard
    raise TypeError(
        f"`tensorboard` must be True, False or a log directory (str or path); received "
        f"{type(tensorboard).__name__}."
    )


def _require_tensorboard():
    """The HParams dashboard needs the tensorboard package, an optional extra."""
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        raise ImportError("`tensorboard=True` (or a log directory) needs the tensorboard package, an optional "
                          "extra: pip install 'autonas[tensorboard]' (or pip install tensorboard).") from None


class TensorBoardLogger:
    """Writes a search to TensorBoard: one run folder per trial plus the HParams experiment.

    A `Tuner` created with ``tensorboard=log_dir`` makes one of these and asks it
    for the callbacks of every trial.

    Args:
        log_dir: the root log directory.

    Example:
        >>> logger = TensorBoardLogger("runs/digits/tensorboard")        # doctest: +SKIP
        >>> callbacks = logger.trial_callbacks(tuner, trial)             # doctest: +SKIP
    """

    def __init__(self, log_dir):
        self.log_dir = os.fspath(log_dir)
        self._experiment_written = False

    def trial_dir(self, trial_id):
        """The run folder of one trial.

        Args:
            trial_id: the trial's id.

        Returns:
            ``<log_dir>/trial_<id>``.
        """
        return os.path.join(self.log_dir, f"trial_{trial_id}")

    def trial_callbacks(self, tuner, trial):
        """The Keras callbacks that log one trial.

        Writes the HParams experiment (the search space and the metrics) to the
        root folder the first time it is called.

        Args:
            tuner: the running `autonas.tuner.Tuner`.
            trial: the `keras_tuner` trial about to be trained.

        Returns:
            A list of two callbacks: a `keras.callbacks.TensorBoard` writing the
            per-epoch scalars and one writing the trial's hyperparameters and score.
        """
        objective = tuner.oracle.objective
        if not self._experiment_written:
            self._write_experiment(tuner.oracle.get_space(), objective)
            self._experiment_written = True
        run_dir = self.trial_dir(trial.trial_id)
        return [
            keras.callbacks.TensorBoard(log_dir=run_dir, write_graph=False),
            _HParamsCallback(run_dir, _hparam_values(trial.hyperparameters), trial.trial_id, objective),
        ]

    def _write_experiment(self, space, objective):
        import tensorflow as tf
        from tensorboard.plugins.hparams import api as hp_api

        hparams = [h for h in (_hparam(hp, hp_api) for hp in space.space) if h is not None]
        metrics = [hp_api.Metric(SCORE_TAG, display_name=f"score ({objective.name}, best epoch)")]
        tag = _epoch_tag(objective.name)
        metrics.append(hp_api.Metric(tag, group="validation" if objective.name.startswith("val_") else "train",
                                     display_name=f"{objective.name} (last epoch)"))
        if tag != "epoch_loss":
            metrics.append(hp_api.Metric("epoch_loss", group="validation", display_name="val_loss (last epoch)"))
        metrics.append(hp_api.Metric("epoch_loss", group="train", display_name="loss (last epoch)"))
        writer = tf.summary.create_file_writer(self.log_dir)
        with writer.as_default():
            hp_api.hparams_config(hparams=hparams, metrics=metrics)
        writer.close()


class _HParamsCallback(keras.callbacks.Callback):
    """Writes a trial's hyperparameters when training starts and its score when it ends."""

    def __init__(self, run_dir, values, trial_id, objective):
        super().__init__()
        self.run_dir = run_dir
        self.values = values
        self.trial_id = str(trial_id)
        self.objective = objective
        self.best = None

    def on_train_begin(self, logs=None):
        import tensorflow as tf
        from tensorboard.plugins.hparams import api as hp_api

        self._writer = tf.summary.create_file_writer(self.run_dir)
        with self._writer.as_default():
            hp_api.hparams(self.values, trial_id=self.trial_id)
        self._writer.flush()

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.objective.name)
        if value is None or not math.isfinite(value):
            return
        if self.best is None or self.objective.better_than(value, self.best):
            self.best = float(value)

    def on_train_end(self, logs=None):
        import tensorflow as tf

        with self._writer.as_default():
            if self.best is not None:
                tf.summary.scalar(SCORE_TAG, self.best, step=0)
        self._writer.close()


def _epoch_tag(metric_name):
    """Tag that `keras.callbacks.TensorBoard` gives a metric: ``val_accuracy`` -> ``epoch_accuracy``."""
    name = metric_name[len("val_"):] if metric_name.startswith("val_") else metric_name
    return f"epoch_{name}"


def _hparam_values(hyperparameters):
    """Trial values TensorBoard accepts (bool, int, float, str), without KerasTuner bookkeeping."""
    values = {}
    for name, value in hyperparameters.values.items():
        if name.startswith("tuner/"):
            continue
        if isinstance(value, (bool, int, float, str)):
            values[name] = value
        elif value is not None:
            values[name] = str(value)
    return values


def _hparam(hp, hp_api):
    """A TensorBoard `HParam` with the domain of a KerasTuner hyperparameter."""
    import keras_tuner

    hps = keras_tuner.engine.hyperparameters
    if hp.name.startswith("tuner/"):
        return None
    domain = None
    if isinstance(hp, hps.Choice):
        domain = hp_api.Discrete(list(hp.values))
    elif isinstance(hp, hps.Boolean):
        domain = hp_api.Discrete([False, True])
    elif isinstance(hp, hps.Int):
        domain = hp_api.IntInterval(int(hp.min_value), int(hp.max_value))
    elif isinstance(hp, hps.Float):
        domain = hp_api.RealInterval(float(hp.min_value), float(hp.max_value))
    elif isinstance(hp, hps.Fixed) and isinstance(hp.value, (bool, int, float, str)):
        domain = hp_api.Discrete([hp.value])
    return hp_api.HParam(hp.name, domain)
