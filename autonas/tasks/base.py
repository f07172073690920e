"""Shared pieces of the task classes."""

import numpy as np


class ClassifierMixin:
    """`predict_proba` and `classes_` for task classes with one classification head."""

    def predict_proba(self, x, batch_size=32, verbose=0):
        """Class probabilities, one column per class (two columns for binary).

        Args:
            x: inputs in the same form as at fit.
            batch_size: batch size.
            verbose: Keras verbosity.

        Returns:
            A float array of shape (N, number of classes); columns follow `classes_`.

        Example:
            >>> clf.predict_proba(x_test)[:2]  # doctest: +SKIP
        """
        raw = self.predict_raw(x, batch_size, verbose)[0]
        return self.heads[0].probabilities(raw)

    @property
    def classes_(self):
        """The class labels, in the order of `predict_proba`'s columns."""
        return np.asarray(self.heads[0].encoder.classes_)
