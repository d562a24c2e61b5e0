// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Upcalls: what a subscription stores and the bounded per-process queue of
//! upcalls waiting for the process to yield (ABI §6).

use heapless::Deque;

/// How many upcalls may wait for one process. A fault storm or a chatty
/// driver fills it and further upcalls are refused, never queued without
/// bound (DESIGN §4 invariant 7).
pub const UPCALL_QUEUE_LEN: usize = 16;

/// Names one subscription: driver number and subscribe number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub struct UpcallId {
    /// Driver number.
    pub driver: u32,
    /// Subscribe number within the driver.
    pub subscribe: u32,
}

/// What Subscribe stored: the entry point (0 is the Null Upcall) and the
/// application data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, defmt::Format)]
pub struct SavedUpcall {
    /// Upcall entry address; 0 is the Null Upcall, never invoked.
    pub fn_ptr: u64,
    /// Passed back in `x3`.
    pub appdata: u64,
}

impl SavedUpcall {
    /// The Null Upcall with no application data: what every slot starts as.
    pub const NULL: Self = Self {
        fn_ptr: 0,
        appdata: 0,
    };
}

/// An upcall scheduled for a process, waiting for it to yield.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub struct PendingUpcall {
    /// Which subscription it belongs to.
    pub id: UpcallId,
    /// The subscription at the time it was scheduled.
    pub upcall: SavedUpcall,
    /// The driver's three values (`x0`–`x2`).
    pub args: [u64; 3],
}

/// Why an upcall could not be scheduled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum UpcallError {
    /// The process's queue is full; the upcall was dropped.
    QueueFull,
    /// The subscribe number is not below the grant's upcall count.
    InvalidSubscribeNum,
    /// The process is not alive (or the id is stale).
    NoProcess,
}

impl From<UpcallError> for crate::ErrorCode {
    fn from(err: UpcallError) -> Self {
        match err {
            UpcallError::QueueFull => Self::NoMem,
            UpcallError::InvalidSubscribeNum => Self::Inval,
            UpcallError::NoProcess => Self::Fail,
        }
    }
}

/// The bounded FIFO of pending upcalls of one process.
#[derive(Debug, Default)]
pub struct UpcallQueue {
    queue: Deque<PendingUpcall, UPCALL_QUEUE_LEN>,
}

impl UpcallQueue {
    /// An empty queue.
    pub const fn new() -> Self {
        Self {
            queue: Deque::new(),
        }
    }

    /// Appends an upcall; refuses when full.
    pub fn push(&mut self, upcall: PendingUpcall) -> Result<(), UpcallError> {
        self.queue
            .push_back(upcall)
            .map_err(|_| UpcallError::QueueFull)
    }

    /// Takes the oldest upcall.
    pub fn pop(&mut self) -> Option<PendingUpcall> {
        self.queue.pop_front()
    }

    /// Takes the oldest upcall for `id`, keeping the others in order.
    pub fn take_first_for(&mut self, id: UpcallId) -> Option<PendingUpcall> {
        let mut found = None;
        let mut kept: Deque<PendingUpcall, UPCALL_QUEUE_LEN> = Deque::new();
        while let Some(up) = self.queue.pop_front() {
            if found.is_none() && up.id == id {
                found = Some(up);
            } else {
                // Cannot fail: `kept` holds at most what `queue` held.
                let _ = kept.push_back(up);
            }
        }
        self.queue = kept;
        found
    }

    /// True if an upcall that can be invoked (not the Null Upcall) waits.
    pub fn has_invocable(&self) -> bool {
        self.queue.iter().any(|u| u.upcall.fn_ptr != 0)
    }

    /// True if an upcall for `id` is waiting.
    pub fn contains(&self, id: UpcallId) -> bool {
        self.queue.iter().any(|u| u.id == id)
    }

    /// Drops every upcall for `id` (a successful Subscribe, TRD104 4.2).
    pub fn remove_all_for(&mut self, id: UpcallId) {
        while self.take_first_for(id).is_some() {}
    }

    /// Drops everything (process end).
    pub fn clear(&mut self) {
        self.queue.clear();
    }

    /// Number of waiting upcalls.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// True when nothing waits.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn up(driver: u32, subscribe: u32, tag: u64) -> PendingUpcall {
        PendingUpcall {
            id: UpcallId { driver, subscribe },
            upcall: SavedUpcall {
                fn_ptr: 0x8000_1000,
                appdata: 0,
            },
            args: [tag, 0, 0],
        }
    }

    #[test]
    fn fifo_bounded_and_refuses_when_full() {
        let mut q = UpcallQueue::new();
        for i in 0..UPCALL_QUEUE_LEN as u64 {
            q.push(up(1, 0, i)).unwrap();
        }
        assert_eq!(q.push(up(1, 0, 99)), Err(UpcallError::QueueFull));
        assert_eq!(q.len(), UPCALL_QUEUE_LEN);
        for i in 0..UPCALL_QUEUE_LEN as u64 {
            assert_eq!(q.pop().unwrap().args[0], i);
        }
        assert!(q.pop().is_none());
    }

    #[test]
    fn take_for_keeps_order_of_the_rest() {
        let mut q = UpcallQueue::new();
        q.push(up(1, 0, 1)).unwrap();
        q.push(up(2, 0, 2)).unwrap();
        q.push(up(1, 0, 3)).unwrap();
        q.push(up(2, 0, 4)).unwrap();
        let got = q
            .take_first_for(UpcallId {
                driver: 2,
                subscribe: 0,
            })
            .unwrap();
        assert_eq!(got.args[0], 2);
        assert_eq!(
            q.take_first_for(UpcallId {
                driver: 3,
                subscribe: 0
            }),
            None
        );
        q.remove_all_for(UpcallId {
            driver: 1,
            subscribe: 0,
        });
        assert_eq!(q.len(), 1);
        assert_eq!(q.pop().unwrap().args[0], 4);
    }
}
