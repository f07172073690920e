"""Handing freed heap memory back to the operating system (glibc's ``malloc_trim`` and ``mallopt``).

`release_free_memory` trims the heap between trials; on its first call it also
fixes glibc's thresholds (`keep_thread_heaps_trimmed`) so that the heaps of
TensorFlow's worker threads, which ``malloc_trim`` does not shrink, give their
free top back as the main heap's is.
"""

import ctypes
import logging
import os

_libc = None

#: ``mallopt`` parameters (glibc's malloc.h)
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
#: blocks at least this large get a mapping of their own, freed at once (glibc's largest dynamic value)
MMAP_THRESHOLD = 32 * 2 ** 20
#: free memory above this at the top of a heap goes back to the system when a block is freed (glibc's default)
TRIM_THRESHOLD = 128 * 2 ** 10
#: environment variables by which a user sets glibc's thresholds; autonas then leaves them alone
_USER_SETTINGS = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_")
_thresholds_set = None


def _c_library():
    """glibc's ``malloc_trim`` and ``mallopt`` as ctypes functions, or False on another C library."""
    global _libc
    if _libc is None:
        try:
            lib = ctypes.CDLL(None)
            trim, opt = lib.malloc_trim, lib.mallopt
            trim.argtypes = [ctypes.c_size_t]
            opt.argtypes = [ctypes.c_int, ctypes.c_int]
            _libc = (trim, opt)
        except (OSError, AttributeError, TypeError):
            logging.getLogger("autonas").debug("No malloc_trim in this C library: freed memory stays pooled.")
            _libc = False
    return _libc


def keep_thread_heaps_trimmed():
    """Fix glibc's mmap and trim thresholds (32 MiB and 128 KiB) for the rest of the process, once.

    By default glibc raises both thresholds as the program frees large
    blocks, up to a trim threshold of 64 MiB: each thread's heap (arena) then
    keeps up to 64 MiB of free memory at its top. ``malloc_trim`` returns free
    blocks inside a heap but never the top of a thread's heap, so the heaps of
    TensorFlow's worker threads, where a trial's activations and gradients are
    allocated, stayed as large as the largest recent trial left them: about
    30 MiB of a 30-trial digits search, from the sixth trial on
    (benchmarks/RESULTS.md, "Memory"). Fixed thresholds keep blocks under
    32 MiB in the heaps (the most the dynamic rule reaches, so no tensor gets
    a mapping of its own that it would not get anyway) and hand back the free
    top of every heap above glibc's default 128 KiB whenever a block of 64 KiB
    or more is freed. The cost is page faults while training: 0.3 s more
    system time per 5 CPU seconds of training, 6% (RESULTS.md).

    Nothing is changed when the user set one of glibc's ``MALLOC_*_`` variables
    above or ``GLIBC_TUNABLES`` names a malloc setting, or off glibc.

    Returns:
        True when the thresholds are (or were already) set by autonas.

    Example:
        >>> keep_thread_heaps_trimmed() in (True, False)
        True
    """
    global _thresholds_set
    if _thresholds_set is None:
        libc = _c_library()
        user = any(name in os.environ for name in _USER_SETTINGS) or "malloc." in os.environ.get("GLIBC_TUNABLES", "")
        if libc is False or user:
            _thresholds_set = False
        else:
            _, mallopt = libc
            # mmap first: setting either one turns glibc's dynamic adjustment off for good
            _thresholds_set = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
                mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return _thresholds_set


def release_free_memory():
    """Hand the heap memory freed so far back to the operating system.

    Between trials the previous model's tensors are freed, but glibc keeps
    freed memory in its arenas, so the process stays as large as its largest
    trial ever made it. ``malloc_trim(0)`` returns those free pages. The first
    call also fixes glibc's thresholds (`keep_thread_heaps_trimmed`). A no-op
    where the C library has no ``malloc_trim`` (macOS, musl, Windows).

    Returns:
        True when memory was trimmed.

    Example:
        >>> release_free_memory() in (True, False)
        True
    """
    libc = _c_library()
    if libc is False:
        return False
    keep_thread_heaps_trimmed()
    libc[0](0)
    return True
