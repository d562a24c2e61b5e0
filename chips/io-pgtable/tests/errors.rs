// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Every argument and configuration error: the right typed error, and the
//! table memory byte-for-byte unchanged afterwards.

mod common;

use common::{Harness, new_table};
use io_pgtable::test_support::ArenaAllocator;
use io_pgtable::{
    CoherentWalk, Config, Error, Format, Granule, IoPageTable, Prot, Stage, TlbGather,
};

/// All live table memory, as (phys, bytes).
fn snapshot(h: &Harness) -> Vec<(u64, Vec<u64>)> {
    let arena = h.table.allocator();
    arena
        .live_ranges()
        .into_iter()
        .map(|(phys, size)| {
            let words = (0..size as u64 / 8)
                .map(|i| arena.read_u64(phys + i * 8).unwrap())
                .collect();
            (phys, words)
        })
        .collect()
}

fn lpae_s1_4k() -> Config {
    Config::new(
        Format::Lpae64 {
            stage: Stage::S1,
            granule: Granule::K4,
        },
        40,
        40,
    )
}

#[test]
fn map_argument_errors_change_nothing() {
    for config in [lpae_s1_4k(), Config::new(Format::V7s, 32, 32)] {
        let mut h = Harness::new(config);
        h.map(0x20_0000, 0x20_0000, 0x1000, 4, Prot::READ_WRITE)
            .unwrap();
        h.flush();
        let before = snapshot(&h);
        let top = 1u64 << config.ias;
        let rw = Prot::READ_WRITE;
        let none = Prot {
            read: false,
            write: false,
            ..rw
        };
        let cases: Vec<(u64, u64, u64, usize, Prot, Error)> = vec![
            (0, 0, 0x2000, 1, rw, Error::UnsupportedPageSize),
            (0, 0, 0x3000, 1, rw, Error::UnsupportedPageSize),
            (0, 0, 0, 1, rw, Error::UnsupportedPageSize),
            (0, 0, 0x1000, 0, rw, Error::ZeroSize),
            (0, 0, 0x1000, 1, none, Error::NoAccess),
            (0x800, 0, 0x1000, 1, rw, Error::Misaligned),
            (0, 0x800, 0x1000, 1, rw, Error::Misaligned),
            (0x10_0000, 0, 0x1_0000, 1, rw, Error::UnsupportedPageSize),
            (top, 0, 0x1000, 1, rw, Error::IovaOutOfRange),
            (top - 0x1000, 0, 0x1000, 2, rw, Error::IovaOutOfRange),
            (!0xfffu64, 0, 0x1000, 1, rw, Error::IovaOutOfRange),
            (0, 0, 0x1000, usize::MAX, rw, Error::IovaOutOfRange),
            (
                0,
                (1 << config.oas) - 0x1000,
                0x1000,
                2,
                rw,
                Error::PhysOutOfRange,
            ),
            (0, !0xfffu64, 0x1000, 1, rw, Error::PhysOutOfRange),
            // Live: the middle of the mapped run, and a larger page over it.
            (
                0x20_2000,
                0,
                0x1000,
                1,
                rw,
                Error::AlreadyMapped { iova: 0x20_2000 },
            ),
            (
                0x1f_f000,
                0,
                0x1000,
                3,
                rw,
                Error::AlreadyMapped { iova: 0x20_0000 },
            ),
        ];
        for (iova, pa, pgsize, count, prot, err) in cases {
            // 64K is a v7s page size: skip that row there.
            if config.format == Format::V7s && pgsize == 0x1_0000 {
                continue;
            }
            let mut g = TlbGather::new();
            let r = h.table.map(iova, pa, pgsize, count, prot, &mut g);
            assert_eq!(
                r,
                Err(err),
                "{:?} map({iova:#x}, {pa:#x}, {pgsize:#x}, {count})",
                config.format
            );
            unsafe_release(&mut h, &mut g);
            assert!(snapshot(&h) == before, "{err:?} changed the table");
        }
    }
}

fn unsafe_release(h: &mut Harness, g: &mut TlbGather) {
    // SAFETY: no hardware walks the test tables.
    unsafe { h.table.release_freed(g) };
}

#[test]
fn v7s_physical_limits() {
    let mut h = Harness::new(Config::new(Format::V7s, 32, 40));
    let mut g = TlbGather::new();
    // Only supersections reach above 4 GiB (DDI 0406C B3.5.1).
    for pgsize in [0x1000, 0x1_0000, 0x10_0000] {
        assert_eq!(
            h.table.map(0, 1 << 32, pgsize, 1, Prot::READ, &mut g),
            Err(Error::PhysOutOfRange)
        );
    }
    assert_eq!(
        h.table.map(0, 1 << 32, 16 << 20, 1, Prot::READ, &mut g),
        Ok(16 << 20)
    );
    assert_eq!(
        h.table
            .map(16 << 20, 1 << 40, 16 << 20, 1, Prot::READ, &mut g),
        Err(Error::PhysOutOfRange)
    );
}

#[test]
fn unmap_argument_errors() {
    let mut h = Harness::new(lpae_s1_4k());
    let mut g = TlbGather::new();
    assert_eq!(h.table.unmap(0, 0, &mut g), Err(Error::ZeroSize));
    assert_eq!(h.table.unmap(0x800, 0x1000, &mut g), Err(Error::Misaligned));
    assert_eq!(h.table.unmap(0, 0x1800, &mut g), Err(Error::Misaligned));
    assert_eq!(
        h.table.unmap(1 << 40, 0x1000, &mut g),
        Err(Error::IovaOutOfRange)
    );
    assert_eq!(
        h.table.unmap(!0xfffu64, 0x2000, &mut g),
        Err(Error::IovaOutOfRange)
    );
    assert_eq!(h.table.iova_to_phys(1 << 40), None);
    assert!(g.is_empty());
}

#[test]
fn gather_belongs_to_one_table() {
    let mut a = new_table(lpae_s1_4k());
    let mut b = new_table(lpae_s1_4k());
    let mut g = TlbGather::new();
    a.map(0, 0, 0x1000, 1, Prot::READ, &mut g).unwrap();
    assert_eq!(
        b.map(0, 0, 0x1000, 1, Prot::READ, &mut g),
        Err(Error::ForeignGather)
    );
    assert_eq!(b.unmap(0, 0x1000, &mut g), Err(Error::ForeignGather));
    assert_eq!(a.unmap(0, 0x1000, &mut g), Ok(0x1000));
    assert_eq!(g.pending_tables(), 3);
    // SAFETY: no hardware walks the test tables.
    unsafe { a.release_freed(&mut g) };
    assert!(g.is_empty());
    // An emptied gather can serve another table.
    assert_eq!(b.map(0, 0, 0x1000, 1, Prot::READ, &mut g), Ok(0x1000));
}

#[test]
fn config_errors() {
    let lp = |stage, granule, ias, oas| Config::new(Format::Lpae64 { stage, granule }, ias, oas);
    let l32 = |stage, ias, oas| Config::new(Format::Lpae32 { stage }, ias, oas);
    let mut ns_s2 = lp(Stage::S2, Granule::K4, 40, 40);
    ns_s2.non_secure = true;
    let mut contig_v7s = Config::new(Format::V7s, 32, 32);
    contig_v7s.contiguous_hint = true;
    let cases = [
        (lp(Stage::S1, Granule::K4, 49, 48), Error::UnsupportedIas),
        (lp(Stage::S1, Granule::K4, 24, 48), Error::UnsupportedIas),
        (lp(Stage::S1, Granule::K4, 48, 52), Error::UnsupportedOas),
        (lp(Stage::S1, Granule::K4, 48, 38), Error::UnsupportedOas),
        (l32(Stage::S1, 33, 40), Error::UnsupportedIas),
        (l32(Stage::S2, 41, 40), Error::UnsupportedIas),
        (l32(Stage::S1, 32, 42), Error::UnsupportedOas),
        (Config::new(Format::V7s, 33, 32), Error::UnsupportedIas),
        (Config::new(Format::V7s, 32, 41), Error::UnsupportedOas),
        (ns_s2, Error::UnsupportedOption),
        (contig_v7s, Error::UnsupportedOption),
    ];
    for (config, err) in cases {
        let arena = ArenaAllocator::lpae();
        let r = IoPageTable::new(config, arena, CoherentWalk);
        assert_eq!(r.err(), Some(err), "{config:?}");
    }
}

#[test]
fn table_memory_out_of_reach_is_refused() {
    // v7s tables must sit below 4 GiB; LPAE tables below 2^OAS.
    let high = ArenaAllocator::new(1 << 32, 1 << 20);
    let r = IoPageTable::new(Config::new(Format::V7s, 32, 32), high, CoherentWalk);
    assert_eq!(r.err(), Some(Error::BadTableMemory));
    let high = ArenaAllocator::new(1 << 32, 1 << 20);
    let cfg = Config::new(
        Format::Lpae64 {
            stage: Stage::S1,
            granule: Granule::K4,
        },
        32,
        32,
    );
    assert_eq!(
        IoPageTable::new(cfg, high, CoherentWalk).err(),
        Some(Error::BadTableMemory)
    );
    // Out of memory at creation.
    let mut none = ArenaAllocator::lpae();
    none.fail_after(Some(0));
    assert_eq!(
        IoPageTable::new(lpae_s1_4k(), none, CoherentWalk).err(),
        Some(Error::OutOfMemory)
    );
    let mut one = ArenaAllocator::v7s();
    one.fail_after(Some(1));
    assert_eq!(
        IoPageTable::new(Config::new(Format::V7s, 32, 32), &mut one, CoherentWalk).err(),
        Some(Error::OutOfMemory)
    );
    assert_eq!(one.live_bytes(), 0, "failed creation leaked");
}
