// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! [`DmaEvents`]: collects the IOMMU DMA fault and domain-disabled upcalls
//! and the DMA engine's done upcall, and waits for them with a timeout.
//!
//! Why not yield-wait-for, as the console and the alarm do? Every upcall of
//! a process shares one bounded queue (16 entries, `kernel/src/upcall.rs`),
//! and a process blocked in yield-wait-for on one upcall leaves the others
//! queued. If they fill the queue (a burst of faults: the IOMMU DMA driver
//! coalesces a burst into one upcall now, but nothing bounds how many
//! upcalls other events add), the upcall it waits for is dropped and it
//! would block for good. Here every upcall has a real
//! function that records it, and waiting is a yield-wait loop: each upcall
//! runs (and leaves the queue) as soon as the process is scheduled, and an
//! alarm bounds the wait, so a dropped completion costs a timeout, not the
//! run. The functions get this collector's address as their application
//! data, so it must be `'static`.
//!
//! The state is atomics used with plain loads and stores only: upcalls run
//! on the process's one thread, inside its yield calls, so nothing is ever
//! concurrent; atomics just make the shared `static` sound without
//! `unsafe`.

use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering::Relaxed};

use super::{DMA_ENGINE_DONE, FAULT, Fault, IOMMU_DISABLED, attach, set_source, start};
use crate::abi::ErrorCode;
use crate::alarm;
use crate::drivers::{ALARM, DMA_ENGINE, IOMMU_DMA};
use crate::syscall::{subscribe, yield_wait};

/// Alarm subscribe number of the expiry upcall (`doc/syscalls/alarm.md`).
const ALARM_EXPIRED: u32 = 0;

/// Every fault upcall since the last [`DmaEvents::take_faults`], in short:
/// how many, the first one in full, and whether the others agree with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaultSummary {
    /// Fault upcalls received. The driver coalesces the faults of a burst
    /// into one upcall (info field 7 counts every fault), and drops and
    /// logs upcalls that find the queue full.
    pub count: u32,
    /// The first one.
    pub first: Option<Fault>,
    /// Lowest and highest device address of all of them.
    pub lowest: u64,
    /// See `lowest`.
    pub highest: u64,
    /// Every one had the first one's master, kind and direction.
    pub uniform: bool,
}

/// What a fault check expects: the master, the first faulting address, the
/// range every faulting address must fall in, the kind and direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExpectedFault {
    /// Policy index of the master.
    pub master: u32,
    /// Device address of the first faulting byte.
    pub address: u64,
    /// Bytes from `address` that faulting accesses may touch.
    pub len: u64,
    /// Fault kind (1 translation, 3 permission, ...).
    pub kind: u32,
    /// A write (else a read).
    pub write: bool,
}

/// How a fault summary misses an [`ExpectedFault`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultMismatch {
    /// No fault upcall came.
    None,
    /// The first fault is not the expected one.
    First(Fault),
    /// A later fault is outside the range, or disagrees with the first.
    Stray {
        /// Lowest device address seen.
        lowest: u64,
        /// Highest device address seen.
        highest: u64,
        /// Whether all agreed with the first on master, kind and direction.
        uniform: bool,
    },
}

impl FaultSummary {
    /// Checks the summary against `expected`.
    pub fn matches(&self, expected: &ExpectedFault) -> Result<(), FaultMismatch> {
        let first = self.first.ok_or(FaultMismatch::None)?;
        let wanted = Fault {
            master: expected.master,
            device_address: expected.address,
            kind: expected.kind,
            write: expected.write,
        };
        if first != wanted {
            return Err(FaultMismatch::First(first));
        }
        let end = expected.address.saturating_add(expected.len);
        if !self.uniform || self.lowest < expected.address || self.highest >= end {
            return Err(FaultMismatch::Stray {
                lowest: self.lowest,
                highest: self.highest,
                uniform: self.uniform,
            });
        }
        Ok(())
    }
}

impl core::fmt::Display for FaultMismatch {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::None => write!(f, "no fault upcall"),
            Self::First(fault) => write!(
                f,
                "first fault: master {}, address {:#x}, kind {}, {}",
                fault.master,
                fault.device_address,
                fault.kind,
                if fault.write { "write" } else { "read" }
            ),
            Self::Stray {
                lowest,
                highest,
                uniform,
            } => write!(
                f,
                "faults at {lowest:#x}..={highest:#x}, all of one kind and master: {uniform}"
            ),
        }
    }
}

/// How a transfer ended, as the engine's done upcall said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Done {
    /// Bytes copied.
    pub bytes: u64,
    /// 0, or the TRD104 error number (`CANCEL`, `FAIL`).
    pub status: u64,
}

/// What waiting for a transfer found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyEnd {
    /// The done upcall came.
    Done(Done),
    /// It did not come within the timeout.
    TimedOut,
}

/// The collector; keep one in a `static`.
#[derive(Debug, Default)]
pub struct DmaEvents {
    faults: AtomicU32,
    first_master: AtomicU32,
    first_address: AtomicU64,
    first_code: AtomicU64,
    lowest: AtomicU64,
    highest: AtomicU64,
    /// A fault disagreed with the first (inverted so a new collector is
    /// all zeros and lives in `.bss`).
    mixed: AtomicBool,
    disabled: AtomicBool,
    disabled_reason: AtomicU64,
    done: AtomicBool,
    done_bytes: AtomicU64,
    done_status: AtomicU64,
    alarm_expiration: AtomicU64,
    alarm_fired: AtomicBool,
}

impl DmaEvents {
    /// Nothing seen yet.
    pub const fn new() -> Self {
        Self {
            faults: AtomicU32::new(0),
            first_master: AtomicU32::new(0),
            first_address: AtomicU64::new(0),
            first_code: AtomicU64::new(0),
            lowest: AtomicU64::new(0),
            highest: AtomicU64::new(0),
            mixed: AtomicBool::new(false),
            disabled: AtomicBool::new(false),
            disabled_reason: AtomicU64::new(0),
            done: AtomicBool::new(false),
            done_bytes: AtomicU64::new(0),
            done_status: AtomicU64::new(0),
            alarm_expiration: AtomicU64::new(0),
            alarm_fired: AtomicBool::new(false),
        }
    }

    fn data(&'static self) -> u64 {
        self as *const Self as u64
    }

    /// Subscribes the fault and domain-disabled upcalls of the IOMMU DMA
    /// driver to this collector. (The engine's done upcall is subscribed
    /// by each [`start_copy`](Self::start_copy), the alarm's by each wait.)
    pub fn watch(&'static self) -> Result<(), ErrorCode> {
        subscribe(IOMMU_DMA, FAULT, Some(on_fault), self.data())?;
        subscribe(IOMMU_DMA, IOMMU_DISABLED, Some(on_disabled), self.data())?;
        Ok(())
    }

    fn record_fault(&self, fault: Fault) {
        let seen = self.faults.load(Relaxed);
        if seen == 0 {
            self.first_master.store(fault.master, Relaxed);
            self.first_address.store(fault.device_address, Relaxed);
            self.first_code.store(code_of(&fault), Relaxed);
            self.lowest.store(fault.device_address, Relaxed);
            self.highest.store(fault.device_address, Relaxed);
            self.mixed.store(false, Relaxed);
        } else {
            let agrees = self.first_master.load(Relaxed) == fault.master
                && self.first_code.load(Relaxed) == code_of(&fault);
            if !agrees {
                self.mixed.store(true, Relaxed);
            }
            if fault.device_address < self.lowest.load(Relaxed) {
                self.lowest.store(fault.device_address, Relaxed);
            }
            if fault.device_address > self.highest.load(Relaxed) {
                self.highest.store(fault.device_address, Relaxed);
            }
        }
        self.faults.store(seen.saturating_add(1), Relaxed);
    }

    /// The fault upcalls seen so far.
    pub fn faults(&self) -> FaultSummary {
        let count = self.faults.load(Relaxed);
        let first = (count > 0).then(|| {
            let code = self.first_code.load(Relaxed);
            Fault {
                master: self.first_master.load(Relaxed),
                device_address: self.first_address.load(Relaxed),
                kind: (code >> 8) as u32,
                write: code & 1 != 0,
            }
        });
        FaultSummary {
            count,
            first,
            lowest: self.lowest.load(Relaxed),
            highest: self.highest.load(Relaxed),
            uniform: !self.mixed.load(Relaxed),
        }
    }

    /// The fault upcalls seen so far; starts counting afresh.
    pub fn take_faults(&self) -> FaultSummary {
        let summary = self.faults();
        self.faults.store(0, Relaxed);
        summary
    }

    /// The reason of the domain-disabled upcall, if one came (1 fault
    /// storm, 2 TLB maintenance timeout).
    pub fn disabled(&self) -> Option<u64> {
        self.disabled
            .load(Relaxed)
            .then(|| self.disabled_reason.load(Relaxed))
    }

    /// The done upcall of the transfer started last, if it came.
    pub fn done(&self) -> Option<Done> {
        self.done.load(Relaxed).then(|| Done {
            bytes: self.done_bytes.load(Relaxed),
            status: self.done_status.load(Relaxed),
        })
    }

    /// Handles upcalls (yield-wait) until `ready` holds or `timeout_ms`
    /// have passed; `Ok(true)` if `ready` held. `ready` is checked before
    /// the first wait, so an event that already came is not waited for.
    pub fn wait_until(
        &'static self,
        timeout_ms: u32,
        ready: impl Fn(&Self) -> bool,
    ) -> Result<bool, ErrorCode> {
        if ready(self) {
            return Ok(true);
        }
        let hz = alarm::frequency()?;
        // Subscribing drops any stale expiry still queued (TRD104 4.2).
        subscribe(ALARM, ALARM_EXPIRED, Some(on_alarm), self.data())?;
        self.alarm_fired.store(false, Relaxed);
        let deadline = alarm::set_relative(alarm::ms_to_ticks(timeout_ms, hz))?;
        self.alarm_expiration.store(deadline, Relaxed);
        loop {
            if ready(self) {
                // The alarm may have fired meanwhile (ALREADY): either way
                // it is no longer armed.
                let _ = alarm::stop();
                return Ok(true);
            }
            // The clock, not only the upcall, ends the wait: an expiry
            // upcall may be dropped if the queue is full.
            if self.alarm_fired.load(Relaxed) || alarm::now()? >= deadline {
                let _ = alarm::stop();
                return Ok(false);
            }
            yield_wait();
        }
    }

    /// Sleeps for `ms`, handling every upcall that comes meanwhile.
    pub fn sleep_ms(&'static self, ms: u32) -> Result<(), ErrorCode> {
        self.wait_until(ms, |_| false).map(|_| ())
    }

    /// Starts a copy of `len` bytes from device address `source` to
    /// `destination` (engine commands 1 and 2) and forgets any earlier done
    /// upcall. The engine's refusal is returned as is.
    pub fn start_copy(
        &'static self,
        source: u64,
        destination: u64,
        len: u64,
    ) -> Result<(), ErrorCode> {
        subscribe(DMA_ENGINE, DMA_ENGINE_DONE, Some(on_done), self.data())?;
        self.done.store(false, Relaxed);
        set_source(source)?;
        start(destination, len)
    }

    /// Waits up to `timeout_ms` for the done upcall of the copy started
    /// last.
    pub fn finish_copy(&'static self, timeout_ms: u32) -> Result<CopyEnd, ErrorCode> {
        Ok(match self.wait_until(timeout_ms, |e| e.done().is_some())? {
            true => self.done().map_or(CopyEnd::TimedOut, CopyEnd::Done),
            false => CopyEnd::TimedOut,
        })
    }

    /// [`start_copy`](Self::start_copy), then
    /// [`finish_copy`](Self::finish_copy).
    pub fn copy(
        &'static self,
        source: u64,
        destination: u64,
        len: u64,
        timeout_ms: u32,
    ) -> Result<CopyEnd, ErrorCode> {
        self.start_copy(source, destination, len)?;
        self.finish_copy(timeout_ms)
    }

    /// Attaches `master`, retrying while another app holds it (`BUSY`):
    /// up to `tries` attempts `pause_ms` apart, handling upcalls meanwhile.
    /// Returns the attempts it took; any other refusal, or `BUSY` on the
    /// last attempt, is the error.
    pub fn attach_with_retry(
        &'static self,
        master: u32,
        tries: u32,
        pause_ms: u32,
    ) -> Result<u32, ErrorCode> {
        let mut attempt = 1;
        loop {
            match attach(master) {
                Err(ErrorCode::Busy) if attempt < tries => self.sleep_ms(pause_ms)?,
                other => return other.map(|()| attempt),
            }
            attempt += 1;
        }
    }
}

/// `kind << 8 | access`, as the fault upcall carries it.
fn code_of(fault: &Fault) -> u64 {
    u64::from(fault.kind) << 8 | u64::from(fault.write)
}

/// The collector an upcall's application data names.
///
/// # Safety
///
/// `data` must be the address of a `'static` [`DmaEvents`]: it is the
/// application data the collector itself subscribed with.
unsafe fn collector(data: u64) -> &'static DmaEvents {
    // SAFETY: per the contract, `data` came from `DmaEvents::data` of a
    // `'static` collector, and only shared references to it exist.
    unsafe { &*(data as *const DmaEvents) }
}

extern "C" fn on_fault(master: u64, address: u64, code: u64, data: u64) {
    // SAFETY: subscribed only by `DmaEvents::watch` with its own address.
    let events = unsafe { collector(data) };
    events.record_fault(Fault::from_values([master, address, code]));
}

extern "C" fn on_disabled(reason: u64, _: u64, _: u64, data: u64) {
    // SAFETY: subscribed only by `DmaEvents::watch` with its own address.
    let events = unsafe { collector(data) };
    events.disabled_reason.store(reason, Relaxed);
    events.disabled.store(true, Relaxed);
}

extern "C" fn on_done(bytes: u64, status: u64, _: u64, data: u64) {
    // SAFETY: subscribed only by `DmaEvents::start_copy` with its own
    // address.
    let events = unsafe { collector(data) };
    events.done_bytes.store(bytes, Relaxed);
    events.done_status.store(status, Relaxed);
    events.done.store(true, Relaxed);
}

extern "C" fn on_alarm(_now: u64, expiration: u64, _: u64, data: u64) {
    // SAFETY: subscribed only by `DmaEvents::wait_until` with its own
    // address.
    let events = unsafe { collector(data) };
    // An expiry of an earlier wait is not this wait's.
    if expiration == events.alarm_expiration.load(Relaxed) {
        events.alarm_fired.store(true, Relaxed);
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::cell::RefCell;
    use std::rc::Rc;
    use std::vec::Vec;

    use super::*;
    use crate::abi::class;
    use crate::dma::fake_kernel::{ENGINE, IOMMU, fault, install, leaked};
    use crate::raw::fake;

    #[test]
    fn a_copy_collects_its_faults_and_its_done_upcall() {
        let events = leaked();
        let mut script = std::vec![];
        for i in 0..5 {
            script.push(fault(150, 0x9000_2000 + i * 8, 0x101));
        }
        script.push((200, ENGINE, 0, [4095, 0, 0]));
        let _k = install(script, |_, _, _, _| None);
        events.watch().unwrap();
        let end = events.copy(0x9000_1000, 0x9000_2000, 4095, 1000).unwrap();
        assert_eq!(
            end,
            CopyEnd::Done(Done {
                bytes: 4095,
                status: 0
            })
        );
        let faults = events.take_faults();
        assert_eq!(faults.count, 5);
        let expected = ExpectedFault {
            master: 0,
            address: 0x9000_2000,
            len: 4095,
            kind: 1,
            write: true,
        };
        assert_eq!(faults.matches(&expected), Ok(()));
        assert_eq!(faults.highest, 0x9000_2020);
        assert_eq!(events.take_faults().count, 0, "taking resets");
        let log = fake::log();
        assert!(log.contains(&(class::COMMAND, [ENGINE, 1, 0x9000_1000, 0])));
        assert!(log.contains(&(class::COMMAND, [ENGINE, 2, 0x9000_2000, 4095])));
    }

    #[test]
    fn a_burst_that_drops_the_done_upcall_times_out_instead_of_hanging() {
        let events = leaked();
        // 20 faults before the completion: the fake's 16-entry queue drops
        // the last faults and the done upcall.
        let mut script: Vec<_> = (0..20)
            .map(|i| fault(100, 0x9000_2000 + i, 0x101))
            .collect();
        script.push((100, ENGINE, 0, [4095, 0, 0]));
        let _k = install(script, |_, _, _, _| None);
        events.watch().unwrap();
        let end = events.copy(0x9000_1000, 0x9000_2000, 4095, 500).unwrap();
        assert_eq!(end, CopyEnd::TimedOut);
        assert_eq!(events.faults().count, 16);
    }

    #[test]
    fn a_refused_copy_is_an_error_and_waits_for_nothing() {
        let events = leaked();
        let _k = install(std::vec![], |driver, number, _, _| {
            (driver == ENGINE && number == 2).then_some([0, ErrorCode::Size as u64, 0, 0])
        });
        assert_eq!(events.start_copy(1, 2, 0), Err(ErrorCode::Size));
        assert!(fake::log().iter().all(|(c, _)| *c != class::YIELD));
    }

    #[test]
    fn sleeping_handles_upcalls_and_ends_on_time() {
        let events = leaked();
        let k = install(std::vec![fault(30, 0x10, 0x100)], |_, _, _, _| None);
        events.watch().unwrap();
        events.sleep_ms(100).unwrap();
        assert_eq!(events.faults().count, 1);
        let now = k.borrow().now_ms;
        assert!((100..110).contains(&now), "woke at {now} ms");
        assert_eq!(k.borrow().waits, 2, "one fault, one expiry");
    }

    #[test]
    fn a_stale_alarm_expiry_does_not_end_a_new_wait() {
        let events = leaked();
        let _k = install(std::vec![], |_, _, _, _| None);
        events.sleep_ms(10).unwrap();
        assert!(events.alarm_fired.load(Relaxed));
        let deadline = events.alarm_expiration.load(Relaxed);
        // As at the start of the next wait: an expiry upcall for another
        // deadline (e.g. one queued before a stop) is ignored.
        events.alarm_fired.store(false, Relaxed);
        on_alarm(0, deadline + 1, 0, events.data());
        assert!(!events.alarm_fired.load(Relaxed));
        on_alarm(0, deadline, 0, events.data());
        assert!(events.alarm_fired.load(Relaxed));
    }

    #[test]
    fn the_disabled_upcall_is_recorded() {
        let events = leaked();
        let _k = install(std::vec![(40, IOMMU, 1, [1, 0, 0])], |_, _, _, _| None);
        events.watch().unwrap();
        assert_eq!(events.disabled(), None);
        let seen = events.wait_until(1000, |e| e.disabled().is_some()).unwrap();
        assert!(seen);
        assert_eq!(events.disabled(), Some(1));
    }

    #[test]
    fn attach_retries_busy_a_bounded_number_of_times() {
        let events = leaked();
        let busy_left = Rc::new(RefCell::new(2));
        let left = busy_left.clone();
        let _k = install(std::vec![], move |driver, number, _, _| {
            (driver == IOMMU && number == 1).then(|| {
                let mut left = left.borrow_mut();
                if *left > 0 {
                    *left -= 1;
                    [0, ErrorCode::Busy as u64, 0, 0]
                } else {
                    [128, 0, 0, 0]
                }
            })
        });
        assert_eq!(events.attach_with_retry(0, 5, 300), Ok(3));
        *busy_left.borrow_mut() = 10;
        assert_eq!(events.attach_with_retry(0, 4, 300), Err(ErrorCode::Busy));
        assert_eq!(*busy_left.borrow(), 6, "exactly 4 attempts");
        let _k = install(std::vec![], |driver, number, _, _| {
            (driver == IOMMU && number == 1).then_some([0, ErrorCode::Reserve as u64, 0, 0])
        });
        assert_eq!(events.attach_with_retry(0, 5, 300), Err(ErrorCode::Reserve));
        assert_eq!(fake::log().len(), 1, "no retry on other errors");
    }

    #[test]
    fn summaries_catch_wrong_first_faults_and_strays() {
        let expected = ExpectedFault {
            master: 0,
            address: 0x9000_3000,
            len: 0x1000,
            kind: 3,
            write: true,
        };
        let events = leaked();
        assert_eq!(events.faults().matches(&expected), Err(FaultMismatch::None));
        events.record_fault(Fault {
            master: 0,
            device_address: 0x9000_3000,
            kind: 3,
            write: true,
        });
        assert_eq!(events.faults().matches(&expected), Ok(()));
        // One past the range.
        events.record_fault(Fault {
            master: 0,
            device_address: 0x9000_4000,
            kind: 3,
            write: true,
        });
        assert!(matches!(
            events.faults().matches(&expected),
            Err(FaultMismatch::Stray { uniform: true, .. })
        ));
        events.take_faults();
        // Wrong direction first.
        events.record_fault(Fault {
            master: 0,
            device_address: 0x9000_3000,
            kind: 3,
            write: false,
        });
        assert!(matches!(
            events.faults().matches(&expected),
            Err(FaultMismatch::First(_))
        ));
        events.take_faults();
        // A later fault of another kind breaks uniformity.
        for kind in [3, 1] {
            events.record_fault(Fault {
                master: 0,
                device_address: 0x9000_3008,
                kind,
                write: true,
            });
        }
        let s = events.faults();
        assert!(!s.uniform);
        assert!(matches!(s.matches(&expected), Err(FaultMismatch::First(_))));
        let text = std::format!("{}", FaultMismatch::First(s.first.unwrap()));
        assert_eq!(
            text,
            "first fault: master 0, address 0x90003008, kind 3, write"
        );
    }
}
