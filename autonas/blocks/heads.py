"""Heads: the output layers of a graph, with their loss, metrics and target encoding."""

import keras
import numpy as np

from autonas.blocks.base import Block, choice
from autonas.blocks.reduction import reduce_tensor
from autonas.blocks.text_solver import is_fitted_logits
from autonas.data.targets import LabelEncoder


class Head(Block):
    """Base class of heads. A head owns its targets: analysis, encoding, decoding.

    Args:
        loss: a Keras loss name or object; chosen from the targets when None.
        metrics: Keras metrics; chosen from the task when None.
        name: block name; also the name of the Keras model output.
    """

    #: heads take feature tensors; raw text and tables need a TextBlock / StructuredDataBlock first.
    input_kinds = ("tensor", "image", "sequence")

    def __init__(self, loss=None, metrics=None, name=None):
        super().__init__(name=name)
        self.loss = loss
        self.metrics = metrics

    def output_kind(self, nodes):
        return "output"

    def fit_targets(self, y, arg_name="y"):
        """Analyse training targets; returns them encoded for Keras."""
        raise NotImplementedError

    def encode(self, y, arg_name="y"):
        """Encode targets (after `fit_targets`) for Keras."""
        raise NotImplementedError

    def decode(self, predictions):
        """Turn raw model outputs into user-facing predictions."""
        return predictions

    def get_loss(self):
        raise NotImplementedError

    def get_metrics(self):
        raise NotImplementedError

    @property
    def default_objective(self):
        """The objective a search on this head optimises by default."""
        raise NotImplementedError

    def _flatten(self, x):
        return reduce_tensor(x, "flatten") if len(x.shape) > 2 else x

    def get_config(self):
        config = super().get_config()
        config.update(loss=self.loss, metrics=self.metrics)
        return config


class ClassificationHead(Head):
    """Classification output: binary, multi-class or multi-label.

    Infers the number of classes and the label format (ints, strings, bools,
    one-hot, multi-label 0/1) from the training labels, and decodes predictions
    back to labels of the same kind.

    Args:
        num_classes: expected number of classes; checked against the data.
        multi_label: several independent labels per example (sigmoid outputs).
        loss: Keras loss; cross-entropy matching the label format when None.
        metrics: Keras metrics; ``["accuracy"]`` when None.
        dropout: dropout before the output layer; searched over {0, 0.25, 0.5}.
        name: block name and Keras output name (default ``"classification_head"``).

    Example:
        >>> out = ClassificationHead()(DenseBlock()(autonas.Input()))  # doctest: +SKIP
    """

    def __init__(self, num_classes=None, multi_label=False, loss=None, metrics=None, dropout=None, name=None):
        super().__init__(loss=loss, metrics=metrics, name=name)
        if num_classes is not None and (not isinstance(num_classes, (int, np.integer)) or num_classes < 2):
            raise ValueError(f"`num_classes` must be an integer >= 2; received {num_classes!r}.")
        self.num_classes = num_classes
        self.multi_label = multi_label
        self.dropout = dropout
        self.encoder = LabelEncoder(multi_label=multi_label)

    @property
    def binary(self):
        return self.encoder.num_classes == 2 and not self.encoder.multi_label

    def fit_targets(self, y, arg_name="y"):
        self.encoder = LabelEncoder(multi_label=self.multi_label).fit(y, arg_name)
        if self.num_classes is not None and self.encoder.num_classes != self.num_classes:
            raise ValueError(
                f"`num_classes` is {self.num_classes} but `{arg_name}` contains "
                f"{self.encoder.num_classes} classes: {self.encoder.classes_.tolist()[:20]}."
            )
        return self.encode(y, arg_name)

    def encode(self, y, arg_name="y"):
        encoded = self.encoder.transform(y, arg_name)
        if self.binary:
            return encoded.astype("float32")
        return encoded

    def decode(self, predictions):
        return self.encoder.inverse_transform(predictions)

    def probabilities(self, predictions):
        """Class probabilities, one column per class (two for binary)."""
        p = np.asarray(predictions)
        if self.binary:
            p = p.reshape(-1, 1)
            return np.concatenate([1.0 - p, p], axis=1)
        return p

    def build(self, hp, inputs):
        if self.encoder.classes_ is None:
            raise ValueError(f"{type(self).__name__} {self.name!r} has not seen any targets yet.")
        if self.encoder.multi_label:
            units, activation = self.encoder.num_classes, "sigmoid"
        elif self.binary:
            units, activation = 1, "sigmoid"
        else:
            units, activation = self.encoder.num_classes, "softmax"
        if is_fitted_logits(inputs) and inputs.shape[-1] == units:
            # a solved linear model's logits (autonas.blocks.text_solver): nothing to learn on top of them
            return keras.layers.Activation(activation, dtype="float32", name=self.name)(inputs)
        x = self._flatten(inputs)
        dropout = self.param(hp, "dropout", self.dropout, choice([0.0, 0.25, 0.5], default=0.0))
        if dropout > 0:
            x = keras.layers.Dropout(dropout)(x)
        x = keras.layers.Dense(units, name=f"{self.name}_logits")(x)
        return keras.layers.Activation(activation, dtype="float32", name=self.name)(x)

    def get_loss(self):
        if self.loss is not None:
            return self.loss
        if self.encoder.multi_label or self.binary:
            return "binary_crossentropy"
        return "sparse_categorical_crossentropy"

    def get_metrics(self):
        if self.metrics is not None:
            return list(self.metrics)
        return ["accuracy"]

    @property
    def default_objective(self):
        return "val_accuracy"

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, multi_label=self.multi_label, dropout=self.dropout)
        return config


class RegressionHead(Head):
    """Regression output.

    The output layer predicts standardised targets and rescales them with the
    mean and standard deviation of the targets given to `fit_targets`, inside
    the model: every trial starts from predicting the mean at the targets'
    own scale, however large the numbers (disease progression around 150,
    prices in thousands), instead of spending its first epochs growing an
    output bias from zero. Predictions and the exported model are in the
    targets' units.

    Args:
        output_dim: number of regression targets; inferred from the data when None.
        loss: Keras loss (default ``"mean_squared_error"``).
        metrics: Keras metrics (default mean squared and mean absolute error).
        dropout: dropout before the output layer; searched over {0, 0.25, 0.5}.
        name: block name and Keras output name (default ``"regression_head"``).

    Example:
        >>> out = RegressionHead()(DenseBlock()(autonas.Input()))  # doctest: +SKIP
    """

    def __init__(self, output_dim=None, loss="mean_squared_error", metrics=None, dropout=None, name=None):
        super().__init__(loss=loss, metrics=metrics, name=name)
        if output_dim is not None and (not isinstance(output_dim, (int, np.integer)) or output_dim < 1):
            raise ValueError(f"`output_dim` must be a positive integer; received {output_dim!r}.")
        self.output_dim = output_dim
        self.dropout = dropout
        self._fitted_dim = None
        self._squeeze = False
        self._target_mean = None
        self._target_scale = None

    def fit_targets(self, y, arg_name="y"):
        y = np.asarray(y)
        if y.dtype.kind not in "biuf":
            raise TypeError(f"`{arg_name}` for regression must be numeric; received dtype {y.dtype}.")
        y = y.astype("float32")
        if not np.all(np.isfinite(y)):
            raise ValueError(f"`{arg_name}` contains NaN or infinite regression targets; remove them first.")
        self._squeeze = y.ndim == 1
        dim = 1 if y.ndim == 1 else int(np.prod(y.shape[1:]))
        if self.output_dim is not None and dim != self.output_dim:
            raise ValueError(f"`output_dim` is {self.output_dim} but `{arg_name}` has {dim} target column(s).")
        self._fitted_dim = dim
        flat = y.reshape(len(y), -1).astype("float64")
        std = flat.std(axis=0) if len(flat) else np.ones(dim)
        self._target_mean = [float(v) for v in (flat.mean(axis=0) if len(flat) else np.zeros(dim))]
        self._target_scale = [float(v) if v > 1e-6 else 1.0 for v in std]
        return self.encode(y, arg_name)

    def encode(self, y, arg_name="y"):
        y = np.asarray(y, dtype="float32")
        return y.reshape(len(y), -1)

    def decode(self, predictions):
        p = np.asarray(predictions)
        return p[:, 0] if self._squeeze and p.ndim == 2 and p.shape[1] == 1 else p

    def build(self, hp, inputs):
        x = self._flatten(inputs)
        dropout = self.param(hp, "dropout", self.dropout, choice([0.0, 0.25, 0.5], default=0.0))
        if dropout > 0:
            x = keras.layers.Dropout(dropout)(x)
        dim = self._fitted_dim or self.output_dim or 1
        if self._target_mean is None or len(self._target_mean) != dim:
            return keras.layers.Dense(dim, dtype="float32", name=self.name)(x)
        x = keras.layers.Dense(dim, dtype="float32", name=f"{self.name}_standardized")(x)
        return keras.layers.Rescaling(scale=self._target_scale, offset=self._target_mean, dtype="float32",
                                      name=self.name)(x)

    def get_loss(self):
        return self.loss or "mean_squared_error"

    def get_metrics(self):
        if self.metrics is not None:
            return list(self.metrics)
        return ["mean_squared_error", "mean_absolute_error"]

    @property
    def default_objective(self):
        return "val_loss"

    def get_config(self):
        config = super().get_config()
        config.update(output_dim=self.output_dim, dropout=self.dropout)
        return config
