"""shape_predictor_5_face_landmarks.dat -> models/dlib_shape_predictor_5.npz, without dlib.

dlib's shape_predictor (dlib/image_processing/shape_predictor.h) is a cascade of
regression-tree forests. Its serialisation: int version (1); initial_shape
(matrix<float,0,1>, x0 y0 x1 y1 ...); forests (vector<vector<regression_tree>>, a tree =
vector<split_feature{idx1, idx2, thresh}> + vector<matrix<float,0,1>> leaves);
anchor_idx (vector<vector<unsigned long>>); deltas (vector<vector<vector<float,2>>>).
We store dense arrays so faceapp.vision.landmarks can evaluate all trees of a level at once:

    initial_shape (P, 2) float32          normalised to the face rectangle (0..1)
    split_idx     (L, T, S, 2) int32       feature pixel indices of each split node
    split_thresh  (L, T, S) float32
    leaf_values   (L, T, S + 1, P, 2) float32
    anchor_idx    (L, F) int32             shape point each feature pixel hangs from
    deltas        (L, F, 2) float32        offset from that point (reference shape space)

The npz is written with fixed zip timestamps so re-exporting gives the same bytes
(np.savez_compressed stamps the current time).
"""

from __future__ import annotations

import io
import logging
import sys
import zipfile
from pathlib import Path

import numpy as np

try:
    from .dlib_format import DlibFormatError, DlibReader
except ImportError:  # run as a script
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from dlib_format import DlibFormatError, DlibReader  # type: ignore[no-redef]

log = logging.getLogger(__name__)


def _column(r: DlibReader) -> np.ndarray:
    return r.matrix().reshape(-1)


def parse(dat_path: Path) -> dict[str, np.ndarray]:
    """Dense arrays of the cascade (shapes in the module docstring)."""
    r = DlibReader.from_file(dat_path)
    if r.int() != 1:
        raise DlibFormatError("not a dlib shape_predictor (version != 1)")
    init = _column(r)
    n_levels = r.int()
    idx, thresh, leaves = [], [], []
    for _ in range(n_levels):
        n_trees = r.int()
        li, lt, ll = [], [], []
        for _ in range(n_trees):
            n_splits = r.int()
            sp = [(r.int(), r.int(), r.double()) for _ in range(n_splits)]
            n_leaves = r.int()
            if n_leaves != n_splits + 1:
                raise DlibFormatError(f"tree with {n_splits} splits has {n_leaves} leaves (not a full tree)")
            ll.append([_column(r) for _ in range(n_leaves)])
            li.append([(a, b) for a, b, _ in sp])
            lt.append([t for _, _, t in sp])
        idx.append(li)
        thresh.append(lt)
        leaves.append(ll)
    anchors = [[r.int() for _ in range(r.int())] for _ in range(r.int())]
    deltas = [[(r.double(), r.double()) for _ in range(r.int())] for _ in range(r.int())]
    if not r.at_end():
        raise DlibFormatError(f"{len(r.data) - r.pos} bytes left after the shape predictor")
    n_parts = init.size // 2
    out = {
        "initial_shape": init.reshape(n_parts, 2).astype(np.float32),
        "split_idx": np.asarray(idx, np.int32),
        "split_thresh": np.asarray(thresh, np.float32),
        "leaf_values": np.asarray(leaves, np.float32).reshape(n_levels, -1, len(leaves[0][0]), n_parts, 2),
        "anchor_idx": np.asarray(anchors, np.int32),
        "deltas": np.asarray(deltas, np.float32),
    }
    return out


def save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Like np.savez_compressed but with fixed timestamps and order: same bytes every run."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(arrays):
            arr = io.BytesIO()
            np.lib.format.write_array(arr, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, arr.getvalue(), compresslevel=9)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue())


def export(dat_path: Path, out_path: Path) -> dict:
    """Parse the .dat, write the npz deterministically and return its array spec."""
    arrays = parse(Path(dat_path))
    save_npz(Path(out_path), arrays)
    L, T, S = arrays["split_thresh"].shape
    log.info("wrote %s: %d levels x %d trees of depth %d, %d parts, %d feature pixels per level",
             out_path, L, T, int(np.log2(S + 1)), arrays["initial_shape"].shape[0], arrays["deltas"].shape[1])
    return {
        "inputs": {"image": {"shape": [None, None, 3], "dtype": "uint8", "colour": "RGB"},
                   "boxes": {"shape": [None, 4], "dtype": "float32", "layout": "x1,y1,x2,y2"}},
        "outputs": {"shapes5": {"shape": [None, 5, 2], "dtype": "float32"}},
        "arrays": {k: list(v.shape) for k, v in sorted(arrays.items())},
    }

