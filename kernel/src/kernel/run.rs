// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! One iteration of the kernel main loop: bottom halves first, then deferred
//! calls, then one timeslice of the next ready process, else sleep.

use super::lifecycle::{EndCause, EndOutcome};
use super::syscalls::{SyscallOutcome, pop_invocable, take_for};
use super::table::Kernel;
use crate::capabilities::MainLoopCapability;
use crate::deferred_call::DeferredCalls;
use crate::memory::AddressSpace;
use crate::platform::{Chip, SchedulerTimer, StopReason, UserContext};
use crate::process::{FaultReason, ProcessId, State};
use crate::scheduler::RoundRobin;
use crate::syscall::{Syscall, SyscallDriverLookup};

/// The architecture state of one process slot: registers and address space.
pub struct ArchProcess<C: UserContext, S: AddressSpace> {
    /// Saved EL0 registers.
    pub context: C,
    /// Stage-1 translation regime.
    pub space: S,
}

/// How the process must be entered next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
enum Entry {
    Start,
    Resume,
    Upcall(u64, [u64; 4]),
    Return([u64; 4]),
}

/// What one loop iteration did (for tests and tracing).
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum LoopEvent {
    /// Ran interrupt bottom halves.
    ServicedInterrupts,
    /// Ran one deferred call.
    ServicedDeferredCall,
    /// Nothing was ready: slept until an interrupt.
    Slept,
    /// Ran a process until it blocked, was preempted or its run ended.
    Ran(ProcessId),
    /// The process's address space could not be built; it was stopped.
    MapFailed(ProcessId),
    /// A fault whose policy is Panic: the board must panic now.
    PanicRequested(ProcessId, FaultReason),
}

impl Kernel {
    /// Decides how to enter a ready process, consuming the upcall it will
    /// run, and marks it runnable. `None` if it is not ready.
    fn entry_for(&self, pid: ProcessId) -> Option<Entry> {
        let p = self.process(pid)?;
        let entry = match p.state() {
            State::Unstarted => Entry::Start,
            State::Runnable => Entry::Resume,
            State::Yielded => pop_invocable(p).map(|(e, a)| Entry::Upcall(e, a))?,
            State::YieldedFor(id) => take_for(p, id).map(Entry::Return)?,
            _ => return None,
        };
        p.state.set(State::Runnable);
        Some(entry)
    }

    /// Runs one iteration of the main loop.
    #[allow(clippy::too_many_arguments)]
    pub fn loop_once<K: Chip, T: SchedulerTimer, C: UserContext, S: AddressSpace>(
        &self,
        chip: &K,
        timer: &T,
        scheduler: &RoundRobin,
        deferred: &DeferredCalls,
        drivers: &impl SyscallDriverLookup,
        arch: &mut [ArchProcess<C, S>],
        _cap: &dyn MainLoopCapability,
    ) -> LoopEvent {
        if chip.has_pending_interrupts() {
            chip.service_pending_interrupts();
            return LoopEvent::ServicedInterrupts;
        }
        if deferred.service_next() {
            return LoopEvent::ServicedDeferredCall;
        }
        let count = arch.len().min(self.processes().len());
        let Some(index) = scheduler.choose(count, |i| self.is_ready(i)) else {
            chip.sleep();
            return LoopEvent::Slept;
        };
        let (Some(pid), Some(slot)) = (self.process_id_at(index), arch.get_mut(index)) else {
            return LoopEvent::Slept;
        };
        let Some(entry) = self.entry_for(pid) else {
            return LoopEvent::Slept;
        };
        if entry == Entry::Start && !self.start(pid, slot) {
            let _ = self.end_run_internal(pid, EndCause::Fault(FaultReason::Killed));
            return LoopEvent::MapFailed(pid);
        }
        match entry {
            Entry::Upcall(e, a) => slot.context.set_upcall(e, a),
            Entry::Return(regs) => slot.context.set_syscall_return(regs),
            Entry::Start | Entry::Resume => {}
        }
        slot.space.activate();
        timer.start(scheduler.timeslice_us());
        let event = self.run_slice(pid, chip, timer, drivers, slot);
        timer.stop();
        event
    }

    /// Builds the address space and registers for a (re)started run.
    fn start<C: UserContext, S: AddressSpace>(
        &self,
        pid: ProcessId,
        slot: &mut ArchProcess<C, S>,
    ) -> bool {
        let Some(p) = self.process(pid) else {
            return false;
        };
        let Some(layout) = p.layout() else {
            return false;
        };
        if slot.space.unmap_all().is_err() || layout.map_into(&mut slot.space).is_err() {
            return false;
        }
        let ram = layout.ram();
        slot.context.initialize(
            p.entry(),
            ram.end(),
            [layout.image().start, ram.start, ram.len, p.brk.get()],
        );
        true
    }

    fn run_slice<K: Chip, T: SchedulerTimer, C: UserContext, S: AddressSpace>(
        &self,
        pid: ProcessId,
        chip: &K,
        timer: &T,
        drivers: &impl SyscallDriverLookup,
        slot: &mut ArchProcess<C, S>,
    ) -> LoopEvent {
        loop {
            let outcome = match slot.context.switch_to() {
                StopReason::Interrupted => return LoopEvent::Ran(pid),
                StopReason::Fault(reason) => match self
                    .end_run_internal(pid, EndCause::Fault(reason))
                {
                    Some(EndOutcome::PanicBoard) => return LoopEvent::PanicRequested(pid, reason),
                    _ => return LoopEvent::Ran(pid),
                },
                StopReason::Syscall { immediate, args } => match Syscall::decode(immediate, args) {
                    Ok(call) => self.handle_syscall(pid, call, drivers),
                    Err(err) => match err.to_return() {
                        Some(ret) => SyscallOutcome::Return(ret.encode()),
                        None => SyscallOutcome::Resume,
                    },
                },
            };
            match outcome {
                SyscallOutcome::Return(regs) => slot.context.set_syscall_return(regs),
                SyscallOutcome::Upcall { entry, args } => slot.context.set_upcall(entry, args),
                SyscallOutcome::Resume => {}
                SyscallOutcome::Blocked | SyscallOutcome::Ended(_) => return LoopEvent::Ran(pid),
            }
            // Keep running the process inside its timeslice unless an
            // interrupt's bottom half is waiting.
            if timer.expired() || chip.has_pending_interrupts() {
                return LoopEvent::Ran(pid);
            }
        }
    }
}
