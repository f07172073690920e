"""Task classes: thin wrappers that choose inputs, default hyper-blocks and a head."""

from autonas.tasks.forecasting import TimeSeriesForecaster
from autonas.tasks.image import ImageClassifier, ImageRegressor
from autonas.tasks.structured_data import StructuredDataClassifier, StructuredDataRegressor
from autonas.tasks.text import TextClassifier, TextRegressor

__all__ = [
    "ImageClassifier", "ImageRegressor", "TextClassifier", "TextRegressor",
    "StructuredDataClassifier", "StructuredDataRegressor", "TimeSeriesForecaster",
]
