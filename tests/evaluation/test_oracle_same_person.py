"""The oracle DET point honours the same-person list as the FPIR counts do: a stranger visit
whose nearest identity is the same person under another name (Ruckauf's photo is Duhalde)
must not pull the oracle threshold down to its distance."""

from __future__ import annotations

import numpy as np

from faceapp.evaluation.identification import _oracle_threshold, _rates


def test_aliased_visit_does_not_set_the_oracle_threshold():
    n = 900  # target 1e-3: no false accept allowed
    sd = np.linspace(0.9, 1.5, n)
    sd[0] = 0.3  # Duhalde's visit, nearest to "Carlos_Ruckauf" (his own photo under that name)
    sm = np.full(n, 0.5)
    sc = ["Carlos_Ruckauf"] + ["X"] * (n - 1)
    st = ["Eduardo_Duhalde"] + [f"s{i}" for i in range(1, n)]
    stranger = (sd, sm, sc, st)
    same = {("Carlos_Ruckauf", "Eduardo_Duhalde")}
    assert _oracle_threshold(stranger, 0.05, 1e-3) < 0.3  # counted as a false accept: pulled down
    t = _oracle_threshold(stranger, 0.05, 1e-3, same)
    assert t > 0.9
    mate = (np.array([0.5]), np.array([0.5]), ["A"], ["A"])
    row = _rates(t, 0.05, mate, stranger, same)
    assert row["false_accepts"] <= 1 and row["fnir"] == 0.0
