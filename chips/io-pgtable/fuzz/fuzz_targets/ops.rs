// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Fuzz target: a configuration and a sequence of map / unmap / lookup /
//! allocation-failure / flush operations. The oracle is the test suite's
//! harness (reference model + independent walker, `tests/common`): any
//! disagreement, leak or crash panics.

#![no_main]

#[path = "../../tests/common/mod.rs"]
mod common;

use arbitrary::Arbitrary;
use common::{Harness, configs};
use io_pgtable::{MemType, Prot};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Op {
    Map {
        slot: u16,
        size: u8,
        count: u16,
        pa: u16,
        prot: u8,
    },
    Unmap {
        slot: u16,
        size: u8,
        count: u8,
        jitter: i8,
    },
    Lookup {
        slot: u32,
    },
    FailingMap {
        slot: u16,
        size: u8,
        count: u16,
        allocs: u8,
    },
    Check,
}

#[derive(Arbitrary, Debug)]
struct Input {
    config: u8,
    at_top: bool,
    ops: Vec<Op>,
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

fuzz_target!(|input: Input| {
    let all = configs();
    let (_, config) = all[usize::from(input.config) % all.len()];
    let mut h = Harness::new(config);
    let bitmap = h.table.pgsize_bitmap();
    let sizes: Vec<u64> = (0..64)
        .map(|b| 1u64 << b)
        .filter(|s| bitmap & s != 0 && *s <= 512 << 20)
        .collect();
    let (min, largest) = (sizes[0], *sizes.last().unwrap());
    let window = (largest * 8).min(1 << config.ias);
    let base = if input.at_top {
        (1u64 << config.ias) - window
    } else {
        0
    };
    let pa_limit = 1u64 << config.oas.min(36);
    let empty = h.empty_footprint();
    for op in input.ops.into_iter().take(64) {
        match op {
            Op::Map {
                slot,
                size,
                count,
                pa,
                prot,
            } => {
                let pgsize = sizes[usize::from(size) % sizes.len()];
                let iova = base + (u64::from(slot) * pgsize) % window;
                let count = u64::from(count % 600 + 1).min((base + window - iova) / pgsize);
                let pa = (u64::from(pa) * pgsize) % pa_limit;
                if pa + pgsize * count <= pa_limit {
                    let _ = h.map(iova, pa, pgsize, count as usize, prot_of(prot));
                }
            }
            Op::Unmap {
                slot,
                size,
                count,
                jitter,
            } => {
                let unit = sizes[usize::from(size) % sizes.len()];
                let start = (base + (u64::from(slot) * unit) % window)
                    .saturating_add_signed(i64::from(jitter) * min as i64);
                let len = unit * u64::from(count % 8 + 1);
                if start >= base && start + len <= base + window {
                    let _ = h.unmap(start, len);
                }
            }
            Op::Lookup { slot } => {
                let iova = base + u64::from(slot) % window;
                let expected = h.reference_at(iova).map(|(s, m)| m.pa + (iova - s));
                assert_eq!(h.table.iova_to_phys(iova), expected);
                assert_eq!(h.translate(iova).ok().map(|t| t.pa), expected);
            }
            Op::FailingMap {
                slot,
                size,
                count,
                allocs,
            } => {
                let pgsize = sizes[usize::from(size) % sizes.len()];
                let iova = base + (u64::from(slot) * pgsize) % window;
                let count = u64::from(count % 600 + 1).min((base + window - iova) / pgsize);
                if pgsize * count <= pa_limit {
                    h.table
                        .allocator_mut()
                        .fail_after(Some(usize::from(allocs % 4)));
                    let _ = h.map(iova, 0, pgsize, count as usize, Prot::READ_WRITE);
                    h.table.allocator_mut().fail_after(None);
                }
            }
            Op::Check => {
                h.flush();
                h.check();
            }
        }
    }
    h.flush();
    h.check();
    let total: u64 = h.reference.values().map(|m| m.size).sum();
    assert_eq!(h.unmap(base, window), Ok(total));
    h.flush();
    assert_eq!(
        h.table.allocator().live_bytes(),
        empty,
        "table pages leaked"
    );
});
