// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! [`Kernel`]: the process table, run identifiers and lifecycle hook
//! registry.

use core::cell::Cell;

use crate::capabilities::{
    LifecycleHookCapability, MemoryAllocationCapability, ProcessManagementCapability,
};
use crate::memory::ProcessLayout;
use crate::memory::layout::APP_RAM_BASE;
use crate::process::{FaultPolicy, MAX_GRANTS, Process, ProcessId, ProcessLifecycle, State};
use crate::tbf::Permissions;
use crate::upcall::{PendingUpcall, UpcallError, UpcallId};

/// How many lifecycle hooks a board may register.
pub const MAX_LIFECYCLE_HOOKS: usize = 8;

/// Why a process could not be loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum LoadError {
    /// Every slot of the process table is in use.
    NoFreeSlot,
    /// The entry point is not inside the image.
    BadEntry,
    /// Run identifiers are exhausted (after 2^32 runs).
    OutOfIdentifiers,
}

/// What the loader knows about an app besides its memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AppInfo {
    /// Entry point (process virtual address inside the image).
    pub entry: u64,
    /// Package name for listings.
    pub name: &'static str,
    /// What to do when it faults.
    pub fault_policy: FaultPolicy,
    /// Driver permissions from the TBF (`None`: every driver allowed).
    pub permissions: Option<Permissions<'static>>,
}

/// The kernel: a fixed process table supplied by the board.
pub struct Kernel {
    processes: &'static [Process],
    next_identifier: Cell<u32>,
    grants_created: Cell<usize>,
    pub(super) hooks: [Cell<Option<&'static dyn ProcessLifecycle>>; MAX_LIFECYCLE_HOOKS],
}

impl Kernel {
    /// A kernel over the board's process table.
    pub const fn new(processes: &'static [Process]) -> Self {
        Self {
            processes,
            next_identifier: Cell::new(1),
            grants_created: Cell::new(0),
            hooks: [const { Cell::new(None) }; MAX_LIFECYCLE_HOOKS],
        }
    }

    /// All process slots (for listings and the scheduler).
    pub fn processes(&self) -> &'static [Process] {
        self.processes
    }

    /// The process record for `pid`, only if `pid` is its current live run.
    pub fn process(&self, pid: ProcessId) -> Option<&'static Process> {
        self.processes.get(pid.index()).filter(|p| p.matches(pid))
    }

    /// The id of the run currently in slot `index`, if the slot is alive.
    pub fn process_id_at(&self, index: usize) -> Option<ProcessId> {
        let p = self.processes.get(index)?;
        p.state()
            .is_alive()
            .then(|| ProcessId::new(index, p.identifier.get()))
    }

    /// True if `pid` still names a live run (the liveness check every
    /// process buffer access repeats).
    pub fn is_alive(&self, pid: ProcessId) -> bool {
        self.process(pid).is_some()
    }

    pub(super) fn mint_identifier(&self) -> Result<u32, LoadError> {
        let id = self.next_identifier.get();
        let next = id.checked_add(1).ok_or(LoadError::OutOfIdentifiers)?;
        self.next_identifier.set(next);
        Ok(id)
    }

    /// Reserves the next grant number (board set-up). `None` once the
    /// per-process grant table is full.
    pub fn create_grant_number(&self, _cap: &dyn MemoryAllocationCapability) -> Option<usize> {
        let n = self.grants_created.get();
        (n < MAX_GRANTS).then(|| {
            self.grants_created.set(n + 1);
            n
        })
    }

    /// Registers a hook run whenever a process run ends. `false` if the
    /// registry is full.
    pub fn register_lifecycle_hook(
        &self,
        hook: &'static dyn ProcessLifecycle,
        _cap: &dyn LifecycleHookCapability,
    ) -> bool {
        match self.hooks.iter().find(|h| h.get().is_none()) {
            Some(slot) => {
                slot.set(Some(hook));
                true
            }
            None => false,
        }
    }

    /// Puts a process into a free slot, ready to start at `entry`.
    ///
    /// # Safety
    /// The kernel addresses in `layout` (image and RAM block backings, and so
    /// the grant region) must be memory the kernel may read and write, used
    /// by nothing but this process slot, and stay so until the slot's run
    /// ends for good (terminated, stopped or quarantined). The kernel
    /// dereferences them for allows, yield results and grants.
    pub unsafe fn load_process(
        &self,
        layout: ProcessLayout,
        app: AppInfo,
        _cap: &dyn ProcessManagementCapability,
    ) -> Result<ProcessId, LoadError> {
        if !layout.is_valid_upcall_entry(app.entry) {
            return Err(LoadError::BadEntry);
        }
        let (index, slot) = self
            .processes
            .iter()
            .enumerate()
            .find(|(_, p)| p.state() == State::Empty)
            .ok_or(LoadError::NoFreeSlot)?;
        let id = self.mint_identifier()?;
        slot.identifier.set(id);
        slot.layout.set(Some(layout));
        slot.entry.set(app.entry);
        slot.name.set(app.name);
        slot.permissions.set(app.permissions);
        slot.policy.set(app.fault_policy);
        slot.restarts.set(0);
        slot.completion_code.set(None);
        slot.brk.set(APP_RAM_BASE);
        slot.reset_grants_and_upcalls();
        slot.state.set(State::Unstarted);
        Ok(ProcessId::new(index, id))
    }

    /// Queues an upcall for `pid` (called through a grant). A process blocked
    /// in yield-wait-for on exactly this upcall gets it even if its
    /// subscription is the Null Upcall; otherwise a Null Upcall is dropped
    /// (TRD104: the kernel never invokes it).
    pub(crate) fn schedule_upcall(
        &self,
        pid: ProcessId,
        upcall: PendingUpcall,
    ) -> Result<(), UpcallError> {
        let p = self.process(pid).ok_or(UpcallError::NoProcess)?;
        let waiting_for_this = p.state() == State::YieldedFor(upcall.id);
        if upcall.upcall.fn_ptr == 0 && !waiting_for_this {
            return Ok(());
        }
        let mut queue = p
            .upcalls
            .try_borrow_mut()
            .map_err(|_| UpcallError::NoProcess)?;
        queue.push(upcall)
    }

    /// Whether an upcall `id` is queued for `pid` and not yet delivered.
    pub(crate) fn upcall_pending(&self, pid: ProcessId, id: UpcallId) -> bool {
        self.process(pid)
            .and_then(|p| p.upcalls.try_borrow().ok().map(|q| q.contains(id)))
            .unwrap_or(false)
    }

    /// True if the process in slot `index` can run now: runnable, or blocked
    /// in a yield whose condition is met.
    pub fn is_ready(&self, index: usize) -> bool {
        let Some(p) = self.processes.get(index) else {
            return false;
        };
        match p.state() {
            State::Unstarted | State::Runnable => true,
            State::Yielded => p.upcalls.try_borrow().is_ok_and(|q| q.has_invocable()),
            State::YieldedFor(id) => has_pending_for(p, id),
            _ => false,
        }
    }
}

fn has_pending_for(p: &Process, id: UpcallId) -> bool {
    p.upcalls.try_borrow().is_ok_and(|q| q.contains(id))
}
