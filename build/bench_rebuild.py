"""Time `templates rebuild` on a copy of a database (issue 24): people/s re-embedded from
their enrolment crops. With --as-model-id the engine's encoder is stored under another id,
a stand-in for a second encoder while only one is shipped (dlib -> dlib under a new id).

    PYTHONPATH=. python build/bench_rebuild.py DB [--encoder ID | --as-model-id ID]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from faceapp.app import build_context  # noqa: E402


class Renamed:
    def __init__(self, engine, model_id: str) -> None:  # noqa: ANN001
        self.engine, self.model_id = engine, model_id

    def embed_crops(self, crops):  # noqa: ANN001, ANN201
        return self.engine.embed_crops(crops)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("db", type=Path)
    ap.add_argument("--encoder", default="", help="an encoder id the app knows (default: the active one)")
    ap.add_argument("--as-model-id", default="", help="store the active encoder's templates under this id")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / args.db.name
        shutil.copy(args.db, copy)
        ctx = build_context(copy, provider="cpu")
        encoder = ctx.crop_encoder(args.encoder or ctx.model_id)
        if args.as_model_id:
            encoder = Renamed(encoder, args.as_model_id)
        report = ctx.templates().rebuild(encoder, actor="bench")
        print(report.summary())
        st = ctx.templates().status()
        print("people per encoder after:", st.people_per_model)
        if args.as_model_id:  # same encoder: how far each rebuilt template is from the photo's
            import numpy as np

            rows = ctx.repo.db.conn.execute(
                "SELECT a.embedding, b.embedding FROM templates a JOIN templates b ON a.crop_id = b.crop_id "
                "WHERE a.model_id = ? AND b.model_id = ?", (ctx.model_id, args.as_model_id)).fetchall()
            d = np.array([np.linalg.norm(np.frombuffer(x, "<f4") - np.frombuffer(y, "<f4")) for x, y in rows])
            print(f"rebuilt vs enrolled template distance over {len(d)} samples: median {np.median(d):.3f}, "
                  f"p99 {np.percentile(d, 99):.3f}, max {d.max():.3f}")
        ctx.repo.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
