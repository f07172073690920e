"""The user's Keras callbacks, adapted to one run of a search (a trial or the refit).

Every trial and the refit get their own deep copy of the callbacks passed to
`fit` (KerasTuner's `_deepcopy_callbacks`). A `keras.callbacks.TensorBoard`
among them then writes to its own sub-folder, as KerasTuner does for its
tuners: ``<log_dir>/trial_<id>`` for a trial and ``<log_dir>/refit`` for the
refit, so TensorBoard shows one run per trial instead of every trial and the
refit appended to one curve.
"""

import os

import keras

__all__ = ["for_run"]


def for_run(callbacks, run_name):
    """Point the (copied) callbacks of one run at that run's folders.

    Args:
        callbacks: the run's own copies of the user's callbacks.
        run_name: ``"trial_<id>"`` or ``"refit"``.

    Returns:
        The same list, each `keras.callbacks.TensorBoard` writing under
        ``os.path.join(log_dir, run_name)``.

    Example:
        >>> tb = keras.callbacks.TensorBoard("logs")
        >>> for_run([tb], "trial_3")[0].log_dir == os.path.join("logs", "trial_3")
        True
    """
    for callback in callbacks:
        if isinstance(callback, keras.callbacks.TensorBoard):
            # `set_model`, called by `fit`, derives the train/validation folders from `log_dir`
            callback.log_dir = os.path.join(os.fspath(callback.log_dir), run_name)
    return callbacks
