"""Ray Tune executor on a local two-node Ray cluster (`ray.cluster_utils.Cluster`): a node dies mid-trial.

Real Ray (a head node and a worker node, one CPU each, both on this machine), tiny models, no mocks.
Marked slow: two Ray nodes start, and each trial process imports TensorFlow.
"""

import json
import os
import sys
import threading
import time

import keras
import numpy as np
import pytest

import trial_records

ray = pytest.importorskip("ray", reason="Ray Tune is not installed (pip install 'autonas[ray]')")

from ray.cluster_utils import Cluster  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture
def two_nodes():
    """A head node (the driver's) and a worker node, one CPU each; Ray notices a dead node within seconds."""
    if ray.is_initialized():
        ray.shutdown()
    os.environ.setdefault("RAY_worker_niceness", "0")  # Ray's default +15 barely runs on a busy machine
    cluster = Cluster(initialize_head=True, head_node_args={
        "num_cpus": 1, "include_dashboard": False,
        "_system_config": {"health_check_initial_delay_ms": 0, "health_check_period_ms": 1000,
                           "health_check_failure_threshold": 3}})
    worker = cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, logging_level="ERROR", log_to_driver=False)
    yield cluster, worker
    ray.shutdown()
    cluster.shutdown()


class HoldOnNode(keras.callbacks.Callback):
    """On node `node_id`, at the end of the first epoch: writes `marker` and waits (until its node is removed)."""

    def __init__(self, marker, node_id, wait=300.0):
        super().__init__()
        self.marker, self.node_id, self.wait = str(marker), node_id, wait

    def on_epoch_end(self, epoch, logs=None):
        from ray import tune

        if ray.get_runtime_context().get_node_id() != self.node_id or os.path.exists(self.marker):
            return
        with open(self.marker, "w") as f:
            json.dump({"pid": os.getpid(), "ray_trial_dir": tune.get_context().get_trial_dir()}, f)
        end = time.time() + self.wait
        while time.time() < end:  # the test removes this node meanwhile; this process dies with it
            time.sleep(0.2)


def _remove_when_marked(cluster, node, marker, removed, timeout=600.0):
    end = time.time() + timeout
    while not os.path.exists(marker) and time.time() < end:
        time.sleep(0.2)
    if os.path.exists(marker):
        cluster.remove_node(node, allow_graceful=False)  # as a machine that dies: its processes SIGKILLed
        removed.set()


@pytest.mark.timeout(1800)  # two Ray nodes and three TensorFlow imports: minutes on a loaded 2-core machine
def test_a_node_removed_mid_trial_the_trial_runs_again_on_the_other_node_and_counts_once(tmp_path, two_nodes):
    import autonas

    cluster, worker = two_nodes
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import this test file
    from sklearn.datasets import load_digits

    d = load_digits()
    order = np.random.default_rng(0).permutation(len(d.data))
    x, y = d.data[order][:360].astype("float32"), d.target[order][:360]
    marker = tmp_path / "held.json"
    removed = threading.Event()
    remover = threading.Thread(target=_remove_when_marked, args=(cluster, worker, str(marker), removed),
                               daemon=True)
    remover.start()
    clf = autonas.StructuredDataClassifier(
        max_trials=2, seed=0, directory=tmp_path, project_name="p", executor="ray", max_concurrent_trials=2,
        resources_per_trial={"cpu": 1}, max_failures=1, ensemble_size=1)
    clf.fit(x, y, epochs=2, verbose=0, callbacks=[HoldOnNode(marker, worker.node_id)])
    remover.join(timeout=60)
    assert removed.is_set(), "no trial reached the end of an epoch on the worker node"
    # every trial once, completed, though one of them was running on the node that died
    board = clf.leaderboard()
    assert sorted(board["trial_id"]) == ["0", "1"]
    assert (board["status"] == "COMPLETED").all()
    assert len(clf.tuner_.oracle.trials) == 2
    records = trial_records.records(tmp_path / "p")
    assert sorted(records) == ["trial_0", "trial_1"]
    held = json.loads(marker.read_text())
    head = cluster.head_node.node_id
    for record in records.values():  # both finished on the head node, the only one left
        assert record["epochs_trained"] == 2 and record["node_id"] == head, record
    # the held trial's second run was another process, on the head node, in the same Ray trial
    rerun = [r for r in records.values() if os.path.basename(held["ray_trial_dir"]).endswith(r["ray_trial_id"])]
    assert len(rerun) == 1, (held, records)
    assert rerun[0]["pid"] != held["pid"]
    assert clf.refit_info_["epochs"] >= 1
