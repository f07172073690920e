"""Fencing: a worker writes a trial's files where the trial's next holder cannot see them, until it knows it holds
the trial.

A worker whose lease expired (it stalled, or lost the network) may still be
training when the chief hands its trial to another worker. Without a fence
both would write the same trial folder. Here a worker writes each trial into a
folder of its own (``.staging/<worker>-trial_<id>-g<generation>`` in the project
directory); when training ends it asks the chief whether it still holds that
assignment, and only then moves the files into the trial folder and reports
the result. A worker that lost the assignment deletes its folder: it has
written nothing into the trial folder.

A worker that hears nothing from the chief for ``lease_timeout`` seconds while
it runs a trial knows the chief has given the trial away: it stops training,
writes nothing, and stops itself (`WorkerCutOff`).

Example:
    >>> fence = Fence(session, "runs/p")                       # doctest: +SKIP
    >>> tuner.fence = fence                                     # doctest: +SKIP
"""

import logging
import os
import re
import shutil

logger = logging.getLogger("autonas")

#: the folder of the project directory that holds the trials being written by workers.
STAGING = ".staging"


class WorkerCutOff(RuntimeError):
    """Raised on a worker that heard nothing from the chief for ``lease_timeout`` seconds while running a trial.

    The chief has expired the lease by then and handed the trial to another
    worker; this worker dropped its result and stops (a supervisor may start
    it again once the network is back).
    """


class Fence:
    """Where a worker's trials are written, and the move into the trial folder once the lease is confirmed.

    Args:
        session: the worker's `autonas.distribute.worker.WorkerSession`
            (its `confirm` asks the chief; its `generation` names the assignment).
        project_dir: the search's project directory (shared by the chief and the workers).

    Example:
        >>> fence = Fence(session, "runs/p")                               # doctest: +SKIP
        >>> fence.commit("3", "runs/p/trial_3")                            # doctest: +SKIP
        True
    """

    def __init__(self, session, project_dir):
        self.session = session
        self.project_dir = project_dir

    def trial_dir(self, trial_id):
        """The folder the worker writes trial `trial_id` into (its current assignment's own)."""
        worker = re.sub(r"[^A-Za-z0-9._-]", "_", str(self.session.tuner_id))
        return os.path.join(self.project_dir, STAGING, f"{worker}-trial_{trial_id}-g{self.session.generation}")

    def commit(self, trial_id, final_dir):
        """Move the trial's files into `final_dir` if the chief confirms the lease; else delete them.

        Args:
            trial_id: the trial just run.
            final_dir: the trial folder.

        Returns:
            True when the files were moved (the result may be reported), False
            when the lease was lost (nothing was written into `final_dir`).
        """
        staged = self.trial_dir(trial_id)
        if not self.session.confirm():
            logger.warning("Worker %s no longer holds trial %s: its files are deleted, the trial folder is left "
                           "to the trial's new holder.", self.session.tuner_id, trial_id)
            shutil.rmtree(staged, ignore_errors=True)
            return False
        for root, _, files in os.walk(staged):
            target = os.path.join(final_dir, os.path.relpath(root, staged))
            os.makedirs(target, exist_ok=True)
            for name in files:
                os.replace(os.path.join(root, name), os.path.join(target, name))
        shutil.rmtree(staged, ignore_errors=True)
        return True
