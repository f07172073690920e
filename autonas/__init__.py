"""autonas: Keras-style AutoML and neural-architecture search, backed by KerasTuner.

Example:
    >>> import autonas                                          # doctest: +SKIP
    >>> clf = autonas.ImageClassifier(max_trials=5, seed=0)     # doctest: +SKIP
    >>> clf.fit(x_train, y_train)                                # doctest: +SKIP
    >>> clf.predict(x_test)                                      # doctest: +SKIP
"""

import logging
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# TensorFlow's oneDNN CPU allocator keeps every large block it ever allocated in a pool
# that never shrinks, so one large candidate raised a search's memory for good (about
# 100 MiB on digits). The system allocator returns freed memory (see
# `autonas._compat.release_free_memory`) and trains as fast (benchmarks/RESULTS.md,
# "Memory"). It is read when TensorFlow allocates its first tensor, so this works
# whenever autonas is imported before any TensorFlow computation; set the variable
# to 0 to keep the pool.
os.environ.setdefault("TF_ONEDNN_USE_SYSTEM_ALLOCATOR", "1")

from autonas.version import __version__  # noqa: E402

from autonas.auto_model import AutoModel  # noqa: E402
from autonas.blocks import (  # noqa: E402
    Block,
    ClassificationHead,
    ConvBlock,
    DenseBlock,
    Embedding,
    Flatten,
    ForecastBlock,
    ForecastHead,
    Head,
    ImageAugmentation,
    ImageBlock,
    MBConvBlock,
    Merge,
    Normalization,
    RegressionHead,
    ResNetBlock,
    RNNBlock,
    SpatialReduction,
    StructuredDataBlock,
    TemporalReduction,
    TextBlock,
    TextVectorization,
    TransformerBlock,
    XceptionBlock,
)
from autonas.darts.block import DartsBlock  # noqa: E402
from autonas.graph import Graph, ImageInput, Input, StructuredDataInput, TextInput, TimeSeriesInput  # noqa: E402
from autonas.tasks import (  # noqa: E402
    ImageClassifier,
    ImageRegressor,
    StructuredDataClassifier,
    StructuredDataRegressor,
    TextClassifier,
    TextRegressor,
    TimeSeriesForecaster,
)
from autonas.tuner import Tuner  # noqa: E402
from autonas.serving import ServedModel  # noqa: E402
from autonas import datasets  # noqa: E402,F401  (autonas.datasets.load / get_file)
from autonas import benchmarks  # noqa: E402,F401  (autonas.benchmarks.TableBenchmark)

logging.getLogger("autonas").addHandler(logging.NullHandler())

__all__ = [
    "AutoModel", "Graph", "Tuner", "ServedModel",
    "Input", "ImageInput", "TextInput", "StructuredDataInput", "TimeSeriesInput",
    "Block", "Head", "ConvBlock", "DartsBlock", "DenseBlock", "Flatten", "ImageBlock", "Normalization", "SpatialReduction",
    "ResNetBlock", "XceptionBlock", "MBConvBlock", "RNNBlock", "TransformerBlock", "Embedding", "TextVectorization",
    "ImageAugmentation", "TemporalReduction", "Merge", "TextBlock", "StructuredDataBlock",
    "ClassificationHead", "RegressionHead", "ForecastBlock", "ForecastHead",
    "ImageClassifier", "ImageRegressor", "TextClassifier", "TextRegressor",
    "StructuredDataClassifier", "StructuredDataRegressor", "TimeSeriesForecaster",
]
