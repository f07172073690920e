"""One process per project directory, and a search that stops cleanly on SIGTERM.

`project_lock` holds an exclusive, advisory lock (``fcntl.flock``) on a file
beside the project directory (``<directory>/.<project_name>.lock``, outside the
folder so that ``overwrite=True`` cannot delete it while held) for the whole of
`fit`. A second process that fits into the same project directory is refused
with a `ProjectLocked` error naming the directory and the holder's pid, instead
of both writing the same trials. The operating system releases the lock when its
holder exits, however it exits (``kill -9`` included), so a killed search resumes
without any clean-up. Creating the lock file is also the first write into the
directory, so a read-only or missing-permission directory is reported here,
before anything is trained. A distributed search (``autonas chief`` and its
workers, which share the directory on purpose) takes no lock.

`sigterm_interrupts` turns SIGTERM into the `KeyboardInterrupt` that Ctrl-C
raises, while a fit runs in the main thread: a terminated search stops where it
is, the trials already completed stay on disk, and the same `fit` resumes it.
"""

import contextlib
import errno
import logging
import os
import signal
import threading

logger = logging.getLogger("autonas")

#: signals turned into KeyboardInterrupt during the current fit
_received = []

RESUME_HINT = ("the search stopped; the trials completed so far are on disk, and the same `fit` (same directory "
               "and project_name, overwrite=False) resumes it")

__all__ = ["ProjectLocked", "project_lock", "sigterm_interrupts"]


class ProjectLocked(RuntimeError):
    """Another process is searching into the same project directory."""


def _lock_path(project_dir):
    project_dir = os.path.abspath(os.fspath(project_dir))
    parent, name = os.path.split(project_dir.rstrip(os.sep))
    return os.path.join(parent, f".{name}.lock")


def _open_lock_file(path, project_dir):
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        if not os.access(os.path.dirname(path), os.W_OK):
            raise PermissionError(errno.EACCES, "not writable", os.path.dirname(path))
        return fd
    except OSError as e:
        raise PermissionError(
            f"`directory` {os.path.dirname(path)!r} cannot hold the project {os.path.basename(project_dir)!r}: "
            f"{e.strerror or e} ({type(e).__name__}). Expected a writable folder with free space; pass another "
            "`directory`."
        ) from e


@contextlib.contextmanager
def project_lock(project_dir):
    """Hold the project directory for this process while the block runs.

    Args:
        project_dir: the search's project directory (``directory/project_name``).

    Yields:
        The path of the lock file.

    Raises:
        ProjectLocked: another live process holds the directory.
        PermissionError: the directory cannot be written (read-only, no space,
            no permission), before anything is trained.

    Example:
        >>> with project_lock("runs/digits"):       # doctest: +SKIP
        ...     clf.fit(x, y)
    """
    import fcntl

    path = _lock_path(project_dir)
    fd = _open_lock_file(path, project_dir)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise ProjectLocked(
                f"The project directory {os.path.abspath(os.fspath(project_dir))!r} is in use by another process "
                f"(pid {holder}). Expected one search per project directory: wait for it to finish, pass another "
                "`project_name`/`directory`, or run a distributed search with `autonas chief` and its workers."
            ) from None
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        except OSError as e:  # a full disk: report it before training, like a read-only folder
            raise PermissionError(
                f"`directory` {os.path.dirname(path)!r} cannot be written: {e.strerror or e}. Expected a writable "
                "folder with free space; pass another `directory`."
            ) from e
        yield path
    finally:
        os.close(fd)  # releases the lock


@contextlib.contextmanager
def sigterm_interrupts():
    """While the block runs in the main thread, SIGTERM raises `KeyboardInterrupt` (as Ctrl-C does).

    Yields:
        None.

    Example:
        >>> with sigterm_interrupts():    # doctest: +SKIP
        ...     clf.fit(x, y)
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous not in (signal.SIG_DFL, None):  # the application handles SIGTERM itself
        yield
        return

    def interrupt(signum, frame):
        _received.append(signum)  # seen even where a finalizer swallows the exception
        raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")

    signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def holding_project(fit):
    """Decorate `AutoModel.fit`: the project lock taken during it (``self._project_hold.enter_context``,
    once the input is validated) is released when it returns or raises, and SIGTERM interrupts it.

    Args:
        fit: the method.

    Returns:
        The wrapped method.

    Example:
        >>> class Model:                       # doctest: +SKIP
        ...     @holding_project
        ...     def fit(self, x, y): ...
    """
    import functools

    @functools.wraps(fit)
    def wrapper(self, *args, **kwargs):
        del _received[:]
        with contextlib.ExitStack() as hold, sigterm_interrupts():
            self._project_hold = hold
            try:
                result = fit(self, *args, **kwargs)
            except KeyboardInterrupt as e:
                logger.warning("Interrupted: %s.", RESUME_HINT)
                raise KeyboardInterrupt(f"{str(e) or 'Ctrl-C'}: {RESUME_HINT}") from e
            finally:
                self._project_hold = None
        if _received:  # the KeyboardInterrupt was swallowed on its way (by a finalizer, a C callback)
            raise KeyboardInterrupt(f"signal {signal.Signals(_received[0]).name}: {RESUME_HINT}")
        return result

    return wrapper
