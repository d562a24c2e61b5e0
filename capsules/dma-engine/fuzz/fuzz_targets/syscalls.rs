// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Fuzz target: any sequence of DMA engine system calls (every command
//! number, any arguments) from two processes, interleaved with ownership
//! changes, a cut-off master, engine refusals, completions, failing and
//! succeeding cancels, `stop` and process ends. A reference model of the
//! capsule predicts every answer exactly; on top of that the invariants:
//! only the owner of the master ever starts a transfer, never two at once,
//! and a completion reaches the process that started the transfer and no
//! other (DESIGN §4 invariants 1, 4 and 7 for the engine's side).
//!
//! One rig serves every run (a board's kernel is `'static`, and leaking one
//! per run would exhaust memory): each run starts by completing whatever
//! the last one left running and restarting both processes, which gives
//! them fresh grants, so the model can start from nothing.

#![no_main]

#[path = "../../tests/common/mod.rs"]
mod common;

use arbitrary::Arbitrary;
use common::{Caps, Rig, failure, rig, success};
use kernel::ErrorCode;
use kernel::kernel::{EndCause, EndOutcome};
use kernel::process::{EndReason, ProcessId, ProcessLifecycle, QuiesceFailed};
use kernel::syscall::SyscallReturn;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Op {
    Command {
        b: bool,
        command: u8,
        arg0: u64,
        arg1: u64,
    },
    SetOwner(Option<bool>),
    CutOff(bool),
    Refuse(Option<u8>),
    CanFill(bool),
    CancelFails(bool),
    Complete {
        len: u16,
        failed: bool,
    },
    Stop,
    Ending(bool),
}

/// What the capsule should hold, and the two processes' current runs.
struct Model {
    pids: [ProcessId; 2],
    source: [Option<u64>; 2],
    in_flight: Option<usize>,
    started: usize,
    /// The process a cancel notice is owed to.
    cancelled: Option<usize>,
}

const REFUSALS: [ErrorCode; 4] = [
    ErrorCode::Size,
    ErrorCode::Inval,
    ErrorCode::Fail,
    ErrorCode::Off,
];

thread_local! {
    static RIG: Rig = rig();
    static PIDS: std::cell::Cell<Option<[ProcessId; 2]>> = const { std::cell::Cell::new(None) };
}

fn owner_index(rig: &Rig, m: &Model) -> Option<usize> {
    let owner = rig.owner.0.get()?;
    m.pids.iter().position(|p| *p == owner)
}

/// Puts the rig back to a known state: nothing in flight, no refusals,
/// both processes restarted (fresh grants) and subscribed, `a` the owner.
fn reset(rig: &Rig) -> Model {
    if rig.engine.busy.get() {
        rig.engine.complete(0, Ok(()));
    }
    rig.engine.refuse.set(None);
    rig.engine.cancel_fails.set(false);
    rig.engine.can_fill.set(false);
    rig.owner.1.set(false);
    let old = PIDS.with(|p| p.get()).unwrap_or([rig.a, rig.b]);
    let pids = old.map(
        |pid| match rig.kernel.end_run(pid, EndCause::ExitRestart(0), &Caps) {
            Some(EndOutcome::Restarted(new)) => new,
            other => panic!("restart gave {other:?}"),
        },
    );
    PIDS.with(|p| p.set(Some(pids)));
    for pid in pids {
        rig.subscribe(pid);
    }
    rig.owner.0.set(Some(pids[0]));
    Model {
        pids,
        source: [None; 2],
        in_flight: None,
        started: rig.engine.started.borrow().len() + rig.engine.fills.borrow().len(),
        cancelled: None,
    }
}

/// The answer to a transfer request (copy or fill) that passed its own
/// argument checks, and the model update.
fn start(rig: &Rig, m: &mut Model, caller: usize, checks: Result<(), ErrorCode>) -> [u64; 4] {
    if owner_index(rig, m) != Some(caller) {
        return failure(ErrorCode::Reserve);
    }
    if rig.owner.1.get() {
        return failure(ErrorCode::Off);
    }
    if m.in_flight.is_some() {
        return failure(ErrorCode::Busy);
    }
    if let Err(code) = checks {
        return failure(code);
    }
    if let Some(code) = rig.engine.refuse.get() {
        return failure(code);
    }
    m.in_flight = Some(caller);
    m.started += 1;
    success()
}

fuzz_target!(|ops: Vec<Op>| RIG.with(|rig| run(rig, ops)));

fn run(rig: &Rig, ops: Vec<Op>) {
    let mut m = reset(rig);
    for op in ops.into_iter().take(256) {
        match op {
            Op::Command {
                b,
                command,
                arg0,
                arg1,
            } => {
                let caller = usize::from(b);
                let expected = match command {
                    0 => success(),
                    1 => {
                        m.source[caller] = Some(arg0);
                        success()
                    }
                    2 => {
                        // The owner check comes before the source check.
                        let source = m.source[caller].ok_or(ErrorCode::Reserve).map(|_| ());
                        start(rig, &mut m, caller, source)
                    }
                    3 => {
                        if m.in_flight != Some(caller) {
                            failure(ErrorCode::Already)
                        } else if rig.engine.cancel_fails.get() {
                            failure(ErrorCode::Fail)
                        } else {
                            m.cancelled = m.in_flight.take();
                            success()
                        }
                    }
                    4 => SyscallReturn::SuccessU32U32(4095, 28).encode(),
                    5 => {
                        let checks = if arg1 >> 40 != 0 {
                            Err(ErrorCode::Inval)
                        } else if !rig.engine.can_fill.get() {
                            Err(ErrorCode::NoSupport)
                        } else {
                            Ok(())
                        };
                        start(rig, &mut m, caller, checks)
                    }
                    _ => failure(ErrorCode::NoSupport),
                };
                let got = rig.command(m.pids[caller], u32::from(command), arg0, arg1);
                assert_eq!(got, expected, "command {command} from {caller}");
            }
            Op::SetOwner(who) => rig.owner.0.set(who.map(|b| m.pids[usize::from(b)])),
            Op::CutOff(cut) => rig.owner.1.set(cut),
            Op::Refuse(code) => rig
                .engine
                .refuse
                .set(code.map(|c| REFUSALS[usize::from(c) % REFUSALS.len()])),
            Op::CanFill(can) => rig.engine.can_fill.set(can),
            Op::CancelFails(fails) => rig.engine.cancel_fails.set(fails),
            Op::Complete { len, failed } => {
                // An engine reports only transfers it was given.
                if !rig.engine.busy.get() {
                    continue;
                }
                let result = if failed { Err(ErrorCode::Fail) } else { Ok(()) };
                rig.engine.complete(usize::from(len), result);
                if let Some(starter) = m.in_flight.take() {
                    let status = if failed {
                        ErrorCode::Fail.as_u32().into()
                    } else {
                        0
                    };
                    assert_eq!(
                        rig.upcall(m.pids[starter]).map(|u| [u[0], u[1], u[2]]),
                        Some([u64::from(len), status, 0]),
                        "the starter hears the completion"
                    );
                }
            }
            Op::Stop => {
                let expected = match m.in_flight {
                    Some(_) if rig.engine.cancel_fails.get() => Err(ErrorCode::Fail),
                    Some(_) => {
                        m.cancelled = m.in_flight.take();
                        Ok(())
                    }
                    None => Ok(()),
                };
                assert_eq!(rig.driver.stop(), expected);
            }
            Op::Ending(b) => {
                let index = usize::from(b);
                let expected = match m.in_flight {
                    Some(i) if i == index && rig.engine.cancel_fails.get() => Err(QuiesceFailed),
                    Some(i) if i == index => {
                        m.cancelled = m.in_flight.take();
                        Ok(())
                    }
                    _ => Ok(()),
                };
                let got = rig.driver.process_ending(m.pids[index], EndReason::Faulted);
                assert_eq!(got, expected);
            }
        }
        // Nobody else hears anything: the only upcall left is the cancel
        // notice owed to the starter of a cancelled transfer.
        let cancel = u64::from(ErrorCode::Cancel.as_u32());
        for index in 0..2 {
            while let Some(upcall) = rig.upcall(m.pids[index]) {
                assert_eq!(
                    (m.cancelled, upcall[1]),
                    (Some(index), cancel),
                    "an unexpected upcall to {index}: {upcall:?}"
                );
                m.cancelled = None;
            }
        }
        assert_eq!(m.cancelled, None, "a cancel notice did not arrive");
        assert_eq!(
            rig.engine.started.borrow().len() + rig.engine.fills.borrow().len(),
            m.started,
            "a transfer started that the model refused"
        );
    }
}
