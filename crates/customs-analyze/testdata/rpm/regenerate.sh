#!/usr/bin/env bash
# Regenerates the rpm database fixtures of this folder:
#   rpmdb.sqlite  - written by rpm itself (sqlite backend)
#   Packages      - Berkeley DB hash, written by db5.3_load from the same
#                   header blobs (Debian's rpm 4.18 cannot write bdb any
#                   more; its read-only bdb_ro backend reads it back as a check)
#   Packages.db   - ndb, laid out by gen_ndb.py after rpm's rpmpkg.c
#                   (Debian's rpm is built without ndb)
#   expected.txt  - `rpm -qa` of the sqlite database, the truth the tests
#                   compare with: name epoch version release arch license
#                   sourcerpm filecount
#
# Needs: apt-get install -y rpm db5.3-util python3
# The five tiny packages come from specs/*.spec (built with rpmbuild).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1700000000
top="$work/top"
mkdir -p "$top"/{BUILD,RPMS,SOURCES,SPECS,SRPMS,BUILDROOT}
for spec in "$here"/specs/*.spec; do
  rpmbuild --quiet --define "_topdir $top" --define '_build_id_links none' \
    --define 'use_source_date_epoch_as_buildtime 1' \
    --define '_buildhost fixture.invalid' \
    --target x86_64 -bb "$spec" >/dev/null
done

db="$work/db"
mkdir -p "$db"
rpm --dbpath "$db" --define '_db_backend sqlite' --initdb
rpm --dbpath "$db" --define '_db_backend sqlite' -i --justdb --nodeps --noscripts \
  --ignorearch --ignoreos --nosignature $(find "$top/RPMS" -name '*.rpm' | sort)

qf='%{NAME}\t%{EPOCHNUM}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{LICENSE}\t%{SOURCERPM}\t%{FILENAMES:arraysize}\n'
rpm --dbpath "$db" --define '_db_backend sqlite' -qa --qf "$qf" | sort >"$here/expected.txt"

# one clean file: checkpoint the WAL, compact
python3 - "$db/rpmdb.sqlite" "$here/rpmdb.sqlite" "$work/blobs" <<'PY'
import os, sqlite3, sys, shutil
src, dst, blobdir = sys.argv[1:]
c = sqlite3.connect(src)
c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
c.execute("VACUUM")
c.close()
shutil.copyfile(src, dst)
os.makedirs(blobdir)
c = sqlite3.connect(dst)
for hnum, blob in c.execute("SELECT hnum, blob FROM Packages ORDER BY hnum"):
    open(os.path.join(blobdir, "%d" % hnum), "wb").write(blob)
c.close()
PY

# Berkeley DB hash: keys are native-endian (little) u32 header numbers,
# values the header blobs; key 0 is rpm's bookkeeping record (the highest
# header number), as in real rpm 4.x databases.
python3 - "$work/blobs" >"$work/dump.txt" <<'PY'
import os, struct, sys
d = sys.argv[1]
nums = sorted(int(n) for n in os.listdir(d))
print("VERSION=3\nformat=bytevalue\ntype=hash\ndb_pagesize=4096\nHEADER=END")
print(" " + struct.pack("<I", 0).hex())
print(" " + struct.pack("<I", max(nums)).hex())
for n in nums:
    print(" " + struct.pack("<I", n).hex())
    print(" " + open(os.path.join(d, str(n)), "rb").read().hex())
print("DATA=END")
PY
# Packages: 4096-byte pages as rpm uses (every header off-page);
# Packages-16k: 16 KiB pages, so the small headers are stored inline
rm -f "$here/Packages" "$here/Packages-16k"
db5.3_load -f "$work/dump.txt" "$here/Packages"
sed 's/^db_pagesize=4096$/db_pagesize=16384/' "$work/dump.txt" >"$work/dump16k.txt"
db5.3_load -f "$work/dump16k.txt" "$here/Packages-16k"
# check: rpm reads them back with its own read-only bdb backend
for f in Packages Packages-16k; do
  bdb="$work/bdb-$f"
  mkdir -p "$bdb"
  cp "$here/$f" "$bdb/Packages"
  rpm --dbpath "$bdb" --define '_db_backend bdb_ro' -qa --qf "$qf" 2>/dev/null | sort >"$work/bdb.txt"
  diff -u "$here/expected.txt" "$work/bdb.txt"
done

python3 "$here/gen_ndb.py" "$work/blobs" "$here/Packages.db"

# Independent check with go-rpmdb, through the pygorpmrustinfo wheel from
# PyPI (skip with CHECK_GO_RPMDB=0). Not Packages-16k: go-rpmdb reads only
# off-page values and skips inline ones (rpm's bdb_ro check above covers it).
if [ "${CHECK_GO_RPMDB:-1}" = 1 ]; then
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q --only-binary :all: pygorpmrustinfo
  for f in rpmdb.sqlite Packages Packages.db; do
    "$work/venv/bin/python" - "$here/$f" >"$work/go.txt" <<'PY'
import sys
from pygorpmrustinfo import get_rpm_db_info
r = get_rpm_db_info(sys.argv[1])
if isinstance(r, dict):
    sys.exit("go-rpmdb: %s" % r)
for p in r:
    print("\t".join(str(x) for x in (p["Name"], p.get("Epoch") or 0, p["Version"], p["Release"],
        p["Arch"], p["License"], p["SourceRpm"], len(p.get("BaseNames") or []))))
PY
    sort "$work/go.txt" | diff -u "$here/expected.txt" - || { echo "go-rpmdb disagrees on $f"; exit 1; }
  done
fi
ls -l "$here"
