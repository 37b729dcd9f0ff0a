#!/usr/bin/env bash
# Benchmark of the layer walk (`customs inspect`) on a synthetic image of
# 6 gzip layers (3.0 GB compressed, 4.6 GB uncompressed, ~300k files),
# against the floor: `gzip -dc` of every layer blob into `sha256sum`, one
# after the other, in the same run on the same machine.
#
#   bench/inspect.sh            (builds the image into bench/out/ if missing)
# Needs: hyperfine, /usr/bin/time (Debian package `time`), python3, gzip.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out
IMG=$OUT/synthetic
IMAGES=${CUSTOMS_TEST_IMAGES:-$HOME/.cache/customs-test-images}
if [ ! -f "$IMG/index.json" ]; then
  python3 bench/make_synthetic.py "$IMG" --base "$IMAGES/debian-base/oci"
fi
# CUSTOMS_BIN: a customs binary already built (else a release build here)
if [ -z "${CUSTOMS_BIN:-}" ]; then
  cargo build --release -q -p customs-cli
fi
BIN=${CUSTOMS_BIN:-$PWD/target/release/customs}
blobs=$(python3 - "$IMG" <<'PY'
import json, sys
d = sys.argv[1]
i = json.load(open(f"{d}/index.json"))
m = json.load(open(f"{d}/blobs/sha256/" + i["manifests"][0]["digest"][7:]))
print(" ".join(f"{d}/blobs/sha256/" + l["digest"][7:] for l in m["layers"]))
PY
)
floor="for b in $blobs; do gzip -dc \$b | sha256sum >/dev/null; done"
hyperfine --warmup 1 --runs 3 --export-json $OUT/inspect.json \
  -n floor "bash -c '$floor'" \
  -n customs "$BIN inspect oci-dir:$IMG -q"
/usr/bin/time -v "$BIN" inspect "oci-dir:$IMG" -q > /dev/null 2> $OUT/inspect.time
rss=$(awk -F': ' '/Maximum resident/ {print $2}' $OUT/inspect.time)
python3 - "$OUT/inspect.json" "$rss" "$IMG" <<'PY'
import json, sys, os, subprocess
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
f, c = r["floor"]["mean"], r["customs"]["mean"]
comp = sum(os.path.getsize(os.path.join(sys.argv[3], "blobs/sha256", b)) for b in os.listdir(os.path.join(sys.argv[3], "blobs/sha256")))
print(f"floor   {f:6.2f} s ± {r['floor']['stddev']:.2f}")
print(f"customs {c:6.2f} s ± {r['customs']['stddev']:.2f}  ({c/f:.2f}x the floor)")
print(f"peak RSS {int(sys.argv[2])/1024:.0f} MB; blobs {comp/1e9:.2f} GB; cores {os.cpu_count()}")
PY
