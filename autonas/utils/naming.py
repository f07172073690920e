"""Readable, deterministic names."""

import re


def to_snake_case(name):
    """Convert a CamelCase class name to snake_case.

    Args:
        name: e.g. ``"ConvBlock"``.

    Returns:
        e.g. ``"conv_block"``.

    Example:
        >>> to_snake_case("ResNetBlock")
        'res_net_block'
    """
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()
