"""Export and serving for every task: SavedModel and .keras round trips in a fresh process, `autonas predict`.

One module-scoped fixture fits a tiny model per task class (one trial, one
epoch, small slices) plus a multi-input multi-output graph, exports each as a
SavedModel and as ``.keras``, and checks them all in ONE fresh Python process
that never imports autonas. The tests then compare what that process served
with the in-process predictions.
"""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import autonas
from autonas import cli
from autonas.export import export

from conftest import SHARED_DATA

TASKS = ["image_classifier", "image_regressor", "text_classifier", "text_regressor",
         "structured_classifier", "structured_regressor"]
ATOL = 1e-5


# -- data ---------------------------------------------------------------------------------------------------
SPAM_WORDS = "free win prize claim cash urgent offer winner".split()
HAM_WORDS = "lunch meeting tomorrow home love call dinner later".split()


def _texts(n, seed=0):
    """Short messages over two small vocabularies; labels "spam" / "ham" and a spam-word count."""
    rng = np.random.default_rng(seed)
    spam = rng.random(n) < 0.4
    texts, counts = [], []
    for is_spam in spam:
        words = [rng.choice(SPAM_WORDS if (rng.random() < 0.8) == is_spam else HAM_WORDS)
                 for _ in range(rng.integers(4, 9))]
        texts.append(" ".join(words))
        counts.append(sum(w in SPAM_WORDS for w in words))
    return np.asarray(texts, dtype=object), np.where(spam, "spam", "ham").astype(object), np.asarray(counts, float)


def _diabetes_table():
    """scikit-learn diabetes as raw columns: numbers with NaN, a string category with gaps, an int category."""
    from sklearn.datasets import load_diabetes

    data = load_diabetes(as_frame=True)
    frame = data.frame.drop(columns=["target"]).copy()
    frame["sex"] = np.where(frame["sex"] > 0, "male", "female").astype(object)
    frame.loc[frame.index[::17], "sex"] = None
    frame.loc[frame.index[::13], "age"] = np.nan
    frame["group"] = pd.qcut(frame["bmi"], 4, labels=False).astype(int)
    return frame, data.target.to_numpy()


def _titanic():
    path = SHARED_DATA / "titanic" / "train.csv"
    if not path.exists():
        return None
    frame = pd.read_csv(path)
    return path, frame.drop(columns=["Survived"]), frame["Survived"].to_numpy()


def _odd_rows(frame):
    """Three rows with an unseen category, unseen words, an unseen integer category and missing values."""
    odd = frame.head(3).copy()
    if "Sex" in odd:  # titanic
        odd.loc[odd.index[0], ["Sex", "Cabin", "Age"]] = ["unknown", "Z99", np.nan]
        odd.loc[odd.index[1], ["Embarked", "Name", "Pclass"]] = [None, "Xyzzy, Mr. Qwertyuiop", 7]
        odd.loc[odd.index[2], ["Ticket", "Fare"]] = ["NEVER-SEEN 1", np.nan]
    else:
        odd.loc[odd.index[0], ["sex", "age"]] = ["other", np.nan]
        odd.loc[odd.index[1], ["sex", "group"]] = [None, 9]
        odd.loc[odd.index[2], ["bmi", "group"]] = [np.nan, -3]
    return odd


ODD_TEXTS = np.asarray(["qwertyuiop zxcvbnm asdfgh", "", "free lunch xyzzy plugh WIN"], dtype=object)


def _feeds(meta, raw):
    """The signature inputs for raw data, built the way the docs tell a serving user (no autonas code)."""
    feeds = {}
    for node in meta["inputs"]:
        x = raw[node["name"]] if len(meta["inputs"]) > 1 else raw
        if node["kind"] == "structured":
            for column in node["columns"]:
                values = x[column["name"]]
                if column["dtype"] == "float32":
                    feeds[column["input"]] = pd.to_numeric(values).to_numpy(dtype="float32")
                else:
                    feeds[column["input"]] = np.asarray(["" if pd.isna(v) else str(v) for v in values], dtype=str)
        elif node["dtype"] == "string":
            feeds[node["input"]] = np.asarray(x, dtype=str)
        else:
            feeds[node["input"]] = np.asarray(x, dtype="float32")
    return feeds


def _keras_feed(model, feeds):
    """`feeds` in the structure of the Keras model's inputs (strings as object arrays)."""
    import keras

    def value(tensor):
        array = feeds[tensor.name]
        return array.astype(object) if array.dtype.kind == "U" else array

    return keras.tree.map_structure(value, model.input)


def _uses_autonas_layers(model):
    return any(type(layer).__module__.startswith("autonas") for layer in model._flatten_layers(include_self=False))


# -- the fresh process ----------------------------------------------------------------------------------------
CHILD = r"""
import json, os, sys
import numpy as np
import tensorflow as tf

job = json.load(open(sys.argv[1]))
report = {}


def plain(array):
    array = np.asarray(array)
    if array.dtype == object:
        return np.char.decode(array.astype(bytes), "utf-8")
    return array


for task in job:
    entry = report[task["name"]] = {"cases": {}}
    loaded = tf.saved_model.load(task["saved_model"])
    serve = loaded.signatures["serving_default"]
    entry["signature_inputs"] = sorted(serve.structured_input_signature[1])
    entry["signature_outputs"] = {k: [v.dtype.name, v.shape.as_list()]
                                  for k, v in serve.structured_outputs.items()}
    for case, feed_path in task["cases"].items():
        feeds = np.load(feed_path)
        out = serve(**{k: tf.constant(feeds[k]) for k in feeds.files})
        out_path = feed_path[:-4] + ".served.npz"
        np.savez(out_path, **{k: plain(v.numpy()) for k, v in out.items()})
        entry["cases"][case] = out_path
    import keras

    try:
        model = keras.models.load_model(task["keras"])
    except Exception as e:  # recorded: which models load without autonas is documented behaviour
        entry["keras_error"] = f"{type(e).__name__}: {str(e)[:3000]}"
        continue
    feeds = np.load(task["cases"]["many"])
    feed = keras.tree.map_structure(
        lambda t: feeds[t.name].astype(object) if feeds[t.name].dtype.kind == "U" else feeds[t.name], model.input)
    raw = model.predict(feed, verbose=0)
    raw = raw if isinstance(raw, (list, tuple)) else [raw]
    out_path = task["cases"]["many"][:-4] + ".keras.npz"
    np.savez(out_path, **{f"out_{i}": np.asarray(r) for i, r in enumerate(raw)})
    entry["keras_out"] = out_path
report["autonas_imported"] = "autonas" in sys.modules
print(json.dumps(report))
"""


def _run_child(job, tmp):
    job_path = tmp / "job.json"
    job_path.write_text(json.dumps(job))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    result = subprocess.run([sys.executable, "-c", CHILD, str(job_path)], capture_output=True, text=True,
                            timeout=900, cwd=str(tmp), env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def exported(tmp_path_factory, digits):
    """Every task fitted (tiny), exported both ways, and served from a fresh process without autonas."""
    tmp = tmp_path_factory.mktemp("export")
    x_img, y_img, x_img_test, _ = digits
    texts, text_labels, spam_counts = _texts(260)
    table, target = _diabetes_table()
    titanic = _titanic()
    kw = dict(max_trials=1, seed=0, directory=tmp / "runs", overwrite=True)
    fit = dict(epochs=1, verbose=0, batch_size=64)

    specs = {
        "image_classifier": (autonas.ImageClassifier, x_img[:300], y_img[:300], x_img_test[:40],
                             np.round(x_img_test[:3]).astype("uint8")),
        "image_regressor": (autonas.ImageRegressor, x_img[:300], y_img[:300].astype(float), x_img_test[:40],
                            np.round(x_img_test[:3]).astype("uint8")),
        "text_classifier": (autonas.TextClassifier, texts[:200], text_labels[:200], texts[200:], ODD_TEXTS),
        "text_regressor": (autonas.TextRegressor, texts[:200], spam_counts[:200], texts[200:], ODD_TEXTS),
        "structured_regressor": (autonas.StructuredDataRegressor, table.iloc[:300], target[:300] / 100.0,
                                 table.iloc[300:340], _odd_rows(table.iloc[300:])),
    }
    if titanic is not None:
        _, frame, survived = titanic
        specs["structured_classifier"] = (autonas.StructuredDataClassifier, frame.iloc[:600], survived[:600],
                                          frame.iloc[600:640], _odd_rows(frame.iloc[600:]))
    else:
        labels = (target > np.median(target)).astype(int)
        specs["structured_classifier"] = (autonas.StructuredDataClassifier, table.iloc[:300], labels[:300],
                                          table.iloc[300:340], _odd_rows(table.iloc[300:]))

    results, job = {}, []
    for name in TASKS:
        cls, x, y, x_test, x_odd = specs[name]
        model = cls(project_name=name, **kw)
        model.fit(x, y, **fit)
        results[name] = _export_and_cases(model, name, tmp, {"many": x_test, "one": x_test[:1], "odd": x_odd}, job)
    results["structured_classifier"]["titanic"] = titanic is not None

    # a multi-input, multi-output graph: image + table in; bool labels and a 2-column regression out
    n = 240
    images, digit = x_img[:n], y_img[:n]
    side = pd.DataFrame({"ink": images.reshape(n, -1).sum(1), "parity": np.where(digit % 2, "odd", "even")})
    side.loc[::7, "ink"] = np.nan
    side.loc[::11, "parity"] = None
    image_in, table_in = autonas.ImageInput(), autonas.StructuredDataInput()
    merged = autonas.Merge()([autonas.ImageBlock(block_type="vanilla")(image_in),
                              autonas.StructuredDataBlock(num_layers=1)(table_in)])
    heads = [autonas.ClassificationHead(name="big")(merged), autonas.RegressionHead(name="stats")(merged)]
    multi = autonas.AutoModel([image_in, table_in], heads, project_name="multi", **kw)
    multi.fit({"image_input": images, "structured_data_input": side},
              {"big": digit >= 5, "stats": np.stack([images.reshape(n, -1).mean(1), digit / 9.0], axis=1)}, **fit)
    test_side = pd.DataFrame({"ink": [np.nan, 40.0, 300.0], "parity": ["odd", None, "prime"]})
    raw = {"image_input": x_img_test[:3], "structured_data_input": test_side}
    results["multi"] = _export_and_cases(multi, "multi", tmp, {"many": raw, "one": {
        "image_input": x_img_test[:1], "structured_data_input": test_side.head(1)}}, job)

    report = _run_child(job, tmp)
    for name, result in results.items():
        entry = report[name]
        result["served"] = {case: dict(np.load(path)) for case, path in entry["cases"].items()}
        result["signature_inputs"] = entry["signature_inputs"]
        result["signature_outputs"] = entry["signature_outputs"]
        result["keras_error"] = entry.get("keras_error")
        result["keras_served"] = dict(np.load(entry["keras_out"])) if "keras_out" in entry else None
    results["autonas_imported"] = report["autonas_imported"]
    results["tmp"] = tmp
    return results


def _export_and_cases(model, name, tmp, cases, job):
    saved_model = model.export(tmp / "serving" / name / "1")
    keras_path = model.export(tmp / f"{name}.keras", format="keras")
    meta = json.loads((Path(saved_model) / "assets" / "autonas.json").read_text())
    feed_paths = {}
    for case, raw in cases.items():
        path = tmp / f"{name}.{case}.npz"
        np.savez(path, **_feeds(meta, raw))
        feed_paths[case] = str(path)
    job.append({"name": name, "saved_model": saved_model, "keras": keras_path, "cases": feed_paths})
    return {"model": model, "saved_model": saved_model, "keras": keras_path, "meta": meta, "raw": cases,
            "feeds": {case: dict(np.load(p)) for case, p in feed_paths.items()}}


# -- SavedModel: every task, reloaded without autonas ---------------------------------------------------------
@pytest.mark.slow
def test_the_fresh_process_never_imported_autonas(exported):
    assert exported["autonas_imported"] is False


@pytest.mark.slow
@pytest.mark.parametrize("task", ["image_classifier", "text_classifier", "structured_classifier"])
@pytest.mark.parametrize("case", ["many", "one", "odd"])
def test_classifier_savedmodel_serves_the_in_process_probabilities_and_labels(exported, task, case):
    result = exported[task]
    clf, raw, served = result["model"], result["raw"][case], result["served"][case]
    assert sorted(served) == ["class_index", "label", "probabilities"]
    proba = clf.predict_proba(raw)
    assert np.all(np.isfinite(served["probabilities"]))
    np.testing.assert_allclose(served["probabilities"], proba, atol=ATOL)
    assert served["probabilities"].shape == (len(proba), len(clf.classes_))
    np.testing.assert_array_equal(served["label"], clf.predict(raw))
    np.testing.assert_array_equal(clf.classes_[served["class_index"]], clf.predict(raw))


@pytest.mark.slow
@pytest.mark.parametrize("task", ["image_regressor", "text_regressor", "structured_regressor"])
@pytest.mark.parametrize("case", ["many", "one", "odd"])
def test_regressor_savedmodel_serves_the_in_process_values(exported, task, case):
    result = exported[task]
    reg, raw, served = result["model"], result["raw"][case], result["served"][case]
    assert sorted(served) == ["value"]
    expected = reg.predict(raw)
    assert served["value"].shape == expected.shape == (len(expected),)
    assert np.all(np.isfinite(served["value"]))
    np.testing.assert_allclose(served["value"], expected, atol=ATOL, rtol=1e-6)


@pytest.mark.slow
def test_signature_inputs_and_outputs_are_named(exported):
    assert exported["image_classifier"]["signature_inputs"] == ["image_input"]
    assert exported["text_regressor"]["signature_inputs"] == ["text_input"]
    structured = exported["structured_regressor"]
    assert structured["signature_inputs"] == sorted(["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5",
                                                     "s6", "group"])
    assert exported["image_classifier"]["signature_outputs"] == {
        "probabilities": ["float32", [None, 10]], "class_index": ["int64", [None]], "label": ["int64", [None]]}
    assert exported["text_classifier"]["signature_outputs"]["label"] == ["string", [None]]
    assert exported["text_classifier"]["signature_outputs"]["probabilities"] == ["float32", [None, 2]]
    assert exported["image_regressor"]["signature_outputs"] == {"value": ["float32", [None]]}


@pytest.mark.slow
def test_labels_are_written_for_a_server_without_autonas(exported):
    text = exported["text_classifier"]
    assets = Path(text["saved_model"]) / "assets"
    assert json.loads((assets / "labels.json").read_text()) == {"classification_head": ["ham", "spam"]}
    assert (assets / "labels.txt").read_text().split() == ["ham", "spam"]
    head = text["meta"]["outputs"][0]
    assert head == {"head": "classification_head", "type": "binary", "labels": ["ham", "spam"],
                    "label_dtype": "string", "label_format": "labels",
                    "outputs": {"probabilities": "probabilities", "class_index": "class_index", "label": "label"}}
    assert exported["image_classifier"]["meta"]["outputs"][0]["labels"] == list(range(10))
    assert exported["image_classifier"]["meta"]["outputs"][0]["label_dtype"] == "int64"
    assert not (Path(exported["image_regressor"]["saved_model"]) / "assets" / "labels.json").exists()


@pytest.mark.slow
def test_metadata_describes_inputs_with_kinds_shapes_and_columns(exported):
    meta = exported["image_classifier"]["meta"]
    assert meta["model_class"] == "ImageClassifier" and meta["signature"] == "serving_default"
    assert meta["inputs"] == [{"name": "image_input", "kind": "image", "input": "image_input", "dtype": "float32",
                               "shape": [None, 8, 8]}]
    columns = {c["name"]: c for c in exported["structured_regressor"]["meta"]["inputs"][0]["columns"]}
    assert columns["age"] == {"name": "age", "input": "age", "type": "numerical", "dtype": "float32",
                              "shape": [None], "missing": "NaN"}
    assert columns["sex"]["type"] == "categorical" and columns["sex"]["dtype"] == "string"
    assert columns["sex"]["missing"] == ""
    assert columns["group"]["type"] == "categorical" and columns["group"]["dtype"] == "float32"


@pytest.mark.slow
def test_multi_input_multi_output_graph_serves_prefixed_outputs(exported):
    result = exported["multi"]
    model = result["model"]
    assert result["signature_inputs"] == ["image_input", "ink", "parity"]
    for case in ("many", "one"):
        raw, served = result["raw"][case], result["served"][case]
        assert sorted(served) == ["big_class_index", "big_label", "big_probabilities", "stats_value"]
        big, stats = model.predict([raw["image_input"], raw["structured_data_input"]])
        raw_big, raw_stats = model.predict_raw([raw["image_input"], raw["structured_data_input"]])
        assert served["big_label"].dtype == bool
        np.testing.assert_array_equal(served["big_label"], big)
        np.testing.assert_allclose(served["big_probabilities"][:, 1], raw_big[:, 0], atol=ATOL)
        np.testing.assert_allclose(served["big_probabilities"].sum(1), 1.0, atol=ATOL)
        assert served["stats_value"].shape == stats.shape == (len(big), 2)
        np.testing.assert_allclose(served["stats_value"], stats, atol=ATOL)
    assert result["meta"]["outputs"][0]["label_dtype"] == "bool"


# -- .keras ------------------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("task", TASKS + ["multi"])
def test_keras_file_round_trip_in_safe_mode_and_without_autonas_when_core_only(exported, task):
    import keras

    result = exported[task]
    model = result["model"]
    loaded = keras.models.load_model(result["keras"], safe_mode=True)
    raw_case = result["raw"]["many"]
    expected = model.predict_raw(raw_case if task != "multi" else
                                 [raw_case["image_input"], raw_case["structured_data_input"]])
    outputs = loaded.predict(_keras_feed(loaded, result["feeds"]["many"]), verbose=0)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    for got, want in zip(outputs, expected):
        np.testing.assert_allclose(got, want, atol=ATOL, rtol=1e-6)
    # documented: a .keras file loads without autonas exactly when it holds core Keras layers only
    if _uses_autonas_layers(model.export_model()):
        assert result["keras_error"] is not None
        assert "FillMissing" in result["keras_error"] or "autonas" in result["keras_error"], result["keras_error"]
    else:
        assert result["keras_error"] is None, result["keras_error"]
        for i, want in enumerate(expected):
            np.testing.assert_allclose(result["keras_served"][f"out_{i}"], want, atol=ATOL, rtol=1e-6)


# -- autonas predict ------------------------------------------------------------------------------------------
def _cli(capsys, *args, output=None):
    """`autonas predict ARGS` in this process (tests/test_cli.py runs the console entry point as a subprocess):
    (exit code, stdout, stderr)."""
    command = ["predict", *map(str, args)]
    if output is not None:
        command += ["--output", str(output)]
    code = cli.main(command)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow
def test_cli_predict_on_the_titanic_csv(exported, capsys):
    result = exported["structured_classifier"]
    if not result["titanic"]:
        pytest.skip(f"shared data not available: {SHARED_DATA / 'titanic' / 'train.csv'} is absent")
    path, frame, _ = _titanic()
    out = exported["tmp"] / "titanic_predictions.csv"
    code, _, err = _cli(capsys, result["saved_model"], path, output=out)
    assert code == 0, err[-2000:]
    table = pd.read_csv(out)
    clf = result["model"]
    assert list(table.columns) == ["label", "probability_0", "probability_1"]
    np.testing.assert_array_equal(table["label"].to_numpy(), clf.predict(frame))
    np.testing.assert_allclose(table[["probability_0", "probability_1"]].to_numpy(), clf.predict_proba(frame),
                               atol=ATOL)


@pytest.mark.slow
def test_cli_predict_on_an_image_folder_written_from_digits(exported, digits, capsys):
    import tensorflow as tf

    clf = exported["image_classifier"]["model"]
    _, _, x_test, y_test = digits
    folder = exported["tmp"] / "digit_pngs"
    names = []
    for i, (image, label) in enumerate(zip(x_test[:12], y_test[:12])):
        sub = folder / f"class_{label}"
        sub.mkdir(parents=True, exist_ok=True)
        png = tf.io.encode_png(image.astype("uint8")[..., None]).numpy()
        (sub / f"{i:03d}.png").write_bytes(png)
        names.append((f"class_{label}/{i:03d}.png", i))
    code, out, err = _cli(capsys, exported["image_classifier"]["saved_model"], folder)
    assert code == 0, err[-2000:]
    table = pd.read_csv(io.StringIO(out))
    assert list(table.columns) == ["file", "label"] + [f"probability_{c}" for c in range(10)]
    order = [i for _, i in sorted(names)]
    assert table["file"].tolist() == sorted(n for n, _ in names)
    images = x_test[:12][order]
    np.testing.assert_array_equal(table["label"].to_numpy(), clf.predict(images))
    np.testing.assert_allclose(table[[f"probability_{c}" for c in range(10)]].to_numpy(), clf.predict_proba(images),
                               atol=ATOL)


@pytest.mark.slow
def test_cli_predict_reads_text_folders_txt_npz_and_structured_csv(exported, capsys):
    tmp = exported["tmp"]
    text = exported["text_classifier"]
    texts = list(text["raw"]["many"][:5]) + list(ODD_TEXTS)
    folder = tmp / "texts"
    for i, t in enumerate(texts):
        (folder / ("a" if i % 2 else "b")).mkdir(parents=True, exist_ok=True)
        (folder / ("a" if i % 2 else "b") / f"{i}.txt").write_text(t, encoding="utf-8")
    assert cli.main(["predict", text["saved_model"], str(folder)]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out), keep_default_na=False)
    files = sorted(f"{'a' if i % 2 else 'b'}/{i}.txt" for i in range(len(texts)))
    assert table["file"].tolist() == files
    ordered = np.asarray([texts[int(f.split("/")[1][:-4])] for f in files], dtype=object)
    np.testing.assert_array_equal(table["label"].to_numpy(), text["model"].predict(ordered))
    np.testing.assert_allclose(table[["probability_ham", "probability_spam"]].to_numpy(),
                               text["model"].predict_proba(ordered), atol=ATOL)

    np.savez(tmp / "texts.npz", x=np.asarray(texts, dtype=str))
    assert cli.main(["predict", text["saved_model"], str(tmp / "texts.npz"), "-o", str(tmp / "t.csv")]) == 0
    from_npz = pd.read_csv(tmp / "t.csv", keep_default_na=False)
    np.testing.assert_array_equal(from_npz["label"].to_numpy(), text["model"].predict(np.asarray(texts, object)))

    regressor = exported["structured_regressor"]
    raw = pd.concat([regressor["raw"]["many"], regressor["raw"]["odd"]])
    raw.assign(extra_column="ignored").to_csv(tmp / "table.csv", index=False)
    assert cli.main(["predict", regressor["saved_model"], str(tmp / "table.csv")]) == 0
    values = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(values.columns) == ["value"]
    np.testing.assert_allclose(values["value"].to_numpy(), regressor["model"].predict(raw), atol=1e-4, rtol=1e-5)

    image = exported["image_classifier"]
    np.savez(tmp / "digits.npz", x=image["raw"]["many"].astype("uint8"))
    assert cli.main(["predict", image["saved_model"], str(tmp / "digits.npz")]) == 0
    labels = pd.read_csv(io.StringIO(capsys.readouterr().out))["label"].to_numpy()
    np.testing.assert_array_equal(labels, image["model"].predict(image["raw"]["many"].astype("uint8")))

    multi = exported["multi"]
    np.savez(tmp / "multi.npz", **multi["feeds"]["many"])
    assert cli.main(["predict", multi["saved_model"], str(tmp / "multi.npz")]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(table.columns) == ["big_label", "big_probability_False", "big_probability_True",
                                   "stats_value_0", "stats_value_1"]


@pytest.mark.slow
def test_cli_predict_errors_on_data_that_does_not_fit_the_model(exported, capsys):
    tmp = exported["tmp"]
    regressor = exported["structured_regressor"]
    regressor["raw"]["many"].drop(columns=["bmi"]).to_csv(tmp / "no_bmi.csv", index=False)
    assert cli.main(["predict", regressor["saved_model"], str(tmp / "no_bmi.csv")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("autonas: error:") and "['bmi']" in err[0]

    image = exported["image_classifier"]
    np.savez(tmp / "wrong.npz", x=np.zeros((2, 9, 9), "float32"))
    assert cli.main(["predict", image["saved_model"], str(tmp / "wrong.npz")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "(9, 9)" in err[0] and "(8, 8)" in err[0]

    np.savez(tmp / "objects.npz", x=np.asarray(["a", "b"], dtype=object))
    assert cli.main(["predict", exported["text_classifier"]["saved_model"], str(tmp / "objects.npz")]) == 2
    assert "never unpickled" in capsys.readouterr().err


# -- fast checks ----------------------------------------------------------------------------------------------
def test_export_rejects_an_unknown_format():
    with pytest.raises(ValueError, match=r"`format` must be one of \('saved_model', 'keras'\); received 'onnx'"):
        export(autonas.ImageClassifier(max_trials=1), "out", format="onnx")


def test_export_before_fit_is_a_clear_error(tmp_path):
    with pytest.raises(RuntimeError, match="Call `fit` before `export`"):
        autonas.TextClassifier(max_trials=1).export(tmp_path / "m")


def test_cli_predict_errors_are_one_line_with_exit_code_2(tmp_path, capsys):
    assert cli.main(["predict", str(tmp_path / "absent"), str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"autonas: error: `MODEL` must be a SavedModel folder; received {str(tmp_path / 'absent')!r}, "
                   "which is not a folder."]
    assert cli.main(["predict", str(tmp_path), str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "saved_model.pb" in err[0]


def test_cli_predict_refuses_a_savedmodel_not_written_by_autonas(tmp_path, capsys):
    import tensorflow as tf

    module = tf.Module()
    module.f = tf.function(lambda x: {"y": x * 2.0}, input_signature=[tf.TensorSpec([None], tf.float32)])
    tf.saved_model.save(module, str(tmp_path / "plain"), signatures={"serving_default": module.f})
    assert cli.main(["predict", str(tmp_path / "plain"), str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "assets/autonas.json is missing" in err[0]
