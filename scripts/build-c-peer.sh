#!/usr/bin/env bash
# Builds the libotr reference peer used by the interop tests. Idempotent: the
# binary is rebuilt only when the source is newer.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/test/interop/peers/libotr-peer.c"
out="$root/.tmp/libotr-peer"
mkdir -p "$root/.tmp"
if [[ -x "$out" && "$out" -nt "$src" ]]; then
  exit 0
fi
# Build to a temp name and rename, so parallel callers never see half a binary.
tmp="$out.$$"
gcc -std=gnu11 -O2 -Wall -Wextra -Wno-unused-parameter -o "$tmp" "$src" -lotr -lgcrypt -lgpg-error
mv -f "$tmp" "$out"
