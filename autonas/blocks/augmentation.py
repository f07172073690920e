"""`ImageAugmentation`: random image transformations, active only in training."""

import keras

from autonas.blocks.base import Block, boolean, choice
from autonas.graph.context import has_profile, input_profile
from autonas.graph.nodes import Input


class ImageAugmentation(Block):
    """Random flips, rotations, translations and contrast changes.

    Built from Keras preprocessing layers, which act only when the model is
    called with ``training=True`` (in `fit`), so prediction and the exported
    model see the images unchanged. A factor of 0 (or False) leaves that
    transformation out.

    Args:
        horizontal_flip: random left-right flips; searched (default False,
            since digits and text do not survive a flip).
        vertical_flip: random up-down flips; searched (default False).
        rotation_factor: rotation range as a fraction of a full turn; searched
            over {0, 0.05, 0.1} (default 0).
        translation_factor: shift range as a fraction of height and width;
            searched over {0, 0.1} (default 0).
        contrast_factor: contrast range; searched over {0, 0.1, 0.2} (default 0).
        value_range: ``(low, high)`` pixel range that contrast changes clip to.
            Not searched; when None it is the training data's range if the block
            is connected directly to an input node, else unbounded.
        name: block name.

    Returns:
        (when called on a node) an ``"image"`` output node of the input's shape.

    Example:
        >>> x = ImageAugmentation(rotation_factor=0.1)(autonas.ImageInput())  # doctest: +SKIP
    """

    input_kinds = ("image",)

    def __init__(self, horizontal_flip=None, vertical_flip=None, rotation_factor=None, translation_factor=None,
                 contrast_factor=None, value_range=None, name=None):
        super().__init__(name=name)
        if value_range is not None and len(value_range) != 2:
            raise ValueError(f"`value_range` must be a (low, high) pair or None; received {value_range!r}.")
        self.value_range = tuple(value_range) if value_range is not None else None
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rotation_factor = rotation_factor
        self.translation_factor = translation_factor
        self.contrast_factor = contrast_factor

    def build(self, hp, inputs):
        if len(inputs.shape) != 4:
            raise ValueError(
                f"{type(self).__name__} {self.name!r} needs images of shape (batch, height, width, channels); "
                f"received shape {tuple(inputs.shape)}."
            )
        horizontal = self.param(hp, "horizontal_flip", self.horizontal_flip, boolean(False))
        vertical = self.param(hp, "vertical_flip", self.vertical_flip, boolean(False))
        rotation = self.param(hp, "rotation_factor", self.rotation_factor, choice([0.0, 0.05, 0.1], default=0.0))
        translation = self.param(hp, "translation_factor", self.translation_factor,
                                 choice([0.0, 0.1], default=0.0))
        contrast = self.param(hp, "contrast_factor", self.contrast_factor, choice([0.0, 0.1, 0.2], default=0.0))
        return augment(inputs, horizontal, vertical, rotation, translation, contrast,
                       value_range=self._value_range())

    def _value_range(self):
        if self.value_range is not None:
            return self.value_range
        node = self.inputs[0] if self.inputs else None
        return pixel_range(node) if isinstance(node, Input) else None

    def get_config(self):
        config = super().get_config()
        config.update(horizontal_flip=self.horizontal_flip, vertical_flip=self.vertical_flip,
                      rotation_factor=self.rotation_factor, translation_factor=self.translation_factor,
                      contrast_factor=self.contrast_factor, value_range=self.value_range)
        return config


def augment(x, horizontal_flip, vertical_flip, rotation_factor, translation_factor, contrast_factor,
            value_range=None):
    """Apply the chosen random transformations to an image tensor.

    Args:
        x: Keras tensor of shape (batch, height, width, channels).
        horizontal_flip, vertical_flip: booleans.
        rotation_factor, translation_factor, contrast_factor: floats, 0 disables.
        value_range: ``(low, high)`` pixel range that contrast changes clip to;
            when None no clipping happens in practice (a very wide range).

    Returns:
        The augmented Keras tensor (the identity at inference).

    Example:
        >>> augment(keras.Input((8, 8, 1)), True, False, 0.1, 0.0, 0.0).shape
        (None, 8, 8, 1)
    """
    if horizontal_flip and vertical_flip:
        x = keras.layers.RandomFlip("horizontal_and_vertical")(x)
    elif horizontal_flip or vertical_flip:
        x = keras.layers.RandomFlip("horizontal" if horizontal_flip else "vertical")(x)
    if rotation_factor:
        x = keras.layers.RandomRotation(float(rotation_factor), fill_mode="constant")(x)
    if translation_factor:
        x = keras.layers.RandomTranslation(float(translation_factor), float(translation_factor),
                                           fill_mode="constant")(x)
    if contrast_factor:
        low, high = value_range if value_range is not None else (-1e6, 1e6)
        x = keras.layers.RandomContrast(float(contrast_factor), value_range=(float(low), float(high)))(x)
    return x


def pixel_range(node):
    """``(min, max)`` of an image input's training data (from the fit's input profile), or None without one.

    Args:
        node: an input node.

    Returns:
        A tuple of two floats, or None.

    Example:
        >>> pixel_range(image_input)  # doctest: +SKIP
        (0.0, 16.0)
    """
    if node is None or not has_profile(node):
        return None
    return input_profile(node).value_range()
