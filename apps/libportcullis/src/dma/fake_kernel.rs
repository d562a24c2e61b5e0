// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Host tests only: a scripted kernel that runs DMA upcalls the way
//! Portcullis does (subscriptions, a 16-entry queue that drops when full,
//! one upcall per yield-wait, an alarm, a clock).

extern crate std;
use std::boxed::Box;
use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;
use std::vec::Vec;

use super::events::DmaEvents;
use crate::abi::{ErrorCode, class};
use crate::raw::fake;

/// IOMMU DMA driver number, as the fake sees it.
pub(crate) const IOMMU: u64 = crate::drivers::IOMMU_DMA as u64;
/// DMA engine driver number, as the fake sees it.
pub(crate) const ENGINE: u64 = crate::drivers::DMA_ENGINE as u64;

/// A scripted fault upcall `(due_ms, driver, subscribe, args)`.
pub(crate) fn fault(at: u64, address: u64, code: u64) -> Scripted {
    (at, IOMMU, 0, [0, address, code])
}

/// The upcall signature.
type UpcallFn = extern "C" fn(u64, u64, u64, u64);
/// A test's command answers: `(driver, command, arg0, arg1)` to the
/// registers, or `None` for the fake's default.
type Commands = Box<dyn FnMut(u64, u64, u64, u64) -> Option<[u64; 4]>>;
/// A scripted upcall: `(due_ms, driver, subscribe, args)`.
pub(crate) type Scripted = (u64, u64, u64, [u64; 3]);

/// A fresh collector that lives for the rest of the test run.
pub(crate) fn leaked() -> &'static DmaEvents {
    Box::leak(Box::new(DmaEvents::new()))
}

/// A fake kernel with subscriptions, a clock that advances 1 ms per
/// call, an alarm, and a script of upcalls: `(due_ms, driver,
/// subscribe, args)` queued once the clock reaches `due_ms`, and run
/// one per yield-wait, as the kernel does. Command answers come from
/// `commands` (default Success).
pub(crate) struct Kernel {
    pub(crate) now_ms: u64,
    subscriptions: BTreeMap<(u64, u64), (u64, u64)>,
    script: VecDeque<Scripted>,
    queue: VecDeque<(u64, u64, [u64; 3])>,
    alarm_at: Option<u64>,
    commands: Commands,
    pub(crate) waits: u32,
}

/// Ticks per ms of the fake alarm (1 kHz).
pub(crate) const HZ: u64 = 1000;

pub(crate) fn install(
    script: Vec<Scripted>,
    commands: impl FnMut(u64, u64, u64, u64) -> Option<[u64; 4]> + 'static,
) -> Rc<RefCell<Kernel>> {
    let kernel = Rc::new(RefCell::new(Kernel {
        now_ms: 0,
        subscriptions: BTreeMap::new(),
        script: script.into(),
        queue: VecDeque::new(),
        alarm_at: None,
        commands: Box::new(commands),
        waits: 0,
    }));
    let k = kernel.clone();
    fake::install(move |class_, a| {
        let mut k = k.borrow_mut();
        k.now_ms += 1;
        k.release_due();
        match class_ {
            class::SUBSCRIBE => {
                let old = k
                    .subscriptions
                    .insert((a[0], a[1]), (a[2], a[3]))
                    .unwrap_or((0, 0));
                k.queue.retain(|&(d, s, _)| (d, s) != (a[0], a[1]));
                [130, old.0, old.1, 0]
            }
            class::COMMAND => {
                if let Some(answer) = (k.commands)(a[0], a[1], a[2], a[3]) {
                    return answer;
                }
                match (a[0], a[1]) {
                    (0, 1) => [129, HZ, 0, 0],
                    (0, 2) => [131, k.now_ms, 0, 0],
                    (0, 3) => match k.alarm_at.take() {
                        Some(_) => [128, 0, 0, 0],
                        None => [0, ErrorCode::Already as u64, 0, 0],
                    },
                    (0, 5) => {
                        let at = k.now_ms + a[2];
                        k.alarm_at = Some(at);
                        [131, at, 0, 0]
                    }
                    _ => [128, 0, 0, 0],
                }
            }
            class::YIELD => {
                assert_eq!(a[0], 1, "only yield-wait is used");
                k.waits += 1;
                // Block: advance the clock to the next event if none
                // is queued.
                while k.queue.is_empty() {
                    let next_script = k.script.front().map(|s| s.0);
                    let next = match (next_script, k.alarm_at) {
                        (Some(s), Some(al)) => s.min(al),
                        (Some(s), None) => s,
                        (None, Some(al)) => al,
                        (None, None) => panic!("yield-wait would block forever"),
                    };
                    k.now_ms = k.now_ms.max(next);
                    k.release_due();
                }
                let (driver, number, args) = k.queue.pop_front().unwrap();
                let (f, data) = k.subscriptions[&(driver, number)];
                drop(k);
                // SAFETY: the library subscribed one of its upcall
                // functions at `f`.
                let f: UpcallFn = unsafe { core::mem::transmute(f as usize) };
                f(args[0], args[1], args[2], data);
                [0, 0, 0, 0]
            }
            _ => [0, ErrorCode::NoSupport as u64, 0, 0],
        }
    });
    kernel
}

impl Kernel {
    /// Queues every scripted upcall (and the alarm) that is due and
    /// whose subscription is a function; others are dropped.
    fn release_due(&mut self) {
        while self.script.front().is_some_and(|s| s.0 <= self.now_ms) {
            let (_, driver, number, args) = self.script.pop_front().unwrap();
            self.push(driver, number, args);
        }
        if let Some(at) = self.alarm_at.filter(|&at| at <= self.now_ms) {
            self.alarm_at = None;
            self.push(0, 0, [self.now_ms, at, 0]);
        }
    }

    fn push(&mut self, driver: u64, number: u64, args: [u64; 3]) {
        let subscribed = self
            .subscriptions
            .get(&(driver, number))
            .is_some_and(|s| s.0 != 0);
        if subscribed && self.queue.len() < 16 {
            self.queue.push_back((driver, number, args));
        }
    }
}
