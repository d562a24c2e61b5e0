// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! From an allowed buffer to the physical range a device may reach.
//!
//! The rule is deliberately the simplest sound one: a buffer is mapped only
//! if it starts and ends on a page boundary (the larger of the process page
//! and the domain's smallest IOMMU page). Then every page the device can
//! reach is entirely inside the buffer, and the kernel's layout check has
//! already proved the buffer is app-accessible memory of that app (its image
//! or its RAM), never grant or kernel memory (DESIGN §4 invariant 2). Nothing
//! is rounded out to a page boundary, so nothing next to the buffer leaks.

use kernel::ErrorCode;
use kernel::memory::layout::PAGE_SIZE;
use kernel::memory::{Access, ProcessLayout};
use kernel::process_buffer::SavedBuffer;

/// A buffer ready to map: device address (= process address), physical
/// address and length, all page aligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DmaRange {
    /// Device address of the first byte (the process virtual address).
    pub(crate) iova: u64,
    /// Physical address of the first byte.
    pub(crate) pa: u64,
    /// Length in bytes, a multiple of the page size.
    pub(crate) len: u64,
}

/// Validates `buffer` (as allowed by the process with `layout`) for a DMA
/// mapping with pages of `iommu_page` bytes in a window of `iova_bits`.
///
/// * `RESERVE`: nothing is allowed in the slot (zero length);
/// * `INVAL`: the buffer does not start and end on a page boundary, or is
///   no longer memory the process may share with `access`;
/// * `SIZE`: the buffer reaches past the domain's IOVA window.
pub(crate) fn dma_range(
    layout: &ProcessLayout,
    buffer: SavedBuffer,
    access: Access,
    iommu_page: u64,
    iova_bits: u8,
) -> Result<DmaRange, ErrorCode> {
    if buffer.len == 0 {
        return Err(ErrorCode::Reserve);
    }
    let page = iommu_page.max(PAGE_SIZE);
    if !page.is_power_of_two()
        || !buffer.va.is_multiple_of(page)
        || !buffer.len.is_multiple_of(page)
    {
        return Err(ErrorCode::Inval);
    }
    let end = buffer.va.checked_add(buffer.len).ok_or(ErrorCode::Inval)?;
    let pa = layout
        .buffer_phys(buffer.va, buffer.len, access)
        .ok_or(ErrorCode::Inval)?;
    // The IOMMU refuses a misaligned physical address too; say so precisely.
    if !pa.is_multiple_of(page) {
        return Err(ErrorCode::Inval);
    }
    let window_end = 1u128 << iova_bits.min(64);
    if u128::from(end) > window_end {
        return Err(ErrorCode::Size);
    }
    Ok(DmaRange {
        iova: buffer.va,
        pa,
        len: buffer.len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kernel::memory::layout::{APP_IMAGE_BASE, APP_RAM_BASE};
    use kernel::memory::{Backing, MemoryPlan};

    const RAM_PA: u64 = 0x4200_0000;

    fn layout() -> ProcessLayout {
        ProcessLayout::new(
            MemoryPlan::new(8192, 0x10000, 4096).unwrap(),
            Backing {
                pa: 0x4100_0000,
                kva: 0x4100_0000,
            },
            Backing {
                pa: RAM_PA,
                kva: RAM_PA,
            },
        )
        .unwrap()
    }

    fn buf(va: u64, len: u64) -> SavedBuffer {
        SavedBuffer { va, len }
    }

    #[test]
    fn page_aligned_buffers_translate_through_the_layout() {
        let l = layout();
        assert_eq!(
            dma_range(
                &l,
                buf(APP_RAM_BASE + 0x2000, 0x3000),
                Access::ReadWrite,
                4096,
                32
            ),
            Ok(DmaRange {
                iova: APP_RAM_BASE + 0x2000,
                pa: RAM_PA + 0x2000,
                len: 0x3000
            })
        );
        // Read-only buffers may live in the image.
        assert_eq!(
            dma_range(&l, buf(APP_IMAGE_BASE, 0x2000), Access::Read, 4096, 32).map(|r| r.pa),
            Ok(0x4100_0000)
        );
    }

    #[test]
    fn refusals_are_precise() {
        let l = layout();
        let rw = Access::ReadWrite;
        assert_eq!(
            dma_range(&l, buf(0, 0), rw, 4096, 32),
            Err(ErrorCode::Reserve)
        );
        // Unaligned start, unaligned end.
        assert_eq!(
            dma_range(&l, buf(APP_RAM_BASE + 8, 0x1000), rw, 4096, 32),
            Err(ErrorCode::Inval)
        );
        assert_eq!(
            dma_range(&l, buf(APP_RAM_BASE, 0x1008), rw, 4096, 32),
            Err(ErrorCode::Inval)
        );
        // A larger IOMMU page raises the alignment requirement.
        assert_eq!(
            dma_range(&l, buf(APP_RAM_BASE + 0x1000, 0x1000), rw, 0x10000, 32),
            Err(ErrorCode::Inval)
        );
        // Past the RAM into the grant region; the image is not writable.
        assert_eq!(
            dma_range(&l, buf(APP_RAM_BASE, 0x11000), rw, 4096, 32),
            Err(ErrorCode::Inval)
        );
        assert_eq!(
            dma_range(&l, buf(APP_IMAGE_BASE, 0x1000), rw, 4096, 32),
            Err(ErrorCode::Inval)
        );
        // Wrapping arithmetic is refused, never wrapped.
        assert_eq!(
            dma_range(&l, buf(u64::MAX - 0xfff, 0x2000), rw, 4096, 64),
            Err(ErrorCode::Inval)
        );
        // Outside a narrow window.
        assert_eq!(
            dma_range(&l, buf(APP_RAM_BASE, 0x1000), rw, 4096, 31),
            Err(ErrorCode::Size)
        );
    }
}
