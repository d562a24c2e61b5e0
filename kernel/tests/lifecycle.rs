// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Process lifecycle: exit, restart, fault policy and lifecycle hooks, and
//! the guarantee that nothing from an old run survives into the new one.

mod common;

use common::*;
use kernel::grant::GrantError;
use kernel::kernel::{EndCause, EndOutcome, SyscallOutcome};
use kernel::memory::layout::{APP_IMAGE_BASE, APP_RAM_BASE};
use kernel::process::{EndReason, FaultPolicy, FaultReason, State};
use kernel::syscall::{Syscall, SyscallReturn};

const UPCALL_FN: u64 = APP_IMAGE_BASE + 0x1000;

fn handle(
    k: &'static kernel::Kernel,
    d: &Drivers,
    pid: kernel::process::ProcessId,
    class: u16,
    args: [u64; 4],
) -> SyscallOutcome {
    k.handle_syscall(pid, Syscall::decode(class, args).unwrap(), d)
}

#[test]
fn exit_restart_gives_new_id_and_drops_old_state_after_hooks() {
    let k = kernel(1);
    let d = drivers(k);
    let hook = hook(k);
    let (old, _) = load(k, 8192, FaultPolicy::Stop);
    let drv = u64::from(TEST_DRIVER);
    handle(k, &d, old, 3, [drv, 0, APP_RAM_BASE, 32]);
    handle(k, &d, old, 1, [drv, 0, UPCALL_FN, 9]);
    handle(k, &d, old, 2, [drv, 1, 0, 1]);
    assert_eq!(k.process(old).unwrap().pending_upcalls(), 1);

    let out = handle(k, &d, old, 6, [1, 42, 0, 0]);
    let SyscallOutcome::Ended(EndOutcome::Restarted(new)) = out else {
        panic!("{out:?}")
    };
    assert_ne!(new.id(), old.id());
    assert_eq!(new.index(), old.index());

    // The hook ran once, for the old id, while the grant was still held.
    let calls = hook.calls.borrow().clone();
    assert_eq!(calls.len(), 1);
    assert_eq!((calls[0].0, calls[0].1), (old, EndReason::Restarting));
    assert!(
        calls[0].2 > 0,
        "hook must run before grant memory is released"
    );

    // The old id is dead everywhere.
    assert!(!k.is_alive(old));
    assert_eq!(
        d.test.grant.enter(old, |_, _| ()),
        Err(GrantError::NoProcess)
    );
    assert_eq!(
        handle(k, &d, old, 2, [drv, 0, 0, 0]),
        SyscallOutcome::Return(SyscallReturn::Failure(kernel::ErrorCode::Fail).encode())
    );
    // The new run starts clean: no upcalls, no allows, no subscriptions.
    let p = k.process(new).unwrap();
    assert_eq!(p.state(), State::Unstarted);
    assert_eq!(p.restarts(), 1);
    assert_eq!(p.completion_code(), Some(42));
    assert_eq!(p.pending_upcalls(), 0);
    assert_eq!(p.grant_bytes_used(), 0);
    assert_eq!(
        handle(k, &d, new, 3, [drv, 0, APP_RAM_BASE, 8]),
        SyscallOutcome::Return(SyscallReturn::AllowSuccess(0, 0).encode())
    );
    assert_eq!(
        handle(k, &d, new, 1, [drv, 0, UPCALL_FN, 1]),
        SyscallOutcome::Return(SyscallReturn::SubscribeSuccess(0, 0).encode())
    );
}

#[test]
fn buffers_from_a_dead_run_are_refused() {
    let k = kernel(1);
    let d = drivers(k);
    let (pid, _) = load(k, 8192, FaultPolicy::Stop);
    handle(k, &d, pid, 3, [TEST_DRIVER.into(), 0, APP_RAM_BASE, 16]);
    // Grab the buffer inside the grant, end the run from within (as a
    // watchdog could), then touch the buffer: refused, not dereferenced.
    let result = d.test.grant.enter(pid, |_, kd| {
        let buf = kd.get_readwrite_processbuffer(0).unwrap();
        assert_eq!(buf.mut_enter(|s| s.len()), Ok(16));
        k.end_run(pid, EndCause::Fault(FaultReason::Killed), &Caps);
        buf.mut_enter(|s| s.len())
    });
    assert_eq!(result, Ok(Err(kernel::ErrorCode::Fail)));
}

#[test]
fn exit_terminate_runs_hooks_and_stays_down() {
    let k = kernel(1);
    let d = drivers(k);
    let hook = hook(k);
    let (pid, _) = load(k, 8192, FaultPolicy::Restart { max_restarts: 5 });
    assert_eq!(
        handle(k, &d, pid, 6, [0, 3, 0, 0]),
        SyscallOutcome::Ended(EndOutcome::Terminated)
    );
    assert_eq!(k.processes()[0].state(), State::Terminated);
    assert_eq!(hook.calls.borrow()[0].1, EndReason::Terminated);
    assert!(!k.is_ready(0));
    // Ending twice is a no-op.
    assert_eq!(k.end_run(pid, EndCause::ExitTerminate(0), &Caps), None);
    assert_eq!(hook.calls.borrow().len(), 1);
}

#[test]
fn fault_policy_restarts_up_to_its_limit_then_stops() {
    let k = kernel(1);
    let hook = hook(k);
    let (mut pid, _) = load(k, 8192, FaultPolicy::Restart { max_restarts: 2 });
    let fault = EndCause::Fault(FaultReason::DataAbort {
        address: 0,
        write: true,
    });
    let mut ids = vec![pid.id()];
    for _ in 0..2 {
        let Some(EndOutcome::Restarted(next)) = k.end_run(pid, fault, &Caps) else {
            panic!()
        };
        pid = next;
        ids.push(pid.id());
    }
    assert_eq!(k.end_run(pid, fault, &Caps), Some(EndOutcome::Stopped));
    assert_eq!(k.processes()[0].state(), State::Faulted);
    assert_eq!(k.processes()[0].restarts(), 2);
    ids.dedup();
    assert_eq!(ids.len(), 3, "every run has its own id");
    let reasons: Vec<_> = hook.calls.borrow().iter().map(|c| c.1).collect();
    assert_eq!(
        reasons,
        [
            EndReason::Restarting,
            EndReason::Restarting,
            EndReason::Faulted
        ]
    );
}

#[test]
fn panic_policy_asks_the_board_to_panic_after_hooks() {
    let k = kernel(1);
    let hook = hook(k);
    let (pid, _) = load(k, 8192, FaultPolicy::Panic);
    assert_eq!(
        k.end_run(
            pid,
            EndCause::Fault(FaultReason::UndefinedInstruction),
            &Caps
        ),
        Some(EndOutcome::PanicBoard)
    );
    assert_eq!(hook.calls.borrow().len(), 1);
}

#[test]
fn failed_quiesce_quarantines_and_never_restarts() {
    let k = kernel(1);
    let d = drivers(k);
    let hook = hook(k);
    let second = common::hook(k); // every hook runs even after a failure
    hook.fail.set(true);
    let (pid, _) = load(k, 8192, FaultPolicy::Restart { max_restarts: 5 });
    handle(k, &d, pid, 3, [TEST_DRIVER.into(), 0, APP_RAM_BASE, 32]);
    assert_eq!(
        k.end_run(pid, EndCause::ExitRestart(0), &Caps),
        Some(EndOutcome::Quarantined)
    );
    assert_eq!(second.calls.borrow().len(), 1);
    let p = &k.processes()[0];
    assert_eq!(p.state(), State::Quarantined);
    // Nothing was released: the grant memory is still accounted as used,
    // and the slot is not free for another process.
    assert!(p.grant_bytes_used() > 0);
    assert!(!k.is_ready(0));
    assert!(k.process_id_at(0).is_none());
}

#[test]
fn load_refuses_full_tables_and_bad_entries() {
    let k = kernel(1);
    load(k, 8192, FaultPolicy::Stop);
    let h = kernel::tbf::parse(HELLO).unwrap();
    let plan = kernel::memory::MemoryPlan::new(h.total_size.into(), 4096, 4096).unwrap();
    let (image, ram) = (pages(plan.image_bytes), pages(plan.ram_block_bytes()));
    let layout = kernel::memory::ProcessLayout::new(
        plan,
        kernel::memory::Backing {
            pa: image,
            kva: image,
        },
        kernel::memory::Backing { pa: ram, kva: ram },
    )
    .unwrap();
    let app = kernel::kernel::AppInfo {
        entry: APP_IMAGE_BASE + 4096,
        name: "x",
        fault_policy: FaultPolicy::Stop,
        permissions: None,
    };
    // SAFETY: fresh leaked allocations, used by nothing else.
    let full = unsafe { k.load_process(layout, app, &Caps) };
    assert_eq!(full, Err(kernel::kernel::LoadError::NoFreeSlot));
    let k2 = kernel(1);
    // SAFETY: as above.
    let bad = unsafe {
        k2.load_process(
            layout,
            kernel::kernel::AppInfo {
                entry: APP_RAM_BASE,
                ..app
            },
            &Caps,
        )
    };
    assert_eq!(bad, Err(kernel::kernel::LoadError::BadEntry));
}

#[test]
fn process_listing_shows_state_memory_and_restarts() {
    let k = kernel(3);
    let (pid, _) = load(k, 8192, FaultPolicy::Restart { max_restarts: 3 });
    load(k, 4096, FaultPolicy::Stop);
    k.end_run(pid, EndCause::ExitRestart(0), &Caps);
    let mut text = String::new();
    kernel::process_listing::write_process_list(k, &mut text).unwrap();
    let lines: Vec<_> = text.lines().collect();
    assert_eq!(
        lines.len(),
        3,
        "header + two processes, empty slot omitted:\n{text}"
    );
    assert!(
        lines[1].contains("hello") && lines[1].contains("unstarted"),
        "{text}"
    );
    // Slot 0 restarted once; its image is 3 pages, RAM 4 pages, grant 2.
    let cols: Vec<_> = lines[1].split_whitespace().collect();
    assert_eq!(cols[0], "0");
    assert_eq!(cols[4..], ["12288", "16384", "0/8192", "1", "0", "0"]);
    assert!(lines[2].split_whitespace().any(|c| c == "0/4096"));
}
