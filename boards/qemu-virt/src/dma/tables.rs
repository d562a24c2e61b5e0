// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Translation-table pages for the IOMMU domains: one static pool of
//! zeroed, 4 KiB-aligned pages in identity-mapped kernel RAM, handed out
//! through per-domain allocators that each enforce the owning app's budget
//! (`capsules/iommu-dma`'s `TableSource`/`TableUsage`) and count what they
//! hold.
//!
//! A domain whose teardown failed is forgotten by the IOMMU driver together
//! with its allocator: its pages are never freed, so they stay marked in
//! the pool for good (quarantined), exactly as the driver requires.

use core::cell::{Cell, UnsafeCell};
use core::ptr::NonNull;

use aarch64::dma_fence::{self, Coherence};
use capsules_iommu_dma::{TableSource, TableUsage};
use io_pgtable::{CacheMaintenance, PageAllocator, TablePage};

use super::hardware::phys_of;

/// Size of a table page.
const PAGE: usize = 4096;
/// Pages in the pool: the sum of the budgets of the domains that can be
/// live at once (4 domains of at most 4 pages each), doubled so that the
/// in-kernel checks and a quarantined domain or two still leave room.
pub(crate) const POOL_PAGES: usize = 32;

#[repr(C, align(4096))]
struct Page([u8; PAGE]);

struct PoolCell(UnsafeCell<[Page; POOL_PAGES]>);

// SAFETY: each page is reached only by the allocator that holds its bit in
// `USED`, on the one core the kernel runs on.
unsafe impl Sync for PoolCell {}

static POOL: PoolCell = PoolCell(UnsafeCell::new([const { Page([0; PAGE]) }; POOL_PAGES]));

/// Bit n set: pool page n is allocated. A `Cell` in a static is not
/// `Sync`, so the bitmap is an atomic used from one core only.
static USED: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);

const _: () = assert!(POOL_PAGES <= 32, "the bitmap is a u32");

/// Pages of the pool allocated right now (every domain together).
pub(crate) fn pool_pages_in_use() -> u32 {
    USED.load(core::sync::atomic::Ordering::Relaxed)
        .count_ones()
}

/// Takes a free page, zeroed; `None` when the pool is empty.
fn take_page() -> Option<TablePage> {
    use core::sync::atomic::Ordering::Relaxed;
    let used = USED.load(Relaxed);
    let index = (!used).trailing_zeros() as usize;
    if index >= POOL_PAGES {
        return None;
    }
    USED.store(used | 1 << index, Relaxed);
    // SAFETY: in bounds; the page was free (its bit was clear), so no
    // other reference to it exists; zeroing a page we now own.
    let page = unsafe {
        let page = POOL.0.get().cast::<Page>().add(index);
        page.write_bytes(0, 1);
        page
    };
    Some(TablePage {
        virt: NonNull::new(page.cast::<u8>())?,
        phys: phys_of(page),
    })
}

/// Returns a page taken by [`take_page`]; `false` (and nothing changes)
/// for anything else.
fn give_back(page: &TablePage) -> bool {
    use core::sync::atomic::Ordering::Relaxed;
    let base = POOL.0.get() as usize;
    let offset = (page.virt.as_ptr() as usize).wrapping_sub(base);
    let index = offset / PAGE;
    let bit = u32::try_from(index)
        .ok()
        .and_then(|index| 1u32.checked_shl(index))
        .unwrap_or(0);
    if !offset.is_multiple_of(PAGE) || index >= POOL_PAGES || USED.load(Relaxed) & bit == 0 {
        return false;
    }
    USED.fetch_and(!bit, Relaxed);
    true
}

/// A domain's table allocator: at most `budget` pages from the pool.
pub(crate) struct DomainTables {
    budget: u32,
    in_use: Cell<u32>,
}

impl DomainTables {
    /// An allocator without a budget of its own (the pool still bounds it),
    /// for the in-kernel checks.
    pub(crate) const fn unbudgeted() -> Self {
        Self {
            budget: u32::MAX,
            in_use: Cell::new(0),
        }
    }
}

// SAFETY: pages come from `take_page`: 4 KiB aligned, zeroed, handed out
// once until freed (the `USED` bit); the walker reads PA = VA (identity
// map), so `phys_to_virt` is the identity.
unsafe impl PageAllocator for DomainTables {
    fn alloc(&mut self, size: usize) -> Option<TablePage> {
        if size != PAGE || self.in_use.get() >= self.budget {
            return None;
        }
        let page = take_page()?;
        self.in_use.set(self.in_use.get() + 1);
        Some(page)
    }

    unsafe fn free(&mut self, page: TablePage, _size: usize) {
        // Only a page this pool handed out counts against the budget.
        if give_back(&page) {
            self.in_use.set(self.in_use.get().saturating_sub(1));
        } else {
            defmt::error!("IOMMU table pool: freeing a page it never handed out");
        }
    }

    fn phys_to_virt(&self, phys: u64) -> NonNull<u8> {
        NonNull::new(phys as *mut u8).unwrap_or(NonNull::dangling())
    }
}

impl TableUsage for DomainTables {
    fn pages_in_use(&self) -> u32 {
        self.in_use.get()
    }
}

/// Makes each new domain's allocator, limited to the app's budget.
pub(crate) struct TablePool;

impl TableSource<DomainTables> for TablePool {
    fn tables(&self, budget_pages: u32) -> Option<DomainTables> {
        // A domain needs at least its root table.
        let free = POOL_PAGES as u32 - pool_pages_in_use();
        (budget_pages > 0 && free > 0).then(|| DomainTables {
            budget: budget_pages,
            in_use: Cell::new(0),
        })
    }
}

/// Cleans table writes to the point of coherency for a walker that does
/// not snoop. `io-pgtable` calls it only when the table is configured for
/// non-coherent walks, i.e. when the SMMU lacks IDR0.COHACC (QEMU has it).
#[derive(Clone)]
pub(crate) struct CleanTables;

impl CacheMaintenance for CleanTables {
    fn clean_to_poc(&mut self, virt: *const u8, len: usize) {
        dma_fence::before_device_reads(Coherence::NonCoherent, virt as usize, len);
    }
}
