"""Write an employee import list (number,name,department,photo) for the LFW people of a shared
subset, so `faceapp employees import` can enrol them as distractor staff (README, Measured
performance). The list only names photos in ../shared/data/faces; nothing is copied.

    python build/make_import_csv.py lfw_scale --photos 1 --out /tmp/lfw_scale_1.csv [--limit 1000]
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "faces"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("subset", help="lfw or lfw_scale")
    ap.add_argument("--photos", type=int, default=1, help="photos per person (the first ones, in name order)")
    ap.add_argument("--limit", type=int, default=0, help="people at most (0: all)")
    ap.add_argument("--exclude", default="", help="comma-separated identities to leave out")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    folder = SHARED / args.subset / "images"
    if not folder.is_dir():
        print(f"error: {folder} not found", file=sys.stderr)
        return 2
    skip = {s for s in args.exclude.split(",") if s}
    people = [p for p in sorted(folder.iterdir()) if p.is_dir() and p.name not in skip]
    if args.limit:
        people = people[:args.limit]
    with open(args.out, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["number", "name", "department", "photo"])
        for i, person in enumerate(people, start=1):
            for photo in sorted(person.glob("*.jpg"))[:args.photos]:
                w.writerow([f"L{i:05d}", person.name.replace("_", " "), "LFW", str(photo)])
    print(f"{len(people)} people -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
