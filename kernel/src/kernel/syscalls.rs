// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! System-call handling in the kernel core: Yield, Subscribe, Allow, Memop
//! and Exit are implemented here; Command goes to the driver. Every path
//! answers with the class's own failure variant (ABI §4) and none panics.

use core::cell::Cell;

use super::lifecycle::{EndCause, EndOutcome};
use super::table::Kernel;
use crate::ErrorCode;
use crate::grant::storage;
use crate::memory::{Access, ProcessLayout};
use crate::process::{GrantSlot, Process, ProcessId, State};
use crate::process_buffer::{SavedBuffer, write_process_byte};
use crate::syscall::{
    AllowKind, ExitCall, MemopCall, Syscall, SyscallDriverLookup, SyscallReturn, YieldCall,
};
use crate::upcall::{SavedUpcall, UpcallId};

/// What the architecture must do with the process after a system call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum SyscallOutcome {
    /// Write `x0`–`x3` and resume after the `svc`.
    Return([u64; 4]),
    /// Resume after the `svc` without writing any register.
    Resume,
    /// Run an upcall: `x0`–`x3` = `args`, `x30` = the address after the
    /// `svc`, PC = `entry` (ABI §6).
    Upcall {
        /// Upcall entry address.
        entry: u64,
        /// `x0`–`x3`.
        args: [u64; 4],
    },
    /// The process blocked in Yield; the scheduler resumes it once ready.
    Blocked,
    /// The run ended (Exit).
    Ended(EndOutcome),
}

impl Kernel {
    /// Handles a decoded system call from `pid`. A stale `pid` yields
    /// `Failure(FAIL)` (the arch should never pass one).
    pub fn handle_syscall(
        &self,
        pid: ProcessId,
        call: Syscall,
        drivers: &impl SyscallDriverLookup,
    ) -> SyscallOutcome {
        let Some(process) = self.process(pid) else {
            return SyscallOutcome::Return(SyscallReturn::Failure(ErrorCode::Fail).encode());
        };
        process
            .syscall_count
            .set(process.syscall_count().wrapping_add(1));
        let Some(layout) = process.layout() else {
            return SyscallOutcome::Return(SyscallReturn::Failure(ErrorCode::Fail).encode());
        };
        if let Some(denied) = permission_denial(process, &call) {
            return SyscallOutcome::Return(denied.encode());
        }
        let ret = match call {
            Syscall::Yield(y) => return self.handle_yield(pid, process, y),
            Syscall::Exit(ExitCall::Terminate { completion_code }) => {
                return self.end_or_fail(pid, EndCause::ExitTerminate(completion_code));
            }
            Syscall::Exit(ExitCall::Restart { completion_code }) => {
                return self.end_or_fail(pid, EndCause::ExitRestart(completion_code));
            }
            Syscall::Command {
                driver,
                command,
                arg0,
                arg1,
            } => drivers.with_driver(driver, |d| match d {
                Some(d) => d.command(command, arg0, arg1, pid).into_inner(),
                None => SyscallReturn::Failure(ErrorCode::NoDevice),
            }),
            Syscall::Subscribe {
                driver,
                subscribe,
                upcall_ptr,
                appdata,
            } => self.subscribe(
                pid,
                process,
                &layout,
                drivers,
                driver,
                subscribe,
                SavedUpcall {
                    fn_ptr: upcall_ptr,
                    appdata,
                },
            ),
            Syscall::Allow {
                kind,
                driver,
                allow,
                address,
                size,
            } => self.allow(
                pid, process, &layout, drivers, kind, driver, allow, address, size,
            ),
            Syscall::Memop(op) => memop(process, &layout, op),
        };
        SyscallOutcome::Return(ret.encode())
    }

    fn end_or_fail(&self, pid: ProcessId, cause: EndCause) -> SyscallOutcome {
        match self.end_run_internal(pid, cause) {
            Some(outcome) => SyscallOutcome::Ended(outcome),
            None => SyscallOutcome::Return(SyscallReturn::Failure(ErrorCode::Fail).encode()),
        }
    }

    fn handle_yield(&self, pid: ProcessId, process: &Process, call: YieldCall) -> SyscallOutcome {
        match call {
            YieldCall::NoWait { result_addr } => {
                let next = pop_invocable(process);
                if result_addr != 0 {
                    write_process_byte(self, pid, result_addr, u8::from(next.is_some()));
                }
                match next {
                    Some((entry, args)) => SyscallOutcome::Upcall { entry, args },
                    None => SyscallOutcome::Resume,
                }
            }
            YieldCall::Wait => match pop_invocable(process) {
                Some((entry, args)) => SyscallOutcome::Upcall { entry, args },
                None => {
                    process.state.set(State::Yielded);
                    SyscallOutcome::Blocked
                }
            },
            YieldCall::WaitFor { driver, subscribe } => {
                let id = UpcallId { driver, subscribe };
                match take_for(process, id) {
                    Some(regs) => SyscallOutcome::Return(regs),
                    None => {
                        process.state.set(State::YieldedFor(id));
                        SyscallOutcome::Blocked
                    }
                }
            }
        }
    }

    /// Finds (allocating through the driver if needed) the grant of `driver`.
    fn grant_for(
        &self,
        pid: ProcessId,
        process: &Process,
        drivers: &impl SyscallDriverLookup,
        driver: u32,
    ) -> Result<GrantSlot, ErrorCode> {
        if let Some((_, slot)) = process.grant_slot(driver) {
            return Ok(slot);
        }
        drivers.with_driver(driver, |d| {
            d.ok_or(ErrorCode::NoDevice)?.allocate_grant(pid)
        })?;
        process
            .grant_slot(driver)
            .map(|(_, s)| s)
            .ok_or(ErrorCode::NoMem)
    }

    #[allow(clippy::too_many_arguments)]
    fn subscribe(
        &self,
        pid: ProcessId,
        process: &Process,
        layout: &ProcessLayout,
        drivers: &impl SyscallDriverLookup,
        driver: u32,
        subscribe: u32,
        new: SavedUpcall,
    ) -> SyscallReturn {
        let fail = |code| SyscallReturn::SubscribeFailure(code, new.fn_ptr, new.appdata);
        if new.fn_ptr != 0 && !layout.is_valid_upcall_entry(new.fn_ptr) {
            return fail(ErrorCode::Inval);
        }
        if !drivers.with_driver(driver, |d| d.is_some()) {
            return fail(ErrorCode::NoDevice);
        }
        let slot = match self.grant_for(pid, process, drivers, driver) {
            Ok(slot) => slot,
            Err(code) => return fail(code),
        };
        let Some(cell) = storage::upcall_slots(process, &slot).get(subscribe as usize) else {
            return fail(ErrorCode::Inval);
        };
        let old = cell.replace(new);
        if let Ok(mut q) = process.upcalls.try_borrow_mut() {
            q.remove_all_for(UpcallId { driver, subscribe });
        }
        SyscallReturn::SubscribeSuccess(old.fn_ptr, old.appdata)
    }

    #[allow(clippy::too_many_arguments)]
    fn allow(
        &self,
        pid: ProcessId,
        process: &Process,
        layout: &ProcessLayout,
        drivers: &impl SyscallDriverLookup,
        kind: AllowKind,
        driver: u32,
        allow: u32,
        address: u64,
        size: u64,
    ) -> SyscallReturn {
        let fail = |code| SyscallReturn::AllowFailure(code, address, size);
        if !drivers.with_driver(driver, |d| d.is_some()) {
            return fail(ErrorCode::NoDevice);
        }
        let access = match kind {
            AllowKind::ReadOnly => Access::Read,
            AllowKind::ReadWrite => Access::ReadWrite,
            // Userspace-readable allows need driver support this kernel does
            // not offer yet (ABI §4.4).
            AllowKind::UserspaceReadable => return fail(ErrorCode::NoSupport),
        };
        let Some(checked) = layout.check_buffer(address, size, access) else {
            return fail(ErrorCode::Inval);
        };
        let slot = match self.grant_for(pid, process, drivers, driver) {
            Ok(slot) => slot,
            Err(code) => return fail(code),
        };
        let slots: &[Cell<SavedBuffer>] = match kind {
            AllowKind::ReadOnly => storage::ro_slots(process, &slot),
            _ => storage::rw_slots(process, &slot),
        };
        let Some(cell) = slots.get(allow as usize) else {
            return fail(ErrorCode::Inval);
        };
        // A zero-length allow stores the null buffer (ABI §4.4).
        let old = cell.replace(SavedBuffer {
            va: checked.va,
            len: checked.len,
        });
        SyscallReturn::AllowSuccess(old.va, old.len)
    }
}

/// The TBF permissions check (TBF doc, Permissions TLV): a driver the header
/// does not list is invisible (`NODEVICE`, for every class); a listed
/// driver's unlisted command is `NOSUPPORT` (command 0, "exists", is
/// `NODEVICE` as TRD104 4.3.1 asks). No header TLV: no restriction.
fn permission_denial(process: &Process, call: &Syscall) -> Option<SyscallReturn> {
    let perms = process.permissions()?;
    match *call {
        Syscall::Command {
            driver, command, ..
        } if !perms.allows_command(driver, command) => Some(SyscallReturn::Failure(
            if command == 0 || !perms.lists_driver(driver) {
                ErrorCode::NoDevice
            } else {
                ErrorCode::NoSupport
            },
        )),
        Syscall::Subscribe {
            driver,
            upcall_ptr,
            appdata,
            ..
        } if !perms.lists_driver(driver) => Some(SyscallReturn::SubscribeFailure(
            ErrorCode::NoDevice,
            upcall_ptr,
            appdata,
        )),
        Syscall::Allow {
            driver,
            address,
            size,
            ..
        } if !perms.lists_driver(driver) => Some(SyscallReturn::AllowFailure(
            ErrorCode::NoDevice,
            address,
            size,
        )),
        _ => None,
    }
}

/// Takes the oldest upcall that can be invoked (skipping Null Upcalls queued
/// for a yield-wait-for that has since been satisfied) and builds its entry
/// and registers.
pub(super) fn pop_invocable(process: &Process) -> Option<(u64, [u64; 4])> {
    let mut q = process.upcalls.try_borrow_mut().ok()?;
    while let Some(up) = q.pop() {
        if up.upcall.fn_ptr != 0 {
            let [a, b, c] = up.args;
            return Some((up.upcall.fn_ptr, [a, b, c, up.upcall.appdata]));
        }
    }
    None
}

/// Takes the oldest upcall for `id` as yield-wait-for's result registers.
pub(super) fn take_for(process: &Process, id: UpcallId) -> Option<[u64; 4]> {
    let mut q = process.upcalls.try_borrow_mut().ok()?;
    q.take_first_for(id).map(|up| {
        let [a, b, c] = up.args;
        [a, b, c, up.upcall.appdata]
    })
}

fn memop(process: &Process, layout: &ProcessLayout, op: MemopCall) -> SyscallReturn {
    let ram = layout.ram();
    let set_brk = |new: u64| {
        if new < ram.start || new > ram.end() {
            return Err(ErrorCode::NoMem);
        }
        Ok(process.brk.replace(new))
    };
    match op {
        MemopCall::Brk(addr) => match set_brk(addr) {
            Ok(_) => SyscallReturn::Success,
            Err(e) => SyscallReturn::Failure(e),
        },
        MemopCall::Sbrk(delta) => {
            let target = process.brk.get().checked_add_signed(delta);
            match target.ok_or(ErrorCode::NoMem).and_then(set_brk) {
                Ok(old) => SyscallReturn::SuccessAddress(old),
                Err(e) => SyscallReturn::Failure(e),
            }
        }
        MemopCall::RamStart => SyscallReturn::SuccessAddress(ram.start),
        MemopCall::RamEnd | MemopCall::GrantStart => SyscallReturn::SuccessAddress(ram.end()),
        MemopCall::ImageStart => SyscallReturn::SuccessAddress(layout.image().start),
        MemopCall::ImageEnd => SyscallReturn::SuccessAddress(layout.image().end()),
        MemopCall::FlashRegionCount => SyscallReturn::SuccessU32(0),
        MemopCall::FlashRegionStart(_) | MemopCall::FlashRegionEnd(_) => {
            SyscallReturn::Failure(ErrorCode::Inval)
        }
        MemopCall::StackHint(_) | MemopCall::HeapHint(_) => SyscallReturn::Success,
    }
}
