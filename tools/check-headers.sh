#!/usr/bin/env bash
# Licensed under the Apache License, Version 2.0 or the MIT License.
# SPDX-License-Identifier: Apache-2.0 OR MIT
# Copyright Portcullis Contributors 2026.
#
# `make lint` part: every source, build and documentation file carries the
# SPDX licence header near its top. Lists the files that do not.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=0
while IFS= read -r -d '' file; do
    if ! head -n 5 "$file" | grep -q 'SPDX-License-Identifier: Apache-2.0 OR MIT'; then
        echo "missing SPDX header: $file"
        missing=1
    fi
done < <(git ls-files -z --cached --others --exclude-standard -- \
    '*.rs' '*.toml' '*.sh' '*.ld' '*.md' '*.py' '*.s' 'Makefile' '*/Makefile' '*.mk' '.ci/run')

exit "$missing"
