"""Regenerates the real-library fixtures in this folder. Nothing here is ever unpickled.

Needs numpy, joblib and scikit-learn:  python3 -m venv v && v/bin/pip install numpy joblib scikit-learn
Run from this folder:                   v/bin/python generate.py

`Evil` pickles as a call to os.system (posix.system on Linux) with a harmless echo; pickling it
does not run it.
"""
import os
import pickle

import joblib
import numpy as np
from sklearn.linear_model import LogisticRegression


class Evil:
    def __reduce__(self):
        return (os.system, ("echo FAKE-PAYLOAD customs fixture",))


def obj_array(*items):
    a = np.empty(len(items), dtype=object)
    for i, x in enumerate(items):
        a[i] = x
    return a


np.save("np_float.npy", np.arange(4.0))
np.save("np_object_benign.npy", obj_array("a", 1, None, (2, 3)), allow_pickle=True)
np.save("np_object_hostile.npy", obj_array("a", Evil()), allow_pickle=True)
with open("arrays.npz", "wb") as f:
    np.savez(f, a=np.arange(3), b=obj_array(Evil()))

benign = {
    "w": np.arange(10.0),
    "i": np.arange(6, dtype=np.int32).reshape(2, 3),
    "f": np.asfortranarray(np.ones((2, 3))),
    "u": np.array(["ab", "c"]),
    "b": np.array([True, False]),
    "o": obj_array("x", 1),
    "names": ["x", "y"],
    "scalar": np.float64(1.5),
}
joblib.dump(benign, "joblib_benign.joblib")
joblib.dump(benign, "joblib_benign_p2.joblib", protocol=2)
joblib.dump(benign, "joblib_benign_zlib.joblib", compress=3)
joblib.dump(benign, "joblib_benign_gzip.joblib", compress=("gzip", 3))
joblib.dump({"w": np.arange(10.0), "evil": Evil(), "o": obj_array(Evil())}, "joblib_hostile.joblib")

for proto in (2, 4, 5):
    with open(f"numpy_p{proto}.pkl", "wb") as f:
        pickle.dump({"a": np.arange(5.0), "s": np.float32(2.0), "d": np.dtype("U3")}, f, protocol=proto)
for proto in (0, 4):
    with open(f"evil_p{proto}.pkl", "wb") as f:
        pickle.dump([1, Evil()], f, protocol=proto)

X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
y = np.array([0, 1, 1, 0])
with open("sklearn_logreg.pkl", "wb") as f:
    pickle.dump(LogisticRegression().fit(X, y), f, protocol=4)
