// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Shared test scaffolding: the configurations every suite runs over, a
//! reference model of what should be mapped, and a harness that checks the
//! table against it through the independent walker.

#![allow(dead_code, unreachable_pub)]

pub mod walker;

use std::collections::BTreeMap;

use io_pgtable::test_support::ArenaAllocator;
use io_pgtable::{
    CacheMaintenance, Config, Error, Format, Granule, IoPageTable, MemType, Prot, Stage, TlbGather,
    V7sAttrModel,
};
use walker::{Mem, Translation, translate};

/// Records every clean the table asks for (CPU addresses).
#[derive(Debug, Default)]
pub struct CleanLog {
    pub ranges: Vec<(usize, usize)>,
}

impl CacheMaintenance for CleanLog {
    fn clean_to_poc(&mut self, virt: *const u8, len: usize) {
        self.ranges.push((virt as usize, len));
    }
}

pub type Table = IoPageTable<ArenaAllocator, CleanLog>;

const fn lpae64(stage: Stage, granule: Granule) -> Format {
    Format::Lpae64 { stage, granule }
}

/// Every configuration the suites cover: all formats, stages, granules,
/// concatenation cases, the 32-bit variant and the options.
pub fn configs() -> Vec<(&'static str, Config)> {
    let mut v = vec![
        (
            "lpae64-s1-4k-48",
            Config::new(lpae64(Stage::S1, Granule::K4), 48, 48),
        ),
        (
            "lpae64-s1-4k-39",
            Config::new(lpae64(Stage::S1, Granule::K4), 39, 40),
        ),
        (
            "lpae64-s1-16k-48",
            Config::new(lpae64(Stage::S1, Granule::K16), 48, 44),
        ),
        (
            "lpae64-s1-64k-48",
            Config::new(lpae64(Stage::S1, Granule::K64), 48, 48),
        ),
        (
            "lpae64-s2-4k-40",
            Config::new(lpae64(Stage::S2, Granule::K4), 40, 40),
        ),
        (
            "lpae64-s2-4k-48",
            Config::new(lpae64(Stage::S2, Granule::K4), 48, 48),
        ),
        (
            "lpae64-s2-16k-48",
            Config::new(lpae64(Stage::S2, Granule::K16), 48, 48),
        ),
        (
            "lpae64-s2-64k-42",
            Config::new(lpae64(Stage::S2, Granule::K64), 42, 42),
        ),
        (
            "lpae64-s2-64k-44",
            Config::new(lpae64(Stage::S2, Granule::K64), 44, 44),
        ),
        (
            "lpae32-s1-32",
            Config::new(Format::Lpae32 { stage: Stage::S1 }, 32, 40),
        ),
        (
            "lpae32-s2-40",
            Config::new(Format::Lpae32 { stage: Stage::S2 }, 40, 40),
        ),
        ("v7s", Config::new(Format::V7s, 32, 32)),
    ];
    let mut c = Config::new(lpae64(Stage::S1, Granule::K4), 48, 48);
    c.contiguous_hint = true;
    c.non_secure = true;
    v.push(("lpae64-s1-4k-contig-ns", c));
    let mut c = Config::new(lpae64(Stage::S1, Granule::K16), 36, 40);
    c.contiguous_hint = true;
    v.push(("lpae64-s1-16k-contig", c));
    let mut c = Config::new(lpae64(Stage::S2, Granule::K64), 42, 42);
    c.contiguous_hint = true;
    c.coherent_walk = false;
    v.push(("lpae64-s2-64k-contig-noncoherent", c));
    let mut c = Config::new(Format::V7s, 32, 40);
    c.v7s_attrs = V7sAttrModel::TexRemap;
    c.non_secure = true;
    v.push(("v7s-remap-40", c));
    let mut c = Config::new(Format::V7s, 32, 32);
    c.coherent_walk = false;
    v.push(("v7s-noncoherent", c));
    let mut c = Config::new(lpae64(Stage::S1, Granule::K4), 48, 48);
    c.coherent_walk = false;
    v.push(("lpae64-s1-4k-noncoherent", c));
    v
}

/// A fresh arena placed where the format needs it.
pub fn arena_for(config: &Config) -> ArenaAllocator {
    match config.format {
        Format::V7s => ArenaAllocator::v7s(),
        _ => ArenaAllocator::lpae(),
    }
}

pub fn new_table(config: Config) -> Table {
    IoPageTable::new(config, arena_for(&config), CleanLog::default()).expect("valid config")
}

/// What a walker must see for `prot` (stage 1 cannot express write-only or
/// non-readable pages; device memory is never executable).
pub fn expect_perms(config: &Config, prot: Prot) -> (bool, bool, bool, bool, Mem) {
    let stage1 = !matches!(
        config.format,
        Format::Lpae64 {
            stage: Stage::S2,
            ..
        } | Format::Lpae32 { stage: Stage::S2 }
    );
    let exec = prot.exec && prot.mem != MemType::Device;
    let mem = match prot.mem {
        MemType::Cached => Mem::Cached,
        MemType::NonCacheable => Mem::NonCacheable,
        MemType::Device => Mem::Device,
    };
    if stage1 {
        (true, prot.write, exec, !prot.privileged, mem)
    } else {
        (prot.read, prot.write, exec, false, mem)
    }
}

/// One mapping the reference model holds: a leaf the caller asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mapping {
    pub size: u64,
    pub pa: u64,
    pub prot: Prot,
}

/// Table under test plus the reference model.
pub struct Harness {
    pub config: Config,
    pub table: Table,
    pub reference: BTreeMap<u64, Mapping>,
    pub gather: TlbGather,
}

impl Harness {
    pub fn new(config: Config) -> Self {
        Self {
            config,
            table: new_table(config),
            reference: BTreeMap::new(),
            gather: TlbGather::new(),
        }
    }

    pub fn translate(&self, iova: u64) -> Result<Translation, walker::Fault> {
        translate(self.table.allocator(), &self.table.hw_config(), iova)
    }

    /// Reference: the mapping containing `iova`.
    pub fn reference_at(&self, iova: u64) -> Option<(u64, Mapping)> {
        self.reference
            .range(..=iova)
            .next_back()
            .filter(|(start, m)| iova < *start + m.size)
            .map(|(s, m)| (*s, *m))
    }

    /// What `map` must do according to the reference.
    pub fn expect_map(&self, iova: u64, size: u64) -> bool {
        self.reference
            .range(..iova + size)
            .next_back()
            .is_none_or(|(s, m)| s + m.size <= iova)
    }

    /// Map and check against the reference; returns the table's result.
    pub fn map(
        &mut self,
        iova: u64,
        pa: u64,
        pgsize: u64,
        count: usize,
        prot: Prot,
    ) -> Result<u64, Error> {
        // Settle earlier unmaps first, so a failed map can be checked for
        // leaks by comparing live bytes.
        self.flush();
        let before = self.table.allocator().live_bytes();
        let free = self.expect_map(iova, pgsize * count as u64);
        let r = self
            .table
            .map(iova, pa, pgsize, count, prot, &mut self.gather);
        match r {
            Ok(n) => {
                assert!(free, "map over a live range succeeded at {iova:#x}");
                assert_eq!(n, pgsize * count as u64);
                for i in 0..count as u64 {
                    self.reference.insert(
                        iova + i * pgsize,
                        Mapping {
                            size: pgsize,
                            pa: pa + i * pgsize,
                            prot,
                        },
                    );
                }
            }
            Err(Error::AlreadyMapped { iova: at }) => {
                assert!(!free, "AlreadyMapped for a free range at {iova:#x}");
                let end = iova + pgsize * count as u64;
                let overlaps = self.reference.range(at..end).next().is_some();
                assert!(
                    self.reference_at(at).is_some() || (at >= iova && overlaps),
                    "reported live IOVA {at:#x} is neither mapped nor over a mapping"
                );
                self.flush();
                assert_eq!(
                    self.table.allocator().live_bytes(),
                    before,
                    "failed map leaked tables"
                );
            }
            Err(Error::PhysOutOfRange) => {
                // Only v7s has a limit below the OAS: 32-bit output except
                // for supersections (DDI 0406C B3.5.1).
                let end = pa + pgsize * count as u64;
                assert!(
                    self.config.format == Format::V7s && pgsize != 16 << 20 && end > 1 << 32,
                    "PhysOutOfRange for {pa:#x}+{pgsize:#x}x{count}"
                );
                assert_eq!(self.table.allocator().live_bytes(), before);
            }
            Err(Error::OutOfMemory) => {
                self.flush();
                assert_eq!(
                    self.table.allocator().live_bytes(),
                    before,
                    "OOM unwind leaked tables"
                );
            }
            Err(e) => panic!("unexpected map error {e:?}"),
        }
        r
    }

    /// Unmap and check against the reference.
    pub fn unmap(&mut self, iova: u64, size: u64) -> Result<u64, Error> {
        let end = iova + size;
        let cut = [iova, end - 1]
            .into_iter()
            .filter_map(|a| self.reference_at(a))
            .find(|(s, m)| *s < iova || s + m.size > end);
        let r = self.table.unmap(iova, size, &mut self.gather);
        match (r, cut) {
            (Err(Error::PartialUnmap { iova: at }), Some((s, _))) => assert_eq!(at, s),
            (Ok(bytes), None) => {
                let inside: Vec<u64> = self.reference.range(iova..end).map(|(s, _)| *s).collect();
                let expected: u64 = inside.iter().map(|s| self.reference[s].size).sum();
                assert_eq!(
                    bytes, expected,
                    "unmap {iova:#x}+{size:#x} returned wrong size"
                );
                for s in inside {
                    let m = self.reference.remove(&s).unwrap();
                    let covered = self.gather.flush_all()
                        || self
                            .gather
                            .ranges()
                            .iter()
                            .any(|r| r.iova <= s && s + m.size <= r.iova + r.size);
                    assert!(covered, "unmapped {s:#x} not in the TLB gather");
                }
            }
            (r, cut) => panic!("unmap {iova:#x}+{size:#x}: got {r:?}, reference cut {cut:?}"),
        }
        r
    }

    /// Plays the driver: "invalidate", then release the gathered pages.
    pub fn flush(&mut self) {
        // SAFETY: no hardware walks these tables; the walker in the tests
        // reads only live memory.
        unsafe { self.table.release_freed(&mut self.gather) };
        assert!(self.gather.is_empty());
    }

    /// Checks the walker against the reference at the start, middle and
    /// end of every mapping, and just outside each one.
    pub fn check(&self) {
        for (&s, m) in &self.reference {
            for off in [0, m.size / 2 + 0x18, m.size - 8] {
                let t = self
                    .translate(s + off)
                    .unwrap_or_else(|f| panic!("walker fault {f:?} at {:#x}", s + off));
                assert_eq!(t.pa, m.pa + off, "wrong PA at {:#x}", s + off);
                assert_eq!(self.table.iova_to_phys(s + off), Some(m.pa + off));
                let (read, write, exec, unpriv, mem) = expect_perms(&self.config, m.prot);
                assert_eq!(
                    (t.read, t.write, t.exec, t.unpriv, t.mem),
                    (read, write, exec, unpriv, mem),
                    "wrong attributes at {s:#x}: {:#x}",
                    t.desc
                );
            }
            for probe in [s.wrapping_sub(1), s + m.size] {
                if probe >> self.config.ias == 0 && self.reference_at(probe).is_none() {
                    assert!(
                        self.translate(probe).is_err(),
                        "stray mapping at {probe:#x}"
                    );
                    assert_eq!(self.table.iova_to_phys(probe), None);
                }
            }
        }
    }

    /// Bytes of table memory a table with nothing mapped holds.
    pub fn empty_footprint(&self) -> usize {
        let fresh = new_table(self.config);
        fresh.allocator().live_bytes()
    }
}
