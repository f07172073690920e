"""The chief/worker mode under stress, over real gRPC on loopback: heartbeats while every server thread waits for the
oracle's lock, candidate builds outside that lock, fencing of a worker that lost its lease, and TLS."""

import os
import shutil
import subprocess
import threading
import time

import keras
import numpy as np
import pytest

from autonas import search
from autonas._compat import keras_tuner as _kt
from autonas.distribute import chief, tls
from autonas.distribute.fence import STAGING, WorkerCutOff
from autonas.distribute.worker import WorkerSession
from autonas.tuner import Tuner

WORKER_FILES = {"autonas_trial.json", "checkpoint.weights.npz", "validation_predictions.npy"}


def _build(hp):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(hp.Choice("units", [2, 4, 8, 16]), activation="relu"),
                              keras.layers.Dense(1)])
    model.compile(loss="mse")
    return model


def _oracle(tmp_path, max_trials=2):
    """A strategy's oracle with its project directory (a chief's tuner around it)."""
    oracle = search.get_oracle("random", objective="val_loss", max_trials=max_trials, seed=0)
    return Tuner(oracle, _build, directory=str(tmp_path), project_name="p").oracle


def _held_lock(oracle):
    """Hold the oracle's lock in another thread (a slow strategy) until the returned event is set."""
    held, release = threading.Event(), threading.Event()

    def hold():
        with _kt.oracle_lock(oracle):
            held.set()
            release.wait(60)

    threading.Thread(target=hold, daemon=True).start()
    assert held.wait(10)
    return release


def test_heartbeats_are_answered_while_every_server_thread_waits_for_the_oracle_lock(tmp_path):
    oracle = _oracle(tmp_path)
    leases = chief.Leases(oracle, lease_timeout=5)
    server = chief.Chief(leases, "127.0.0.1", 0, threads=2).start()
    sessions = [WorkerSession(f"127.0.0.1:{server.port}", f"w{i}", interval=60) for i in range(4)]
    release = _held_lock(oracle)
    try:
        # three workers ask for trials: more calls waiting for the lock than the server has threads
        asks = [s.stub.CreateTrial.future(_kt.messages().CreateTrialRequest(tuner_id=f"w{i}"), timeout=60)
                for i, s in enumerate(sessions[:3])]
        time.sleep(0.5)
        assert not any(a.done() for a in asks)
        answer = sessions[3]._heartbeat({"trial_id": None}, timeout=10)  # DEADLINE_EXCEEDED if it queued
        assert answer["held"] is False and answer["lease_timeout"] == 5
        assert not any(a.done() for a in asks)  # the lock was still held while the heartbeat was answered
        release.set()
        statuses = sorted(str(a.result().trial.status) for a in asks)
        assert len(oracle.trials) == 2, statuses
    finally:
        release.set()
        for s in sessions:
            s.close()
        server.stop(grace=0)


def test_candidate_builds_run_outside_the_oracle_lock_one_trial_created_at_a_time(tmp_path):
    oracle = _oracle(tmp_path, max_trials=3)
    building, finish_build = threading.Event(), threading.Event()
    block = {"on": False}

    def constraint(values):  # the feasibility check: on the chief it builds the candidate (seconds)
        if block["on"]:
            building.set()
            assert finish_build.wait(60)
        return True, None

    oracle.constraint = constraint
    leases = chief.Leases(oracle, lease_timeout=5)
    first = leases.create_trial("b")
    block["on"] = True
    created = {}
    threads = [threading.Thread(target=lambda w=w: created.__setitem__(w, leases.create_trial(w)), daemon=True)
               for w in ("a", "c")]
    threads[0].start()
    assert building.wait(10)
    threads[1].start()  # waits for the first proposal (trial ids come from the trial count)
    ended = threading.Thread(target=lambda: (leases.update_trial("b", first.trial_id, {"val_loss": 0.3}),
                                             setattr(first, "status", "COMPLETED"),
                                             created.__setitem__("ended", leases.end_trial("b", first))),
                             daemon=True)
    ended.start()
    ended.join(20)  # blocks for good when the build holds the lock
    assert created.get("ended") is True, "the end of another trial waited for a candidate's build"
    assert oracle.trials[first.trial_id].status == "COMPLETED"
    assert "a" not in created and "c" not in created
    finish_build.set()
    for t in threads:
        t.join(20)
    assert created["a"].status == "RUNNING" and created["c"].status == "RUNNING"
    assert len({first.trial_id, created["a"].trial_id, created["c"].trial_id}) == 3


# -- a real worker (Keras training) against a chief in this process ---------------------------


@pytest.fixture
def worker_env(monkeypatch, tmp_path):
    """A chief's tuner and a worker's tuner over one project directory; yields a function starting the chief."""
    chief_tuner = Tuner(search.get_oracle("random", objective="val_loss", max_trials=1, seed=0), _build,
                        directory=str(tmp_path), project_name="p")

    def start(lease_timeout):
        leases = chief.Leases(chief_tuner.oracle, lease_timeout=lease_timeout)
        server = chief.Chief(leases, "127.0.0.1", 0).start()
        monkeypatch.setenv("KERASTUNER_ORACLE_IP", "127.0.0.1")
        monkeypatch.setenv("KERASTUNER_ORACLE_PORT", str(server.port))
        monkeypatch.setenv("KERASTUNER_TUNER_ID", "w1")
        monkeypatch.setenv("AUTONAS_CHIEF_TIMEOUT", "10")
        worker_tuner = Tuner(search.get_oracle("random", objective="val_loss", max_trials=1, seed=0), _build,
                             directory=str(tmp_path), project_name="p")
        return leases, server, worker_tuner

    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 2)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    yield start, {"train": (x[:64], y[:64]), "validation": (x[64:], y[64:]), "epochs": 3, "batch_size": 16,
                  "verbose": 0}
    _kt.set_client_timeout(600)


def _worker_files(folder):
    return sorted(WORKER_FILES & set(os.listdir(folder))) if os.path.isdir(folder) else []


class OnEpoch(keras.callbacks.Callback):
    """Calls `action` at the end of the first epoch of the first run, and `then` when the next run begins."""

    def __init__(self, action, then=None):
        super().__init__()
        self.action, self.then, self.runs = action, then, 0

    def __deepcopy__(self, memo):
        return self  # the runner copies callbacks per trial; this one counts the runs

    def on_train_begin(self, logs=None):
        self.runs += 1
        if self.runs == 2 and self.then is not None:
            self.then()

    def on_epoch_end(self, epoch, logs=None):
        if self.runs == 1 and epoch == 0:
            self.action()


def test_a_worker_that_lost_its_lease_writes_nothing_into_the_trial_folder(worker_env, tmp_path):
    from autonas.distribute import worker

    start, fit = worker_env
    leases, server, tuner = start(lease_timeout=30)
    trial_dir = tmp_path / "p" / "trial_0"
    seen = {}

    def expire():  # the chief gives up on the worker (a stall longer than the lease) while it trains
        leases.last_seen["w1"] = -1e9
        assert leases.expire() == ["0"]

    def look():  # the same worker gets the trial back: what did its lost run leave in the trial folder?
        seen["files"] = _worker_files(trial_dir)

    try:
        reported = worker.work(tuner, {**fit, "callbacks": [OnEpoch(expire, look)]})
        assert server.wait(poll=0.1, timeout=30)
    finally:
        server.stop(grace=0)
    assert seen["files"] == [], seen  # the lost run wrote nothing there
    assert reported == 1  # the second assignment ran, was confirmed and reported
    assert set(_worker_files(trial_dir)) >= {"autonas_trial.json", "checkpoint.weights.npz"}
    assert leases.oracle.trials["0"].status == "COMPLETED"
    assert not os.listdir(tmp_path / "p" / STAGING)


def test_a_worker_cut_off_from_its_chief_stops_itself_and_writes_nothing(worker_env, tmp_path):
    from autonas.distribute import worker

    start, fit = worker_env
    leases, server, tuner = start(lease_timeout=1.0)

    def partition():  # the chief vanishes for longer than the lease
        server.stop(grace=0)
        time.sleep(1.5)

    with pytest.raises(WorkerCutOff, match="lease_timeout"):
        worker.work(tuner, {**fit, "epochs": 5, "callbacks": [OnEpoch(partition)]})
    assert _worker_files(tmp_path / "p" / "trial_0") == []
    assert not os.listdir(tmp_path / "p" / STAGING)


# -- TLS ----------------------------------------------------------------------------------------


def _self_signed(folder, name="chief"):
    """A self-signed certificate for 127.0.0.1 and localhost: (cert PEM, key PEM)."""
    try:
        import cryptography  # noqa: F401
    except ImportError:
        cryptography = None
    if cryptography is not None:
        import datetime
        import ipaddress

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(days=1))
                .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                            x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                               critical=False)
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(key, hashes.SHA256()))
        return (cert.public_bytes(serialization.Encoding.PEM),
                key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    if shutil.which("openssl") is None:
        pytest.skip("neither the `cryptography` package nor the `openssl` command is available to make a "
                    "self-signed certificate")
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", f"/CN={name}",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    return cert.read_bytes(), key.read_bytes()


def test_tls_chief_talks_only_to_workers_that_trust_its_certificate(tmp_path):
    import grpc

    cert, key = _self_signed(tmp_path)
    other, _ = _self_signed(tmp_path, "other")
    oracle = _oracle(tmp_path, max_trials=1)
    leases = chief.Leases(oracle, lease_timeout=5)
    token = "s3cret-token-0123456789"
    server = chief.Chief(leases, "127.0.0.1", 0, token=token, tls=(cert, key)).start()
    sessions = []

    def session(trusted):
        sessions.append(WorkerSession(f"127.0.0.1:{server.port}", "w1", interval=60, token=token, trusted=trusted))
        return sessions[-1]

    try:
        good = session(cert)
        assert good._heartbeat({"trial_id": None}, timeout=10, wait_for_ready=True)["held"] is False
        trial = good.stub.CreateTrial(_kt.messages().CreateTrialRequest(tuner_id="w1"), timeout=10).trial
        assert trial.trial_id == "0" and leases.holds("w1", "0")
        for trusted in (None, other):  # a plain connection, or a certificate the worker does not trust
            with pytest.raises(grpc.RpcError) as refused:
                session(trusted)._heartbeat({"trial_id": None}, timeout=3)
            assert refused.value.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
    finally:
        for s in sessions:
            s.close()
        server.stop(grace=0)


def test_tls_settings_are_validated(tmp_path):
    with pytest.raises(ValueError, match="AUTONAS_TLS_KEY"):
        tls.server_tls_from_env({tls.CERT_ENV: str(tmp_path / "c.pem")})
    with pytest.raises(ValueError, match="AUTONAS_TLS_CERT must name a readable PEM file"):
        tls.server_tls_from_env({tls.CERT_ENV: str(tmp_path / "missing.pem"), tls.KEY_ENV: str(tmp_path / "k")})
    with pytest.raises(ValueError, match="`tls` must hold PEM data"):
        chief.Chief(chief.Leases(_oracle(tmp_path), lease_timeout=5), "127.0.0.1", 0, tls=(b"cert", b"key"))
    assert tls.server_tls_from_env({}) is None and tls.trusted_from_env({}) is None
