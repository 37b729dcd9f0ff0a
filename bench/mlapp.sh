#!/usr/bin/env bash
# Benchmarks on ml-app from ../shared/images/build.sh, in one run on one
# machine, with hyperfine and /usr/bin/time -v:
#   - the floor: decompressing every layer blob (OCI dir: `gzip -dc` of each
#     blob into sha256sum; docker-archive: its layers are plain tars, so
#     reading the archive into sha256sum);
#   - `customs sbom` on the OCI dir and on the docker-archive (wall, peak RSS);
#   - `customs db import` of all of ../shared/vulndb/osv (wall, DB size);
#   - matching ml-app's packages once the DB is open (from `--debug`);
#   - `customs image` with `--scanners vuln` and with the default scanners
#     (both `--no-cache`), and a warm re-scan (the per-layer cache filled by
#     hyperfine's warm-up run).
#
#   bench/mlapp.sh            (CUSTOMS_BIN=path skips the release build)
# Writes bench/out/mlapp.md (a table for BENCHMARKS.md) and prints it.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out
mkdir -p "$OUT"
IMAGES=${CUSTOMS_TEST_IMAGES:-$HOME/.cache/customs-test-images}
ML=$IMAGES/ml-app
SHARED=$(cd .. && pwd)/shared
if [ -z "${CUSTOMS_BIN:-}" ]; then
  cargo build --release -q -p customs-cli
fi
BIN=${CUSTOMS_BIN:-$PWD/target/release/customs}
CACHE=$(mktemp -d)
trap 'rm -rf "$CACHE"' EXIT
export CUSTOMS_CACHE_DIR=$CACHE

blobs=$(python3 - "$ML/oci" <<'PY'
import json, sys
d = sys.argv[1]
i = json.load(open(f"{d}/index.json"))
m = json.load(open(f"{d}/blobs/sha256/" + i["manifests"][0]["digest"][7:]))
print(" ".join(f"{d}/blobs/sha256/" + l["digest"][7:] for l in m["layers"]))
PY
)
floor_oci="for b in $blobs; do gzip -dc \$b | sha256sum >/dev/null; done"
floor_tar="sha256sum $ML/docker-archive.tar >/dev/null"

# the DB: import time and size
hyperfine --runs 3 --export-json "$OUT/db.json" \
  --prepare "rm -rf $CACHE/db" \
  -n db-import "$BIN db import $SHARED/vulndb/osv -q"
db_size=$(stat -c %s "$CACHE/db/customs.db")

hyperfine --warmup 1 --runs 5 --export-json "$OUT/mlapp.json" \
  -n floor-oci "bash -c '$floor_oci'" \
  -n sbom-oci "$BIN sbom oci-dir:$ML/oci -q -f json -o /dev/null" \
  -n floor-docker-archive "bash -c '$floor_tar'" \
  -n sbom-docker-archive "$BIN sbom docker-archive:$ML/docker-archive.tar -q -f json -o /dev/null" \
  -n image-vuln "$BIN image oci-dir:$ML/oci -q --offline --no-cache --scanners vuln -f json -o /dev/null" \
  -n image-default "$BIN image oci-dir:$ML/oci -q --offline --no-cache -f json -o /dev/null" \
  -n image-warm "$BIN image oci-dir:$ML/oci -q --offline -f json -o /dev/null"

rss() { /usr/bin/time -v "$@" > /dev/null 2> "$OUT/time.txt"; awk -F': ' '/Maximum resident/ {print $2}' "$OUT/time.txt"; }
rss_sbom_oci=$(rss "$BIN" sbom "oci-dir:$ML/oci" -q -f json)
rss_sbom_tar=$(rss "$BIN" sbom "docker-archive:$ML/docker-archive.tar" -q -f json)
rss_image=$(rss "$BIN" image "oci-dir:$ML/oci" -q --offline --no-cache -f json)

# matching once the DB is open: the debug line of `customs image`
match_ms=()
for _ in 1 2 3 4 5; do
  ms=$("$BIN" image "oci-dir:$ML/oci" --offline --scanners vuln -d -f json -o /dev/null 2>&1 \
    | sed -n 's/.*match: .* in \([0-9]*\) ms.*/\1/p' | tail -n 1)
  match_ms+=("$ms")
done

python3 - "$OUT" "$db_size" "$rss_sbom_oci" "$rss_sbom_tar" "$rss_image" "${match_ms[@]}" <<'PY' | tee "$OUT/mlapp.md"
import json, os, sys
out, db_size, r_oci, r_tar, r_img, *match = sys.argv[1:]
r = {x["command"]: x for x in json.load(open(f"{out}/mlapp.json"))["results"]}
db = json.load(open(f"{out}/db.json"))["results"][0]
def t(n): return f"{r[n]['mean']:.3f} s ± {r[n]['stddev']:.3f}"
print("| measurement | wall (mean ± σ) | ratio | peak RSS |")
print("|---|---|---|---|")
print(f"| floor, OCI dir (gzip -dc of each layer) | {t('floor-oci')} | 1.00 | |")
print(f"| `customs sbom` OCI dir | {t('sbom-oci')} | {r['sbom-oci']['mean']/r['floor-oci']['mean']:.2f}× floor | {int(r_oci)/1024:.0f} MB |")
print(f"| floor, docker-archive (sha256sum of the tar) | {t('floor-docker-archive')} | 1.00 | |")
print(f"| `customs sbom` docker-archive | {t('sbom-docker-archive')} | {r['sbom-docker-archive']['mean']/r['floor-docker-archive']['mean']:.2f}× floor | {int(r_tar)/1024:.0f} MB |")
print(f"| `customs image --scanners vuln` OCI dir | {t('image-vuln')} | 1.00 | |")
print(f"| `customs image` default scanners (vuln,secret,model) | {t('image-default')} | {r['image-default']['mean']/r['image-vuln']['mean']:.2f}× vuln only | {int(r_img)/1024:.0f} MB |")
print(f"| `customs image` warm re-scan (per-layer cache, default scanners) | {t('image-warm')} | | |")
print(f"| `customs db import` all of ../shared/vulndb/osv | {db['mean']:.2f} s ± {db['stddev']:.2f} | | DB {int(db_size)/2**20:.1f} MiB |")
ms = sorted(int(m) for m in match if m)
if ms:
    print(f"| matching ml-app's packages, DB open (5 runs) | median {ms[len(ms)//2]} ms (min {ms[0]}, max {ms[-1]}) | | |")
print()
print(f"cores: {os.cpu_count()}; load average at the end: {os.getloadavg()[0]:.2f}")
PY
