"""The Keras callback that feeds the progress display once per epoch."""

import keras

__all__ = ["EpochProgress"]


class EpochProgress(keras.callbacks.Callback):
    """Passes every finished epoch (number, planned epochs, logs) to a display.

    It has epoch hooks only and is marked ``async_safe``: on backends whose
    trainer dispatches callbacks off the training thread it never makes a
    step wait.

    Args:
        on_epoch_end: a callable ``(epoch, epochs, logs)``; `epoch` counts
            from 1 (``initial_epoch`` included), `epochs` is the planned last
            epoch, `logs` Keras's dict of metric values.

    Example:
        >>> callback = EpochProgress(lambda epoch, epochs, logs: print(epoch, epochs))
        >>> model.fit(x, y, epochs=3, callbacks=[callback])  # doctest: +SKIP
        1 3
        2 3
        3 3
    """

    async_safe = True

    def __init__(self, on_epoch_end):
        super().__init__()
        self._on_epoch_end = on_epoch_end

    def on_epoch_end(self, epoch, logs=None):
        epochs = (self.params or {}).get("epochs")
        self._on_epoch_end(epoch + 1, epochs, dict(logs or {}))
