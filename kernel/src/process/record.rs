// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! [`Process`]: the kernel's record of one process slot.
//!
//! Everything here is arch independent; registers and translation tables
//! live with the architecture (`UserContext`, `AddressSpace`) and are joined
//! by slot index. Fields use `Cell`s: the kernel is single threaded and no
//! reference into a process record outlives a kernel call.

use core::cell::{Cell, RefCell};

use super::{FaultPolicy, ProcessId, State};
use crate::memory::ProcessLayout;
use crate::tbf::Permissions;
use crate::upcall::UpcallQueue;

/// How many drivers may hold a grant in one process.
pub const MAX_GRANTS: usize = 16;

/// Where one driver's grant lives inside a process's grant region: offsets
/// from the region's start and the slot counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub struct GrantSlot {
    /// Driver number owning the grant.
    pub driver: u32,
    /// Offset of the `[Cell<SavedUpcall>; upcalls]` array.
    pub upcalls_offset: usize,
    /// Number of subscribe slots.
    pub upcalls: usize,
    /// Offset of the read-only `[Cell<SavedBuffer>]` array.
    pub ro_offset: usize,
    /// Number of read-only allow slots.
    pub ro: usize,
    /// Offset of the read-write `[Cell<SavedBuffer>]` array.
    pub rw_offset: usize,
    /// Number of read-write allow slots.
    pub rw: usize,
    /// Offset of the capsule's `T`.
    pub data_offset: usize,
    /// Set while a capsule holds `&mut T` (re-entry is refused).
    pub entered: bool,
}

/// One process slot.
pub struct Process {
    pub(crate) identifier: Cell<u32>,
    pub(crate) state: Cell<State>,
    pub(crate) layout: Cell<Option<ProcessLayout>>,
    pub(crate) entry: Cell<u64>,
    pub(crate) name: Cell<&'static str>,
    pub(crate) permissions: Cell<Option<Permissions<'static>>>,
    pub(crate) policy: Cell<FaultPolicy>,
    pub(crate) restarts: Cell<u32>,
    pub(crate) completion_code: Cell<Option<u32>>,
    pub(crate) brk: Cell<u64>,
    pub(crate) grant_used: Cell<usize>,
    pub(crate) grants: [Cell<Option<GrantSlot>>; MAX_GRANTS],
    pub(crate) upcalls: RefCell<UpcallQueue>,
    pub(crate) syscall_count: Cell<u64>,
}

impl Process {
    /// An empty slot, for the board's static process table.
    pub const fn empty() -> Self {
        Self {
            identifier: Cell::new(0),
            state: Cell::new(State::Empty),
            layout: Cell::new(None),
            entry: Cell::new(0),
            name: Cell::new(""),
            permissions: Cell::new(None),
            policy: Cell::new(FaultPolicy::Stop),
            restarts: Cell::new(0),
            completion_code: Cell::new(None),
            brk: Cell::new(0),
            grant_used: Cell::new(0),
            grants: [const { Cell::new(None) }; MAX_GRANTS],
            upcalls: RefCell::new(UpcallQueue::new()),
            syscall_count: Cell::new(0),
        }
    }

    /// Current state.
    pub fn state(&self) -> State {
        self.state.get()
    }

    /// The package name from the TBF header ("" if none).
    pub fn name(&self) -> &'static str {
        self.name.get()
    }

    /// The driver permissions from the TBF header (`None`: unrestricted).
    pub fn permissions(&self) -> Option<Permissions<'static>> {
        self.permissions.get()
    }

    /// Times the process was restarted.
    pub fn restarts(&self) -> u32 {
        self.restarts.get()
    }

    /// The memory layout (None for an empty slot).
    pub fn layout(&self) -> Option<ProcessLayout> {
        self.layout.get()
    }

    /// Entry point (the TBF's init address).
    pub fn entry(&self) -> u64 {
        self.entry.get()
    }

    /// The last exit completion code, if the process exited.
    pub fn completion_code(&self) -> Option<u32> {
        self.completion_code.get()
    }

    /// Bytes of grant region in use.
    pub fn grant_bytes_used(&self) -> usize {
        self.grant_used.get()
    }

    /// Number of system calls the process made (all runs).
    pub fn syscall_count(&self) -> u64 {
        self.syscall_count.get()
    }

    /// Number of upcalls waiting.
    pub fn pending_upcalls(&self) -> usize {
        self.upcalls.try_borrow().map(|q| q.len()).unwrap_or(0)
    }

    /// True if `pid` names this slot's current, live run.
    pub(crate) fn matches(&self, pid: ProcessId) -> bool {
        self.identifier.get() == pid.id() && self.state.get().is_alive()
    }

    /// The grant slot of `driver`, if allocated.
    pub(crate) fn grant_slot(&self, driver: u32) -> Option<(usize, GrantSlot)> {
        self.grants
            .iter()
            .enumerate()
            .find_map(|(i, c)| c.get().filter(|s| s.driver == driver).map(|s| (i, s)))
    }

    /// Forgets all grants (and with them every allow and subscription) and
    /// the upcall queue. Only called once lifecycle hooks have run.
    pub(crate) fn reset_grants_and_upcalls(&self) {
        for g in &self.grants {
            g.set(None);
        }
        self.grant_used.set(0);
        if let Ok(mut q) = self.upcalls.try_borrow_mut() {
            q.clear();
        }
    }
}
