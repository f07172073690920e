"""Where the progress display is drawn: a Jupyter kernel, a terminal, or a log.

`in_notebook` follows `tqdm.autonotebook`'s test (a kernel whose shell is a
``ZMQInteractiveShell``, Qt console and Spyder excepted) with `isinstance`, so
that the shells that subclass it count: Jupyter Notebook, JupyterLab, VS Code's
notebooks and Colab (``google.colab._shell.Shell``). `bar_class` then picks the
widget bar (`tqdm.notebook`) when ipywidgets is installed, and tqdm's text bar
otherwise, without the "IProgress not found" warning that `tqdm.auto` shows.
"""

import os
import sys

__all__ = ["in_notebook", "widgets_available", "bar_class", "interactive"]


def in_notebook():
    """Whether the code runs in a Jupyter kernel that renders rich output.

    Returns:
        True in Jupyter Notebook, JupyterLab, VS Code notebooks and Colab;
        False in a terminal, an IPython console, Qt console, Spyder or a script.

    Example:
        >>> in_notebook()
        False
    """
    zmqshell = sys.modules.get("ipykernel.zmqshell")
    ipython = sys.modules.get("IPython")
    if zmqshell is None or ipython is None:
        return False
    shell = ipython.get_ipython()
    if shell is None or not isinstance(shell, zmqshell.ZMQInteractiveShell):
        return False
    if any(name == "QT_API" or name.startswith("SPYDER") for name in os.environ):
        return False  # Qt console and Spyder run a kernel but draw no widgets
    name = type(shell).__name__.lower()
    return "qt" not in name and "spyder" not in name


def widgets_available():
    """Whether tqdm can draw its widget bar (ipywidgets is installed).

    Returns:
        A bool.

    Example:
        >>> isinstance(widgets_available(), bool)
        True
    """
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


def interactive(stream):
    """Whether a bar that redraws itself suits `stream`: a notebook or a terminal.

    Args:
        stream: the file the display writes to.

    Returns:
        True in a notebook kernel or when `stream` is a terminal; False for
        pipes and log files (they get one line per event instead).

    Example:
        >>> import io
        >>> interactive(io.StringIO())
        False
    """
    if in_notebook():
        return True
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed file
        return False


def bar_class(stream, bar=None):
    """The tqdm class to draw a progress bar with, or None for plain lines.

    Args:
        stream: the file the display writes to.
        bar: True to draw a bar even on a pipe, False never, None when
            `interactive(stream)`.

    Returns:
        `tqdm.notebook.tqdm` in a notebook with ipywidgets, `tqdm.std.tqdm`
        otherwise, or None.

    Example:
        >>> import io
        >>> bar_class(io.StringIO()) is None
        True
    """
    if bar is False or (bar is None and not interactive(stream)):
        return None
    if in_notebook() and widgets_available():
        from tqdm.notebook import tqdm

        return tqdm
    from tqdm.std import tqdm

    return tqdm
