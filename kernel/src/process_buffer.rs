// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Buffers a process shared with Allow, as capsules see them.
//!
//! A buffer is only a (process id, address, length) triple. Every access
//! re-checks that the id is still the process's live run and re-validates
//! the range against its layout before the kernel touches a byte, so a
//! buffer from a dead or restarted process is refused, never dereferenced.
//! Process memory is seen as `[Cell<u8>]`: allows may overlap (TRD104 4.4),
//! and cells make aliasing views sound.

use core::cell::Cell;

use crate::ErrorCode;
use crate::kernel::Kernel;
use crate::memory::Access;
use crate::process::ProcessId;

/// What an allow slot stores: the process address and length (0, 0 for the
/// null buffer).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, defmt::Format)]
pub struct SavedBuffer {
    /// Process virtual address.
    pub va: u64,
    /// Length in bytes.
    pub len: u64,
}

/// Process memory the kernel may read.
#[repr(transparent)]
pub struct ReadableProcessSlice {
    cells: [Cell<u8>],
}

/// Process memory the kernel may read and write.
#[repr(transparent)]
pub struct WriteableProcessSlice {
    cells: [Cell<u8>],
}

impl ReadableProcessSlice {
    fn from_cells(cells: &[Cell<u8>]) -> &Self {
        // SAFETY: `ReadableProcessSlice` is `repr(transparent)` over `[Cell<u8>]`,
        // so the pointer cast keeps layout and metadata.
        unsafe { &*(cells as *const [Cell<u8>] as *const Self) }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// True for the null buffer.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Byte `i`, or `None` past the end.
    pub fn get(&self, i: usize) -> Option<u8> {
        self.cells.get(i).map(Cell::get)
    }

    /// Copies the whole buffer into `dest`; `SIZE` unless the lengths match.
    pub fn copy_to_slice(&self, dest: &mut [u8]) -> Result<(), ErrorCode> {
        if dest.len() != self.cells.len() {
            return Err(ErrorCode::Size);
        }
        for (d, s) in dest.iter_mut().zip(&self.cells) {
            *d = s.get();
        }
        Ok(())
    }
}

impl WriteableProcessSlice {
    fn from_cells(cells: &[Cell<u8>]) -> &Self {
        // SAFETY: `repr(transparent)` over `[Cell<u8>]`, as above.
        unsafe { &*(cells as *const [Cell<u8>] as *const Self) }
    }

    /// Read access to the same bytes.
    pub fn as_readable(&self) -> &ReadableProcessSlice {
        ReadableProcessSlice::from_cells(&self.cells)
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// True for the null buffer.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Writes byte `i`; `INVAL` past the end.
    pub fn set(&self, i: usize, value: u8) -> Result<(), ErrorCode> {
        self.cells
            .get(i)
            .map(|c| c.set(value))
            .ok_or(ErrorCode::Inval)
    }

    /// Copies `src` into the start of the buffer; `SIZE` if it does not fit.
    pub fn copy_from_slice(&self, src: &[u8]) -> Result<(), ErrorCode> {
        let dest = self.cells.get(..src.len()).ok_or(ErrorCode::Size)?;
        for (d, s) in dest.iter().zip(src) {
            d.set(*s);
        }
        Ok(())
    }
}

/// Re-checks liveness and the range, then runs `f` on the bytes.
fn with_cells<R>(
    kernel: &Kernel,
    pid: ProcessId,
    buf: SavedBuffer,
    access: Access,
    f: impl FnOnce(&[Cell<u8>]) -> R,
) -> Result<R, ErrorCode> {
    let process = kernel.process(pid).ok_or(ErrorCode::Fail)?;
    if buf.len == 0 {
        return Ok(f(&[]));
    }
    let layout = process.layout().ok_or(ErrorCode::Fail)?;
    let checked = layout
        .check_buffer(buf.va, buf.len, access)
        .ok_or(ErrorCode::Fail)?;
    let len = usize::try_from(checked.len).map_err(|_| ErrorCode::Size)?;
    // SAFETY: `check_buffer` proved the range lies inside the process's image
    // or RAM backing, which the contract of `Kernel::load_process` makes
    // valid kernel memory for as long as the run is alive, and `process()`
    // just proved it is. The slice lives only for the call to `f`, inside
    // which the kernel does not end the run. `Cell<u8>` allows other views
    // (overlapping allows) to alias these bytes.
    let cells =
        unsafe { core::slice::from_raw_parts(checked.kva as usize as *const Cell<u8>, len) };
    Ok(f(cells))
}

/// A read-only allow, as a capsule holds it inside `Grant::enter`.
pub struct ReadOnlyProcessBuffer<'a> {
    pub(crate) kernel: &'a Kernel,
    pub(crate) pid: ProcessId,
    pub(crate) buf: SavedBuffer,
}

impl ReadOnlyProcessBuffer<'_> {
    /// The process address and length as allowed.
    pub fn saved(&self) -> SavedBuffer {
        self.buf
    }

    /// Runs `f` on the bytes; `FAIL` if the process is gone.
    pub fn enter<R>(&self, f: impl FnOnce(&ReadableProcessSlice) -> R) -> Result<R, ErrorCode> {
        with_cells(self.kernel, self.pid, self.buf, Access::Read, |c| {
            f(ReadableProcessSlice::from_cells(c))
        })
    }
}

/// A read-write allow, as a capsule holds it inside `Grant::enter`.
pub struct ReadWriteProcessBuffer<'a> {
    pub(crate) kernel: &'a Kernel,
    pub(crate) pid: ProcessId,
    pub(crate) buf: SavedBuffer,
}

impl ReadWriteProcessBuffer<'_> {
    /// The process address and length as allowed.
    pub fn saved(&self) -> SavedBuffer {
        self.buf
    }

    /// Runs `f` on the bytes; `FAIL` if the process is gone.
    pub fn mut_enter<R>(
        &self,
        f: impl FnOnce(&WriteableProcessSlice) -> R,
    ) -> Result<R, ErrorCode> {
        with_cells(self.kernel, self.pid, self.buf, Access::ReadWrite, |c| {
            f(WriteableProcessSlice::from_cells(c))
        })
    }
}

/// Writes one byte of process memory if `va` is writable by the process
/// (yield-no-wait's result byte). Returns whether it wrote.
pub(crate) fn write_process_byte(kernel: &Kernel, pid: ProcessId, va: u64, value: u8) -> bool {
    with_cells(
        kernel,
        pid,
        SavedBuffer { va, len: 1 },
        Access::ReadWrite,
        |c| c.first().map(|b| b.set(value)).is_some(),
    )
    .unwrap_or(false)
}
