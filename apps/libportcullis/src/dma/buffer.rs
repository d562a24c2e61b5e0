// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! [`DmaBuffer`]: whole, page-aligned pages of a process's memory that a
//! device may read or write behind the compiler's back, and the test
//! patterns apps fill them with.
//!
//! The IOMMU DMA driver maps only buffers that start and end on a page
//! boundary (`doc/syscalls/iommu_dma.md`), so a DMA buffer is a `static` of
//! whole pages with page alignment. Its bytes are never reached through a
//! Rust reference: every access is a volatile read or write through a raw
//! pointer into the `UnsafeCell`, so a device write between two accesses is
//! seen, and the buffer can be allowed and mapped while the app still reads
//! it. Allowing needs `&'static self`: the kernel and the device may keep
//! the address for as long as the mapping lives, possibly the whole run.

use core::cell::UnsafeCell;

use super::{Access, Mapping, map};
use crate::abi::ErrorCode;
use crate::drivers::IOMMU_DMA;
use crate::exit::{code, fatal};
use crate::syscall::{allow_ro_raw, allow_rw_raw};

/// Bytes in a page: the alignment and granule of every DMA mapping.
pub const PAGE: usize = 4096;

/// `PAGES` whole pages, page aligned, that a device may access.
#[repr(C, align(4096))]
pub struct DmaBuffer<const PAGES: usize> {
    bytes: UnsafeCell<[[u8; PAGE]; PAGES]>,
}

// SAFETY: a Portcullis process has one thread, and upcalls run only inside
// its own yield calls, so no two accesses ever run concurrently. Every
// access to the bytes is a volatile access through a raw pointer (no
// reference to them is ever formed), so a device or the kernel writing
// them is not a data race the compiler may assume away.
unsafe impl<const PAGES: usize> Sync for DmaBuffer<PAGES> {}

impl<const PAGES: usize> Default for DmaBuffer<PAGES> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const PAGES: usize> DmaBuffer<PAGES> {
    /// Length in bytes.
    pub const LEN: usize = PAGES * PAGE;

    /// Zeroed pages (placed in `.bss` when used for a `static`).
    pub const fn new() -> Self {
        Self {
            bytes: UnsafeCell::new([[0; PAGE]; PAGES]),
        }
    }

    /// Process (and so device) address of the first byte.
    pub fn address(&self) -> u64 {
        self.bytes.get() as u64
    }

    /// Process address of byte `offset` (which may be one past the end).
    pub fn address_of(&self, offset: usize) -> u64 {
        self.address() + offset as u64
    }

    fn byte(&self, index: usize) -> *mut u8 {
        debug_assert!(index < Self::LEN);
        // In bounds: callers iterate below LEN.
        self.bytes.get().cast::<u8>().wrapping_add(index)
    }

    /// Byte `index` (volatile), `None` past the end.
    pub fn read(&self, index: usize) -> Option<u8> {
        // SAFETY: in bounds of the buffer; volatile because a device may
        // have written it.
        (index < Self::LEN).then(|| unsafe { self.byte(index).read_volatile() })
    }

    /// Fills every byte with `pattern`.
    pub fn fill(&self, pattern: Pattern) {
        self.fill_at(0, Self::LEN, pattern);
    }

    /// Fills `len` bytes from `offset` (clamped to the buffer) with
    /// `pattern`, counting its indices from `offset`: a page filled this
    /// way holds what a one-page buffer filled with `pattern` holds.
    pub fn fill_at(&self, offset: usize, len: usize, pattern: Pattern) {
        let end = offset.saturating_add(len).min(Self::LEN);
        for index in offset..end {
            // SAFETY: in bounds; volatile, see the module documentation.
            unsafe {
                self.byte(index)
                    .write_volatile(pattern.byte(index - offset))
            };
        }
    }

    /// The first byte in `range` (clamped to the buffer) that differs from
    /// `pattern`, with the value found there.
    pub fn first_mismatch(
        &self,
        pattern: Pattern,
        range: core::ops::Range<usize>,
    ) -> Option<(usize, u8)> {
        self.mismatch_at(0, pattern, range)
    }

    /// As [`first_mismatch`](Self::first_mismatch) for the part filled by
    /// [`fill_at`](Self::fill_at)`(offset, ..)`: `range` and the result
    /// count from `offset`.
    pub fn mismatch_at(
        &self,
        offset: usize,
        pattern: Pattern,
        range: core::ops::Range<usize>,
    ) -> Option<(usize, u8)> {
        let start = offset.saturating_add(range.start);
        let end = offset.saturating_add(range.end).min(Self::LEN);
        (start..end).find_map(|index| {
            // SAFETY: `index < end <= LEN`; volatile, see the module
            // documentation.
            let found = unsafe { self.byte(index).read_volatile() };
            let relative = index - offset;
            (found != pattern.byte(relative)).then_some((relative, found))
        })
    }

    /// True if every byte still holds `pattern`.
    pub fn holds(&self, pattern: Pattern) -> bool {
        self.first_mismatch(pattern, 0..Self::LEN).is_none()
    }

    /// Allows `len` bytes from `offset` in IOMMU DMA allow slot `slot`: a
    /// read-only allow for [`Access::Read`], read-write for
    /// [`Access::ReadWrite`]. The range must lie inside the buffer (it need
    /// not be page aligned: refusing that is the driver's job).
    ///
    /// # Panics
    ///
    /// If `offset + len` runs past the buffer: an app bug, not an answer of
    /// the kernel.
    pub fn allow(
        &'static self,
        slot: u32,
        access: Access,
        offset: usize,
        len: usize,
    ) -> Result<(), ErrorCode> {
        assert!(
            offset.checked_add(len).is_some_and(|end| end <= Self::LEN),
            "allow range outside the DMA buffer"
        );
        let address = self.address_of(offset);
        // SAFETY: the range lies in this 'static buffer, whose bytes Rust
        // code only ever reaches with volatile accesses through raw
        // pointers, so the kernel reading or writing them while allowed
        // breaks no aliasing assumption.
        let previous = unsafe {
            match access {
                Access::Read => allow_ro_raw(IOMMU_DMA, slot, address, len as u64),
                Access::ReadWrite => allow_rw_raw(IOMMU_DMA, slot, address, len as u64),
            }
        };
        previous.map(|_| ())
    }

    /// Allows the whole buffer in `slot`, maps it with `access` and drops
    /// the allow again (the mapping, not the allow, is what the device
    /// uses). Returns the mapping.
    pub fn map(&'static self, slot: u32, access: Access) -> Result<Mapping, ErrorCode> {
        self.map_range(slot, access, 0, Self::LEN)
    }

    /// As [`map`](Self::map), for `len` bytes from `offset` (see
    /// [`allow`](Self::allow)).
    pub fn map_range(
        &'static self,
        slot: u32,
        access: Access,
        offset: usize,
        len: usize,
    ) -> Result<Mapping, ErrorCode> {
        self.allow(slot, access, offset, len)?;
        let mapped = map(slot, access);
        unallow(slot, access);
        mapped
    }
}

/// Empties IOMMU DMA allow slot `slot` of kind `access`. Un-allowing always
/// succeeds (`doc/syscalls/iommu_dma.md`); if it ever does not, the kernel
/// may still hold a buffer the app is about to reuse, so the process ends.
pub fn unallow(slot: u32, access: Access) {
    // SAFETY: the null buffer hands the kernel no memory.
    let undone = unsafe {
        match access {
            Access::Read => allow_ro_raw(IOMMU_DMA, slot, 0, 0),
            Access::ReadWrite => allow_rw_raw(IOMMU_DMA, slot, 0, 0),
        }
    };
    if undone.is_err() {
        fatal(code::UNALLOW_FAILED);
    }
}

/// A byte pattern that differs from its neighbours and from other seeds at
/// almost every index, so a copy of the wrong bytes, a shifted copy or a
/// partial write is caught.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pattern(pub u8);

impl Pattern {
    /// The byte at `index`.
    pub const fn byte(self, index: usize) -> u8 {
        // Mix the page number in too, so page 1 is not a copy of page 0.
        let mixed = index ^ (index >> 12).wrapping_mul(0x3b);
        (mixed.wrapping_mul(7) as u8) ^ self.0
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::boxed::Box;

    use super::*;
    use crate::abi::class;
    use crate::raw::fake;

    fn leaked<const P: usize>() -> &'static DmaBuffer<P> {
        Box::leak(Box::new(DmaBuffer::new()))
    }

    #[test]
    fn buffers_are_page_aligned_whole_pages() {
        let buffer = leaked::<2>();
        assert_eq!(buffer.address() % PAGE as u64, 0);
        assert_eq!(DmaBuffer::<2>::LEN, 8192);
        assert_eq!(core::mem::size_of::<DmaBuffer<3>>(), 3 * PAGE);
        assert_eq!(buffer.address_of(5), buffer.address() + 5);
    }

    #[test]
    fn fill_and_compare_find_the_first_changed_byte() {
        let buffer = leaked::<2>();
        let pattern = Pattern(0x5a);
        buffer.fill(pattern);
        assert!(buffer.holds(pattern));
        assert!(!buffer.holds(Pattern(0x5b)));
        // SAFETY: in bounds; the test stands in for a device write.
        unsafe { buffer.byte(5000).write_volatile(!pattern.byte(5000)) };
        assert_eq!(
            buffer.first_mismatch(pattern, 0..DmaBuffer::<2>::LEN),
            Some((5000, !pattern.byte(5000)))
        );
        assert_eq!(buffer.first_mismatch(pattern, 0..5000), None);
        assert_eq!(buffer.first_mismatch(pattern, 5001..1 << 20), None);
        assert_eq!(buffer.read(5000), Some(!pattern.byte(5000)));
        assert_eq!(buffer.read(8192), None);
    }

    #[test]
    fn pages_filled_at_an_offset_compare_from_that_offset() {
        let buffer = leaked::<3>();
        buffer.fill(Pattern(1));
        buffer.fill_at(PAGE, PAGE, Pattern(2));
        assert_eq!(buffer.mismatch_at(PAGE, Pattern(2), 0..PAGE), None);
        assert_eq!(buffer.read(PAGE + 7), Some(Pattern(2).byte(7)));
        assert_eq!(buffer.mismatch_at(0, Pattern(1), 0..PAGE), None);
        // Page 2 holds the whole-buffer pattern, not a page-relative one.
        assert_eq!(buffer.first_mismatch(Pattern(1), 2 * PAGE..3 * PAGE), None);
        assert_eq!(
            buffer.mismatch_at(2 * PAGE, Pattern(1), 0..PAGE),
            Some((0, buffer.read(2 * PAGE).unwrap()))
        );
        // Ranges are clamped at the end.
        assert_eq!(
            buffer.first_mismatch(Pattern(1), 2 * PAGE..usize::MAX),
            None
        );
        buffer.fill_at(2 * PAGE, usize::MAX, Pattern(3));
        assert_eq!(buffer.mismatch_at(2 * PAGE, Pattern(3), 0..PAGE), None);
        assert_eq!(
            buffer.mismatch_at(PAGE, Pattern(2), 0..PAGE),
            None,
            "untouched"
        );
    }

    #[test]
    fn patterns_differ_between_seeds_neighbours_and_pages() {
        let (a, b) = (Pattern(1), Pattern(2));
        assert!((0..PAGE).all(|i| a.byte(i) != b.byte(i)));
        let same_as_next = (0..PAGE - 1)
            .filter(|&i| a.byte(i) == a.byte(i + 1))
            .count();
        assert_eq!(same_as_next, 0);
        let same_as_next_page = (0..PAGE).filter(|&i| a.byte(i) == a.byte(i + PAGE)).count();
        assert!(same_as_next_page < PAGE / 64, "{same_as_next_page}");
    }

    #[test]
    fn map_allows_maps_and_always_unallows() {
        let buffer = leaked::<1>();
        let address = buffer.address();
        fake::install(move |class_, a| match class_ {
            class::ALLOW_RO | class::ALLOW_RW => [130, 0, 0, 0],
            _ if a[1] == 3 => [133, 9, address, 0],
            _ => [0, ErrorCode::Fail as u64, 0, 0],
        });
        assert_eq!(
            buffer.map(2, Access::Read),
            Ok(Mapping {
                handle: 9,
                device_address: address
            })
        );
        let log = fake::log();
        assert_eq!(log[0], (class::ALLOW_RO, [0x9_0000, 2, address, 4096]));
        assert_eq!(log[1], (class::COMMAND, [0x9_0000, 3, 2, 0]));
        assert_eq!(log[2], (class::ALLOW_RO, [0x9_0000, 2, 0, 0]));

        // A refused map still drops the allow.
        fake::install(|class_, _| match class_ {
            class::ALLOW_RW => [130, 0, 0, 0],
            _ => [0, ErrorCode::NoMem as u64, 0, 0],
        });
        assert_eq!(buffer.map(0, Access::ReadWrite), Err(ErrorCode::NoMem));
        let log = fake::log();
        assert_eq!(log.len(), 3);
        assert_eq!(log[2], (class::ALLOW_RW, [0x9_0000, 0, 0, 0]));
    }

    #[test]
    fn ranges_map_from_their_offset() {
        let buffer = leaked::<3>();
        let start = buffer.address() + 4096;
        fake::install(move |class_, a| match class_ {
            class::ALLOW_RW => [130, 0, 0, 0],
            _ if a[1] == 3 => [133, 4, start, 0],
            _ => [0, ErrorCode::Fail as u64, 0, 0],
        });
        let mapping = buffer.map_range(1, Access::ReadWrite, 4096, 8192).unwrap();
        assert_eq!(mapping.device_address, start);
        assert_eq!(
            fake::log()[0],
            (class::ALLOW_RW, [0x9_0000, 1, start, 8192])
        );
    }

    #[test]
    fn partial_allows_pass_offset_and_length() {
        let buffer = leaked::<2>();
        fake::install(|_, _| [130, 0, 0, 0]);
        buffer.allow(1, Access::ReadWrite, 1, 4096).unwrap();
        assert_eq!(
            fake::log()[0],
            (class::ALLOW_RW, [0x9_0000, 1, buffer.address() + 1, 4096])
        );
    }

    #[test]
    #[should_panic(expected = "outside the DMA buffer")]
    fn allows_past_the_buffer_are_an_app_bug() {
        let buffer = leaked::<1>();
        fake::install(|_, _| [130, 0, 0, 0]);
        let _ = buffer.allow(0, Access::Read, 1, 4096);
    }
}
