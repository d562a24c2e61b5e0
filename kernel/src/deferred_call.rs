// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Deferred calls: a capsule that must report completion of a downcall
//! asks for a call from the kernel loop instead of calling its client back
//! inside the downcall (which would re-enter the caller).

use core::cell::Cell;

/// How many deferred-call users one kernel supports.
pub const MAX_DEFERRED_CALLS: usize = 32;

/// Receives a deferred call.
pub trait DeferredCallClient {
    /// Runs from the kernel loop after [`DeferredCall::set`].
    fn handle_deferred_call(&self);
}

/// The registry and pending set, owned by the board (one per kernel).
pub struct DeferredCalls {
    clients: [Cell<Option<&'static dyn DeferredCallClient>>; MAX_DEFERRED_CALLS],
    pending: Cell<u32>,
    allocated: Cell<usize>,
}

impl DeferredCalls {
    /// An empty registry.
    pub const fn new() -> Self {
        Self {
            clients: [const { Cell::new(None) }; MAX_DEFERRED_CALLS],
            pending: Cell::new(0),
            allocated: Cell::new(0),
        }
    }

    /// Allocates a handle; `None` once all [`MAX_DEFERRED_CALLS`] are taken.
    pub fn allocate(&'static self) -> Option<DeferredCall> {
        let index = self.allocated.get();
        (index < MAX_DEFERRED_CALLS).then(|| {
            self.allocated.set(index + 1);
            DeferredCall { calls: self, index }
        })
    }

    /// True if a call is pending.
    pub fn has_tasks(&self) -> bool {
        self.pending.get() != 0
    }

    /// Runs the lowest-numbered pending call. Returns `false` if none ran.
    pub fn service_next(&self) -> bool {
        let pending = self.pending.get();
        if pending == 0 {
            return false;
        }
        let index = pending.trailing_zeros() as usize;
        self.pending.set(pending & !(1 << index));
        match self.clients.get(index).and_then(Cell::get) {
            Some(client) => {
                client.handle_deferred_call();
                true
            }
            None => false,
        }
    }
}

impl Default for DeferredCalls {
    fn default() -> Self {
        Self::new()
    }
}

/// One capsule's handle.
pub struct DeferredCall {
    calls: &'static DeferredCalls,
    index: usize,
}

impl DeferredCall {
    /// Names the client that receives this handle's calls.
    pub fn register(&self, client: &'static dyn DeferredCallClient) {
        if let Some(slot) = self.calls.clients.get(self.index) {
            slot.set(Some(client));
        }
    }

    /// Requests a call from the kernel loop (idempotent until it runs).
    pub fn set(&self) {
        self.calls
            .pending
            .set(self.calls.pending.get() | (1 << self.index));
    }

    /// True if a call is requested and has not run.
    pub fn is_pending(&self) -> bool {
        self.calls.pending.get() & (1 << self.index) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::boxed::Box;

    struct Counter(Cell<u32>);
    impl DeferredCallClient for Counter {
        fn handle_deferred_call(&self) {
            self.0.set(self.0.get() + 1);
        }
    }

    #[test]
    fn set_runs_once_from_the_loop() {
        let calls: &'static DeferredCalls = Box::leak(Box::new(DeferredCalls::new()));
        let a: &'static Counter = Box::leak(Box::new(Counter(Cell::new(0))));
        let b: &'static Counter = Box::leak(Box::new(Counter(Cell::new(0))));
        let da = calls.allocate().unwrap();
        let db = calls.allocate().unwrap();
        da.register(a);
        db.register(b);
        assert!(!calls.service_next());
        db.set();
        da.set();
        da.set();
        assert!(da.is_pending() && calls.has_tasks());
        assert!(calls.service_next());
        assert!(calls.service_next());
        assert!(!calls.service_next());
        assert_eq!((a.0.get(), b.0.get()), (1, 1));
    }

    #[test]
    fn allocation_is_bounded() {
        let calls: &'static DeferredCalls = Box::leak(Box::new(DeferredCalls::new()));
        for _ in 0..MAX_DEFERRED_CALLS {
            assert!(calls.allocate().is_some());
        }
        assert!(calls.allocate().is_none());
    }
}
