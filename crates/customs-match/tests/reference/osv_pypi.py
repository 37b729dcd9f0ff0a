#!/usr/bin/env python3
"""Independent reference for the PyPI check of customs-match.

Reads the osv.dev PyPI dump (all.zip) and a JSON list of [name, version]
pairs, and prints the sorted JSON list of [advisory id, name, version] for
every advisory that affects a pair, by the OSV schema's evaluation
pseudocode (IsVulnerable / IncludedInVersions / IncludedInRanges /
BeforeLimits) with packaging.version.Version as the ordering:

- a version is affected when it is in any range or equal to a `versions` entry;
- a range's events are sorted by version (stable; introduced "0" first);
  introduced with v >= introduced sets vulnerable, fixed with v >= fixed and
  last_affected with v > last_affected clear it;
- with limit events, v must be below one of them ("*" is infinity);
- GIT ranges are ignored; withdrawn records are ignored;
- a range with an event that is not a valid version (or an unknown event) is
  skipped, never a match; a `versions` entry that is not a valid version
  matches only as the identical string.

Usage: osv_pypi.py ALL_ZIP PACKAGES_JSON
"""

import functools
import json
import sys
import zipfile

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

MINIMUM = object()  # introduced "0": below every version


def parse(s):
    try:
        return Version(s.strip())
    except InvalidVersion:
        return None


def cmp_versions(a, b):
    if a is MINIMUM and b is MINIMUM:
        return 0
    if a is MINIMUM:
        return -1
    if b is MINIMUM:
        return 1
    return (a > b) - (a < b)


def included_in_range(v, rng, skipped):
    """True/False, or None when the range cannot be evaluated."""
    events = []
    limits = []
    for e in rng.get("events") or []:
        if len(e) != 1:
            skipped.append(("event with several keys", e))
            return None
        ((kind, value),) = e.items()
        if not isinstance(value, str):
            skipped.append(("non-string event", e))
            return None
        if kind == "introduced" and value.strip() == "0":
            events.append((kind, MINIMUM))
            continue
        if kind == "limit" and "*" in value:
            limits.append(None)
            continue
        if kind not in ("introduced", "fixed", "last_affected", "limit"):
            skipped.append(("unknown event", e))
            return None
        pv = parse(value)
        if pv is None:
            skipped.append(("invalid version", value))
            return None
        if kind == "limit":
            limits.append(pv)
        else:
            events.append((kind, pv))
    if limits and not any(lim is None or v < lim for lim in limits):
        return False
    events.sort(key=functools.cmp_to_key(lambda a, b: cmp_versions(a[1], b[1])))
    vulnerable = False
    for kind, at in events:
        if kind == "introduced":
            if at is MINIMUM or v >= at:
                vulnerable = True
        elif kind == "fixed":
            if v >= at:
                vulnerable = False
        elif kind == "last_affected":
            if v > at:
                vulnerable = False
    return vulnerable


def affected_entry(raw, v, entry, skipped):
    for rng in entry.get("ranges") or []:
        kind = rng.get("type")
        if kind == "GIT":
            continue
        if kind != "ECOSYSTEM":
            # PyPI data has no SEMVER ranges; refuse to guess.
            raise SystemExit(f"unexpected {kind} range in a PyPI record; extend the reference")
        if included_in_range(v, rng, skipped):
            return True
    for listed in entry.get("versions") or []:
        if listed.strip() == raw.strip():
            return True
        lv = parse(listed)
        if lv is not None and lv == v:
            return True
    return False


def main():
    zip_path, packages_path = sys.argv[1], sys.argv[2]
    with open(packages_path, encoding="utf-8") as f:
        packages = json.load(f)
    wanted = {}
    for name, version in packages:
        v = parse(version)
        if v is None:
            raise SystemExit(f"installed version {version!r} of {name} is not PEP 440")
        wanted.setdefault(canonicalize_name(name), []).append((name, version, v))
    out = set()
    skipped = []
    with zipfile.ZipFile(zip_path) as z:
        for member in z.namelist():
            if not member.endswith(".json"):
                continue
            rec = json.loads(z.read(member))
            if rec.get("withdrawn"):
                continue
            for entry in rec.get("affected") or []:
                pkg = entry.get("package") or {}
                if pkg.get("ecosystem") != "PyPI":
                    continue
                for name, version, v in wanted.get(canonicalize_name(pkg.get("name", "")), []):
                    if affected_entry(version, v, entry, skipped):
                        out.add((rec["id"], name, version))
    print(f"osv_pypi.py: {len(out)} matches, {len(skipped)} ranges skipped", file=sys.stderr)
    json.dump(sorted(out), sys.stdout)


if __name__ == "__main__":
    main()
