"""Using a fitted `AutoModel`: predict, evaluate and export (`PredictionMixin`)."""

import numpy as np

from autonas import _compat
from autonas import data as data_module

__all__ = ["PredictionMixin"]


class PredictionMixin:
    """Adds `predict_raw`, `predict`, `evaluate`, `export_model` and `export` to `AutoModel`.

    Reads ``model_``, ``inputs`` and ``heads`` of `AutoModel`, and its data forms (`FitDataMixin`).

    Example:
        >>> clf.fit(x, y, epochs=3)   # doctest: +SKIP
        >>> clf.predict(x_test)       # doctest: +SKIP
    """

    def _check_fitted(self, method):
        if self.model_ is None:
            raise RuntimeError(f"Call `fit` before `{method}`: this {type(self).__name__} has no model yet.")

    def predict_raw(self, x, batch_size=32, verbose=0):
        """Raw model outputs (probabilities for classifiers), a list per head."""
        self._check_fitted("predict")
        x, _ = self._load(x)
        xs = data_module.adapt_inputs(x, self.inputs, "x")
        out = _compat.keras.predict(self.model_, self._keras_x(xs), batch_size=batch_size, verbose=verbose)
        if len(self.heads) == 1:
            return [np.asarray(out)]
        if isinstance(out, dict):
            return [np.asarray(out[h.name]) for h in self.heads]
        return [np.asarray(o) for o in out]

    def predict(self, x, batch_size=32, verbose=0):
        """Predict decoded outputs: labels of the kind fitted on, or numbers.

        Args:
            x: inputs in the same form as at fit.
            batch_size: batch size.
            verbose: Keras verbosity.

        Returns:
            A numpy array (one head) or a list of arrays (several heads).

        Example:
            >>> clf.predict(x_test)  # doctest: +SKIP
        """
        outs = [h.decode(o) for h, o in zip(self.heads, self.predict_raw(x, batch_size, verbose))]
        return outs[0] if len(outs) == 1 else outs

    def evaluate(self, x, y, batch_size=32, verbose=0):
        """Evaluate the refitted model.

        Args:
            x: inputs in the same form as at fit.
            y: targets in the same form as at fit (labels never seen at fit are an error).
            batch_size: batch size.
            verbose: Keras verbosity.

        Returns:
            A dict of metric name to value (``loss``, ``accuracy``, ...).

        Example:
            >>> clf.evaluate(x_test, y_test)["accuracy"]  # doctest: +SKIP
        """
        self._check_fitted("evaluate")
        x, y = self._load(x, y)
        xs = data_module.adapt_inputs(x, self.inputs, "x")
        ys = data_module.adapt_targets(y, self.heads, "y")
        data_module.check_lengths([xs[0]] + ys, ["x"] + ["y"] * len(ys))
        enc = [h.encode(t, "y") for h, t in zip(self.heads, ys)]
        result = self.model_.evaluate(self._keras_x(xs), self._keras_y(enc), batch_size=batch_size,
                                      verbose=verbose, return_dict=True)
        return {k: float(v) for k, v in result.items()}

    def export_model(self):
        """The refitted Keras model (raw inputs in, the heads' raw outputs out).

        Its inputs are those of the exported SavedModel (see `autonas.export`);
        its outputs are the heads' raw outputs: class probabilities (binary
        classification: ONE sigmoid column, the probability of the second
        label), or regression values of shape (N, output_dim).

        Returns:
            A `keras.Model`: the refit of the best trial, not a trial checkpoint.

        Example:
            >>> clf.export_model().predict(x_test[:4])  # doctest: +SKIP
        """
        self._check_fitted("export_model")
        return self.model_

    def export(self, path, format="saved_model"):
        """Write the refitted model for serving.

        Args:
            path: destination folder (SavedModel) or ``.keras`` file.
            format: ``"saved_model"`` (TensorFlow SavedModel with a
                ``serving_default`` signature: named raw inputs; per head
                ``probabilities``, ``class_index`` and ``label``, or
                ``value``; see `autonas.export`) or ``"keras"``.

        Returns:
            The path written.

        Example:
            >>> clf.export("serving/digits/1")  # doctest: +SKIP
        """
        from autonas import export as export_module

        self._check_fitted("export")
        return export_module.export(self, path, format=format)
