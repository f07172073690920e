"""Training and validation data held in memory, as `AutoModel.fit` hands them to the tuner.

`ArraySplits` and `autonas.data.streaming.StreamSplits` have the same
interface, so `fit` runs the same steps on arrays and on a streamed
`tf.data.Dataset`: ``sample_x`` adapts the inputs' preprocessing, ``y_fit``
fits the heads' targets, `search_sets` feeds the trials and `refit_set` the
refit.
"""

import numpy as np

__all__ = ["ArraySplits"]


class ArraySplits:
    """In-memory training and validation arrays (one per input / head).

    Args:
        x_train, y_train, x_val, y_val: lists of arrays, one per input / head.
        sw_train: training sample weights or None.
        sw_val: validation sample weights or None (ones when only the training
            data has weights).
        heads: the graph's heads (fitted on `y_fit` before `search_sets`).
        val_arg: the argument name of validation targets in error messages.

    Attributes:
        sample_x: the training inputs (they adapt the preprocessing).
        y_fit: every target given to `fit` (the classes are learnt from all).
        num_train, num_val: numbers of examples.

    Example:
        >>> splits = ArraySplits([x_tr], [y_tr], [x_va], [y_va], None, None, heads, "y")  # doctest: +SKIP
    """

    def __init__(self, x_train, y_train, x_val, y_val, sw_train, sw_val, heads, val_arg, y_fit=None):
        self.x_train, self.y_train, self.x_val, self.y_val = x_train, y_train, x_val, y_val
        self.sw_train, self._sw_val = sw_train, sw_val
        self._heads, self._val_arg = heads, val_arg
        self.sample_x = x_train
        self.y_fit = y_fit if y_fit is not None else [np.concatenate([a, b]) for a, b in zip(y_train, y_val)]
        self.num_train, self.num_val = len(x_train[0]), len(x_val[0])
        self._enc_train = self._enc_val = None

    def encoded_train_targets(self):
        """Per head, the training targets encoded as Keras sees them."""
        if self._enc_train is None:
            self._enc_train = [h.encode(t, "y") for h, t in zip(self._heads, self.y_train)]
        return self._enc_train

    def encoded_validation_targets(self):
        """Per head, the validation targets encoded as Keras sees them (ensemble selection scores on them)."""
        return self._encoded_val()

    def _encoded_val(self):
        if self._enc_val is None:
            self._enc_val = [h.encode(t, self._val_arg) for h, t in zip(self._heads, self.y_val)]
        return self._enc_val

    def search_sets(self, keras_x, keras_y):
        """``((x, y), (x_val, y_val))`` in Keras form for `Tuner.search`.

        Args:
            keras_x: turns per-input arrays into the model's inputs.
            keras_y: turns per-head encoded targets into the model's targets.
        """
        return ((keras_x(self.x_train), keras_y(self.encoded_train_targets())),
                (keras_x(self.x_val), keras_y(self._encoded_val())))

    def refit_set(self, keras_x, keras_y):
        """``(x, y, sample_weight)`` over training and validation data for `Tuner.refit`."""
        x_all = [np.concatenate([a, b]) for a, b in zip(self.x_train, self.x_val)]
        y_all = [np.concatenate([a, b]) for a, b in zip(self.encoded_train_targets(), self._encoded_val())]
        sw_all = None
        if self.sw_train is not None:
            sw_val = self._sw_val if self._sw_val is not None else np.ones(self.num_val, "float32")
            sw_all = np.concatenate([self.sw_train, sw_val])
        return keras_x(x_all), keras_y(y_all), sw_all
