#!/usr/bin/env bash
# Bounded fuzzing of every decoder gmm runs on bytes it did not write
# (docs/fuzzing.md): scripts/fuzz.sh [SECONDS] [TARGET...]
#
# SECONDS (default 60) is per target; the targets default to all five:
# event, bundle_binary, bundle_jsonl, key, proof. Seed corpora are made fresh
# from real exports of a store this script builds with the gmm binary, plus
# the golden event vectors and proof files. A crash leaves its input under
# fuzz/artifacts/TARGET/; turn it into a regression test (docs/fuzzing.md).
#
# Needs the nightly toolchain and cargo-fuzz (installed here when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(event bundle_binary bundle_jsonl key proof)
fi

# The same cargo target folder as .ci/run: a cache outside the clone when
# this machine keeps one.
cache="${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/gmm-target"
if [ -z "${CARGO_TARGET_DIR:-}" ] && [ -d "$cache" ]; then
  export CARGO_TARGET_DIR="$cache"
fi
target_dir="$(cargo metadata --format-version 1 --no-deps | sed 's/.*"target_directory":"\([^"]*\)".*/\1/')"

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzz.sh: cargo fuzz needs the nightly toolchain: rustup toolchain install nightly" >&2
  exit 69
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  cargo +nightly install cargo-fuzz --locked
fi

# Seeds from real exports: a group with members, a device, a title, a leave.
# GMM names a gmm binary to use instead of building one.
gmm="${GMM:-}"
if [ -z "$gmm" ]; then
  cargo build --quiet --bin gmm
  gmm="$target_dir/debug/gmm"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
a="$work/a" b="$work/b"
"$gmm" --dir "$a" init >/dev/null 2>&1
bob=$("$gmm" --dir "$b" init 2>/dev/null)
phone=$("$gmm" key generate -o "$work/phone.key" 2>/dev/null)
"$gmm" --dir "$a" group create Club --member "$bob:admin:bob" >/dev/null 2>&1
"$gmm" --dir "$a" add Club "$phone" --name carol >/dev/null 2>&1
"$gmm" --dir "$a" title Club "Book club ‮ 2027" >/dev/null 2>&1
laptop=$("$gmm" key generate -o "$work/laptop.key" 2>/dev/null)
"$gmm" --dir "$a" device link "$laptop" --name laptop >/dev/null 2>&1
"$gmm" --dir "$a" export Club -o "$work/club.gmmb" 2>/dev/null
"$gmm" --dir "$a" export Club --format jsonl -o "$work/club.jsonl" 2>/dev/null
"$gmm" --dir "$b" import "$work/club.gmmb" >/dev/null 2>&1
"$gmm" --dir "$b" leave Club >/dev/null 2>&1
"$gmm" --dir "$b" export Club -o "$work/left.gmmb" 2>/dev/null
"$gmm" --dir "$b" export Club --format jsonl -o "$work/left.jsonl" 2>/dev/null

corpus=fuzz/corpus
for t in "${targets[@]}"; do mkdir -p "$corpus/$t"; done
seed() { if [ -d "$corpus/$1" ]; then cp "$2" "$corpus/$1/seed-$(basename "$2")"; fi; }
seed bundle_binary "$work/club.gmmb"; seed bundle_binary "$work/left.gmmb"
seed bundle_jsonl "$work/club.jsonl"; seed bundle_jsonl "$work/left.jsonl"
seed bundle_jsonl "$work/club.gmmb"
seed key "$a/identity.key"; seed key "$a/identity.pub"; seed key "$work/phone.key"
for p in fixtures/proofs/*.gmmproof; do seed proof "$p"; done
if [ -d "$corpus/event" ]; then
  grep -v '^#' fixtures/golden-events.txt | while read -r name _id hex; do
    printf "$(sed 's/../\\x&/g' <<<"$hex")" >"$corpus/event/seed-$name"
  done
fi

# RocksDB's C++ library is linked into every target (the decoders live in the
# same crate as the store) but never fuzzed: the fuzz build links the one the
# test build left, when there is one, instead of a second long C++ build. Only
# the fuzz build sees ROCKSDB_LIB_DIR, and it builds in fuzz/target: the test
# build's own cache is untouched.
rocksdb=()
lib=$(ls -t "$target_dir"/debug/build/librocksdb-sys-*/out/librocksdb.a 2>/dev/null | head -1 || true)
if [ -z "${ROCKSDB_LIB_DIR:-}" ] && [ -n "$lib" ]; then
  mkdir -p fuzz/target/rocksdb
  cp -u "$lib" fuzz/target/rocksdb/librocksdb.a
  rocksdb=(env ROCKSDB_LIB_DIR="$PWD/fuzz/target/rocksdb" ROCKSDB_STATIC=1)
fi

status=0
for t in "${targets[@]}"; do
  echo "fuzz.sh: $t for ${seconds}s"
  if ! env -u CARGO_TARGET_DIR "${rocksdb[@]}" cargo +nightly fuzz run "$t" "$corpus/$t" -- \
      -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1; then
    echo "fuzz.sh: $t FAILED; the input is under fuzz/artifacts/$t/" >&2
    status=1
  fi
done
exit $status
