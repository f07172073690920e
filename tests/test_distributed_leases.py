"""Chief-side leases: unit tests with a real oracle and a test clock, then real gRPC on loopback."""

import json
import os
import threading
import time

import keras
import pytest

from autonas import search
from autonas._compat import keras_tuner as _kt
from autonas.distribute import chief, launch, protocol, role
from autonas.tuner import Tuner

MAX_TRIALS = 4


def _build(hp):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(hp.Choice("units", [1, 2, 3, 4, 5, 6, 7, 8]))])
    hp.Choice("rate", [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])
    model.compile(loss="mse")
    return model


def _tuner(tmp_path, strategy="random", max_trials=MAX_TRIALS):
    oracle = search.get_oracle(strategy, objective="val_loss", max_trials=max_trials, seed=0)
    if hasattr(oracle, "set_max_epochs"):  # epoch-budget strategies (hyperband) learn it from fit's epochs
        oracle.set_max_epochs(2)
    return Tuner(oracle, _build, directory=str(tmp_path), project_name="p")


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def _complete(leases, tuner_id, trial, value=0.5):
    leases.update_trial(tuner_id, trial.trial_id, {"val_loss": value}, step=0)
    trial.status = "COMPLETED"
    return leases.end_trial(tuner_id, trial)


def test_internals_are_in_place():
    assert _kt.check_distributed() is True


def test_dead_worker_trial_goes_to_another_worker(tmp_path):
    tuner = _tuner(tmp_path)
    clock = Clock()
    record = tmp_path / "leases.json"
    leases = chief.Leases(tuner.oracle, lease_timeout=10, clock=clock, record_path=str(record))
    a = leases.create_trial("worker-a")
    b = leases.create_trial("worker-b")
    assert a.status == b.status == "RUNNING" and a.trial_id != b.trial_id
    assert leases.create_trial("worker-a").trial_id == a.trial_id  # same trial while held

    # worker-b finishes everything else; worker-a goes silent holding its trial.
    for _ in range(MAX_TRIALS - 1):
        clock.now += 4
        leases.heartbeat("worker-b", b.trial_id)
        assert _complete(leases, "worker-b", b)
        # Ended by its own worker, the trial is no longer held but not lost either.
        assert leases.heartbeat("worker-b", b.trial_id) == {"trial_id": b.trial_id, "held": False, "lost": False,
                                                             "generation": None,
                                                             "interval": leases.heartbeat_interval,
                                                             "lease_timeout": leases.lease_timeout}
        b = leases.create_trial("worker-b")
        if b.status != "RUNNING":
            break
    assert b.status == "IDLE"  # max_trials reached, but worker-a's trial may still need a taker
    assert not leases.finished()

    clock.now += 11
    leases.touch("worker-b")
    assert leases.expire() == [a.trial_id]
    assert "worker-a" not in tuner.oracle.ongoing_trials
    taken = leases.create_trial("worker-b")
    assert taken.trial_id == a.trial_id and taken.status == "RUNNING"

    # The dead worker comes back late: its report is ignored.
    assert leases.heartbeat("worker-a", a.trial_id)["held"] is False
    assert leases.heartbeat("worker-a", a.trial_id)["lost"] is True
    assert leases.heartbeat("worker-b", taken.trial_id)["held"] is True
    assert leases.heartbeat("worker-b", taken.trial_id)["lost"] is False
    assert not _complete(leases, "worker-a", a, value=99.0)
    assert _complete(leases, "worker-b", taken, value=0.25)
    assert leases.create_trial("worker-b").status == "STOPPED"
    assert leases.finished()

    trials = tuner.oracle.trials
    assert len(trials) == MAX_TRIALS and all(t.status == "COMPLETED" for t in trials.values())
    assert trials[a.trial_id].score == 0.25
    history = json.loads(record.read_text())["trials"][a.trial_id]
    assert [(h["tuner_id"], h["outcome"]) for h in history] == [("worker-a", "lease expired"),
                                                                 ("worker-b", "completed")]


def test_a_worker_given_its_own_expired_trial_back_holds_it_and_the_search_ends(tmp_path):
    """A stall longer than the lease, or a supervisor restarting the worker under the same id: the same worker
    gets the same trial back. Its new assignment (a new generation) is held, not lost."""
    tuner = _tuner(tmp_path, max_trials=1)
    clock = Clock()
    leases = chief.Leases(tuner.oracle, lease_timeout=5, clock=clock)
    first = leases.create_trial("w")
    assert leases.heartbeat("w", first.trial_id)["generation"] == 1
    clock.now += 6
    assert leases.expire() == [first.trial_id]
    assert leases.heartbeat("w", first.trial_id)["lost"] is True
    again = leases.create_trial("w")
    assert again.trial_id == first.trial_id and again.status == "RUNNING"
    beat = leases.heartbeat("w", again.trial_id)
    assert beat["held"] is True and beat["lost"] is False and beat["generation"] == 2
    assert leases.heartbeat("w", again.trial_id, generation=1)["lost"] is True  # the old assignment stays lost
    assert leases.heartbeat("w", again.trial_id, generation=2)["lost"] is False
    assert _complete(leases, "w", again)
    assert leases.create_trial("w").status == "STOPPED"
    assert leases.finished()


def test_a_restarted_worker_runs_its_own_expired_trial_over_grpc(tmp_path, monkeypatch):
    """The worker side: a session that gets back a trial an earlier session of the same id lost keeps training."""
    tuner = _tuner(tmp_path, max_trials=1)
    leases = chief.Leases(tuner.oracle, lease_timeout=0.6)
    server = chief.Chief(leases, "127.0.0.1", 0).start()
    try:
        client, session = _client(monkeypatch, tuner, server.port, "w")
        trial = client.create_trial("w")
        session.begin(trial.trial_id)
        assert session.generation == 1 and not session.lease_lost()
        session.close()  # the worker stalls past its lease (or dies and is restarted under the same id)
        time.sleep(1.0)
        assert leases.expire() == [trial.trial_id]
        client, session = _client(monkeypatch, tuner, server.port, "w")
        again = client.create_trial("w")
        assert again.trial_id == trial.trial_id
        session.begin(again.trial_id)
        time.sleep(0.5)  # a few heartbeats
        assert session.generation == 2 and not session.lease_lost()
        client.update_trial(again.trial_id, {"val_loss": 0.5}, step=0)
        again.status = "COMPLETED"
        client.end_trial(again)
        session.end()
        assert client.create_trial("w").status == "STOPPED"
        session.close()
        assert leases.finished()
        assert tuner.oracle.trials[trial.trial_id].status == "COMPLETED"
    finally:
        server.stop(grace=0)


def test_the_lease_guard_keeps_asynchronous_dispatch():
    """Keras dispatches batches asynchronously (JAX) only when every callback says it is async_safe."""
    from autonas.distribute.worker import LeaseGuard

    assert LeaseGuard(session=None).async_safe is True


def test_trial_that_kills_workers_fails_after_max_losses(tmp_path):
    tuner = _tuner(tmp_path, max_trials=1)
    clock = Clock()
    ended = []
    leases = chief.Leases(tuner.oracle, lease_timeout=5, max_lease_losses=2, clock=clock, on_trial_end=ended.append)
    first = leases.create_trial("w1")
    clock.now += 6
    assert leases.expire() == [first.trial_id]
    second = leases.create_trial("w2")
    assert second.trial_id == first.trial_id
    clock.now += 6
    assert leases.expire() == [first.trial_id]
    trial = tuner.oracle.trials[first.trial_id]
    assert trial.status == "FAILED" and "stopped responding 2 times" in trial.message
    assert [t.trial_id for t in ended] == [first.trial_id]
    assert leases.create_trial("w3").status == "STOPPED"
    assert leases.finished()


def test_silent_idle_worker_is_not_waited_for(tmp_path):
    tuner = _tuner(tmp_path, max_trials=1)
    clock = Clock()
    leases = chief.Leases(tuner.oracle, lease_timeout=5, clock=clock)
    trial = leases.create_trial("busy")
    assert leases.create_trial("idle").status == "IDLE"
    assert _complete(leases, "busy", trial)
    assert leases.create_trial("busy").status == "STOPPED"
    assert not leases.finished()  # "idle" has not been told yet
    clock.now += 6
    leases.expire()
    assert leases.finished()


def test_time_budget_stops_new_trials(tmp_path):
    tuner = _tuner(tmp_path)
    budget = {"open": True}
    leases = chief.Leases(tuner.oracle, lease_timeout=5, can_start=lambda: budget["open"])
    trial = leases.create_trial("w")
    budget["open"] = False
    assert leases.create_trial("v").status == "STOPPED"
    assert _complete(leases, "w", trial)
    assert leases.create_trial("w").status == "STOPPED"
    assert leases.finished() and len(tuner.oracle.trials) == 1


def test_failures_in_a_row_stop_the_search_with_their_message(tmp_path):
    oracle = search.get_oracle("random", objective="val_loss", max_trials=10, seed=0,
                               max_consecutive_failed_trials=2)
    tuner = Tuner(oracle, _build, directory=str(tmp_path), project_name="p")
    leases = chief.Leases(tuner.oracle, lease_timeout=5)
    for _ in range(2):
        trial = leases.create_trial("w")
        leases.set_message("w", trial.trial_id, "ValueError: boom")
        trial.status = "FAILED"
        assert leases.end_trial("w", trial)
    assert leases.create_trial("w").status == "STOPPED"
    assert all(t.message == "ValueError: boom" for t in tuner.oracle.trials.values())


def test_a_strategy_error_stops_the_search_without_deadlocking_the_chief(tmp_path):
    class Broken(search.RandomSearch):
        def propose(self, trial_id):
            raise RuntimeError("broken strategy")

    oracle = Broken(objective="val_loss", max_trials=4, seed=0)  # the first trial is the warm start
    tuner = Tuner(oracle, _build, directory=str(tmp_path), project_name="p")
    leases = chief.Leases(tuner.oracle, lease_timeout=5)
    first = leases.create_trial("w1")
    assert first.status == "RUNNING"
    assert leases.create_trial("w2").status == "STOPPED"
    assert "broken strategy" in leases.failure
    ended = []
    thread = threading.Thread(target=lambda: ended.append(_complete(leases, "w1", first)), daemon=True)
    thread.start()
    thread.join(timeout=10)
    assert ended == [True], "KerasTuner's oracle lock was left held after the strategy raised"
    assert leases.create_trial("w1").status == "STOPPED" and leases.finished()


@pytest.mark.skipif("hyperband" not in search.STRATEGIES, reason="no hyperband strategy registered")
def test_tuner_gives_fit_epochs_to_epoch_budget_strategies(tmp_path):
    import numpy as np

    oracle = search.get_oracle("hyperband", objective="val_loss", max_trials=2, seed=0)
    tuner = Tuner(oracle, _build, directory=str(tmp_path), project_name="p")
    x, y = np.zeros((8, 2), "float32"), np.zeros((8, 1), "float32")
    tuner.search(train=(x, y), validation=(x, y), epochs=2, verbose=0)
    assert oracle.max_epochs == 2
    assert [t.status for t in oracle.trials.values()] == ["COMPLETED", "COMPLETED"]


@pytest.mark.parametrize("bad", [0, -1, "soon", True, float("inf")])
def test_lease_timeout_is_validated(bad):
    with pytest.raises(ValueError, match="lease_timeout"):
        chief.check_lease_timeout(bad)


def test_addresses_and_ids():
    assert launch.parse_address("127.0.0.1:8000") == ("127.0.0.1", 8000)
    assert launch.parse_address("[::1]:9") == ("::1", 9)
    for bad in ("127.0.0.1", "host:0", "host:port"):
        with pytest.raises(ValueError, match="chief"):
            launch.parse_address(bad)
    assert "chief" not in launch.default_worker_id()
    assert chief.is_loopback("127.0.0.2") and chief.is_loopback("::1") and chief.is_loopback("localhost")
    assert not chief.is_loopback("0.0.0.0")


def test_run_worker_rejects_a_chief_like_id(tmp_path):
    script = tmp_path / "s.py"
    script.write_text("")
    with pytest.raises(ValueError, match="tuner_id"):
        launch.run_worker(str(script), "127.0.0.1:8000", tuner_id="chief-2")
    with pytest.raises(FileNotFoundError, match="script"):
        launch.run_chief(str(tmp_path / "missing.py"))


def test_non_loopback_bind_is_warned(caplog):
    with caplog.at_level("WARNING", logger="autonas"):
        chief.warn_if_exposed("0.0.0.0")
        chief.warn_if_exposed("127.0.0.1")
    assert len(caplog.records) == 1 and "0.0.0.0" in caplog.records[0].getMessage()


def test_a_chief_beyond_loopback_needs_a_token(tmp_path):
    leases = chief.Leases(_tuner(tmp_path).oracle, lease_timeout=5.0)
    with pytest.raises(ValueError, match="AUTONAS_TOKEN"):
        chief.Chief(leases, "0.0.0.0", 0)
    with pytest.raises(ValueError, match="at least 16"):
        chief.Chief(leases, "0.0.0.0", 0, token="short")


def test_calls_without_the_token_or_the_tuner_id_are_refused(tmp_path):
    import grpc

    from autonas.distribute.worker import WorkerSession

    tuner = _tuner(tmp_path, max_trials=1)
    leases = chief.Leases(tuner.oracle, lease_timeout=5.0)
    token = "s3cret-token-0123456789"
    server = chief.Chief(leases, "127.0.0.1", 0, token=token).start()
    sessions = []
    try:
        def heartbeat(tuner_id, token):
            session = WorkerSession(f"127.0.0.1:{server.port}", tuner_id, interval=60, token=token)
            sessions.append(session)
            return session._heartbeat({"trial_id": None}, timeout=5, wait_for_ready=True)

        with pytest.raises(grpc.RpcError) as refused:
            heartbeat("w1", None)
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        with pytest.raises(grpc.RpcError) as refused:
            heartbeat("w1", "another-token-0123456789")
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        with pytest.raises(grpc.RpcError) as refused:
            heartbeat("", token)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert heartbeat("w1", token)["held"] is False
        # KerasTuner's own calls too: a trial cannot be taken or ended without the token
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            stub = _kt.oracle_stub(channel)
            with pytest.raises(grpc.RpcError) as refused:
                stub.CreateTrial(_kt.messages().CreateTrialRequest(tuner_id="intruder"), timeout=5)
            assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert not tuner.oracle.trials
    finally:
        for session in sessions:
            session.close()
        server.stop(grace=0)


# -- real gRPC on loopback, in one process ---------------------------------------------


def _client(monkeypatch, tuner, port, tuner_id):
    from keras_tuner.src.distribute import oracle_client

    from autonas.distribute.worker import WorkerSession

    monkeypatch.setenv("KERASTUNER_ORACLE_IP", "127.0.0.1")
    monkeypatch.setenv("KERASTUNER_ORACLE_PORT", str(port))
    monkeypatch.setenv("KERASTUNER_TUNER_ID", tuner_id)
    client = oracle_client.OracleClient(tuner.oracle)
    session = WorkerSession(f"127.0.0.1:{port}", tuner_id, interval=0.2)
    client.stub = session.stub
    return client, session


def _run_client(client, session, tuner_id, done, die_after=None, pause=0.05):
    """A worker without Keras: report a made-up score for every trial."""
    count = 0
    while True:
        trial = client.create_trial(tuner_id)
        if trial.status == "STOPPED":
            break
        if trial.status == "IDLE":
            time.sleep(0.1)
            continue
        session.trial_id = trial.trial_id
        if die_after is not None and count >= die_after:
            session.close()  # dies holding a trial: no heartbeat, no report
            done[tuner_id] = count
            return
        time.sleep(pause)
        values = trial.hyperparameters.values
        client.update_trial(trial.trial_id, {"val_loss": float(values.get("rate", 0.5))}, step=0)
        trial.status = "COMPLETED"
        client.end_trial(trial)
        session.trial_id = None
        count += 1
    session.close()
    done[tuner_id] = count


# "darts" proposes only the cells its supernet search derived, and that search runs in the
# DARTS tuner on the chief before it serves (see autonas.darts.tuner), not in the oracle.
@pytest.mark.parametrize("strategy", sorted(set(search.STRATEGIES) - {"darts"}))
def test_every_strategy_behind_a_chief_over_grpc(tmp_path, monkeypatch, strategy):
    tuner = _tuner(tmp_path, strategy=strategy)
    assert role() is None
    leases = chief.Leases(tuner.oracle, lease_timeout=1.0, record_path=str(tmp_path / "leases.json"))
    server = chief.Chief(leases, "127.0.0.1", 0).start()
    clients = [_client(monkeypatch, tuner, server.port, f"w{i}") for i in range(2)]
    done = {}
    threads = [threading.Thread(target=_run_client, args=(c, s, f"w{i}", done), kwargs={"pause": 0.2},
                                daemon=True) for i, (c, s) in enumerate(clients)]
    for t in threads:
        t.start()
    assert server.wait(poll=0.1, timeout=60), "the chief did not finish"
    for t in threads:
        t.join(timeout=10)
    assert leases.failure is None
    assert done.keys() == {"w0", "w1"} and sum(done.values()) == len(tuner.oracle.trials)
    assert all(t.status == "COMPLETED" for t in tuner.oracle.trials.values())
    assert tuner.oracle.get_best_trials(1)[0].score is not None


def test_worker_dying_mid_trial_over_grpc(tmp_path, monkeypatch):
    tuner = _tuner(tmp_path)
    leases = chief.Leases(tuner.oracle, lease_timeout=1.0, record_path=str(tmp_path / "leases.json"))
    server = chief.Chief(leases, "127.0.0.1", 0).start()
    (c0, s0), (c1, s1) = [_client(monkeypatch, tuner, server.port, f"w{i}") for i in range(2)]
    done = {}
    dying = threading.Thread(target=_run_client, args=(c0, s0, "w0", done), kwargs={"die_after": 0}, daemon=True)
    dying.start()
    dying.join(timeout=20)
    survivor = threading.Thread(target=_run_client, args=(c1, s1, "w1", done), daemon=True)
    survivor.start()
    started = time.monotonic()
    assert server.wait(poll=0.1, timeout=60), "the chief hung on a dead worker"
    survivor.join(timeout=10)
    assert time.monotonic() - started >= 1.0  # the dead worker's trial waited for its lease to expire
    assert done == {"w0": 0, "w1": MAX_TRIALS}
    assert all(t.status == "COMPLETED" for t in tuner.oracle.trials.values())
    record = json.loads((tmp_path / "leases.json").read_text())["trials"]
    expired = [tid for tid, hist in record.items() if hist[0]["outcome"] == "lease expired"]
    assert len(expired) == 1 and record[expired[0]][-1] == {**record[expired[0]][-1], "tuner_id": "w1",
                                                            "outcome": "completed"}
    assert os.path.exists(tmp_path / "p" / "oracle.json")


@pytest.mark.slow
def test_a_worker_started_long_before_its_chief_reaches_it_at_once(tmp_path):
    """gRPC's default reconnection backoff grows to minutes; a waiting worker would miss the first trials."""
    import socket

    from autonas.distribute.worker import WorkerSession

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    session = WorkerSession(f"127.0.0.1:{port}", "early", interval=0.2)
    try:
        time.sleep(10)  # by default the next attempt would come 4-9 s later
        leases = chief.Leases(_tuner(tmp_path).oracle, lease_timeout=5.0)
        server = chief.Chief(leases, "127.0.0.1", port).start()
        try:
            answer = session._heartbeat({"trial_id": None}, timeout=2.5, wait_for_ready=True)
        finally:
            server.stop(grace=0)
    finally:
        session.close()
    assert answer["held"] is False and answer["interval"] == leases.heartbeat_interval


def test_protocol_round_trip():
    assert protocol.decode(protocol.encode({"a": [1, "x"]})) == {"a": [1, "x"]}
    assert protocol.decode(b"\xff") == {} and protocol.decode(b"[1]") == {}


def test_an_oracle_error_does_not_leave_the_chief_locked(tmp_path, monkeypatch):
    """A strategy that raises inside a synchronized oracle call must not hang later calls."""
    tuner = _tuner(tmp_path)
    oracle = tuner.oracle
    original = oracle.propose
    calls = {"n": 0}

    def failing_once(trial_id):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("the strategy failed once")
        return original(trial_id)

    monkeypatch.setattr(oracle, "propose", failing_once)
    oracle.initial_hps = []
    with pytest.raises(RuntimeError, match="failed once"):
        oracle.create_trial("w0")
    result = {}
    thread = threading.Thread(target=lambda: result.update(trial=oracle.create_trial("w1")), daemon=True)
    thread.start()
    thread.join(timeout=20)
    assert not thread.is_alive(), "the oracle lock leaked: a second thread could not create a trial"
    assert result["trial"].status == "RUNNING"
