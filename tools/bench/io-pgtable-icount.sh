#!/usr/bin/env bash
# Licensed under the Apache License, Version 2.0 or the MIT License.
# SPDX-License-Identifier: Apache-2.0 OR MIT
# Copyright Portcullis Contributors 2026.
#
# io-pgtable instruction counts (DESIGN.md section 5a): builds the
# `icount` example with the bench profile (opt-level 3), runs every
# scenario under callgrind with collection switched on only inside the
# measured function, and prints a markdown table of instructions per page
# (batched scenarios) or per operation. Needs valgrind.
#
# Usage: tools/bench/io-pgtable-icount.sh [iterations]   (default 2000)
set -euo pipefail

iterations="${1:-2000}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
command -v valgrind >/dev/null || { echo "valgrind not installed" >&2; exit 1; }

cargo build --quiet --manifest-path "$root/Cargo.toml" -p io-pgtable \
    --profile bench --features test-support --example icount
bin="$target/release/examples/icount"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# instructions <scenario> <measured function> <divisor per iteration>
instructions() {
    local file="$out/$1.out"
    valgrind --tool=callgrind --callgrind-out-file="$file" \
        --toggle-collect="*icount::$2*" "$bin" "$1" "$iterations" >/dev/null 2>&1
    # The "totals:" line holds the collected instruction count (Ir).
    local total
    total="$(awk '/^totals:/ {print $2}' "$file")"
    awk -v t="$total" -v n="$iterations" -v d="$3" 'BEGIN { printf "%.1f", t / (n * d) }'
}

row() {
    local label="$1" scenario="$2" func="$3" div="$4" linux_lpae="$5" linux_v7s="$6" target="$7"
    local lpae v7s
    lpae="$(instructions "lpae_$scenario" "$func" "$div")"
    v7s="$(instructions "v7s_$scenario" "$func" "$div")"
    printf '| %s | %s | %s | %s | %s | %s |\n' "$label" "$lpae" "$v7s" "$linux_lpae" "$linux_v7s" "$target"
}

echo "| scenario | Portcullis LPAE-4K | Portcullis v7s | Linux LPAE-4K | Linux v7s | target (LPAE / v7s) |"
echo "| --- | --- | --- | --- | --- | --- |"
row "map 256×4K in one call, per page" map256 scenario_map256 256 25 133 "≤ 12 / ≤ 60"
row "unmap 256×4K in one call, per page" unmap256 scenario_unmap256 256 35 158 "≤ 17 / ≤ 75"
row "map + unmap one 4K page" map_unmap_4k scenario_map_unmap 1 652 370 "≤ 320 / ≤ 180"
row "map + unmap one 2M block (v7s: 1M section)" map_unmap_block scenario_map_unmap 1 570 310 "≤ 280 / ≤ 150"
row "iova_to_phys of a 4K page" iova_to_phys scenario_iova_to_phys 1 459 69 "≤ 60 / ≤ 35"
