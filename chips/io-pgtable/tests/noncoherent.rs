// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Non-coherent walkers: every table write a walker could act on is
//! cleaned to PoC before the operation returns, and cleaning is batched
//! (one call per table page touched, never one per descriptor).

mod common;

use std::collections::BTreeMap;

use common::{Harness, configs};
use io_pgtable::{Format, PageAllocator, Prot};

/// Every live 8-byte word of table memory.
fn snapshot(h: &Harness) -> BTreeMap<u64, u64> {
    let arena = h.table.allocator();
    let mut words = BTreeMap::new();
    for (phys, size) in arena.live_ranges() {
        for i in 0..size as u64 / 8 {
            words.insert(phys + i * 8, arena.read_u64(phys + i * 8).unwrap());
        }
    }
    words
}

/// A change a walker cannot observe: invalid before and after, or (LPAE)
/// only the software count in a table descriptor's IGNORED bits.
fn unobservable(v7s: bool, old: u64, new: u64) -> bool {
    if v7s {
        let invalid = |w: u64| w & 3 == 0 && (w >> 32) & 3 == 0;
        return invalid(old) && invalid(new);
    }
    let count_bits = 0x07f0_0000_0000_0ffc;
    (old & 1 == 0 && new & 1 == 0) || (old & 3 == 3 && (old ^ new) & !count_bits == 0)
}

fn check_op(h: &mut Harness, op: impl FnOnce(&mut Harness)) -> usize {
    let v7s = h.config.format == Format::V7s;
    let before = snapshot(h);
    let log_start = h.table.cache_maintenance().ranges.len();
    op(h);
    let after = snapshot(h);
    let cleans: Vec<(usize, usize)> = h.table.cache_maintenance().ranges[log_start..].to_vec();
    let arena = h.table.allocator();
    // The v7s count side array is never walked.
    let counts_block = arena
        .live_ranges()
        .into_iter()
        .find(|&(_, s)| v7s && s == 8192)
        .map(|(p, _)| p);
    for (phys, new) in &after {
        let old = before.get(phys).copied().unwrap_or(0);
        if old == *new || unobservable(v7s, old, *new) {
            continue;
        }
        if counts_block.is_some_and(|c| (c..c + 8192).contains(phys)) {
            continue;
        }
        let virt = arena.phys_to_virt(*phys).as_ptr() as usize;
        let cleaned =
            |at: usize, len: usize| cleans.iter().any(|&(v, l)| v <= at && at + len <= v + l);
        if v7s {
            // Two 32-bit descriptors: each changed one must be cleaned.
            for half in 0..2 {
                let (o, n) = ((old >> (32 * half)) as u32, (new >> (32 * half)) as u32);
                if o != n && !(o & 3 == 0 && n & 3 == 0) {
                    assert!(
                        cleaned(virt + 4 * half, 4),
                        "write to {phys:#x}+{} ({o:#x} -> {n:#x}) not cleaned",
                        4 * half
                    );
                }
            }
        } else {
            assert!(
                cleaned(virt, 8),
                "write to {phys:#x} ({old:#x} -> {new:#x}) not cleaned"
            );
        }
    }
    cleans.len()
}

#[test]
fn writes_are_cleaned_and_batched() {
    for (name, config) in configs().into_iter().filter(|(_, c)| !c.coherent_walk) {
        let mut h = Harness::new(config);
        let min = 1u64 << h.table.pgsize_bitmap().trailing_zeros();
        // Entries per leaf table: 256 for v7s level 2, granule / 8 for LPAE.
        let entries: u64 = if h.config.format == Format::V7s {
            256
        } else {
            min / 8
        };
        // Cold: creates tables.
        let calls = check_op(&mut h, |h| {
            h.map(0, 0, min, entries as usize, Prot::READ_WRITE)
                .unwrap();
        });
        assert!(
            calls <= 12,
            "{name}: {calls} clean calls for a cold batched map"
        );
        // Warm: the leaf table exists (a sentinel in its last entry keeps
        // it), so exactly one clean for the whole batch.
        h.unmap(0, entries * min).unwrap();
        h.flush();
        h.map((entries - 1) * min, 0, min, 1, Prot::READ).unwrap();
        h.map(0, 0, min, entries as usize - 1, Prot::READ_WRITE)
            .unwrap();
        let calls = check_op(&mut h, |h| {
            h.unmap(0, (entries - 1) * min).unwrap();
        });
        assert_eq!(calls, 1, "{name}: batched unmap");
        let calls = check_op(&mut h, |h| {
            h.map(0, 0, min, entries as usize - 1, Prot::READ_WRITE)
                .unwrap();
        });
        assert_eq!(calls, 1, "{name}: warm batched map");
        // Blocks, unmap of everything (tables unlinked), release.
        let upto_512m = h.table.pgsize_bitmap() & ((1 << 30) - 1);
        let big = 1u64 << (63 - upto_512m.leading_zeros());
        check_op(&mut h, |h| {
            h.map(big * 2, big, big, 1, Prot::READ).unwrap();
        });
        check_op(&mut h, |h| {
            h.unmap(0, big * 4).unwrap();
        });
        check_op(&mut h, |h| h.flush());
        assert_eq!(
            h.table.allocator().live_bytes(),
            h.empty_footprint(),
            "{name}"
        );
    }
}

#[test]
fn coherent_walk_never_calls_the_hook() {
    for (name, config) in configs().into_iter().filter(|(_, c)| c.coherent_walk) {
        let mut h = Harness::new(config);
        h.map(
            0,
            0,
            4096.max(1 << h.table.pgsize_bitmap().trailing_zeros()),
            3,
            Prot::READ,
        )
        .unwrap();
        h.unmap(0, 1 << 20).unwrap();
        assert!(h.table.cache_maintenance().ranges.is_empty(), "{name}");
    }
}
