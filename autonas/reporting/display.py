"""The output of the progress display: lines written above an open bar, the bars, and the stages after a search.

`DisplayMixin` gives `SearchProgress` its output (a tqdm bar from `autonas.reporting.notebook`, or lines
only) and its stages after the search (`begin_stage` / `end_stage`: the refit, an ensemble's training).
`write_line` writes through the innermost open display.
"""

import sys
import time

from autonas.reporting.notebook import bar_class
from autonas.reporting.timing import format_seconds

__all__ = ["DisplayMixin", "write_line"]


class DisplayMixin:
    """Writing lines and bars, and the stages after the search, for `SearchProgress`.

    Reads ``verbose``, ``stream``, ``bar``, ``_bar``, ``_stage`` and ``_refit_estimate`` of
    `SearchProgress`.

    Example:
        >>> progress = SearchProgress(max_trials=3, verbose=1)          # doctest: +SKIP
        >>> progress.begin_stage("Refit", 10, "the best trial on all the data")  # doctest: +SKIP
        >>> progress.end_stage("loss 0.1234")                           # doctest: +SKIP
    """

    # -- output ---------------------------------------------------------------
    def _file(self):
        return self.stream or sys.stdout

    def _write(self, text):
        if self._bar is not None:
            self._bar.write(text, file=self._file())
        else:
            stream = self._file()
            stream.write(text + "\n")
            stream.flush()

    def _open_bar(self, total, initial, bar_format):
        if not self.verbose:
            return None
        tqdm = bar_class(self._file(), self.bar)
        if tqdm is None:
            return None
        bar = tqdm(total=total, initial=initial, file=self._file(), dynamic_ncols=True, leave=True,
                   mininterval=0, bar_format=bar_format)
        _active.append(self)
        return bar

    def _close_bar(self, description):
        if self._bar is None:
            return
        self._bar.set_description_str(description, refresh=False)
        self._bar.close()
        self._bar = None
        if self in _active:
            _active.remove(self)

    # -- stages after the search ------------------------------------------------
    def begin_stage(self, name, epochs, detail, estimate=None):
        """Announce a stage after the search (the refit, an ensemble's training) and open its bar.

        Args:
            name: the stage's name, e.g. ``"Refit"``; the bar updates every epoch
                of the models trained while it is open (`keras_callbacks`).
            epochs: epochs it trains, or None.
            detail: what it does, for the announcement line.
            estimate: its expected duration in seconds, shown when known; for
                ``"Refit"`` the display's own estimate (see `refit_scale`) by default.
        """
        self._stage = (name, time.time(), epochs)
        if not self.verbose:
            return
        if estimate is None and name == "Refit":
            estimate = self._refit_estimate
        self._write(f"{name}: {detail}" + (f" (about {format_seconds(estimate)})." if estimate else "."))
        if self.verbose < 2:
            self._bar = self._open_bar(epochs, 0, name + " |{bar}| {desc}")
            if self._bar is not None:
                self._bar.set_description_str(f"epoch 0/{epochs or '?'}")

    def _stage_epoch(self, epoch, epochs, logs):
        if self._bar is None:
            return
        name, start, planned = self._stage
        elapsed = time.time() - start
        total = planned or epochs
        parts = [f"epoch {epoch}/{total or '?'}"]
        if logs.get("loss") is not None:
            parts.append(f"loss {logs['loss']:.4f}")
        parts.append(f"elapsed {format_seconds(elapsed)}")
        if total:
            parts.append(f"ETA {format_seconds(elapsed / epoch * max(0, total - epoch))}")
        self._bar.n = epoch
        self._bar.set_description_str(" | ".join(parts))

    def end_stage(self, summary=None):
        """Close the current stage's bar and write its outcome.

        Args:
            summary: optional text about the outcome (e.g. the final loss).
        """
        if self._stage is None:
            return
        name, start, _ = self._stage
        self._stage = None
        if not self.verbose:
            return
        elapsed = format_seconds(time.time() - start)
        self._close_bar(f"done in {elapsed}")
        self._write(f"{name} done in {elapsed}" + (f": {summary}." if summary else "."))


#: displays with an open bar, innermost last (`write_line` writes above the bar).
_active = []


def write_line(text):
    """Write one line through the progress display (above its bar when one is open).

    Args:
        text: the line, without its newline.

    Returns:
        None.

    Example:
        >>> write_line("Resuming the search in runs/digits.")
        Resuming the search in runs/digits.
    """
    if _active:
        _active[-1]._write(text)
        return
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
