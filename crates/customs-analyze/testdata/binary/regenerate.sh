#!/bin/sh
# Rebuilds auditable-hello.bin: a small stripped Rust binary with a
# cargo-auditable `.dep-v0` section (crates from auditable-hello/Cargo.lock).
# Needs cargo-auditable (`cargo install cargo-auditable --locked`) and
# crates.io. Built in a temporary copy so nothing is written beside the
# sources.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$here/auditable-hello" "$work/"
cd "$work/auditable-hello"
CARGO_TARGET_DIR="$work/target" cargo auditable build --release --locked 2>/dev/null \
  || CARGO_TARGET_DIR="$work/target" cargo auditable build --release
cp "$work/target/release/auditable-hello" "$here/auditable-hello.bin"
# keep the lock file the binary was built from (the tests compare with it)
cp Cargo.lock "$here/auditable-hello/Cargo.lock"
ls -l "$here/auditable-hello.bin"
