#!/usr/bin/env bash
# gmm's main job end to end on real stores: several peers, each its own
# RocksDB store and ed25519 identity; Alice creates a group, adds people by
# key, by name and by key prefix, removes one, and shows members, log and status.
# Alice uses the default store location, pointed by GMM_DIR at a scratch folder
# so the demo leaves your ~/.local/share alone; the others use --dir.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "building gmm (the first build compiles RocksDB and takes several minutes)..." >&2
cargo build --quiet --locked
gmm="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/debug/gmm"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GMM_DIR="$work/alice"

run() {
  { printf '\n$ gmm'; printf ' %q' "$@"; printf '\n'; } >&2
  "$gmm" "$@"
}

alice=$(run init)
bob=$(run --dir "$work/bob" init)
carol=$(run --dir "$work/carol" init)
dave=$(run key generate -o "$work/dave.key")

# Carol is already in Alice's "Work" group: Alice's store knows her by name.
run group create "Work" --member "$carol::carol"
group=$(run group create "Book club")
run add "Book club" "$bob" --role admin --name bob          # by full key
run add "Book club" "$dave" --name dave                     # by full key
run add "Book club" carol                                   # by name, known from "Work"
run remove "Book club" "${dave:0:10}"                       # by key prefix
run title "Book club" "Book club 2027"
run members "Book club 2027"
run log "${group:0:12}"
run status "Book club 2027"
run members "Book club 2027" --json
printf '\nalice=%s\nbob=%s\ncarol=%s\n' "$alice" "$bob" "$carol" >&2
