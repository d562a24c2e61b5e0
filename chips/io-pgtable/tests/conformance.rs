// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! The classic conformance sequence, for every configuration: every page
//! size at distinct IOVAs, translation, refused overwrite, unmap and re-map,
//! refused partial unmap of blocks/runs, unmap of holes, the largest page at
//! the top of the input space, and no table page left behind.

mod common;

use common::{Harness, configs};
use io_pgtable::{Error, Prot};

#[test]
fn conformance_sequence_every_config() {
    for (name, config) in configs() {
        let mut h = Harness::new(config);
        let empty = h.table.allocator().live_bytes();
        let bitmap = h.table.pgsize_bitmap();
        let sizes: Vec<u64> = (0..64)
            .map(|b| 1u64 << b)
            .filter(|s| bitmap & s != 0)
            .collect();
        let largest = *sizes.last().unwrap();
        let min = sizes[0];
        let space = 1u64 << config.ias;
        // Distinct IOVAs: page size i at i * largest, with a PA whose
        // alignment is exactly that size (to catch dropped address bits).
        let pa_of = |s: u64| s * 3;
        let at = |i: usize| i as u64 * largest;
        assert!(
            sizes.len() as u64 * largest < space,
            "{name}: test layout does not fit"
        );
        for (i, &s) in sizes.iter().enumerate() {
            assert_eq!(
                h.map(at(i), pa_of(s), s, 1, Prot::READ_WRITE),
                Ok(s),
                "{name}: map {s:#x}"
            );
        }
        h.check();
        // Overwriting a live entry (same size, and the smallest page
        // inside) is refused and changes nothing.
        for (i, &s) in sizes.iter().enumerate() {
            let live = h.map(at(i), 0, s, 1, Prot::READ);
            assert!(
                matches!(live, Err(Error::AlreadyMapped { .. })),
                "{name}: overwrite {s:#x}: {live:?}"
            );
            let inner = h.map(at(i) + s - min, 0, min, 1, Prot::READ);
            assert!(
                matches!(inner, Err(Error::AlreadyMapped { .. })),
                "{name}: overwrite in {s:#x}"
            );
        }
        h.check();
        // Partial unmap of anything bigger than the smallest page: refused,
        // at either end, nothing changed.
        for (i, &s) in sizes.iter().enumerate().skip(1) {
            assert_eq!(
                h.unmap(at(i), min),
                Err(Error::PartialUnmap { iova: at(i) }),
                "{name}"
            );
            assert_eq!(
                h.unmap(at(i) + s - min, min),
                Err(Error::PartialUnmap { iova: at(i) })
            );
        }
        h.check();
        // Unmapping holes returns 0 and leaves nothing to flush.
        h.flush();
        let live = h.table.allocator().live_bytes();
        assert_eq!(
            h.unmap(at(0) + min, min),
            Ok(0),
            "{name}: hole next to a page"
        );
        assert_eq!(
            h.unmap(space - largest, largest),
            Ok(0),
            "{name}: hole at the top"
        );
        assert!(h.gather.is_empty(), "{name}: unmapping holes gathered work");
        assert_eq!(h.table.allocator().live_bytes(), live);
        // Unmap and map again, each size.
        for (i, &s) in sizes.iter().enumerate() {
            assert_eq!(h.unmap(at(i), s), Ok(s), "{name}: unmap {s:#x}");
            h.flush();
            assert!(h.translate(at(i)).is_err());
            assert_eq!(h.map(at(i), pa_of(s) + s, s, 1, Prot::READ), Ok(s));
        }
        h.check();
        // The largest page at the very top of the input address space.
        assert_eq!(
            h.map(space - largest, 0, largest, 1, Prot::READ_WRITE),
            Ok(largest),
            "{name}: top"
        );
        h.check();
        assert_eq!(h.table.iova_to_phys(space - 1), Some(largest - 1));
        // Everything out: all table pages but the root come back.
        let total: u64 = h.reference.values().map(|m| m.size).sum();
        assert_eq!(h.unmap(0, space), Ok(total), "{name}");
        h.flush();
        assert_eq!(
            h.table.allocator().live_bytes(),
            empty,
            "{name}: leaked table pages"
        );
        let (arena, _) = h.table.destroy();
        assert_eq!(arena.live_bytes(), 0, "{name}: destroy left pages");
    }
}

#[test]
fn batched_map_spans_tables_and_unmaps_in_one_call() {
    for (name, config) in configs() {
        let mut h = Harness::new(config);
        let min = 1u64 << h.table.pgsize_bitmap().trailing_zeros();
        // 1.5 leaf tables' worth of the smallest page, starting mid-table.
        let entries = if min == 4096 { 512 } else { min / 8 };
        let count = (entries * 3 / 2) as usize;
        let iova = min * (entries - 7);
        assert_eq!(
            h.map(iova, 0x10_0000 * 16, min, count, Prot::READ_WRITE),
            Ok(min * count as u64),
            "{name}"
        );
        h.check();
        assert_eq!(h.unmap(iova, min * count as u64), Ok(min * count as u64));
        assert!(
            h.gather.tables_unlinked(),
            "{name}: emptied tables not unlinked"
        );
        assert!(h.gather.pending_tables() >= 1);
        h.flush();
        assert_eq!(
            h.table.allocator().live_bytes(),
            h.empty_footprint(),
            "{name}"
        );
    }
}

#[test]
fn out_of_memory_unwinds_every_level() {
    for (name, config) in configs() {
        for budget in 0..4 {
            let mut h = Harness::new(config);
            let min = 1u64 << h.table.pgsize_bitmap().trailing_zeros();
            let before = h.table.allocator().live_bytes();
            h.table.allocator_mut().fail_after(Some(budget));
            // Three leaf tables' worth: needs several tables.
            let count = if min == 4096 {
                1536
            } else {
                3 * (min / 8) as usize
            };
            let r = h
                .table
                .map(0, 0, min, count, Prot::READ_WRITE, &mut h.gather);
            h.table.allocator_mut().fail_after(None);
            if r.is_ok() {
                continue; // enough budget for this format
            }
            assert_eq!(r, Err(Error::OutOfMemory), "{name} budget {budget}");
            h.flush();
            assert_eq!(
                h.table.allocator().live_bytes(),
                before,
                "{name} budget {budget}: leak"
            );
            assert!(
                h.translate(0).is_err(),
                "{name}: unwound mapping still visible"
            );
            assert!(h.translate(min * (count as u64 - 1)).is_err());
        }
    }
}

/// Regression (found by the fuzzer): unmapping exactly one whole leaf table
/// while the walk starts from a remembered level-2 table must still
/// decrement that table's count, or it is never freed.
#[test]
fn unmapping_a_whole_leaf_table_between_others_frees_it() {
    for (name, config) in configs() {
        let mut h = Harness::new(config);
        let min = 1u64 << h.table.pgsize_bitmap().trailing_zeros();
        let entries = if config.format == io_pgtable::Format::V7s {
            256
        } else {
            min / 8
        };
        let span = entries * min;
        // Three and a half leaf tables, starting half-way into the first.
        let start = 4 * span + span / 2;
        let count = (entries * 7 / 2) as usize;
        h.map(start, 0, min, count, Prot::READ_WRITE).unwrap();
        // The second table, exactly.
        assert_eq!(h.unmap(5 * span, span), Ok(span), "{name}");
        h.flush();
        h.check();
        let rest: u64 = h.reference.values().map(|m| m.size).sum();
        assert_eq!(h.unmap(0, 16 * span), Ok(rest), "{name}");
        h.flush();
        assert_eq!(
            h.table.allocator().live_bytes(),
            h.empty_footprint(),
            "{name}: leaked"
        );
    }
}

/// A block alone in its table: unmapping it (through the remembered
/// level-2 table) frees that table and every emptied table above it.
#[test]
fn unmapping_a_lone_block_frees_its_tables() {
    for (name, config) in configs() {
        let mut h = Harness::new(config);
        let bitmap = h.table.pgsize_bitmap();
        let sizes: Vec<u64> = (0..64)
            .map(|b| 1u64 << b)
            .filter(|s| bitmap & s != 0)
            .collect();
        let empty = h.empty_footprint();
        for &block in sizes.iter().skip(1).filter(|&&s| s <= 1 << 29) {
            let at = (1u64 << config.ias) / 2;
            // Twice, so the second round runs with warm walk hints.
            for _ in 0..2 {
                h.map(at, block, block, 1, Prot::READ).unwrap();
                assert_eq!(h.unmap(at, block), Ok(block), "{name} {block:#x}");
                h.flush();
                assert_eq!(
                    h.table.allocator().live_bytes(),
                    empty,
                    "{name} {block:#x}: leaked"
                );
            }
        }
    }
}
