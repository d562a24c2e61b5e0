// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Probing the IOMMU with the DMA engine: run one transfer, collect what
//! it caused, and judge it, either as a transfer the IOMMU must stop
//! ([`Attempt::judge_blocked`]) or as one that must go through
//! ([`Attempt::judge_clean`]).
//!
//! A blocked transfer is proven blocked by two things together: the fault
//! upcall at the right device address, direction, kind and master, and the
//! target memory unchanged (checked by the caller, who owns it). The
//! engine's own verdict proves nothing: QEMU's `edu` cannot see an IOMMU
//! abort and reports success. A done upcall that never comes is accepted
//! only if the engine is idle (`cancel` answers `ALREADY`): the done upcall
//! was then dropped from a queue full of fault upcalls, which the kernel
//! logs.

use core::fmt;

use super::cancel;
use super::events::{CopyEnd, DmaEvents, ExpectedFault, FaultMismatch, FaultSummary};
use crate::abi::ErrorCode;
use crate::check::Checks;

/// How long a copy may take before its done upcall counts as lost. QEMU's
/// `edu` takes about 200 ms per copy (two 100 ms halves).
pub const COPY_TIMEOUT_MS: u32 = 2000;
/// How long to go on collecting fault upcalls after a copy ended.
pub const SETTLE_MS: u32 = 150;

/// How the transfer ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The done upcall came: bytes copied and status.
    Done {
        /// Bytes the engine reported.
        bytes: u64,
        /// 0 or the TRD104 error number.
        status: u64,
    },
    /// No done upcall within the timeout, but the engine is idle: the
    /// upcall was dropped.
    DoneLost,
    /// No done upcall and the transfer was still in flight (it has now
    /// been cancelled).
    Hung,
}

/// One transfer and what it caused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// How it ended.
    pub ending: Ending,
    /// Fault upcalls received from its start until the settling time after
    /// its end.
    pub faults: FaultSummary,
}

/// Runs a copy of `len` bytes from `source` to `destination`: starts it,
/// waits up to `timeout_ms` for the done upcall, then goes on handling
/// upcalls for `settle_ms` (fault records may be reported after the done
/// upcall). The engine's refusal to start is the error.
pub fn attempt(
    events: &'static DmaEvents,
    source: u64,
    destination: u64,
    len: u64,
    timeout_ms: u32,
    settle_ms: u32,
) -> Result<Attempt, ErrorCode> {
    events.take_faults();
    events.start_copy(source, destination, len)?;
    let ending = match events.finish_copy(timeout_ms)? {
        CopyEnd::Done(done) => Ending::Done {
            bytes: done.bytes,
            status: done.status,
        },
        CopyEnd::TimedOut => match cancel() {
            Err(ErrorCode::Already) => Ending::DoneLost,
            _ => Ending::Hung,
        },
    };
    events.sleep_ms(settle_ms)?;
    Ok(Attempt {
        ending,
        faults: events.take_faults(),
    })
}

/// Why a transfer that the IOMMU must stop was not shown to be stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Breach {
    /// The target changed: byte `offset` now holds `found`.
    MemoryChanged {
        /// Offset of the first changed byte in the target.
        offset: usize,
        /// What it holds now.
        found: u8,
    },
    /// The fault upcalls are missing or wrong.
    Fault(FaultMismatch),
    /// The engine never finished.
    Hung,
    /// The engine reported an unexpected status.
    Status(u64),
}

impl fmt::Display for Breach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MemoryChanged { offset, found } => {
                write!(f, "memory changed: byte {offset} is now {found:#04x}")
            }
            Self::Fault(mismatch) => write!(f, "{mismatch}"),
            Self::Hung => write!(f, "the transfer never finished"),
            Self::Status(status) => write!(f, "the engine reported status {status}"),
        }
    }
}

/// Why a transfer that must go through did not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// It ended without a done upcall, or with an error status, or a short
    /// count.
    Ending(Ending),
    /// It caused fault upcalls (the first is shown).
    Faulted(FaultSummary),
    /// The destination does not hold the source's bytes: first wrong byte.
    Wrong {
        /// Offset of the first wrong byte.
        offset: usize,
        /// What it holds.
        found: u8,
    },
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ending(ending) => write!(f, "ended {ending:?}"),
            Self::Faulted(faults) => write!(
                f,
                "{} fault upcalls, first {:?}",
                faults.count, faults.first
            ),
            Self::Wrong { offset, found } => {
                write!(f, "byte {offset} holds {found:#04x}, not the source's")
            }
        }
    }
}

/// Status of a faulting transfer's done upcall that is acceptable: 0 (an
/// engine that cannot see IOMMU aborts, like QEMU's `edu`) or `FAIL` (one
/// that can).
fn acceptable_fault_status(status: u64) -> bool {
    status == 0 || status == ErrorCode::Fail as u64
}

impl Attempt {
    /// Judges a transfer the IOMMU must stop. `change` is the first byte of
    /// the target that differs from what it held before (the caller checks
    /// its own memory).
    pub fn judge_blocked(
        &self,
        expected: &ExpectedFault,
        change: Option<(usize, u8)>,
    ) -> Result<(), Breach> {
        if let Some((offset, found)) = change {
            return Err(Breach::MemoryChanged { offset, found });
        }
        self.faults.matches(expected).map_err(Breach::Fault)?;
        match self.ending {
            Ending::Hung => Err(Breach::Hung),
            Ending::Done { status, .. } if !acceptable_fault_status(status) => {
                Err(Breach::Status(status))
            }
            Ending::Done { .. } | Ending::DoneLost => Ok(()),
        }
    }

    /// Judges a transfer of `len` bytes that must go through. `wrong` is
    /// the first destination byte that does not hold the source's value.
    pub fn judge_clean(&self, len: u64, wrong: Option<(usize, u8)>) -> Result<(), Failure> {
        if self.ending
            != (Ending::Done {
                bytes: len,
                status: 0,
            })
        {
            return Err(Failure::Ending(self.ending));
        }
        if self.faults.count != 0 {
            return Err(Failure::Faulted(self.faults));
        }
        match wrong {
            Some((offset, found)) => Err(Failure::Wrong { offset, found }),
            None => Ok(()),
        }
    }
}

/// A transfer: source and destination device addresses and length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transfer {
    /// Source device address.
    pub source: u64,
    /// Destination device address.
    pub destination: u64,
    /// Bytes.
    pub len: u64,
}

impl Transfer {
    /// Runs the copy with the usual timeout and settling time.
    fn run(&self, events: &'static DmaEvents) -> Result<Attempt, ErrorCode> {
        attempt(
            events,
            self.source,
            self.destination,
            self.len,
            COPY_TIMEOUT_MS,
            SETTLE_MS,
        )
    }
}

/// Runs `copy`, which the IOMMU must stop, and reports it as check
/// `name`: the fault upcalls must match `expected`, and `changed()` (the
/// first byte of the caller's memory that shows the transfer got through)
/// must find nothing.
pub fn check_blocked(
    checks: &Checks,
    name: &str,
    events: &'static DmaEvents,
    copy: Transfer,
    expected: &ExpectedFault,
    changed: impl Fn() -> Option<(usize, u8)>,
) -> bool {
    match copy.run(events) {
        Ok(attempt) => {
            let verdict = attempt.judge_blocked(expected, changed());
            if verdict.is_ok() && attempt.ending == Ending::DoneLost {
                checks.note(format_args!(
                    "{name}: the done upcall was dropped (upcall queue full)"
                ));
            }
            checks.check(name, verdict)
        }
        Err(code) => {
            checks.fail(name, format_args!("the engine refused the copy: {code}"));
            false
        }
    }
}

/// Runs `copy`, which must go through, and reports it as check `name`:
/// `wrong()` is the first destination byte that does not hold the source's
/// value.
pub fn check_clean(
    checks: &Checks,
    name: &str,
    events: &'static DmaEvents,
    copy: Transfer,
    wrong: impl Fn() -> Option<(usize, u8)>,
) -> bool {
    match copy.run(events) {
        Ok(attempt) => checks.check(name, attempt.judge_clean(copy.len, wrong())),
        Err(code) => {
            checks.fail(name, format_args!("the engine refused the copy: {code}"));
            false
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use crate::dma::Fault;
    use crate::dma::fake_kernel::{ENGINE, fault, install, leaked};

    const EXPECTED: ExpectedFault = ExpectedFault {
        master: 0,
        address: 0x9000_2000,
        len: 4095,
        kind: 1,
        write: true,
    };

    fn summary(first: Option<Fault>, count: u32) -> FaultSummary {
        let address = first.map_or(0, |f| f.device_address);
        FaultSummary {
            count,
            first,
            lowest: address,
            highest: address,
            uniform: true,
        }
    }

    const RIGHT: Fault = Fault {
        master: 0,
        device_address: 0x9000_2000,
        kind: 1,
        write: true,
    };

    fn attempt(ending: Ending, faults: FaultSummary) -> Attempt {
        Attempt { ending, faults }
    }

    #[test]
    fn a_blocked_transfer_needs_the_fault_and_unchanged_memory() {
        let done = Ending::Done {
            bytes: 4095,
            status: 0,
        };
        let good = attempt(done, summary(Some(RIGHT), 7));
        assert_eq!(good.judge_blocked(&EXPECTED, None), Ok(()));
        assert_eq!(
            attempt(Ending::DoneLost, summary(Some(RIGHT), 16)).judge_blocked(&EXPECTED, None),
            Ok(())
        );
        assert_eq!(
            good.judge_blocked(&EXPECTED, Some((3, 0xaa))),
            Err(Breach::MemoryChanged {
                offset: 3,
                found: 0xaa
            })
        );
        assert_eq!(
            attempt(done, summary(None, 0)).judge_blocked(&EXPECTED, None),
            Err(Breach::Fault(FaultMismatch::None))
        );
        let read = Fault {
            write: false,
            ..RIGHT
        };
        assert_eq!(
            attempt(done, summary(Some(read), 1)).judge_blocked(&EXPECTED, None),
            Err(Breach::Fault(FaultMismatch::First(read)))
        );
        assert_eq!(
            attempt(Ending::Hung, summary(Some(RIGHT), 1)).judge_blocked(&EXPECTED, None),
            Err(Breach::Hung)
        );
        let cancelled = Ending::Done {
            bytes: 0,
            status: ErrorCode::Cancel as u64,
        };
        assert_eq!(
            attempt(cancelled, summary(Some(RIGHT), 1)).judge_blocked(&EXPECTED, None),
            Err(Breach::Status(8))
        );
        let failed = Ending::Done {
            bytes: 0,
            status: ErrorCode::Fail as u64,
        };
        assert_eq!(
            attempt(failed, summary(Some(RIGHT), 1)).judge_blocked(&EXPECTED, None),
            Ok(())
        );
    }

    #[test]
    fn a_clean_transfer_needs_done_no_faults_and_the_bytes() {
        let done = Ending::Done {
            bytes: 4095,
            status: 0,
        };
        assert_eq!(
            attempt(done, summary(None, 0)).judge_clean(4095, None),
            Ok(())
        );
        assert_eq!(
            attempt(done, summary(None, 0)).judge_clean(4096, None),
            Err(Failure::Ending(done))
        );
        assert_eq!(
            attempt(Ending::DoneLost, summary(None, 0)).judge_clean(4095, None),
            Err(Failure::Ending(Ending::DoneLost))
        );
        assert!(matches!(
            attempt(done, summary(Some(RIGHT), 1)).judge_clean(4095, None),
            Err(Failure::Faulted(_))
        ));
        assert_eq!(
            attempt(done, summary(None, 0)).judge_clean(4095, Some((9, 0))),
            Err(Failure::Wrong {
                offset: 9,
                found: 0
            })
        );
    }

    #[test]
    fn attempts_collect_late_faults_and_tell_a_lost_done_from_a_hang() {
        let events = leaked();
        // Faults reported after the done upcall still count.
        let _k = install(
            std::vec![
                (200, ENGINE, 0, [4095, 0, 0]),
                fault(230, 0x9000_2000, 0x101)
            ],
            |_, _, _, _| None,
        );
        events.watch().unwrap();
        let a = super::attempt(events, 0x9000_1000, 0x9000_2000, 4095, 1000, 100).unwrap();
        assert_eq!(a.faults.count, 1);
        assert_eq!(a.judge_blocked(&EXPECTED, None), Ok(()));

        // No done upcall: cancel says ALREADY (the engine finished) or
        // succeeds (it was still running).
        for (answer, ending) in [
            ([0, ErrorCode::Already as u64, 0, 0], Ending::DoneLost),
            ([128, 0, 0, 0], Ending::Hung),
        ] {
            let _k = install(std::vec![], move |driver, number, _, _| {
                (driver == ENGINE && number == 3).then_some(answer)
            });
            let a = super::attempt(events, 1, 2, 3, 300, 10).unwrap();
            assert_eq!(a.ending, ending);
        }
    }
}
