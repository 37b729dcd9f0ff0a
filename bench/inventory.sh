#!/usr/bin/env bash
# Benchmark of the inventory store (issue 8, acceptance 5): 1,000 generated
# inventories (ml-app's and debian-base's real inventories from
# ../shared/images/build.sh, with made-up digests and references, 5% of the
# packages dropped and 30% of the versions moved; the generator is the
# example crates/customs-inventory/examples/gen_inventories.rs), then
#   - `customs inventory affected ID` (hyperfine, /usr/bin/time -v),
#   - `customs inventory affected --package NAME@RANGE --ecosystem ECO`,
#   - `customs inventory list`, and one `customs inventory rescan`,
# against a DB imported from all of ../shared/vulndb/osv.
#
#   bench/inventory.sh     (COUNT=N: inventories, default 1000;
#                           CUSTOMS_BIN=path skips the release build of customs;
#                           ID=advisory, default CVE-2023-32681)
# Writes bench/out/inventory.md (a table for BENCHMARKS.md) and prints it.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=$PWD/bench/out
mkdir -p "$OUT"
IMAGES=${CUSTOMS_TEST_IMAGES:-$HOME/.cache/customs-test-images}
SHARED=$(cd .. && pwd)/shared
COUNT=${COUNT:-1000}
ID=${ID:-CVE-2023-32681}
TARGET=${CARGO_TARGET_DIR:-$PWD/target}
if [ -z "${CUSTOMS_BIN:-}" ]; then
  cargo build --release -q -p customs-cli
fi
BIN=${CUSTOMS_BIN:-$TARGET/release/customs}
cargo build --release -q -p customs-inventory --example gen_inventories
GEN=$TARGET/release/examples/gen_inventories

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export CUSTOMS_CACHE_DIR=$WORK/cache
STORE=$WORK/inventory.db

"$BIN" db import "$SHARED/vulndb/osv" -q > /dev/null
"$BIN" sbom -q -f json "oci-dir:$IMAGES/ml-app/oci" -o "$WORK/ml-app.json"
"$BIN" sbom -q -f json "oci-dir:$IMAGES/debian-base/oci" -o "$WORK/debian-base.json"

/usr/bin/time -v "$GEN" --count "$COUNT" --store "$STORE" \
  --from "$WORK/ml-app.json" --from "$WORK/debian-base.json" 2> "$OUT/gen.txt"
gen_line=$(grep '^gen_inventories:' "$OUT/gen.txt")
gen_wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$OUT/gen.txt")
store_size=$(stat -c %s "$STORE")
packages=$(echo "$gen_line" | sed -E 's/.* ([0-9]+) packages.*/\1/')

AFF="$BIN inventory affected $ID --inventory $STORE --offline -q -f json"
PKG="$BIN inventory affected --package requests@<2.31 --ecosystem PyPI --inventory $STORE --offline -q -f json"
PKG_SH="$BIN inventory affected --package 'requests@<2.31' --ecosystem PyPI --inventory $STORE --offline -q -f json"
LIST="$BIN inventory list --inventory $STORE --offline -q -f json"
hyperfine --warmup 2 --runs 20 --export-json "$OUT/inventory.json" \
  -n affected-id "$AFF -o /dev/null" \
  -n affected-package "$PKG_SH -o /dev/null" \
  -n list "$LIST -o /dev/null"

$AFF -o "$WORK/affected.json"
read -r affected candidates findings < <(python3 - "$WORK/affected.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(len(r["images"]), r["candidates"], sum(len(i["findings"]) for i in r["images"]))
PY
)
rss() { /usr/bin/time -v "$@" > /dev/null 2> "$OUT/time.txt"; awk -F': ' '/Maximum resident/ {print $2}' "$OUT/time.txt"; }
rss_aff=$(rss $AFF)
rss_pkg=$(rss $PKG)

/usr/bin/time -v "$BIN" inventory rescan --inventory "$STORE" --offline -q -f json -o "$WORK/rescan.json" 2> "$OUT/rescan.txt"
rescan_wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$OUT/rescan.txt")
rescan_rss=$(awk -F': ' '/Maximum resident/ {print $2}' "$OUT/rescan.txt")

python3 - "$OUT/inventory.json" > "$OUT/inventory.md" <<PY
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
def row(name, label, rss=""):
    x = r[name]
    print(f"| {label} | {x['mean']*1000:.1f} ms ± {x['stddev']*1000:.1f} (min {x['min']*1000:.1f}, max {x['max']*1000:.1f}) | {rss} |")
print("| measurement | wall | peak RSS |")
print("|---|---|---|")
row("affected-id", "\`customs inventory affected $ID\` ($affected of $candidates candidate images affected, $findings findings)", "${rss_aff} kB")
row("affected-package", "\`customs inventory affected --package requests@<2.31 --ecosystem PyPI\`", "${rss_pkg} kB")
row("list", "\`customs inventory list -f json\` ($COUNT images)")
print(f"| \`customs inventory rescan\` of $COUNT inventories (once, /usr/bin/time) | $rescan_wall | ${rescan_rss} kB |")
print(f"| generating $COUNT inventories ($packages packages; store {int('$store_size')/1e6:.1f} MB) | $gen_wall | |")
PY
cat "$OUT/inventory.md"
