"""Blocks, hyper-blocks and heads: the pieces a search space is built from."""

from autonas.blocks.base import Block
from autonas.blocks.conv import ConvBlock
from autonas.blocks.dense import DenseBlock
from autonas.blocks.heads import ClassificationHead, Head, RegressionHead
from autonas.blocks.image_block import ImageBlock
from autonas.blocks.normalization import Normalization
from autonas.blocks.reduction import Flatten, SpatialReduction

ALL_BLOCKS = {
    cls.__name__: cls
    for cls in [ConvBlock, DenseBlock, ClassificationHead, RegressionHead, ImageBlock, Normalization,
                Flatten, SpatialReduction]
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
