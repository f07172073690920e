"""Handing freed heap memory back to the operating system (glibc's ``malloc_trim``)."""

import ctypes
import logging

_malloc_trim = None


def release_free_memory():
    """Hand the heap memory freed so far back to the operating system.

    Between trials the previous model's tensors are freed, but glibc keeps
    freed memory in its arenas, so the process stays as large as its largest
    trial ever made it. ``malloc_trim(0)`` returns those free pages. A no-op
    where the C library has no ``malloc_trim`` (macOS, musl, Windows).

    Returns:
        True when memory was trimmed.

    Example:
        >>> release_free_memory() in (True, False)
        True
    """
    global _malloc_trim
    if _malloc_trim is None:
        try:
            _malloc_trim = ctypes.CDLL(None).malloc_trim
            _malloc_trim.argtypes = [ctypes.c_size_t]
        except (OSError, AttributeError, TypeError):
            logging.getLogger("autonas").debug("No malloc_trim in this C library: freed memory stays pooled.")
            _malloc_trim = False
    if _malloc_trim is False:
        return False
    _malloc_trim(0)
    return True
