"""Write identification splits for the site-scale measurement of `faceapp eval-ident`: the
people of a shared LFW subset with at least --min-images photos are split at random (seeded)
into enrolled people (roles gallery/probe) and strangers (role unknown). Everyone else is
enrolled as a distractor with `--distractors <subset>/identification_split.csv`. The splits
only name photos in ../shared/data/faces.

    python build/make_ident_split.py lfw_scale --min-images 6 --seeds 10 --out-dir /tmp/splits
"""

from __future__ import annotations

import argparse
import csv
import logging
import random
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "faces"
log = logging.getLogger(__name__)


def write_splits(subset: str, min_images: int, seeds: int, cap: int, out_dir: Path) -> list[Path]:
    """Write the seeded splits of one shared subset; returns the files (build/fit_encoder_units.py
    uses the same splits of the development set)."""
    split = SHARED / subset / "identification_split.csv"
    photos: dict[str, list[str]] = defaultdict(list)
    with open(split, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            photos[row["identity"]].append(row["path"])
    people = sorted(p for p, ps in photos.items() if len(ps) >= min_images)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for seed in range(seeds):
        rng = random.Random(seed)
        order = people[:]
        rng.shuffle(order)
        strangers = set(order[: len(order) // 2])
        out = out_dir / f"{subset}_ge{min_images}_seed{seed}.csv"
        with open(out, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["path", "identity", "role"])
            for person in people:
                chosen = rng.sample(photos[person], min(cap, len(photos[person])))
                for i, path in enumerate(chosen):
                    role = "unknown" if person in strangers else ("gallery" if i == 0 else "probe")
                    w.writerow([path, person, role])
        log.info("%s: %d enrolled, %d strangers", out, len(people) - len(strangers), len(strangers))
        files.append(out)
    return files


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("subset")
    ap.add_argument("--min-images", type=int, default=6)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--cap", type=int, default=18, help="photos per person at most (a few people have 100+)")
    ap.add_argument("--out-dir", type=Path, required=True)
    args = ap.parse_args()
    split = SHARED / args.subset / "identification_split.csv"
    if not split.is_file():
        print(f"error: {split} not found", file=sys.stderr)
        return 2
    for out in write_splits(args.subset, args.min_images, args.seeds, args.cap, args.out_dir):
        print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
