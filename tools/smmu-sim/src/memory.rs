// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Simulated physical memory shared between the model and the code under test.
//!
//! Page-table code (the real `io-pgtable`) writes descriptors through ordinary
//! host pointers; the model's walkers read them back by *physical* address.
//! [`SimMemory`] owns zeroed, 64 KiB-aligned host arenas, each placed at a
//! configurable physical base, and translates in both directions. It is a
//! cheap handle (`Rc`): clone it to give the model and the table code the same
//! memory. It is deliberately `!Send`: tests drive everything from one thread,
//! so plain host writes and the model's volatile reads never race.

use std::alloc::{Layout, alloc_zeroed, dealloc};
use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

/// Alignment of every arena: the largest translation granule (64 KiB), so a
/// physical address and its host address agree in their low 16 bits.
pub const ARENA_ALIGN: usize = 64 * 1024;

/// Why a simulated memory access failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemoryError {
    /// No region backs (all of) `[pa, pa + len)`.
    Unbacked {
        /// First physical address of the access.
        pa: u64,
        /// Length of the access in bytes.
        len: u64,
    },
    /// The access is not naturally aligned.
    Misaligned {
        /// Physical address of the access.
        pa: u64,
    },
    /// The page allocator has no room left.
    OutOfMemory,
    /// A region was requested with a zero or unaligned base or size, or it
    /// overlaps another region.
    BadRegion,
}

impl fmt::Display for MemoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unbacked { pa, len } => write!(f, "no memory at {pa:#x}+{len:#x}"),
            Self::Misaligned { pa } => write!(f, "misaligned access at {pa:#x}"),
            Self::OutOfMemory => f.write_str("simulated memory exhausted"),
            Self::BadRegion => f.write_str("bad region layout"),
        }
    }
}

impl std::error::Error for MemoryError {}

/// One contiguous physical range backed by a host allocation.
struct Region {
    pa_base: u64,
    size: usize,
    host: *mut u8,
    /// Bump pointer of the page allocator, as an offset into the region.
    next_free: usize,
    /// Blocks returned by [`SimMemory::free`], reused first-fit.
    free_list: Vec<(usize, usize)>,
}

impl Region {
    fn contains(&self, pa: u64, len: u64) -> bool {
        pa >= self.pa_base && len <= self.size as u64 && pa - self.pa_base <= self.size as u64 - len
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // The layout is rebuilt exactly as in `SimMemory::add_region`.
        if let Ok(layout) = Layout::from_size_align(self.size, ARENA_ALIGN) {
            // SAFETY: `host` came from `alloc_zeroed` with this same layout and
            // is freed exactly once, here.
            unsafe { dealloc(self.host, layout) };
        }
    }
}

/// Simulated physical memory: a set of regions and a page allocator over them.
#[derive(Clone)]
pub struct SimMemory {
    regions: Rc<RefCell<Vec<Region>>>,
}

impl fmt::Debug for SimMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let regions = self.regions.borrow();
        let mut list = f.debug_list();
        for r in regions.iter() {
            list.entry(&format_args!("{:#x}+{:#x}", r.pa_base, r.size));
        }
        list.finish()
    }
}

impl SimMemory {
    /// Memory with no regions; add some with [`SimMemory::add_region`].
    pub fn empty() -> Self {
        Self {
            regions: Rc::new(RefCell::new(Vec::new())),
        }
    }

    /// The usual test layout: 16 MiB of "DDR" at 0x8000_0000 (below 4 GiB, so
    /// v7s tables fit) and 16 MiB at 0x8_8000_0000 (above 32 bits, to show
    /// 40-bit and wider output addresses).
    ///
    /// # Panics
    ///
    /// If the host cannot allocate the 32 MiB (the pages are only touched
    /// when used, so this is a host out-of-memory condition).
    pub fn new() -> Self {
        let mem = Self::empty();
        // Both layouts are valid by construction; failure would be a host OOM.
        mem.add_region(0x8000_0000, 16 << 20)
            .and_then(|()| mem.add_region(0x8_8000_0000, 16 << 20))
            .unwrap_or_else(|e| panic!("host allocation for simulated memory failed: {e}"));
        mem
    }

    /// Backs `[pa_base, pa_base + size)` with a new zeroed host arena. Both
    /// must be multiples of 64 KiB, and the range must not overlap another.
    pub fn add_region(&self, pa_base: u64, size: usize) -> Result<(), MemoryError> {
        if size == 0
            || !size.is_multiple_of(ARENA_ALIGN)
            || !pa_base.is_multiple_of(ARENA_ALIGN as u64)
        {
            return Err(MemoryError::BadRegion);
        }
        let end = pa_base
            .checked_add(size as u64)
            .ok_or(MemoryError::BadRegion)?;
        let mut regions = self.regions.borrow_mut();
        if regions
            .iter()
            .any(|r| pa_base < r.pa_base + r.size as u64 && r.pa_base < end)
        {
            return Err(MemoryError::BadRegion);
        }
        let layout =
            Layout::from_size_align(size, ARENA_ALIGN).map_err(|_| MemoryError::BadRegion)?;
        // SAFETY: the layout has a non-zero size (checked above).
        let host = unsafe { alloc_zeroed(layout) };
        if host.is_null() {
            return Err(MemoryError::OutOfMemory);
        }
        regions.push(Region {
            pa_base,
            size,
            host,
            next_free: 0,
            free_list: Vec::new(),
        });
        Ok(())
    }

    /// Host address of physical address `pa`, if memory backs it. The pointer
    /// stays valid as long as any clone of this `SimMemory` lives.
    pub fn host_ptr(&self, pa: u64) -> Option<*mut u8> {
        let regions = self.regions.borrow();
        let r = regions.iter().find(|r| r.contains(pa, 1))?;
        // The offset is inside the allocation (checked by `contains`).
        Some(r.host.wrapping_add((pa - r.pa_base) as usize))
    }

    /// Physical address of a host pointer into one of the arenas.
    pub fn pa_of(&self, ptr: *const u8) -> Option<u64> {
        let addr = ptr as usize;
        let regions = self.regions.borrow();
        regions.iter().find_map(|r| {
            let start = r.host as usize;
            (addr >= start && addr - start < r.size).then(|| r.pa_base + (addr - start) as u64)
        })
    }

    /// Host pointer for `len` bytes at `pa`, all inside one region.
    fn range_ptr(&self, pa: u64, len: u64) -> Result<*mut u8, MemoryError> {
        let regions = self.regions.borrow();
        let r = regions
            .iter()
            .find(|r| r.contains(pa, len))
            .ok_or(MemoryError::Unbacked { pa, len })?;
        Ok(r.host.wrapping_add((pa - r.pa_base) as usize))
    }

    /// Host pointer for an access of `len` bytes at `pa`, naturally aligned.
    fn checked_ptr(&self, pa: u64, len: u64) -> Result<*mut u8, MemoryError> {
        if !pa.is_multiple_of(len) {
            return Err(MemoryError::Misaligned { pa });
        }
        self.range_ptr(pa, len)
    }

    /// Reads a 32-bit little-endian word (as the walker does: volatile, so
    /// writes made through host pointers are always seen).
    pub fn read_u32(&self, pa: u64) -> Result<u32, MemoryError> {
        let p = self.checked_ptr(pa, 4)?.cast::<u32>();
        // SAFETY: `checked_ptr` proved that 4 aligned bytes at `p` lie inside a
        // live arena; the model is single-threaded, so nothing writes
        // concurrently.
        Ok(u32::from_le(unsafe { p.read_volatile() }))
    }

    /// Reads a 64-bit little-endian word.
    pub fn read_u64(&self, pa: u64) -> Result<u64, MemoryError> {
        let p = self.checked_ptr(pa, 8)?.cast::<u64>();
        // SAFETY: as in `read_u32`, for 8 aligned bytes.
        Ok(u64::from_le(unsafe { p.read_volatile() }))
    }

    /// Writes a 32-bit little-endian word.
    pub fn write_u32(&self, pa: u64, value: u32) -> Result<(), MemoryError> {
        let p = self.checked_ptr(pa, 4)?.cast::<u32>();
        // SAFETY: as in `read_u32`.
        unsafe { p.write_volatile(value.to_le()) };
        Ok(())
    }

    /// Writes a 64-bit little-endian word.
    pub fn write_u64(&self, pa: u64, value: u64) -> Result<(), MemoryError> {
        let p = self.checked_ptr(pa, 8)?.cast::<u64>();
        // SAFETY: as in `read_u64`.
        unsafe { p.write_volatile(value.to_le()) };
        Ok(())
    }

    /// Copies `data` into memory at `pa` (what a device write would store).
    pub fn write_bytes(&self, pa: u64, data: &[u8]) -> Result<(), MemoryError> {
        let p = self.range_ptr(pa, data.len() as u64)?;
        // SAFETY: `range_ptr` proved the whole range lies in one live arena;
        // `data` is a separate Rust slice, so the two cannot overlap.
        unsafe { p.copy_from_nonoverlapping(data.as_ptr(), data.len()) };
        Ok(())
    }

    /// Copies memory at `pa` into `out` (what a device read would return).
    pub fn read_bytes(&self, pa: u64, out: &mut [u8]) -> Result<(), MemoryError> {
        let p = self.range_ptr(pa, out.len() as u64)?;
        // SAFETY: as in `write_bytes`.
        unsafe { p.copy_to_nonoverlapping(out.as_mut_ptr(), out.len()) };
        Ok(())
    }

    /// Allocates `size` zeroed bytes aligned to `align` (a power of two) from
    /// any region whose physical range ends at or below `limit` (use
    /// `u64::MAX` for no limit; v7s tables need `1 << 32`). Returns the PA.
    pub fn alloc(&self, size: usize, align: usize, limit: u64) -> Result<u64, MemoryError> {
        if size == 0 || !align.is_power_of_two() {
            return Err(MemoryError::BadRegion);
        }
        let mut regions = self.regions.borrow_mut();
        for r in regions
            .iter_mut()
            .filter(|r| r.pa_base + r.size as u64 <= limit)
        {
            let pa_base = r.pa_base;
            let aligned = |off: usize| (pa_base + off as u64).is_multiple_of(align as u64);
            let reuse = r
                .free_list
                .iter()
                .position(|&(off, len)| len == size && aligned(off));
            let off = if let Some(i) = reuse {
                r.free_list.swap_remove(i).0
            } else {
                let misalign = ((pa_base + r.next_free as u64) % align as u64) as usize;
                let start = r.next_free + if misalign == 0 { 0 } else { align - misalign };
                if start.checked_add(size).is_none_or(|end| end > r.size) {
                    continue;
                }
                r.next_free = start + size;
                start
            };
            // SAFETY: `[off, off + size)` lies inside this region's arena
            // (bump bounds checked above, or a block handed out before).
            unsafe { r.host.add(off).write_bytes(0, size) };
            return Ok(pa_base + off as u64);
        }
        Err(MemoryError::OutOfMemory)
    }

    /// Allocates one zeroed page of `size` bytes aligned to its size.
    pub fn alloc_page(&self, size: usize) -> Result<u64, MemoryError> {
        self.alloc(size, size, u64::MAX)
    }

    /// Returns a block from [`SimMemory::alloc`] for reuse by a later
    /// allocation of the same size.
    pub fn free(&self, pa: u64, size: usize) -> Result<(), MemoryError> {
        let mut regions = self.regions.borrow_mut();
        let r = regions
            .iter_mut()
            .find(|r| r.contains(pa, size as u64))
            .ok_or(MemoryError::Unbacked {
                pa,
                len: size as u64,
            })?;
        r.free_list.push(((pa - r.pa_base) as usize, size));
        Ok(())
    }
}
