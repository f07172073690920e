"""Smoke run of autonas on the installed versions: import, one-trial fits of three tasks and a stream, export.

Run it in an environment holding the versions to check (README, "Install", lists those tested):

    PYTHONPATH=. python benchmarks/compat_smoke.py
"""
import os, sys, tempfile, time
import numpy as np
t0 = time.time()
import tensorflow as tf, keras, keras_tuner
import autonas
print("python", sys.version.split()[0], "tensorflow", tf.__version__, "keras", keras.__version__,
      "keras-tuner", keras_tuner.__version__, "numpy", np.__version__)
from sklearn.datasets import load_digits, load_diabetes
out = tempfile.mkdtemp()
d = load_digits()
x, y = d.images[:500], d.target[:500]
clf = autonas.ImageClassifier(max_trials=1, seed=0, directory=out, overwrite=True)
clf.fit(x[:400], y[:400], epochs=2)
acc = clf.evaluate(x[400:], y[400:])["accuracy"]
print("image accuracy", round(acc, 4))
assert acc > 0.3
ds = tf.data.Dataset.from_tensor_slices((x[:400], y[:400])).batch(32)
clf = autonas.ImageClassifier(max_trials=1, seed=0, directory=out, project_name="stream", overwrite=True)
clf.fit(ds, epochs=2)
print("stream accuracy", round(clf.score(x[400:], y[400:]), 4))
texts = np.array(["free prize call now %d" % i if i % 3 == 0 else "see you at lunch %d" % i for i in range(300)], dtype=object)
labels = np.array(["spam" if i % 3 == 0 else "ham" for i in range(300)], dtype=object)
tc = autonas.TextClassifier(max_trials=1, seed=0, directory=out, overwrite=True)
tc.fit(texts, labels, epochs=2, class_weight="balanced")
print("text accuracy", tc.score(texts, labels))
db = load_diabetes(as_frame=True)
reg = autonas.StructuredDataRegressor(max_trials=1, seed=0, directory=out, overwrite=True)
reg.fit(db.data[:300], db.target[:300], epochs=3)
print("table R2", round(reg.score(db.data[300:], db.target[300:]), 3))
path = clf.export(os.path.join(out, "export", "1"))
served = autonas.ServedModel(path)
print("served labels", served.predict({"image_input": x[400:405].astype("float32")})["label"].tolist())
print("compat ok in %.0fs" % (time.time() - t0))
