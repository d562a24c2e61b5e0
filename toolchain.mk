# Licensed under the Apache License, Version 2.0 or the MIT License.
# SPDX-License-Identifier: Apache-2.0 OR MIT
# Copyright Portcullis Contributors 2026.

# The one place the target toolchain is pinned and described.
#
# Host crates (tools, host tests) use the machine's rustup toolchain (`cargo`).
# Bare-metal crates use Debian's rustc-web/cargo-web with rust-web-src, because
# rustup here has no rust-src and cannot download targets: RUSTC_BOOTSTRAP lets
# the stable Debian compiler take -Zbuild-std (doc/toolchain.md).

# Debian's Rust for the target: rustc-web, cargo-web and rust-web-src must all
# be this upstream version (tools/setup.sh checks it).
TARGET_RUST_VERSION := 1.96.0
TARGET := aarch64-unknown-none-softfloat

# The top of the repository, wherever this file is included from.
TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

# Debian packages `make setup` installs (tools/setup.sh reads this line).
DEBIAN_PACKAGES := rustc-web cargo-web rust-web-src rust-web-clippy rust-web-llvm lld-22 llvm-22 \
	qemu-system-arm device-tree-compiler valgrind

CROSS_TARGET_DIR := $(TOP)/target/cross
# Everything rustup might have put in the environment is overridden, so that
# Debian's cargo drives Debian's rustc even when called from `cargo run`.
CROSS_CARGO := env -u RUSTUP_TOOLCHAIN -u CARGO -u RUSTC_WRAPPER \
	PATH=/usr/bin:$(PATH) RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc CLIPPY_DRIVER=/usr/bin/clippy-driver \
	RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=$(CROSS_TARGET_DIR) /usr/bin/cargo
CROSS_FLAGS := --target $(TARGET) -Zbuild-std=core --release
