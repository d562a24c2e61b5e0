// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Runs one page-table scenario many times so that
//! `tools/bench/io-pgtable-icount.sh` can count its instructions with
//! `valgrind --tool=callgrind --toggle-collect='*scenario_<name>*'`.
//!
//! Usage: `icount <scenario> <iterations>`; scenarios are
//! `{lpae,v7s}_{map256,unmap256,map_unmap_4k,map_unmap_block,iova_to_phys}`.
//! Each `scenario_*` function is one measured operation; set-up, the TLB
//! flush a driver would do (gather release) and the loop stay outside it.
//! Tables are warm: a sentinel mapping keeps the leaf table alive, as it
//! would be in a domain with other live buffers.

use std::hint::black_box;

use io_pgtable::test_support::ArenaAllocator;
use io_pgtable::{CoherentWalk, IoPageTable, Prot, TlbGather};

type Table = IoPageTable<ArenaAllocator, CoherentWalk>;

const PAGE: u64 = 4096;
/// Layout (warm tables): sentinel pages at `BASE` and `BASE + 2 MiB - 4K`
/// keep the LPAE level-3 table (and both v7s level-2 tables) of the first
/// 2 MiB alive; the batched scenarios use the middle 1 MiB, the single-page
/// ones `BASE + 4K`, the block ones a free slot at `BASE + 4 MiB`.
const BASE: u64 = 0x1000_0000;
const BATCH_IOVA: u64 = BASE + 0x8_0000;
const PAGE_IOVA: u64 = BASE + PAGE;
const BLOCK_IOVA: u64 = BASE + 0x40_0000;
const PA: u64 = 0x2000_0000;

#[inline(never)]
fn scenario_map256(t: &mut Table, g: &mut TlbGather) {
    let r = t.map(black_box(BATCH_IOVA), PA, PAGE, 256, Prot::READ_WRITE, g);
    black_box(r).expect("map");
}

#[inline(never)]
fn scenario_unmap256(t: &mut Table, g: &mut TlbGather) {
    let r = t.unmap(black_box(BATCH_IOVA), 256 * PAGE, g);
    black_box(r).expect("unmap");
}

#[inline(never)]
fn scenario_map_unmap(t: &mut Table, g: &mut TlbGather, iova: u64, size: u64) {
    t.map(black_box(iova), PA, size, 1, Prot::READ_WRITE, g)
        .expect("map");
    black_box(t.unmap(black_box(iova), size, g)).expect("unmap");
}

#[inline(never)]
fn scenario_iova_to_phys(t: &Table) -> Option<u64> {
    t.iova_to_phys(black_box(PAGE_IOVA + 0x123))
}

fn table(v7s: bool) -> Table {
    io_pgtable::test_support::warm_table(v7s, BASE, PA)
}

fn flush(t: &mut Table, g: &mut TlbGather) {
    // SAFETY: no hardware walks this table.
    unsafe { t.release_freed(g) };
}

fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().expect("scenario name");
    let iterations: usize = args.next().map_or(1000, |n| n.parse().expect("iterations"));
    let (v7s, what) = name
        .split_once('_')
        .map(|(f, w)| (f == "v7s", w))
        .expect("<format>_<scenario>");
    let mut t = table(v7s);
    let mut g = TlbGather::new();
    let block = if v7s { 1 << 20 } else { 2 << 20 };
    match what {
        "map256" => {
            for _ in 0..iterations {
                scenario_map256(&mut t, &mut g);
                t.unmap(BATCH_IOVA, 256 * PAGE, &mut g).expect("unmap");
                flush(&mut t, &mut g);
            }
        }
        "unmap256" => {
            for _ in 0..iterations {
                t.map(BATCH_IOVA, PA, PAGE, 256, Prot::READ_WRITE, &mut g)
                    .expect("map");
                scenario_unmap256(&mut t, &mut g);
                flush(&mut t, &mut g);
            }
        }
        "map_unmap_4k" => {
            for _ in 0..iterations {
                scenario_map_unmap(&mut t, &mut g, PAGE_IOVA, PAGE);
                flush(&mut t, &mut g);
            }
        }
        "map_unmap_block" => {
            for _ in 0..iterations {
                scenario_map_unmap(&mut t, &mut g, BLOCK_IOVA, block);
                flush(&mut t, &mut g);
            }
        }
        "iova_to_phys" => {
            t.map(PAGE_IOVA, PA, PAGE, 1, Prot::READ, &mut g)
                .expect("map");
            for _ in 0..iterations {
                black_box(scenario_iova_to_phys(&t));
            }
        }
        other => panic!("unknown scenario {other}"),
    }
    println!(
        "{name}: {iterations} iterations, {} table bytes live",
        t.allocator().live_bytes()
    );
}
