"""Durations, atomic JSON and the small helpers."""

import json
import os

import pytest

from autonas.utils import atomic_write_json, parse_duration, read_json, to_snake_case


@pytest.mark.parametrize("text,seconds", [("90s", 90), ("30m", 1800), ("2h", 7200), ("1h30m", 5400), (45, 45)])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["soon", "10 parsecs", "-5m", 0, -1])
def test_parse_duration_rejects_bad_values(bad):
    with pytest.raises(ValueError, match="max_time"):
        parse_duration(bad)


def test_atomic_write_json_round_trip_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "state.json"
    atomic_write_json(path, {"a": [1, 2]})
    atomic_write_json(path, {"a": [3]})
    assert read_json(path) == {"a": [3]}
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_read_json_reports_corrupt_files(tmp_path):
    path = tmp_path / "state.json"
    path.write_text('{"a": ')
    with pytest.raises(ValueError, match="not valid JSON"):
        read_json(path)


def test_snake_case():
    assert to_snake_case("ImageBlock") == "image_block"
    assert json.dumps(to_snake_case("DenseBlock")) == '"dense_block"'


KILLED_WHILE_WRITING = """
import importlib.util, os, signal, sys
spec = importlib.util.spec_from_file_location("io_module", sys.argv[1])
io_module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(io_module)
with io_module.atomic_folder(sys.argv[2]) as tmp:
    os.makedirs(os.path.join(tmp, "variables"))
    with open(os.path.join(tmp, "saved_model.pb"), "w") as f:
        f.write("half")
    os.kill(os.getpid(), signal.SIGKILL)  # killed mid-export: no metadata written yet
"""


@pytest.mark.parametrize("existing", [False, True])
def test_a_process_killed_while_exporting_leaves_the_old_export_or_none(tmp_path, existing):
    import subprocess
    import sys

    from autonas.utils import io as io_module

    target = tmp_path / "serving" / "1"
    if existing:
        target.mkdir(parents=True)
        (target / "complete.txt").write_text("previous export")
    done = subprocess.run([sys.executable, "-c", KILLED_WHILE_WRITING, io_module.__file__, str(target)])
    assert done.returncode == -9
    if existing:
        assert sorted(p.name for p in target.iterdir()) == ["complete.txt"]
    else:
        assert not target.exists()
    # the next export replaces the old one and removes what the killed one left beside it
    with io_module.atomic_folder(target) as tmp:
        os.makedirs(tmp)
        open(os.path.join(tmp, "saved_model.pb"), "w").close()
    assert sorted(p.name for p in target.iterdir()) == ["saved_model.pb"]
    assert [p.name for p in target.parent.iterdir()] == ["1"]


def test_an_export_that_raises_leaves_the_previous_one_untouched(tmp_path):
    from autonas.utils.io import atomic_folder

    target = tmp_path / "model.keras"
    target.write_text("previous")
    with pytest.raises(RuntimeError, match="disk full"):
        with atomic_folder(target) as tmp:
            assert tmp.endswith(".keras")
            open(tmp, "w").write("half")
            raise RuntimeError("disk full")
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]
