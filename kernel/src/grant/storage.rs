// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The kernel-owned part of a grant inside a process's grant region: the
//! subscribe and allow slot arrays that the kernel core fills on Subscribe
//! and Allow and capsules read through `GrantKernelData`.
//!
//! Layout of one grant (offsets recorded in the process's `GrantSlot`):
//! `[Cell<SavedUpcall>; upcalls]`, `[Cell<SavedBuffer>; ro]`,
//! `[Cell<SavedBuffer>; rw]`, then the capsule's `T`, each aligned for its
//! type.

use core::cell::Cell;
use core::mem::{align_of, size_of};

use super::alloc::bump;
use crate::process::{GrantSlot, Process};
use crate::process_buffer::SavedBuffer;
use crate::upcall::SavedUpcall;

/// Why grant memory could not be set up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum GrantAllocError {
    /// The grant region is full.
    RegionFull,
    /// The per-process grant table is full.
    TableFull,
    /// The process has no layout (empty slot).
    NoLayout,
}

/// Base kernel address of the process's grant region and its length.
fn region(process: &Process) -> Option<(u64, u64)> {
    let r = process.layout()?.grant_kernel_region();
    Some((r.start, r.len))
}

/// Reserves and initialises the kernel part of a grant for `driver` and room
/// for a `T` (which the caller writes). Returns the table index and slot.
pub(crate) fn allocate(
    process: &Process,
    driver: u32,
    upcalls: usize,
    ro: usize,
    rw: usize,
    t_size: usize,
    t_align: usize,
) -> Result<(usize, GrantSlot), GrantAllocError> {
    let (start, len) = region(process).ok_or(GrantAllocError::NoLayout)?;
    let index = process
        .grants
        .iter()
        .position(|g| g.get().is_none())
        .ok_or(GrantAllocError::TableFull)?;
    let mut used = process.grant_used.get() as u64;
    let mut carve = |count: usize, size: usize, align: usize| -> Result<usize, GrantAllocError> {
        let bytes = (count as u64)
            .checked_mul(size as u64)
            .ok_or(GrantAllocError::RegionFull)?;
        let (off, new_used) =
            bump(start, len, used, bytes, align as u64).ok_or(GrantAllocError::RegionFull)?;
        used = new_used;
        Ok(off as usize)
    };
    let upcalls_offset = carve(
        upcalls,
        size_of::<Cell<SavedUpcall>>(),
        align_of::<Cell<SavedUpcall>>(),
    )?;
    let ro_offset = carve(
        ro,
        size_of::<Cell<SavedBuffer>>(),
        align_of::<Cell<SavedBuffer>>(),
    )?;
    let rw_offset = carve(
        rw,
        size_of::<Cell<SavedBuffer>>(),
        align_of::<Cell<SavedBuffer>>(),
    )?;
    let data_offset = carve(1, t_size, t_align)?;
    let slot = GrantSlot {
        driver,
        upcalls_offset,
        upcalls,
        ro_offset,
        ro,
        rw_offset,
        rw,
        data_offset,
        entered: false,
    };
    // SAFETY: the three arrays were just carved out of this process's grant
    // region (kernel memory the layout's contract keeps valid and owned by
    // this process record) at offsets aligned for their types; nothing else
    // refers to these fresh bytes, so writing initial values is sound.
    unsafe {
        for i in 0..upcalls {
            ptr_at::<Cell<SavedUpcall>>(start, upcalls_offset)
                .add(i)
                .write(Cell::new(SavedUpcall::NULL));
        }
        for i in 0..ro {
            ptr_at::<Cell<SavedBuffer>>(start, ro_offset)
                .add(i)
                .write(Cell::new(SavedBuffer::default()));
        }
        for i in 0..rw {
            ptr_at::<Cell<SavedBuffer>>(start, rw_offset)
                .add(i)
                .write(Cell::new(SavedBuffer::default()));
        }
    }
    process.grant_used.set(used as usize);
    process.grants[index].set(Some(slot));
    Ok((index, slot))
}

fn ptr_at<T>(start: u64, offset: usize) -> *mut T {
    (start as usize + offset) as *mut T
}

/// Pointer to the capsule data of `slot`.
pub(crate) fn data_ptr<T>(process: &Process, slot: &GrantSlot) -> Option<*mut T> {
    region(process).map(|(start, _)| ptr_at::<T>(start, slot.data_offset))
}

fn cells<T>(process: &Process, offset: usize, count: usize) -> &[Cell<T>] {
    match region(process) {
        // SAFETY: `offset`/`count` come from a `GrantSlot` that `allocate`
        // created and initialised inside this process's grant region; the
        // slot is only forgotten (by `reset_grants_and_upcalls`) from kernel
        // code that holds no such slice. Shared `Cell` views may coexist.
        Some((start, _)) => unsafe {
            core::slice::from_raw_parts(ptr_at::<Cell<T>>(start, offset), count)
        },
        None => &[],
    }
}

/// The subscribe slots of a grant.
pub(crate) fn upcall_slots<'p>(process: &'p Process, slot: &GrantSlot) -> &'p [Cell<SavedUpcall>] {
    cells(process, slot.upcalls_offset, slot.upcalls)
}

/// The read-only allow slots of a grant.
pub(crate) fn ro_slots<'p>(process: &'p Process, slot: &GrantSlot) -> &'p [Cell<SavedBuffer>] {
    cells(process, slot.ro_offset, slot.ro)
}

/// The read-write allow slots of a grant.
pub(crate) fn rw_slots<'p>(process: &'p Process, slot: &GrantSlot) -> &'p [Cell<SavedBuffer>] {
    cells(process, slot.rw_offset, slot.rw)
}
