// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Host-side table memory for tests and benchmarks (feature
//! `test-support`): an arena that pretends to live at a chosen physical
//! base, hands out size-aligned zeroed blocks, counts live and peak usage,
//! and can be told to fail, so unwinding paths can be tested. Other crates
//! (the SMMU driver, the SMMU model) use it to build tables their own
//! walkers read through [`ArenaAllocator::read_u64`] / `read_u32`.

use std::alloc::{Layout, alloc, dealloc};
use std::collections::BTreeMap;
use std::ptr::NonNull;
use std::vec::Vec;

use crate::memory::{PageAllocator, TablePage};

/// Default arena size: 64 MiB of address space (pages cost nothing until
/// a block in them is handed out).
pub const DEFAULT_ARENA_SIZE: usize = 64 << 20;
/// Default physical base for LPAE tests: above 2 GiB, below 4 GiB, so the
/// same arena also suits 32-bit output sizes.
pub const LPAE_PHYS_BASE: u64 = 0x8000_0000;
/// Default physical base for v7s tests (tables must sit below 4 GiB).
pub const V7S_PHYS_BASE: u64 = 0x4000_0000;
/// Largest block alignment the arena guarantees.
const MAX_ALIGN: usize = 1 << 20;

/// A counting arena page allocator. See the module docs.
#[derive(Debug)]
pub struct ArenaAllocator {
    base: NonNull<u8>,
    size: usize,
    phys_base: u64,
    /// Next never-used offset.
    bump: usize,
    /// Freed blocks by size, for reuse.
    free: BTreeMap<usize, Vec<usize>>,
    /// Live blocks: offset -> size.
    live: BTreeMap<usize, usize>,
    live_bytes: usize,
    peak_bytes: usize,
    allocs: usize,
    fail_after: Option<usize>,
}

impl ArenaAllocator {
    /// An arena of `size` bytes that appears at physical `phys_base`
    /// (which must be aligned to 1 MiB).
    pub fn new(phys_base: u64, size: usize) -> Self {
        assert_eq!(
            phys_base % MAX_ALIGN as u64,
            0,
            "phys base must be 1 MiB aligned"
        );
        let layout = Layout::from_size_align(size, MAX_ALIGN).expect("arena layout");
        // Not zeroed here: an over-aligned zeroed allocation would touch
        // every page; blocks are zeroed when handed out instead, and only
        // live blocks are ever read.
        // SAFETY: the layout has non-zero size.
        let base = NonNull::new(unsafe { alloc(layout) }).expect("arena allocation");
        Self {
            base,
            size,
            phys_base,
            bump: 0,
            free: BTreeMap::new(),
            live: BTreeMap::new(),
            live_bytes: 0,
            peak_bytes: 0,
            allocs: 0,
            fail_after: None,
        }
    }

    /// 64 MiB at [`LPAE_PHYS_BASE`].
    pub fn lpae() -> Self {
        Self::new(LPAE_PHYS_BASE, DEFAULT_ARENA_SIZE)
    }

    /// 64 MiB at [`V7S_PHYS_BASE`].
    pub fn v7s() -> Self {
        Self::new(V7S_PHYS_BASE, DEFAULT_ARENA_SIZE)
    }

    /// Bytes currently allocated.
    pub fn live_bytes(&self) -> usize {
        self.live_bytes
    }

    /// Blocks currently allocated.
    pub fn live_blocks(&self) -> usize {
        self.live.len()
    }

    /// Most bytes ever allocated at once.
    pub fn peak_bytes(&self) -> usize {
        self.peak_bytes
    }

    /// Successful allocations so far.
    pub fn allocations(&self) -> usize {
        self.allocs
    }

    /// Let `n` more allocations succeed, then fail every one (`None`: never
    /// fail).
    pub fn fail_after(&mut self, n: Option<usize>) {
        self.fail_after = n;
    }

    /// Whether `phys..phys+len` lies inside a live block.
    pub fn is_live(&self, phys: u64, len: usize) -> bool {
        let Some(off) = phys.checked_sub(self.phys_base) else {
            return false;
        };
        let off = off as usize;
        self.live
            .range(..=off)
            .next_back()
            .is_some_and(|(&start, &size)| off + len <= start + size)
    }

    /// Physical address and size of every live block.
    pub fn live_ranges(&self) -> Vec<(u64, usize)> {
        self.live
            .iter()
            .map(|(&off, &size)| (self.phys_base + off as u64, size))
            .collect()
    }

    /// Reads the little-endian u64 at `phys` (a walker's memory read), or
    /// `None` if it is not inside a live block.
    pub fn read_u64(&self, phys: u64) -> Option<u64> {
        self.read::<8>(phys).map(u64::from_le_bytes)
    }

    /// Reads the little-endian u32 at `phys`, as `read_u64`.
    pub fn read_u32(&self, phys: u64) -> Option<u32> {
        self.read::<4>(phys).map(u32::from_le_bytes)
    }

    fn read<const N: usize>(&self, phys: u64) -> Option<[u8; N]> {
        if !self.is_live(phys, N) {
            return None;
        }
        let off = (phys - self.phys_base) as usize;
        let mut out = [0; N];
        // SAFETY: `off..off + N` is inside a live block of the arena.
        unsafe { std::ptr::copy_nonoverlapping(self.base.as_ptr().add(off), out.as_mut_ptr(), N) };
        Some(out)
    }
}

impl Drop for ArenaAllocator {
    fn drop(&mut self) {
        let layout = Layout::from_size_align(self.size, MAX_ALIGN).expect("arena layout");
        // SAFETY: allocated in `new` with this layout.
        unsafe { dealloc(self.base.as_ptr(), layout) };
    }
}

// SAFETY: blocks are carved from one live arena allocation, aligned to
// their size (the arena base and `phys_base` are 1 MiB aligned and offsets
// are size-aligned; sizes above 1 MiB are refused), zeroed on allocation,
// never handed out twice while live; `phys_to_virt` is the fixed offset.
unsafe impl PageAllocator for ArenaAllocator {
    fn alloc(&mut self, size: usize) -> Option<TablePage> {
        if let Some(n) = self.fail_after.as_mut() {
            if *n == 0 {
                return None;
            }
            *n -= 1;
        }
        if !size.is_power_of_two() || size > MAX_ALIGN {
            return None;
        }
        let off = match self.free.get_mut(&size).and_then(Vec::pop) {
            Some(off) => off,
            None => {
                let off = self.bump.next_multiple_of(size);
                if off + size > self.size {
                    return None;
                }
                self.bump = off + size;
                off
            }
        };
        // SAFETY: `off..off + size` is inside the arena and not live.
        let virt = unsafe { self.base.add(off) };
        // SAFETY: as above.
        unsafe { virt.as_ptr().write_bytes(0, size) };
        self.live.insert(off, size);
        self.live_bytes += size;
        self.peak_bytes = self.peak_bytes.max(self.live_bytes);
        self.allocs += 1;
        Some(TablePage {
            virt,
            phys: self.phys_base + off as u64,
        })
    }

    unsafe fn free(&mut self, page: TablePage, size: usize) {
        let off = (page.phys - self.phys_base) as usize;
        let recorded = self.live.remove(&off);
        assert_eq!(recorded, Some(size), "free of a block that is not live");
        self.live_bytes -= size;
        self.free.entry(size).or_default().push(off);
    }

    #[inline(always)]
    fn phys_to_virt(&self, phys: u64) -> NonNull<u8> {
        // SAFETY: callers pass addresses inside blocks of this arena.
        unsafe { self.base.add((phys - self.phys_base) as usize) }
    }
}

/// The table the benchmarks measure: LPAE-4K stage 1 (48-bit) or v7s, with
/// one sentinel page at each end of the 2 MiB from `base` (mapped to `pa`)
/// so that its leaf tables stay allocated, as other live buffers would keep
/// them in a real domain; otherwise every single-page scenario would also
/// allocate and free tables.
pub fn warm_table(
    v7s: bool,
    base: u64,
    pa: u64,
) -> crate::IoPageTable<ArenaAllocator, crate::CoherentWalk> {
    use crate::{CoherentWalk, Config, Format, Granule, IoPageTable, Prot, Stage, TlbGather};
    const PAGE: u64 = 4096;
    let (config, arena) = if v7s {
        (Config::new(Format::V7s, 32, 32), ArenaAllocator::v7s())
    } else {
        let format = Format::Lpae64 {
            stage: Stage::S1,
            granule: Granule::K4,
        };
        (Config::new(format, 48, 48), ArenaAllocator::lpae())
    };
    let mut table = IoPageTable::new(config, arena, CoherentWalk).expect("a supported config");
    let mut gather = TlbGather::new();
    for sentinel in [base, base + 0x20_0000 - PAGE] {
        table
            .map(sentinel, pa, PAGE, 1, Prot::READ, &mut gather)
            .expect("sentinel maps");
    }
    table
}
