// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Ending a process run: exit, fault, restart, in the order DESIGN §4
//! invariant 4 requires — stop the run, let every lifecycle hook quiesce what
//! could still touch the process's memory, and only then drop its allows,
//! subscriptions and upcalls and reuse (or release) its memory.

use super::table::Kernel;
use crate::capabilities::ProcessManagementCapability;
use crate::process::{EndReason, FaultAction, FaultReason, ProcessId, State};

/// Why the run is ending.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum EndCause {
    /// exit-terminate with its completion code.
    ExitTerminate(u32),
    /// exit-restart with its completion code.
    ExitRestart(u32),
    /// A fault, handled by the process's fault policy.
    Fault(FaultReason),
}

/// What happened to the process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum EndOutcome {
    /// Terminated; the slot keeps its record for listings.
    Terminated,
    /// Faulted and stopped by policy.
    Stopped,
    /// Restarted under a new id; the arch must rebuild its context and
    /// address space before running it.
    Restarted(ProcessId),
    /// A hook failed: the memory is quarantined and the slot never reused.
    Quarantined,
    /// The fault policy says the board must panic (hooks already ran).
    PanicBoard,
}

impl Kernel {
    /// Ends the current run of `pid` (board code: the process console's
    /// kill, a watchdog). `None` if `pid` is stale or not alive (ending is
    /// idempotent: a second call for the same run does nothing).
    pub fn end_run(
        &self,
        pid: ProcessId,
        cause: EndCause,
        _cap: &dyn ProcessManagementCapability,
    ) -> Option<EndOutcome> {
        self.end_run_internal(pid, cause)
    }

    /// [`Kernel::end_run`] for the kernel's own paths (Exit, faults). Every
    /// ended run is logged: the cause and what became of the process.
    pub(crate) fn end_run_internal(&self, pid: ProcessId, cause: EndCause) -> Option<EndOutcome> {
        let name = self.process(pid)?.name();
        let outcome = self.end_run_steps(pid, cause)?;
        match cause {
            EndCause::Fault(_) => {
                defmt::warn!("process {=str} {}: {} -> {}", name, pid, cause, outcome)
            }
            _ => defmt::info!("process {=str} {}: {} -> {}", name, pid, cause, outcome),
        }
        Some(outcome)
    }

    /// The steps of ending a run, in the order the module documentation gives.
    fn end_run_steps(&self, pid: ProcessId, cause: EndCause) -> Option<EndOutcome> {
        let p = self.process(pid)?;
        let action = match cause {
            EndCause::ExitTerminate(code) => {
                p.completion_code.set(Some(code));
                FaultAction::Stop
            }
            EndCause::ExitRestart(code) => {
                p.completion_code.set(Some(code));
                FaultAction::Restart
            }
            EndCause::Fault(_) => p.policy.get().decide(p.restarts()),
        };
        let (reason, final_state) = match (cause, action) {
            (EndCause::ExitTerminate(_), _) => (EndReason::Terminated, State::Terminated),
            (_, FaultAction::Restart) => (EndReason::Restarting, State::Unstarted),
            _ => (EndReason::Faulted, State::Faulted),
        };
        // 1. The run is over: from here no buffer access, grant entry or
        //    upcall for `pid` succeeds (they all check liveness).
        p.state.set(if matches!(cause, EndCause::ExitTerminate(_)) {
            State::Terminated
        } else {
            State::Faulted
        });
        // 2. Every hook runs, even after one fails.
        let mut all_quiesced = true;
        for hook in self.hooks.iter().filter_map(|h| h.get()) {
            all_quiesced &= hook.process_ending(pid, reason).is_ok();
        }
        if !all_quiesced {
            p.state.set(State::Quarantined);
            return Some(EndOutcome::Quarantined);
        }
        // 3. Only now forget allows, subscriptions and queued upcalls.
        p.reset_grants_and_upcalls();
        if action == FaultAction::Panic {
            return Some(EndOutcome::PanicBoard);
        }
        if final_state != State::Unstarted {
            return Some(if final_state == State::Terminated {
                EndOutcome::Terminated
            } else {
                EndOutcome::Stopped
            });
        }
        // 4. Restart: a new identifier, so every id held from the old run is
        //    stale.
        let Ok(id) = self.mint_identifier() else {
            return Some(EndOutcome::Stopped);
        };
        p.identifier.set(id);
        p.restarts.set(p.restarts().saturating_add(1));
        p.brk.set(crate::memory::layout::APP_RAM_BASE);
        p.state.set(State::Unstarted);
        Some(EndOutcome::Restarted(ProcessId::new(pid.index(), id)))
    }
}
