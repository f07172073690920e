"""How `AutoModel` reads the data of a fit: arguments checked, data read and split, Keras's forms (`FitDataMixin`)."""

from autonas import data as data_module
from autonas.data import streaming
from autonas.data.splits import ArraySplits
from autonas.reporting import decisions
from autonas.utils.validation import check_float, check_int, is_default

__all__ = ["FitDataMixin"]


class FitDataMixin:
    """Checks `fit`'s arguments, reads and splits its data, and puts arrays in the forms Keras takes.

    Reads ``inputs``, ``heads`` and ``seed`` of `AutoModel`. Task classes with their own data
    forms override `_fit_splits` (`TimeSeriesForecaster`: windows of one series).

    Example:
        >>> data = clf._fit_splits(x, y, 0.2, None, None)  # doctest: +SKIP
        >>> data.num_train, data.num_val                    # doctest: +SKIP
        (1120, 280)
    """

    def _check_fit_args(self, epochs, batch_size, validation_split, validation_data, callbacks, verbose):
        check_int(epochs, "epochs", minimum=1, allow_none=True)
        check_int(batch_size, "batch_size", minimum=1, allow_none=True)
        if validation_data is None:
            check_float(validation_split, "validation_split", minimum=0, maximum=1, inclusive=False,
                        expected="a fraction strictly between 0 and 1 when no `validation_data` is given")
        elif not is_default(validation_split) and validation_split not in (None, 0, 0.0):
            raise ValueError(
                f"Pass either `validation_split` (received {validation_split!r}) or `validation_data`, not both."
            )
        if callbacks is not None and not isinstance(callbacks, (list, tuple)):
            raise TypeError(f"`callbacks` must be a list of keras.callbacks.Callback; received {type(callbacks).__name__}.")
        if verbose not in (0, 1, 2, "auto"):
            raise ValueError(f"`verbose` must be 0, 1 or 2; received {verbose!r}.")

    def _fit_splits(self, x, y, validation_split, validation_data, sample_weight):
        """The training and validation data of a fit: a streamed `StreamSplits` or in-memory `ArraySplits`.

        Task classes with their own data forms (`TimeSeriesForecaster`: windows of one series) override it.
        """
        data = streaming.open_stream(x, y, validation_data, validation_split, self.inputs, self.heads,
                                     self.seed or 0, sample_weight)
        if data is None:
            return self._array_splits(x, y, validation_split, validation_data, sample_weight)
        decisions.decision("Streaming the tf.data.Dataset: %d training and %d validation examples; "
                           "preprocessing adapted on the first %d.", data.num_train, data.num_val,
                           len(data.sample_x[0]))
        return data

    def _training_labels(self, data, rows):
        """The encoded labels of an input's training rows (one classification head), or None.

        The rows are the training split, or a stream's first `rows` training examples.
        """
        if len(self.heads) != 1 or not hasattr(self.heads[0], "encoder"):
            return None
        labels = data.encoded_train_targets()[0]
        return labels[:rows] if len(labels) >= rows else None

    def _array_splits(self, x, y, validation_split, validation_data, sample_weight):
        """Training and validation data read into memory and validated (`autonas.data.splits.ArraySplits`)."""
        x, y = self._load(x, y)
        xs = data_module.adapt_inputs(x, self.inputs, "x", fit=True)
        ys = data_module.adapt_targets(y, self.heads, "y")
        data_module.check_lengths([xs[0]] + ys, ["x"] + ["y"] * len(ys))
        n = len(xs[0])
        sw = None
        if sample_weight is not None:
            sw = data_module.to_array(sample_weight, "sample_weight").astype("float32")
            data_module.check_lengths([xs[0], sw], ["x", "sample_weight"])
        if validation_data is not None:
            xv_raw, yv_raw = _unpack_validation(validation_data)
            xv_raw, yv_raw = self._load(xv_raw, yv_raw, "validation_data[0]", "validation_data[1]")
            xv = data_module.adapt_inputs(xv_raw, self.inputs, "validation_data[0]")
            yv = data_module.adapt_targets(yv_raw, self.heads, "validation_data[1]")
            data_module.check_lengths([xv[0]] + yv, ["validation_data[0]"] + ["validation_data[1]"] * len(yv))
            for node, xt, xvv in zip(self.inputs, xs, xv):
                if xvv.dtype.kind in "biuf" and xt.shape[1:] != xvv.shape[1:]:
                    raise ValueError(
                        f"`validation_data[0]` has examples of shape {xvv.shape[1:]} but `x` has {xt.shape[1:]}."
                    )
            # the classes are learnt from the training labels only: a validation label never seen in
            # training is reported by the encoder, naming `validation_data[1]`
            return ArraySplits(xs, ys, xv, yv, sw, None, self.heads, "validation_data[1]", y_fit=ys)
        for head, target in zip(self.heads, ys):
            head.fit_targets(target, "y")  # the stratified split needs the classes
        stratify = None
        if hasattr(self.heads[0], "encoder") and self.heads[0].encoder.label_format == "labels":
            stratify = self.heads[0].encode(ys[0], "y")
        train_idx, val_idx = data_module.split_validation(n, validation_split, self.seed or 0, stratify)
        return ArraySplits([a[train_idx] for a in xs], [a[train_idx] for a in ys],
                           [a[val_idx] for a in xs], [a[val_idx] for a in ys],
                           sw[train_idx] if sw is not None else None, sw[val_idx] if sw is not None else None,
                           self.heads, "y", y_fit=ys)

    # -- Keras data forms ------------------------------------------------------
    def _load(self, x, y=None, arg_name="x", target_arg_name="y"):
        """Paths, folders and tf.data read into memory (see `autonas.data.load_data`)."""
        kind = self.inputs[0].kind if len(self.inputs) == 1 else None
        return data_module.load_data(x, y, kind=kind, arg_name=arg_name, target_arg_name=target_arg_name)

    def _keras_x(self, arrays):
        if len(self.inputs) == 1:
            return self.inputs[0].keras_data(arrays[0])
        flat = {}
        for node, arr in zip(self.inputs, arrays):
            data = node.keras_data(arr)
            flat.update(data if isinstance(data, dict) else {node.name: data})
        return flat

    def _keras_y(self, arrays):
        if len(self.heads) == 1:
            return arrays[0]
        return {head.name: arr for head, arr in zip(self.heads, arrays)}


def _unpack_validation(validation_data):
    if data_module.forms.is_dataset(validation_data):  # a tf.data.Dataset of (x, y): read like `x`
        return validation_data, None
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
        raise ValueError(
            "`validation_data` must be a tuple (x_val, y_val) or a tf.data.Dataset of (x, y); received "
            f"{type(validation_data).__name__}"
            + (f" of length {len(validation_data)}" if hasattr(validation_data, "__len__") else "") + "."
        )
    return validation_data
