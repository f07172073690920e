"""`Merge`: combine several branches by addition or concatenation."""

import keras

from autonas.blocks.base import Block, choice
from autonas.blocks.reduction import reduce_tensor

MERGE_TYPES = ("concatenate", "add")


class Merge(Block):
    """Merges two or more branches into one vector.

    Branches that are not already vectors are first reduced (global average
    pooling for feature maps and sequences). For ``"add"``, branches whose
    widths differ are projected with a Dense layer to the widest one.

    Args:
        merge_type: ``"concatenate"`` or ``"add"``; searched when None
            (default ``"concatenate"``).
        name: block name.

    Returns:
        (when called on a list of nodes) a ``"tensor"`` output node.

    Example:
        >>> x = Merge()([ImageBlock()(image_input), StructuredDataBlock()(table_input)])  # doctest: +SKIP
    """

    input_kinds = ("tensor", "image", "sequence")

    def __init__(self, merge_type=None, name=None):
        super().__init__(name=name)
        if isinstance(merge_type, str) and merge_type not in MERGE_TYPES:
            raise ValueError(f"`merge_type` must be one of {MERGE_TYPES}; received {merge_type!r}.")
        self.merge_type = merge_type

    def output_kind(self, nodes):
        return "tensor"

    def build(self, hp, inputs):
        tensors = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(tensors) == 1:
            return tensors[0]
        tensors = [reduce_tensor(t, "global_avg") if len(t.shape) > 2 else t for t in tensors]
        merge_type = self.param(hp, "merge_type", self.merge_type, choice(list(MERGE_TYPES)))
        if merge_type == "concatenate":
            return keras.layers.Concatenate()(tensors)
        width = max(t.shape[-1] for t in tensors)
        tensors = [t if t.shape[-1] == width else keras.layers.Dense(width)(t) for t in tensors]
        return keras.layers.Add()(tensors)

    def get_config(self):
        config = super().get_config()
        config.update(merge_type=self.merge_type)
        return config
