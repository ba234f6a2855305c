#!/bin/sh
# Pack onnxruntime-gpu for the lent GPU machine (Python 3.12 there, CUDA 13 + cuDNN 9 in its
# site-packages, only the CPU onnxruntime, no network). The wheel (255 MB) is larger than
# one device call may carry with the checkout (64 MiB together), so it is split into parts
# that fit beside the checkout; carry one part per call while the machine stays warm.
#
#   sh build/gpu/prepare_wheels.sh            # -> .whl/ort.part00, part01, ... (git-ignored locally)
#
# Then, one device `run` per part, back to back (the machine is given back 30 s after a call):
#   run(carry=[".whl/ort.part00"], command="mkdir -p /tmp/ort && cp .whl/ort.part00 /tmp/ort/ && ls -la /tmp/ort")
#   ... the same for every part ...
# and last, with no part carried:
#   run(command="cat /tmp/ort/ort.part* > /tmp/WHEEL && python3 -m pip install -q --no-index --no-deps
#       --target /tmp/site /tmp/WHEEL && PYTHONPATH=/tmp/site:. python3 build/gpu/gpu_check.py --json $OUT/gpu.json")
# WHEEL is the wheel file name the script prints last (pip reads the tags from it).
set -eu
cd "$(dirname "$0")/../.."
VERSION=${ORT_VERSION:-1.31.1}
grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
mkdir -p .whl
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    -d .whl "onnxruntime-gpu==$VERSION"
WHEEL=$(ls .whl/onnxruntime_gpu-"$VERSION"-*.whl | head -n 1)
CHECKOUT=$(git ls-files -z | xargs -0 cat | wc -c)
LIMIT=$((64 * 1024 * 1024))
PART=$(( (LIMIT - CHECKOUT - 2 * 1024 * 1024) ))   # 2 MiB spare for untracked files
[ "$PART" -gt 1048576 ] || { echo "checkout too large ($CHECKOUT bytes) to carry anything beside it" >&2; exit 1; }
rm -f .whl/ort.part*
split -b "$PART" -d "$WHEEL" .whl/ort.part
echo "checkout $CHECKOUT bytes; parts of at most $PART bytes:"
ls -la .whl/ort.part*
echo "install on the device as: $(basename "$WHEEL")  (sha256 $(sha256sum "$WHEEL" | cut -c1-16)...)"
