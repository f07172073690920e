"""Safe loading: project state is JSON only; tampering fails clearly, never executes."""

import json
import os
import pickle

import keras
import numpy as np
import pytest

import autonas


@pytest.fixture(scope="module")
def project(tmp_path_factory, small_digits):
    x, y, _, _ = small_digits
    directory = tmp_path_factory.mktemp("sec")
    clf = autonas.ImageClassifier(max_trials=1, seed=0, directory=directory, overwrite=True)
    clf.fit(x, y, epochs=1, verbose=0)
    return directory, clf


def _fresh(directory):
    return autonas.ImageClassifier(max_trials=1, seed=0, directory=directory, overwrite=False)


def test_project_directory_holds_no_pickles(project):
    directory, _ = project
    for root, _, files in os.walk(directory):
        for name in files:
            assert not name.endswith((".pkl", ".pickle")), name
            path = os.path.join(root, name)
            if name.endswith(".json"):
                json.load(open(path))  # every state file is plain JSON
            with open(path, "rb") as f:
                head = f.read(2)
            assert head not in (b"\x80\x04", b"\x80\x05"), f"{path} looks like a pickle"


def test_tampered_trial_json_fails_with_a_clear_error(tmp_path, project, small_digits):
    import shutil

    directory, _ = project
    copy = tmp_path / "copy"
    shutil.copytree(directory, copy)
    trial_file = copy / "image_classifier" / "trial_0" / "trial.json"
    trial_file.write_text('{"trial_id": "0", "hyperparameters": ')
    x, y, _, _ = small_digits
    with pytest.raises(ValueError, match="not valid JSON"):
        _fresh(copy).fit(x, y, epochs=1, verbose=0)


def test_structurally_tampered_state_fails_clearly(tmp_path, project, small_digits):
    import shutil

    directory, _ = project
    copy = tmp_path / "copy"
    shutil.copytree(directory, copy)
    oracle_file = copy / "image_classifier" / "oracle.json"
    state = json.loads(oracle_file.read_text())
    state["hyperparameters"] = {"space": [{"class_name": "os.system", "config": {"command": "touch pwned"}}]}
    oracle_file.write_text(json.dumps(state))
    x, y, _, _ = small_digits
    with pytest.raises(ValueError, match="could not be reloaded"):
        _fresh(copy).fit(x, y, epochs=1, verbose=0)
    assert not (tmp_path / "pwned").exists() and not os.path.exists("pwned")


def test_pickle_planted_in_the_project_is_never_loaded(tmp_path, project, small_digits):
    import shutil

    directory, _ = project
    copy = tmp_path / "copy"
    shutil.copytree(directory, copy)
    marker = tmp_path / "executed"

    class Exploit:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    for name in ["oracle.pkl", "tuner0.pkl", "trial_0/trial.pkl"]:
        (copy / "image_classifier" / name).write_bytes(pickle.dumps(Exploit()))
    x, y, _, _ = small_digits
    clf = _fresh(copy)
    clf.fit(x, y, epochs=1, verbose=0)
    assert not marker.exists()


def test_keras_export_loads_in_safe_mode(tmp_path, project):
    _, clf = project
    path = clf.export(tmp_path / "m.keras", format="keras")
    model = keras.models.load_model(path, safe_mode=True)
    x = np.zeros((2, 8, 8), "float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), clf.predict_proba(x), atol=1e-6)
