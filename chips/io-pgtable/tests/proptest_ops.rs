// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Random map/unmap/lookup sequences for every configuration, checked
//! against a reference map through the independent walker; failures
//! (overlaps, partial unmaps, injected allocation failures) must leave the
//! table unchanged; unmapping everything must give back every table page.

mod common;

use common::{Harness, configs};
use io_pgtable::{Config, MemType, Prot};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Map {
        slot: u64,
        size_idx: usize,
        count: usize,
        pa_slot: u64,
        prot: u8,
    },
    Unmap {
        slot: u64,
        size_idx: usize,
        count: u64,
        jitter: i8,
    },
    FailingMap {
        slot: u64,
        size_idx: usize,
        count: usize,
        allocs: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u64..24, 0usize..8, 1usize..40, 0u64..64, any::<u8>())
            .prop_map(|(slot, size_idx, count, pa_slot, prot)| Op::Map { slot, size_idx, count, pa_slot, prot }),
        3 => (0u64..24, 0usize..8, 1u64..6, -2i8..3)
            .prop_map(|(slot, size_idx, count, jitter)| Op::Unmap { slot, size_idx, count, jitter }),
        1 => (0u64..24, 0usize..8, 1usize..600, 0usize..3)
            .prop_map(|(slot, size_idx, count, allocs)| Op::FailingMap { slot, size_idx, count, allocs }),
    ]
}

fn prot_of(bits: u8) -> Prot {
    let mem = match bits % 3 {
        0 => MemType::Cached,
        1 => MemType::NonCacheable,
        _ => MemType::Device,
    };
    Prot {
        read: bits & 8 != 0 || bits & 16 == 0,
        write: bits & 16 != 0,
        exec: bits & 32 != 0,
        privileged: bits & 64 != 0,
        mem,
    }
}

/// Page sizes worth exercising (all sizes up to 512 MiB).
fn sizes(h: &Harness) -> Vec<u64> {
    let bitmap = h.table.pgsize_bitmap();
    (0..64)
        .map(|b| 1u64 << b)
        .filter(|s| bitmap & s != 0 && *s <= 512 << 20)
        .collect()
}

fn run(config: Config, ops: Vec<Op>, at_top: bool) {
    let mut h = Harness::new(config);
    let sizes = sizes(&h);
    let largest = *sizes.last().unwrap();
    let min = sizes[0];
    // A window a few of the largest pages wide, at the bottom or the very
    // top of the input address space.
    let window = (largest * 8).min(1 << config.ias);
    let base = if at_top {
        (1u64 << config.ias) - window
    } else {
        0
    };
    let pa_limit = 1u64 << config.oas.min(36);
    let empty = h.empty_footprint();
    for op in ops {
        match op {
            Op::Map {
                slot,
                size_idx,
                count,
                pa_slot,
                prot,
            } => {
                let pgsize = sizes[size_idx % sizes.len()];
                let iova = base + (slot * pgsize) % window;
                let count = count.min(((base + window - iova) / pgsize) as usize).max(1);
                let pa = (pa_slot * pgsize * 3) % pa_limit;
                if iova + pgsize * count as u64 > base + window
                    || pa + pgsize * count as u64 > pa_limit
                {
                    continue;
                }
                let _ = h.map(iova, pa, pgsize, count, prot_of(prot));
            }
            Op::Unmap {
                slot,
                size_idx,
                count,
                jitter,
            } => {
                let unit = sizes[size_idx % sizes.len()];
                let start = (base + (slot * unit) % window)
                    .saturating_add_signed(i64::from(jitter) * min as i64);
                let size = unit * count;
                if start < base || start + size > base + window {
                    continue;
                }
                let _ = h.unmap(start, size);
            }
            Op::FailingMap {
                slot,
                size_idx,
                count,
                allocs,
            } => {
                let pgsize = sizes[size_idx % sizes.len()];
                let iova = base + (slot * pgsize) % window;
                let count = count.min(((base + window - iova) / pgsize) as usize).max(1);
                if pgsize * count as u64 > pa_limit {
                    continue;
                }
                h.table_allocator_fail_after(Some(allocs));
                let _ = h.map(iova, 0, pgsize, count, Prot::READ_WRITE);
                h.table_allocator_fail_after(None);
            }
        }
        h.flush();
        h.check();
    }
    // Unmapping the whole window returns every byte and every table.
    let total: u64 = h.reference.values().map(|m| m.size).sum();
    assert_eq!(h.unmap(base, window), Ok(total));
    h.flush();
    assert!(h.reference.is_empty());
    assert_eq!(
        h.table.allocator().live_bytes(),
        empty,
        "table pages leaked"
    );
}

impl Harness {
    fn table_allocator_fail_after(&mut self, n: Option<usize>) {
        self.table.allocator_mut().fail_after(n);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_sequences(cfg_idx in 0usize..18, at_top: bool, ops in prop::collection::vec(op(), 1..40)) {
        let cfgs = configs();
        let (_, config) = cfgs[cfg_idx % cfgs.len()];
        run(config, ops, at_top);
    }
}

/// Every configuration gets its own seeds too, so none is starved.
#[test]
fn every_config_sees_sequences() {
    use proptest::test_runner::{Config as PtConfig, TestRunner};
    for (name, config) in configs() {
        let mut runner = TestRunner::new(PtConfig {
            cases: 64,
            ..PtConfig::default()
        });
        runner
            .run(
                &(any::<bool>(), prop::collection::vec(op(), 1..30)),
                |(top, ops)| {
                    run(config, ops, top);
                    Ok(())
                },
            )
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}
