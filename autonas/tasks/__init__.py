"""Task classes: thin wrappers that choose inputs, default hyper-blocks and a head."""

from autonas.tasks.image import ImageClassifier, ImageRegressor

__all__ = ["ImageClassifier", "ImageRegressor"]
