"""Ensembles of a search's trials: greedy selection on validation predictions, one Keras model out."""

from autonas.ensemble.model import build_ensemble_model
from autonas.ensemble.selection import (EnsembleSelection, accuracy, cross_entropy, greedy_selection,
                                        mean_squared_error, weighted_average)

__all__ = ["EnsembleSelection", "accuracy", "build_ensemble_model", "cross_entropy",
           "greedy_selection", "mean_squared_error", "weighted_average"]
