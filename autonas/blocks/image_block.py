"""`ImageBlock`: the image hyper-block (augmentation + normalization + backbone + reduction)."""

from autonas.blocks.augmentation import ImageAugmentation, pixel_range
from autonas.blocks.base import Block, boolean, choice, conditional
from autonas.blocks.conv import ConvBlock
from autonas.blocks.mbconv import MBConvBlock
from autonas.blocks.normalization import channel_statistics
from autonas.blocks.reduction import reduce_tensor
from autonas.blocks.resnet import ResNetBlock
from autonas.blocks.xception import XceptionBlock


class ImageBlock(Block):
    """An image feature extractor whose backbone is itself searched.

    Order: optional augmentation (training only), optional standardisation
    with training-split channel statistics, the backbone, then flatten
    (``"vanilla"``) or global average pooling (the residual families).

    Hyperparameter names: ``<name>/block_type``, ``<name>/normalize``,
    ``<name>/augment``; each family's own under ``<name>/<family>/<argument>``
    and augmentation's under ``<name>/augmentation/<argument>``, conditional on
    their parent when it is searched.

    Args:
        block_type: backbone family, one of `BACKBONES` (``"vanilla"``,
            ``"resnet"``, ``"xception"``, ``"mbconv"``); searched when None
            (default ``"vanilla"``).
        normalize: standardise pixels with training-split statistics; searched
            when None (default True).
        augment: random augmentation in training (`ImageAugmentation`);
            searched when None (default False).
        name: block name (default ``"image_block"``).

    Returns:
        (when called on a node) a ``"tensor"`` output node.

    Example:
        >>> out = ClassificationHead()(ImageBlock(block_type="resnet")(autonas.ImageInput()))  # doctest: +SKIP
    """

    input_kinds = ("image",)
    #: backbone family -> block class; later families register here.
    BACKBONES = {"vanilla": ConvBlock, "resnet": ResNetBlock, "xception": XceptionBlock, "mbconv": MBConvBlock}

    def __init__(self, block_type=None, normalize=None, augment=None, name=None):
        super().__init__(name=name)
        if isinstance(block_type, str) and block_type not in self.BACKBONES:
            raise ValueError(
                f"`block_type` must be one of {sorted(self.BACKBONES)}; received {block_type!r}."
            )
        self.block_type = block_type
        self.normalize = normalize
        self.augment = augment

    def output_kind(self, nodes):
        return "tensor"

    def build(self, hp, inputs):
        import keras

        x = inputs
        node = self.inputs[0]
        augment = self.param(hp, "augment", self.augment, boolean(False))
        if augment:
            with conditional(hp, not isinstance(self.augment, bool), "augment", [True]), \
                    hp.name_scope("augmentation"):
                x = ImageAugmentation(value_range=pixel_range(node)).build(hp, x)
        normalize = self.param(hp, "normalize", self.normalize, boolean(True))
        if normalize:
            mean, variance = channel_statistics(node)
            x = keras.layers.Normalization(axis=-1, mean=mean, variance=variance)(x)
        block_type = self.param(hp, "block_type", self.block_type, choice(list(self.BACKBONES)))
        with conditional(hp, not isinstance(self.block_type, str), "block_type", [block_type]), \
                hp.name_scope(block_type):
            x = self.BACKBONES[block_type]().build(hp, x)
        return reduce_tensor(x, "flatten" if block_type == "vanilla" else "global_avg")

    def get_config(self):
        config = super().get_config()
        config.update(block_type=self.block_type, normalize=self.normalize, augment=self.augment)
        return config
