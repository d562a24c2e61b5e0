#!/usr/bin/env bash
# Licensed under the Apache License, Version 2.0 or the MIT License.
# SPDX-License-Identifier: Apache-2.0 OR MIT
# Copyright Portcullis Contributors 2026.
#
# In-guest benchmarks (`make bench`): boots the qemu-virt images that
# measure themselves under `-icount shift=0,sleep=off`, where the generic timer
# advances with executed instructions (1 ns each; at 62.5 MHz one tick is 16
# instructions), and prints their `bench:` lines as a markdown list.
# Usage: guest.sh <portcullis command...>
set -euo pipefail

echo "### In-guest figures (qemu-virt, \`-icount shift=0,sleep=off\`)"
echo
for variant in test apps-bench; do
    "$@" run --board qemu-virt --variant "$variant" --icount --timeout 300 2>/dev/null |
        grep -o 'bench: .*' | sed -E 's/  \[[a-z_]+::.*$//; s/^bench: /- /'
done
