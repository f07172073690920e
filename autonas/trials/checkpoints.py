"""What a trial leaves in its folder: best-epoch weights, its record, its validation predictions.

A trial folder holds

- ``checkpoint.weights.npz``: the best epoch's weights (`save_checkpoint`);
- ``autonas_trial.json``: what autonas records about the trial (`TRIAL_INFO`);
- ``val_predictions.npy``: a full-fidelity trial's best-epoch predictions on the
  validation data, for ensembles (`PREDICTIONS`).

The same three files travel through Ray's storage when a search runs on Ray
(`autonas.executors.ray_tune`), so a trial folder reads the same wherever its
trial ran.
"""

import logging
import math
import os
import zipfile

import numpy as np

from autonas.utils.io import atomic_write

logger = logging.getLogger("autonas")

#: a trial's best-epoch weights, in its directory: `numpy.savez` of `model.get_weights()`.
CHECKPOINT = "checkpoint.weights.npz"
#: the Keras weights file that KerasTuner, and autonas before `.npz` checkpoints, kept per trial.
LEGACY_CHECKPOINT = "checkpoint.weights.h5"
#: what autonas records about a trial (params, duration, best epoch, ...).
TRIAL_INFO = "autonas_trial.json"
#: a full-fidelity trial's predictions on the validation data (best epoch), for ensembles.
PREDICTIONS = "val_predictions.npy"


def save_checkpoint(weights, path):
    """Write a list of weight arrays (`model.get_weights()` order) atomically to `path`.

    A `.npz` archive of plain arrays: written in milliseconds (Keras's
    `save_weights` walks the model and writes HDF5, a tenth of a second or
    more per trial) and read back without unpickling anything.

    Args:
        weights: a list of NumPy arrays.
        path: the file to write.

    Returns:
        None.

    Example:
        >>> save_checkpoint(model.get_weights(), "trial_0/checkpoint.weights.npz")  # doctest: +SKIP
    """
    atomic_write(path, lambda f: np.savez(f, *weights))


def load_checkpoint(model, path):
    """Set `model`'s weights from a `save_checkpoint` file, checking that they fit it.

    A trial directory written before `.npz` checkpoints holds Keras's
    ``checkpoint.weights.h5`` instead; that file is read when `path` is absent.

    Args:
        model: a built `keras.Model` of the trial's configuration.
        path: the checkpoint file.

    Returns:
        None.

    Example:
        >>> load_checkpoint(model, "trial_0/checkpoint.weights.npz")  # doctest: +SKIP
    """
    legacy = os.path.join(os.path.dirname(path), LEGACY_CHECKPOINT)
    if not os.path.exists(path) and os.path.exists(legacy):
        try:
            model.load_weights(legacy)
        except (OSError, ValueError) as e:
            raise ValueError(f"The trial checkpoint {legacy!r} could not be read into this model "
                             f"({type(e).__name__}: {e}).") from e
        return
    try:
        with np.load(path, allow_pickle=False) as data:
            weights = [data[f"arr_{i}"] for i in range(len(data.files))]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(f"The trial checkpoint {path!r} could not be read ({type(e).__name__}: {e}).") from e
    expected = [tuple(w.shape) for w in model.weights]
    if [tuple(w.shape) for w in weights] != expected:
        raise ValueError(
            f"The trial checkpoint {path!r} holds {len(weights)} arrays that do not fit this model's "
            f"{len(expected)} weights; was it written for another configuration?"
        )
    model.set_weights(weights)
    _restore_given_weights(model)


def _restore_given_weights(model):
    """Layers whose weights were given at build rather than learnt (``restore_given_weights``) take them back.

    A closed-form map (`autonas.layers.forecasting.GivenMap`) built from newer
    solutions than the checkpoint's keeps them: the checkpoint holds learnt weights.
    """
    stack = [model]
    while stack:
        layer = stack.pop()
        stack.extend(getattr(layer, "layers", None) or [])
        restore = getattr(layer, "restore_given_weights", None)
        if callable(restore):
            restore()


def best_epoch_index(values, objective):
    """Index of the best finite value of an objective's per-epoch history.

    Ties go to the later epoch: when a saturating metric such as accuracy stays
    at its best, the model trained longer usually generalises better.

    Args:
        values: the objective's value per epoch.
        objective: a `keras_tuner.Objective`.

    Returns:
        An int (0 when no value is finite).

    Example:
        >>> import keras_tuner
        >>> best_epoch_index([0.5, 0.7, 0.7, 0.6], keras_tuner.Objective("val_accuracy", "max"))
        2
    """
    best = None
    for i, value in enumerate(values):
        if value is None or not math.isfinite(value):
            continue
        if best is None or not objective.better_than(values[best], value):
            best = i
    return 0 if best is None else best


def save_validation_predictions(trial_dir, model, weights, validation):
    """Write the best epoch's predictions on the validation data (single-output models only).

    Args:
        trial_dir: the trial folder.
        model: the trained model (its weights are set to `weights`).
        weights: the best epoch's weights, or None (nothing is written).
        validation: the validation data as the trial saw it (arrays or a dataset).

    Returns:
        None.
    """
    if validation is None or len(model.outputs) != 1 or weights is None:
        return
    from autonas._compat import keras as keras_compat  # Keras is imported only when a model is at hand

    model.set_weights(weights)
    data = validation[0] if isinstance(validation, tuple) else validation
    predictions = np.asarray(keras_compat.predict(model, data, verbose=0), dtype="float32")
    atomic_write(os.path.join(trial_dir, PREDICTIONS), lambda f: np.save(f, predictions))


def read_validation_predictions(trial_dir, trial_id=None):
    """A trial's saved validation predictions, or None when none were saved or they cannot be read.

    Args:
        trial_dir: the trial folder.
        trial_id: the trial's id, for the warning.

    Returns:
        A NumPy array (rows x outputs) or None.
    """
    path = os.path.join(trial_dir, PREDICTIONS)
    if not os.path.exists(path):
        return None
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        logger.warning("The validation predictions of trial %s could not be read (%s); it is left out "
                       "of the ensemble.", trial_id, e)
        return None
