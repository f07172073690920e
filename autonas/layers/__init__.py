"""Custom Keras layers used by autonas blocks.

Every layer here is registered with
``keras.saving.register_keras_serializable(package="autonas")`` and has a
`get_config`, so a saved model loads with ``safe_mode=True`` once ``autonas``
is imported. Layers on the image path use ``keras.ops`` only (TensorFlow and
JAX backends).
"""

from autonas.layers.average import WeightedAverage
from autonas.layers.forecasting import (GivenMap, MovingAverage, Patches, SelectChannels, UnfoldChannels,
                                        WindowDenormalization, WindowNormalization)
from autonas.layers.feature_scale import FeatureScale
from autonas.layers.missing import FillMissing, MissingIndicator
from autonas.layers.numeric import PeriodicEncoding, PiecewiseLinearEncoding
from autonas.layers.position_embedding import PositionEmbedding

__all__ = ["MovingAverage", "Patches", "SelectChannels", "UnfoldChannels", "WindowDenormalization",
           "WindowNormalization", "GivenMap", "FeatureScale", "FillMissing", "MissingIndicator", "PeriodicEncoding",
           "PiecewiseLinearEncoding", "PositionEmbedding", "WeightedAverage"]
