"""Blocks, hyper-blocks and heads: the pieces a search space is built from."""

from autonas.blocks.augmentation import ImageAugmentation
from autonas.blocks.base import Block
from autonas.blocks.conv import ConvBlock
from autonas.blocks.dense import DenseBlock
from autonas.blocks.embedding import Embedding
from autonas.blocks.forecast import ForecastBlock, ForecastHead
from autonas.blocks.heads import ClassificationHead, Head, RegressionHead
from autonas.blocks.image_block import ImageBlock
from autonas.blocks.mbconv import MBConvBlock
from autonas.blocks.merge import Merge
from autonas.blocks.normalization import Normalization
from autonas.blocks.reduction import Flatten, SpatialReduction, TemporalReduction
from autonas.blocks.resnet import ResNetBlock
from autonas.blocks.rnn import RNNBlock
from autonas.blocks.structured_data_block import StructuredDataBlock
from autonas.blocks.text_block import TextBlock
from autonas.blocks.text_vectorization import TextVectorization
from autonas.blocks.transformer import TransformerBlock
from autonas.blocks.xception import XceptionBlock

ALL_BLOCKS = {
    cls.__name__: cls
    for cls in [ConvBlock, DenseBlock, ResNetBlock, XceptionBlock, MBConvBlock, RNNBlock, TransformerBlock,
                Embedding, TextVectorization, Normalization, ImageAugmentation, Flatten, SpatialReduction,
                TemporalReduction, Merge, ImageBlock, TextBlock, StructuredDataBlock,
                ClassificationHead, RegressionHead, ForecastBlock, ForecastHead]
}


def get(class_name):
    """Return the block class registered under `class_name`.

    Args:
        class_name: e.g. ``"ConvBlock"``.

    Returns:
        The class.

    Example:
        >>> get("DenseBlock").__name__
        'DenseBlock'
    """
    try:
        return ALL_BLOCKS[class_name]
    except KeyError:
        raise ValueError(f"Unknown block class {class_name!r}; known: {sorted(ALL_BLOCKS)}.") from None


__all__ = ["Block", "get", "ALL_BLOCKS"] + list(ALL_BLOCKS) + ["Head"]
