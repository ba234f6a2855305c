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
import random
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "faces"


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
    photos: dict[str, list[str]] = defaultdict(list)
    with open(split, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            photos[row["identity"]].append(row["path"])
    people = sorted(p for p, ps in photos.items() if len(ps) >= args.min_images)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for seed in range(args.seeds):
        rng = random.Random(seed)
        order = people[:]
        rng.shuffle(order)
        strangers = set(order[: len(order) // 2])
        out = args.out_dir / f"{args.subset}_ge{args.min_images}_seed{seed}.csv"
        with open(out, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["path", "identity", "role"])
            for person in people:
                chosen = rng.sample(photos[person], min(args.cap, len(photos[person])))
                for i, path in enumerate(chosen):
                    role = "unknown" if person in strangers else ("gallery" if i == 0 else "probe")
                    w.writerow([path, person, role])
        print(f"{out}: {len(people) - len(strangers)} enrolled, {len(strangers)} strangers")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
