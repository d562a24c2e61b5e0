// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Criterion benchmarks (wall clock, host): map+unmap of a 4K page with
//! warm tables, a 1 MiB map as 256×4K in one call, map+unmap of a block
//! (2 MiB LPAE, 1 MiB v7s section) and iova_to_phys, for LPAE-4K and v7s.
//! The instruction counts in `doc/benchmarks.md` come from
//! `tools/bench/io-pgtable-icount.sh`; these give ns/op.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use io_pgtable::test_support::ArenaAllocator;
use io_pgtable::{CoherentWalk, IoPageTable, Prot, TlbGather};

type Table = IoPageTable<ArenaAllocator, CoherentWalk>;

const PAGE: u64 = 4096;
const BASE: u64 = 0x1000_0000;
const PA: u64 = 0x2000_0000;

fn warm_table(v7s: bool) -> Table {
    io_pgtable::test_support::warm_table(v7s, BASE, PA)
}

fn flush(t: &mut Table, g: &mut TlbGather) {
    // SAFETY: no hardware walks this table.
    unsafe { t.release_freed(g) };
}

fn bench_format(c: &mut Criterion, name: &str, v7s: bool) {
    let mut group = c.benchmark_group(name);
    let mut t = warm_table(v7s);
    let mut g = TlbGather::new();
    group.bench_function("map+unmap 4K", |b| {
        b.iter(|| {
            t.map(
                black_box(BASE + PAGE),
                PA,
                PAGE,
                1,
                Prot::READ_WRITE,
                &mut g,
            )
            .expect("map");
            t.unmap(black_box(BASE + PAGE), PAGE, &mut g)
                .expect("unmap");
            flush(&mut t, &mut g);
        });
    });
    group.bench_function("map 1M as 256x4K", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                t.map(
                    black_box(BASE + 0x8_0000),
                    PA,
                    PAGE,
                    256,
                    Prot::READ_WRITE,
                    &mut g,
                )
                .expect("map");
                spent += start.elapsed();
                t.unmap(BASE + 0x8_0000, 256 * PAGE, &mut g).expect("unmap");
                flush(&mut t, &mut g);
            }
            spent
        });
    });
    let block = if v7s { 1 << 20 } else { 2 << 20 };
    group.bench_function("map+unmap block", |b| {
        b.iter(|| {
            t.map(
                black_box(BASE + 0x40_0000),
                PA,
                block,
                1,
                Prot::READ_WRITE,
                &mut g,
            )
            .expect("map");
            t.unmap(black_box(BASE + 0x40_0000), block, &mut g)
                .expect("unmap");
            flush(&mut t, &mut g);
        });
    });
    t.map(BASE + PAGE, PA, PAGE, 1, Prot::READ, &mut g)
        .expect("map");
    group.bench_function("iova_to_phys", |b| {
        b.iter(|| black_box(t.iova_to_phys(black_box(BASE + PAGE + 0x123))));
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    bench_format(c, "lpae-4k", false);
    bench_format(c, "v7s", true);
}

criterion_group!(io_pgtable_benches, benches);
criterion_main!(io_pgtable_benches);
