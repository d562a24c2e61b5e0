# Licensed under the Apache License, Version 2.0 or the MIT License.
# SPDX-License-Identifier: Apache-2.0 OR MIT
# Copyright Portcullis Contributors 2026.

# Portcullis top-level build. `make run` and `make test` are all a fresh
# machine needs: both run `make setup` first. See doc/toolchain.md.
#
#   make setup    install/check prerequisites (idempotent, silent when done)
#   make build    build every board's kernel images
#   make run      boot BOARD (default qemu-virt) under QEMU with decoded logs
#   make test     host tests, then the emulated system tests
#   make bench    benchmarks; figures go to target/bench/ (doc/benchmarks.md)
#   make fuzz     a short run of every fuzz target (FUZZ_SECONDS each)
#   make lint     licence headers, rustfmt check, clippy -D warnings (host and target)
#   make doc      API documentation (warnings are errors)
#   make clean    remove build output

include toolchain.mk

BOARDS := qemu-virt
BOARD ?= qemu-virt
FUZZ_SECONDS ?= 20

# Host cargo: the rustup toolchain, never Debian's.
HOST_CARGO := cargo
PORTCULLIS := $(HOST_CARGO) run --quiet -p portcullis --

.PHONY: setup build run test test-host test-system bench fuzz lint doc clean

setup:
	@tools/setup.sh $(TARGET_RUST_VERSION) $(DEBIAN_PACKAGES)

build: setup
	@$(foreach b,$(BOARDS),$(MAKE) --no-print-directory -C boards/$(b) variants &&) true

run: setup
	$(PORTCULLIS) run --board $(BOARD)

test: setup test-host test-system

test-host:
	$(HOST_CARGO) test --workspace --exclude board-qemu-virt
	$(MAKE) --no-print-directory -C apps test

test-system: setup
	$(PORTCULLIS) test --board $(BOARD)

bench: setup
	@mkdir -p target/bench
	$(HOST_CARGO) bench -p io-pgtable
	tools/bench/io-pgtable-icount.sh | tee target/bench/io-pgtable-icount.md
	tools/bench/guest.sh $(PORTCULLIS) | tee target/bench/guest.md

# Each fuzz target: "<crate directory>:<target>". cargo-fuzz needs nightly
# flags; RUSTC_BOOTSTRAP lets the stable toolchain take them. Leak detection
# is off: the IOMMU capsule leaks a broken domain's tables on purpose
# (quarantine), the DMA engine target leaks the small kernel of its rig per
# run (`'static` as on a board); the page-table target checks for leaked
# table pages itself.
FUZZ_TARGETS := chips/io-pgtable:ops kernel:tbf kernel:syscall_decode capsules/iommu-dma:syscalls capsules/dma-engine:syscalls

fuzz: setup
	@command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
	@set -e; for target in $(FUZZ_TARGETS); do \
		dir=$${target%%:*}; name=$${target##*:}; \
		echo "fuzz: $$dir $$name ($(FUZZ_SECONDS) s)"; \
		(cd $$dir/fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run $$name -- \
			-max_total_time=$(FUZZ_SECONDS) -detect_leaks=0); \
	done

lint: setup
	tools/check-headers.sh
	$(HOST_CARGO) fmt --all --check
	cd apps && $(HOST_CARGO) fmt --all --check
	for dir in chips/io-pgtable/fuzz kernel/fuzz capsules/iommu-dma/fuzz capsules/dma-engine/fuzz; do rustfmt --edition 2024 --check $$dir/fuzz_targets/*.rs; done
	$(HOST_CARGO) clippy --workspace --exclude board-qemu-virt --all-targets -- -D warnings
	@$(foreach b,$(BOARDS),$(MAKE) --no-print-directory -C boards/$(b) clippy &&) true
	$(MAKE) --no-print-directory -C apps clippy

# Broken intra-doc links and HTML in doc comments are errors.
doc:
	RUSTDOCFLAGS="-D warnings" $(HOST_CARGO) doc --workspace --exclude board-qemu-virt --no-deps

clean:
	$(HOST_CARGO) clean
	rm -rf target
