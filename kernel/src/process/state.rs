// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Process states, fault reasons and the fault policy.

use crate::upcall::UpcallId;

/// Where a process is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum State {
    /// The slot holds no process.
    Empty,
    /// Loaded, not yet started.
    Unstarted,
    /// Ready to run (or running).
    Runnable,
    /// Blocked in yield-wait until any upcall is queued.
    Yielded,
    /// Blocked in yield-wait-for until this upcall is scheduled.
    YieldedFor(UpcallId),
    /// Faulted and not restarted (policy said stop).
    Faulted,
    /// Exited with exit-terminate.
    Terminated,
    /// A lifecycle hook could not release the process's resources: its memory
    /// may still be reachable by a device, so it is never reused.
    Quarantined,
}

impl State {
    /// True while the process exists as a running program (its memory is
    /// live and buffers into it may be used).
    pub fn is_alive(self) -> bool {
        matches!(
            self,
            Self::Unstarted | Self::Runnable | Self::Yielded | Self::YieldedFor(_)
        )
    }
}

/// Why a process faulted. The architecture decodes its syndrome into one of
/// these (for AArch64: ESR_EL1.EC, Arm ARM DDI 0487 D17.2.37).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultReason {
    /// Data abort: load/store to an address the process may not access.
    DataAbort {
        /// Faulting virtual address (FAR_EL1).
        address: u64,
        /// True for a write.
        write: bool,
    },
    /// Instruction abort: fetch from a non-executable or unmapped address.
    InstructionAbort {
        /// Faulting virtual address.
        address: u64,
    },
    /// Undefined or trapped instruction (including FP/SIMD, which EL0 may not use).
    UndefinedInstruction,
    /// PC or SP alignment fault.
    Alignment,
    /// Anything else the architecture could not classify (raw syndrome).
    Other(u64),
    /// The kernel killed the process (e.g. by policy or console command).
    Killed,
}

/// Addresses and syndromes in hexadecimal: that is how they are read.
impl defmt::Format for FaultReason {
    fn format(&self, f: defmt::Formatter<'_>) {
        match *self {
            Self::DataAbort {
                address,
                write: true,
            } => {
                defmt::write!(f, "data abort: write to {=u64:#x}", address);
            }
            Self::DataAbort {
                address,
                write: false,
            } => {
                defmt::write!(f, "data abort: read of {=u64:#x}", address);
            }
            Self::InstructionAbort { address } => {
                defmt::write!(f, "instruction abort at {=u64:#x}", address);
            }
            Self::UndefinedInstruction => defmt::write!(f, "undefined instruction"),
            Self::Alignment => defmt::write!(f, "alignment fault"),
            Self::Other(syndrome) => defmt::write!(f, "exception, ESR {=u64:#010x}", syndrome),
            Self::Killed => defmt::write!(f, "killed"),
        }
    }
}

/// What to do when a process faults. Chosen per board (or per process).
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum FaultPolicy {
    /// Leave the process faulted.
    Stop,
    /// Restart it, at most `max_restarts` times over its life; then stop.
    Restart {
        /// Restarts allowed before the process is left stopped.
        max_restarts: u32,
    },
    /// Treat any process fault as fatal for the board (debugging aid).
    Panic,
}

/// The decision a [`FaultPolicy`] takes for one fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum FaultAction {
    /// Stop the process.
    Stop,
    /// Restart the process.
    Restart,
    /// Panic the board.
    Panic,
}

impl FaultPolicy {
    /// Decides what to do given how many times the process was restarted.
    pub fn decide(self, restarts_so_far: u32) -> FaultAction {
        match self {
            Self::Stop => FaultAction::Stop,
            Self::Panic => FaultAction::Panic,
            Self::Restart { max_restarts } if restarts_so_far < max_restarts => {
                FaultAction::Restart
            }
            Self::Restart { .. } => FaultAction::Stop,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restart_policy_honours_its_limit() {
        let policy = FaultPolicy::Restart { max_restarts: 2 };
        assert_eq!(policy.decide(0), FaultAction::Restart);
        assert_eq!(policy.decide(1), FaultAction::Restart);
        assert_eq!(policy.decide(2), FaultAction::Stop);
        assert_eq!(
            FaultPolicy::Restart { max_restarts: 0 }.decide(0),
            FaultAction::Stop
        );
        assert_eq!(FaultPolicy::Stop.decide(0), FaultAction::Stop);
        assert_eq!(FaultPolicy::Panic.decide(5), FaultAction::Panic);
    }

    #[test]
    fn liveness() {
        assert!(State::Runnable.is_alive());
        assert!(State::Yielded.is_alive());
        for dead in [
            State::Empty,
            State::Faulted,
            State::Terminated,
            State::Quarantined,
        ] {
            assert!(!dead.is_alive());
        }
    }
}
