#!/usr/bin/env bash
# Licensed under the Apache License, Version 2.0 or the MIT License.
# SPDX-License-Identifier: Apache-2.0 OR MIT
# Copyright Portcullis Contributors 2026.
#
# `make setup`: installs what the build needs and checks the toolchain pin.
# Idempotent and silent when everything is already present; `apt-get update`
# runs only when a package is missing. Usage: setup.sh <version> <packages...>
set -euo pipefail

want_version=$1
shift
packages=("$@")

missing=()
for package in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
    [[ $status == installed ]] || missing+=("$package")
done

if ((${#missing[@]})); then
    echo "setup: installing Debian packages: ${missing[*]}"
    sudo=()
    if ((EUID != 0)); then sudo=(sudo); fi
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
fi

# The compiler and the library source it builds (-Zbuild-std) must be the
# same release, or core fails to build with confusing errors.
upstream() { dpkg-query -W -f='${Version}' "$1" | sed -E 's/^[0-9]+://; s/[+~-].*$//'; }
rustc_version=$(upstream rustc-web)
src_version=$(upstream rust-web-src)
if [[ $rustc_version != "$src_version" ]]; then
    echo "setup: error: rustc-web is $rustc_version but rust-web-src is $src_version;" \
        "they must match (apt-get install rustc-web=<v> rust-web-src=<v>)" >&2
    exit 1
fi
if [[ $rustc_version != "$want_version" ]]; then
    echo "setup: error: Debian's rustc-web is $rustc_version, toolchain.mk pins" \
        "$want_version; update TARGET_RUST_VERSION after checking the build" >&2
    exit 1
fi
# The target's linker (.cargo/config.toml), shipped by rust-web-llvm as a
# link to lld-22.
if ! command -v rust-lld >/dev/null; then
    echo "setup: error: rust-lld is missing (Debian package rust-web-llvm)" >&2
    exit 1
fi
if [[ ! -d /usr/lib/rustlib/src/rust/library/core ]]; then
    echo "setup: error: rust-web-src did not provide /usr/lib/rustlib/src/rust/library" >&2
    exit 1
fi

# Host toolchain components used by `make lint`.
if command -v rustup >/dev/null; then
    for component in rustfmt clippy; do
        if ! rustup component list --installed 2>/dev/null | grep -q "^$component"; then
            echo "setup: adding rustup component $component"
            rustup component add "$component" >/dev/null
        fi
    done
fi

# ---------------------------------------------------------------------------
# Tock app tooling for apps/ (owned by the apps/ work; doc/apps.md). elf2tab
# packages app ELFs as TABs, tockloader lays TABs out as a flash image. Both
# are pinned: the kernel's TBF tests and fixtures were made with these.
# ---------------------------------------------------------------------------
elf2tab_version=0.13.0
tockloader_version=1.19.0

have_elf2tab=$(elf2tab --version 2>/dev/null | awk '{print $2}' || true)
if [[ $have_elf2tab != "$elf2tab_version" ]]; then
    echo "setup: installing elf2tab $elf2tab_version (found: ${have_elf2tab:-none})"
    cargo install --locked --quiet elf2tab --version "$elf2tab_version"
fi

have_tockloader=$(tockloader --version 2>/dev/null | tail -n1 || true)
if [[ $have_tockloader != "$tockloader_version" ]]; then
    echo "setup: installing tockloader $tockloader_version (found: ${have_tockloader:-none})"
    if command -v pip >/dev/null; then pip=(pip); else pip=(python3 -m pip); fi
    "${pip[@]}" install --quiet "tockloader==$tockloader_version"
fi
