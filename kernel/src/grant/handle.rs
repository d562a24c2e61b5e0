// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! [`Grant`]: a capsule's per-process state, stored in each process's grant
//! region next to the subscribe and allow slots the kernel core manages.

use core::marker::PhantomData;

use super::storage::{self, GrantAllocError};
use crate::ErrorCode;
use crate::capabilities::MemoryAllocationCapability;
use crate::kernel::Kernel;
use crate::process::{GrantSlot, Process, ProcessId};
use crate::process_buffer::{ReadOnlyProcessBuffer, ReadWriteProcessBuffer};
use crate::upcall::{PendingUpcall, UpcallError, UpcallId};

/// Why a grant could not be entered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum GrantError {
    /// The process id is stale or the process is not alive.
    NoProcess,
    /// The grant region (or the grant table) is full.
    NoMemory,
    /// The grant is already entered for this process (re-entry would alias
    /// the `&mut T`).
    AlreadyEntered,
    /// Another grant with the same driver number but different slot counts
    /// was allocated first (a board wiring error).
    ShapeMismatch,
}

impl From<GrantError> for ErrorCode {
    fn from(err: GrantError) -> Self {
        match err {
            GrantError::NoProcess | GrantError::ShapeMismatch => Self::Fail,
            GrantError::NoMemory => Self::NoMem,
            GrantError::AlreadyEntered => Self::Busy,
        }
    }
}

impl From<GrantAllocError> for GrantError {
    fn from(err: GrantAllocError) -> Self {
        match err {
            GrantAllocError::NoLayout => Self::NoProcess,
            GrantAllocError::RegionFull | GrantAllocError::TableFull => Self::NoMemory,
        }
    }
}

/// Per-process state of type `T` for the driver `driver`, with `UPCALLS`
/// subscribe slots, `ALLOW_RO` read-only and `ALLOW_RW` read-write allow
/// slots. (Tock spells the counts as types; const generics say the same.)
pub struct Grant<T: Default, const UPCALLS: usize, const ALLOW_RO: usize, const ALLOW_RW: usize> {
    kernel: &'static Kernel,
    driver: u32,
    _data: PhantomData<T>,
}

/// The kernel-managed part of a grant, handed to `enter`'s closure: upcall
/// scheduling and the buffers the process allowed.
pub struct GrantKernelData<'a> {
    kernel: &'a Kernel,
    process: &'a Process,
    pid: ProcessId,
    driver: u32,
    slot: GrantSlot,
}

impl GrantKernelData<'_> {
    /// The process this data belongs to.
    pub fn process_id(&self) -> ProcessId {
        self.pid
    }

    /// Queues upcall `subscribe_num` with three values for the process. A
    /// Null Upcall subscription drops it silently (TRD104 4.2.1).
    pub fn schedule_upcall(&self, subscribe_num: usize, args: [u64; 3]) -> Result<(), UpcallError> {
        let saved = storage::upcall_slots(self.process, &self.slot)
            .get(subscribe_num)
            .ok_or(UpcallError::InvalidSubscribeNum)?
            .get();
        let subscribe =
            u32::try_from(subscribe_num).map_err(|_| UpcallError::InvalidSubscribeNum)?;
        let id = UpcallId {
            driver: self.driver,
            subscribe,
        };
        self.kernel.schedule_upcall(
            self.pid,
            PendingUpcall {
                id,
                upcall: saved,
                args,
            },
        )
    }

    /// Whether upcall `subscribe_num` of this driver is queued for the
    /// process and not yet delivered: lets a driver coalesce a burst of
    /// events into one pending upcall instead of filling the queue.
    pub fn upcall_pending(&self, subscribe_num: usize) -> bool {
        let Ok(subscribe) = u32::try_from(subscribe_num) else {
            return false;
        };
        self.kernel.upcall_pending(
            self.pid,
            UpcallId {
                driver: self.driver,
                subscribe,
            },
        )
    }

    /// Read-only allow slot `n`; `INVAL` past the grant's count.
    pub fn get_readonly_processbuffer(
        &self,
        n: usize,
    ) -> Result<ReadOnlyProcessBuffer<'_>, ErrorCode> {
        let buf = storage::ro_slots(self.process, &self.slot)
            .get(n)
            .ok_or(ErrorCode::Inval)?
            .get();
        Ok(ReadOnlyProcessBuffer {
            kernel: self.kernel,
            pid: self.pid,
            buf,
        })
    }

    /// Read-write allow slot `n`; `INVAL` past the grant's count.
    pub fn get_readwrite_processbuffer(
        &self,
        n: usize,
    ) -> Result<ReadWriteProcessBuffer<'_>, ErrorCode> {
        let buf = storage::rw_slots(self.process, &self.slot)
            .get(n)
            .ok_or(ErrorCode::Inval)?
            .get();
        Ok(ReadWriteProcessBuffer {
            kernel: self.kernel,
            pid: self.pid,
            buf,
        })
    }
}

impl Kernel {
    /// Creates the grant of `driver` (board set-up).
    pub fn create_grant<T: Default, const U: usize, const RO: usize, const RW: usize>(
        &'static self,
        driver: u32,
        cap: &dyn MemoryAllocationCapability,
    ) -> Option<Grant<T, U, RO, RW>> {
        self.create_grant_number(cap)?;
        Some(Grant {
            kernel: self,
            driver,
            _data: PhantomData,
        })
    }
}

impl<T: Default, const U: usize, const RO: usize, const RW: usize> Grant<T, U, RO, RW> {
    /// The driver number this grant belongs to.
    pub fn driver(&self) -> u32 {
        self.driver
    }

    /// Runs `f` with `process`'s `T` and kernel data, allocating the grant
    /// on first use (with `T::default()`).
    pub fn enter<R>(
        &self,
        pid: ProcessId,
        f: impl FnOnce(&mut T, &GrantKernelData<'_>) -> R,
    ) -> Result<R, GrantError> {
        let process = self.kernel.process(pid).ok_or(GrantError::NoProcess)?;
        let (index, slot) = match process.grant_slot(self.driver) {
            Some(found) => found,
            None => self.allocate(process)?,
        };
        if (slot.upcalls, slot.ro, slot.rw) != (U, RO, RW) {
            return Err(GrantError::ShapeMismatch);
        }
        if slot.entered {
            return Err(GrantError::AlreadyEntered);
        }
        let data = storage::data_ptr::<T>(process, &slot).ok_or(GrantError::NoProcess)?;
        process.grants[index].set(Some(GrantSlot {
            entered: true,
            ..slot
        }));
        let kernel_data = GrantKernelData {
            kernel: self.kernel,
            process,
            pid,
            driver: self.driver,
            slot,
        };
        // SAFETY: `data` points at the `T` that `allocate` wrote into this
        // process's grant region, aligned for `T`. The `entered` flag, set just
        // above and checked by every `enter`, guarantees this is the only
        // `&mut T` to it; the kernel data views are disjoint `Cell` arrays.
        let result = f(unsafe { &mut *data }, &kernel_data);
        // Clear the flag only if the slot still describes this grant (the
        // closure cannot end the run: that needs a capability capsules lack).
        if let Some(now) = process.grants[index]
            .get()
            .filter(|s| s.driver == self.driver)
        {
            process.grants[index].set(Some(GrantSlot {
                entered: false,
                ..now
            }));
        }
        Ok(result)
    }

    /// Runs `f` for every live process that has this grant allocated.
    pub fn each(&self, mut f: impl FnMut(ProcessId, &mut T, &GrantKernelData<'_>)) {
        for index in 0..self.kernel.processes().len() {
            let Some(pid) = self.kernel.process_id_at(index) else {
                continue;
            };
            let allocated = self
                .kernel
                .process(pid)
                .is_some_and(|p| p.grant_slot(self.driver).is_some());
            if allocated {
                let _ = self.enter(pid, |data, kd| f(pid, data, kd));
            }
        }
    }

    fn allocate(&self, process: &Process) -> Result<(usize, GrantSlot), GrantError> {
        let (index, slot) = storage::allocate(
            process,
            self.driver,
            U,
            RO,
            RW,
            core::mem::size_of::<T>(),
            core::mem::align_of::<T>(),
        )?;
        let data = storage::data_ptr::<T>(process, &slot).ok_or(GrantError::NoProcess)?;
        // SAFETY: `allocate` reserved `size_of::<T>()` bytes aligned for `T`
        // at `data` inside this process's grant region; they are fresh.
        unsafe { data.write(T::default()) };
        Ok((index, slot))
    }
}
