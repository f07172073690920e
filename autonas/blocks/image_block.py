"""`ImageBlock`: the image hyper-block (normalization + backbone + reduction)."""

import contextlib

from autonas.blocks.base import Block, boolean, choice
from autonas.blocks.conv import ConvBlock
from autonas.blocks.normalization import channel_statistics
from autonas.blocks.reduction import reduce_tensor


class ImageBlock(Block):
    """An image feature extractor whose backbone is itself searched.

    Args:
        block_type: backbone family; searched when None. Each family's own
            hyperparameters are conditional on it (named
            ``"<name>/<family>/<argument>"``).
        normalize: standardise pixels with training-split statistics; searched
            when None (default True).
        name: block name (default ``"image_block"``).

    Example:
        >>> out = ClassificationHead()(ImageBlock()(autonas.ImageInput()))  # doctest: +SKIP
    """

    input_kinds = ("image",)
    #: backbone family -> block class; later families register here.
    BACKBONES = {"vanilla": ConvBlock}

    def __init__(self, block_type=None, normalize=None, name=None):
        super().__init__(name=name)
        if block_type is not None and not hasattr(block_type, "get_config") and block_type not in self.BACKBONES:
            raise ValueError(
                f"`block_type` must be one of {sorted(self.BACKBONES)}; received {block_type!r}."
            )
        self.block_type = block_type
        self.normalize = normalize

    def output_kind(self, nodes):
        return "tensor"

    def build(self, hp, inputs):
        import keras

        x = inputs
        normalize = self.param(hp, "normalize", self.normalize, boolean(True))
        if normalize:
            mean, variance = channel_statistics(self.inputs[0])
            x = keras.layers.Normalization(axis=-1, mean=mean, variance=variance)(x)
        families = list(self.BACKBONES)
        block_type = self.param(hp, "block_type", self.block_type, choice(families))
        searched = self.block_type is None or not isinstance(self.block_type, str)
        for family in families if searched else [block_type]:
            if family != block_type and not searched:
                continue
            scope = hp.conditional_scope("block_type", [family]) if searched else _null_scope()
            with scope:
                if family == block_type:
                    with hp.name_scope(family):
                        x = self.BACKBONES[family]().build(hp, x)
        return reduce_tensor(x, "flatten" if block_type == "vanilla" else "global_avg")

    def get_config(self):
        config = super().get_config()
        config.update(block_type=self.block_type, normalize=self.normalize)
        return config


def _null_scope():
    return contextlib.nullcontext()
