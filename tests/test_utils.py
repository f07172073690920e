"""Durations, atomic JSON and the small helpers."""

import json

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
