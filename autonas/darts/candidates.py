"""The names of the DARTS candidate operations, and their validation (pure Python).

The layers are in `autonas.darts.ops`; settings, genotypes and blocks only need the
names, so they import this module and not Keras.
"""

#: the DARTS candidate set, in the paper's order.
DEFAULT_CANDIDATES = (
    "none",
    "max_pool_3x3",
    "avg_pool_3x3",
    "skip_connect",
    "sep_conv_3x3",
    "sep_conv_5x5",
    "dil_conv_3x3",
    "dil_conv_5x5",
)

#: every operation name `autonas.darts.ops.make_op` understands.
OPERATIONS = DEFAULT_CANDIDATES + ("conv_1x1", "conv_3x3")


def check_candidates(candidates, arg_name="candidates"):
    """Validate a candidate list and return it as a tuple.

    Args:
        candidates: a sequence of operation names, or None for the DARTS set.
        arg_name: the argument name used in error messages.

    Returns:
        A tuple of operation names.

    Example:
        >>> check_candidates(["none", "skip_connect", "sep_conv_3x3"])
        ('none', 'skip_connect', 'sep_conv_3x3')
    """
    if candidates is None:
        return DEFAULT_CANDIDATES
    if isinstance(candidates, str) or not all(isinstance(c, str) for c in candidates):
        raise TypeError(f"`{arg_name}` must be a list of operation names; received {candidates!r}.")
    candidates = tuple(candidates)
    unknown = [c for c in candidates if c not in OPERATIONS]
    if unknown:
        raise ValueError(f"`{arg_name}` contains unknown operations {unknown}; known: {list(OPERATIONS)}.")
    if len(set(candidates)) != len(candidates):
        raise ValueError(f"`{arg_name}` contains duplicates; received {list(candidates)}.")
    if not [c for c in candidates if c != "none"]:
        raise ValueError(f"`{arg_name}` needs at least one operation besides 'none'; received {list(candidates)}.")
    return candidates
