#!/usr/bin/env bash
# gmm's main job end to end on real stores: several peers, each its own
# RocksDB store and ed25519 identity. Alice creates a group and adds people by
# key, by name and by key prefix; the peers exchange bundles; Alice and Bob
# then change the group concurrently while apart, swap bundles, and converge
# to the same view. Alice uses the default store location, pointed by GMM_DIR
# at a scratch folder so the demo leaves your ~/.local/share alone.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "building gmm (the first build compiles RocksDB and takes several minutes)..." >&2
cargo build --quiet --locked
gmm="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/debug/gmm"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GMM_DIR="$work/alice"
cd "$work"

run() {
  { printf '\n$ gmm'; printf ' %q' "$@"; printf '\n'; } >&2
  "$gmm" "$@"
}
say() { printf '\n# %s\n' "$*" >&2; }

say "Three peers, each with its own store and identity; Dave has only a key pair."
alice=$(run init)
bob=$(run --dir bob init)
carol=$(run --dir carol init)
dave=$(run key generate -o dave.key)

say "Alice knows Carol from another group, so she can name her."
run group create "Work" --member "$carol::carol" >/dev/null
group=$(run group create "Book club")
run add "Book club" "$bob" --role admin --name bob >/dev/null   # by full key
run add "Book club" carol >/dev/null                            # by name
run add "Book club" "$dave" --name dave >/dev/null               # by full key
run remove "Book club" "${dave:0:10}" >/dev/null                 # by key prefix
run members "Book club"

say "Alice sends the group to Bob and Carol as a bundle."
run export "Book club" -o club.gmm
run --dir bob import club.gmm
run --dir carol import club.gmm

say "Apart, Alice retitles the group while Bob (an admin) adds Dave back."
run title "Book club" "Book club 2027" >/dev/null
run --dir bob add "Book club" "$dave" --name dave >/dev/null

say "They swap what the other lacks (only the new events travel)."
# A peer's heads, as its `gmm status --json` prints them (no jq needed).
heads_of() { "$gmm" "$@" --json | grep -o '"id":"[0-9a-f]\{64\}"' | cut -d'"' -f4 | paste -sd, -; }
view_hash_of() { "$gmm" "$@" --json | grep -o '"view_hash":"[0-9a-f]\{64\}"' | cut -d'"' -f4; }
bob_heads=$(heads_of --dir bob status "Book club")
run export "Book club 2027" --heads "$bob_heads" -o for-bob.gmm
run --dir bob export "Book club" -o for-alice.gmm
run --dir bob import for-bob.gmm
run import for-alice.gmm

say "Both now show the same members, title and view hash."
run members "Book club 2027"
run --dir bob members "Book club 2027"
run log "${group:0:12}" --graph
run status "Book club 2027"
run why "Book club 2027" dave
say "Both stores audit clean: every record, chain, link, view hash and the log verify."
run audit
run --dir bob audit
a=$(view_hash_of status "Book club 2027")
b=$(view_hash_of --dir bob status "Book club 2027")
printf '\nalice view hash %s\nbob   view hash %s\n' "$a" "$b" >&2
[ "$a" = "$b" ] && echo "converged" >&2
