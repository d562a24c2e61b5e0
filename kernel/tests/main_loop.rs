// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The kernel main loop against the fake architecture: interrupt bottom
//! halves first, round-robin timeslices, blocking yields, upcall delivery,
//! faults handled by policy, address spaces built on (re)start.

mod common;

use common::*;
use kernel::deferred_call::DeferredCalls;
use kernel::kernel::{ArchProcess, LoopEvent};
use kernel::memory::Permissions;
use kernel::memory::layout::{APP_IMAGE_BASE, APP_RAM_BASE};
use kernel::platform::StopReason;
use kernel::process::{FaultPolicy, FaultReason, State};
use kernel::scheduler::RoundRobin;
use kernel::syscall::SyscallReturn;

const UPCALL_FN: u64 = APP_IMAGE_BASE + 0x1000;

fn svc(immediate: u16, args: [u64; 4]) -> StopReason {
    StopReason::Syscall { immediate, args }
}

struct Rig {
    k: &'static kernel::Kernel,
    d: Drivers,
    chip: FakeChip,
    timer: FakeTimer,
    rr: RoundRobin,
    deferred: &'static DeferredCalls,
    arch: Vec<ArchProcess<FakeContext, FakeSpace>>,
}

impl Rig {
    fn new(procs: usize, policy: FaultPolicy) -> Self {
        let k = kernel(procs);
        let d = drivers(k);
        for _ in 0..procs {
            load(k, 8192, policy);
        }
        let arch = (0..procs)
            .map(|_| ArchProcess {
                context: FakeContext::default(),
                space: FakeSpace::default(),
            })
            .collect();
        Rig {
            k,
            d,
            chip: FakeChip::default(),
            timer: FakeTimer::default(),
            rr: RoundRobin::new(10_000),
            deferred: leak(DeferredCalls::new()),
            arch,
        }
    }

    fn step(&mut self) -> LoopEvent {
        self.k.loop_once(
            &self.chip,
            &self.timer,
            &self.rr,
            self.deferred,
            &self.d,
            &mut self.arch,
            &Caps,
        )
    }

    fn script(&mut self, slot: usize, stops: &[StopReason]) {
        self.arch[slot].context.script.extend(stops.iter().copied());
    }
}

#[test]
fn start_maps_the_process_and_initialises_registers() {
    let mut rig = Rig::new(1, FaultPolicy::Stop);
    let pid = rig.k.process_id_at(0).unwrap();
    assert_eq!(rig.step(), LoopEvent::Ran(pid));
    let slot = &rig.arch[0];
    let layout = rig.k.process(pid).unwrap().layout().unwrap();
    assert_eq!(slot.space.maps.len(), 2);
    assert_eq!(
        (slot.space.maps[0].0, slot.space.maps[0].3),
        (APP_IMAGE_BASE, Permissions::ReadExecute)
    );
    assert_eq!(
        (slot.space.maps[1].0, slot.space.maps[1].3),
        (APP_RAM_BASE, Permissions::ReadWrite)
    );
    assert_eq!(slot.space.activations.get(), 1);
    let ram = layout.ram();
    assert_eq!(
        slot.context.initialized,
        [(
            APP_IMAGE_BASE + 4096,
            ram.end(),
            [APP_IMAGE_BASE, APP_RAM_BASE, ram.len, APP_RAM_BASE]
        )]
    );
    assert_eq!(rig.k.process(pid).unwrap().state(), State::Runnable);
    assert_eq!(rig.timer.started.get(), 1);
}

#[test]
fn interrupts_and_deferred_calls_run_before_processes_and_idle_sleeps() {
    let mut rig = Rig::new(0, FaultPolicy::Stop);
    rig.chip.pending.set(2);
    assert_eq!(rig.step(), LoopEvent::ServicedInterrupts);
    assert_eq!(rig.chip.serviced.get(), 2);
    assert_eq!(rig.step(), LoopEvent::Slept);
    assert_eq!(rig.chip.sleeps.get(), 1);
}

#[test]
fn round_robin_between_two_processes_and_syscalls_within_a_slice() {
    let mut rig = Rig::new(2, FaultPolicy::Stop);
    let (a, b) = (
        rig.k.process_id_at(0).unwrap(),
        rig.k.process_id_at(1).unwrap(),
    );
    let exists = svc(2, [TEST_DRIVER.into(), 0, 0, 0]);
    rig.script(0, &[exists, exists]);
    rig.script(1, &[exists]);
    assert_eq!(rig.step(), LoopEvent::Ran(a));
    assert_eq!(rig.step(), LoopEvent::Ran(b));
    assert_eq!(rig.step(), LoopEvent::Ran(a));
    // Both syscalls of A were answered inside its first slice.
    assert_eq!(
        rig.arch[0].context.returns,
        [SyscallReturn::Success.encode(); 2]
    );
    assert_eq!(
        rig.arch[1].context.returns,
        [SyscallReturn::Success.encode()]
    );
}

#[test]
fn timeslice_expiry_preempts_a_busy_process() {
    let mut rig = Rig::new(2, FaultPolicy::Stop);
    let exists = svc(2, [TEST_DRIVER.into(), 0, 0, 0]);
    rig.script(0, &[exists; 10]);
    rig.step();
    // The fake timer expires after three checks: three calls, then B runs.
    assert_eq!(rig.arch[0].context.returns.len(), 4);
    assert_eq!(rig.step(), LoopEvent::Ran(rig.k.process_id_at(1).unwrap()));
}

#[test]
fn blocked_yield_is_skipped_until_an_upcall_arrives() {
    let mut rig = Rig::new(2, FaultPolicy::Stop);
    let (a, b) = (
        rig.k.process_id_at(0).unwrap(),
        rig.k.process_id_at(1).unwrap(),
    );
    let drv = u64::from(TEST_DRIVER);
    rig.script(0, &[svc(1, [drv, 0, UPCALL_FN, 5]), svc(0, [1, 0, 0, 0])]);
    assert_eq!(rig.step(), LoopEvent::Ran(a));
    assert_eq!(rig.k.process(a).unwrap().state(), State::Yielded);
    // Only B is ready now.
    assert_eq!(rig.step(), LoopEvent::Ran(b));
    assert_eq!(rig.step(), LoopEvent::Ran(b));
    // The capsule schedules an upcall for A: A runs it next.
    rig.d
        .test
        .grant
        .enter(a, |_, kd| kd.schedule_upcall(0, [7, 8, 9]))
        .unwrap()
        .unwrap();
    assert_eq!(rig.step(), LoopEvent::Ran(a));
    assert_eq!(rig.arch[0].context.upcalls, [(UPCALL_FN, [7, 8, 9, 5])]);
}

#[test]
fn wait_for_resumes_with_values_in_registers() {
    let mut rig = Rig::new(1, FaultPolicy::Stop);
    let a = rig.k.process_id_at(0).unwrap();
    let drv = u64::from(TEST_DRIVER);
    rig.script(0, &[svc(2, [drv, 0, 0, 0]), svc(0, [2, drv, 1, 0])]);
    rig.step();
    assert_eq!(
        rig.k.process(a).unwrap().state(),
        State::YieldedFor(kernel::upcall::UpcallId {
            driver: TEST_DRIVER,
            subscribe: 1
        })
    );
    assert_eq!(rig.step(), LoopEvent::Slept);
    rig.d
        .test
        .grant
        .enter(a, |_, kd| kd.schedule_upcall(1, [1, 2, 3]))
        .unwrap()
        .unwrap();
    assert_eq!(rig.step(), LoopEvent::Ran(a));
    assert_eq!(rig.arch[0].context.returns.last(), Some(&[1, 2, 3, 0]));
}

#[test]
fn a_crashing_process_is_restarted_while_the_other_keeps_running() {
    let mut rig = Rig::new(2, FaultPolicy::Restart { max_restarts: 1 });
    let (a, b) = (
        rig.k.process_id_at(0).unwrap(),
        rig.k.process_id_at(1).unwrap(),
    );
    let crash = StopReason::Fault(FaultReason::DataAbort {
        address: 0xFFFF_0000_0000_0000,
        write: false,
    });
    rig.script(0, &[crash]);
    assert_eq!(rig.step(), LoopEvent::Ran(a));
    let a2 = rig.k.process_id_at(0).unwrap();
    assert_ne!(a2, a);
    assert_eq!(rig.step(), LoopEvent::Ran(b));
    // The restarted run gets a fresh address space and registers.
    rig.script(0, &[crash]);
    assert_eq!(rig.step(), LoopEvent::Ran(a2));
    assert_eq!(rig.arch[0].context.initialized.len(), 2);
    assert_eq!(rig.arch[0].space.unmaps, 2);
    assert_eq!(rig.arch[0].space.maps.len(), 2);
    // The second crash exceeds the limit: A stays down, B runs on.
    assert_eq!(rig.k.processes()[0].state(), State::Faulted);
    assert_eq!(rig.step(), LoopEvent::Ran(b));
    assert_eq!(rig.step(), LoopEvent::Ran(b));
}

#[test]
fn panic_policy_is_reported_to_the_board() {
    let mut rig = Rig::new(1, FaultPolicy::Panic);
    let a = rig.k.process_id_at(0).unwrap();
    rig.script(0, &[StopReason::Fault(FaultReason::Alignment)]);
    assert_eq!(
        rig.step(),
        LoopEvent::PanicRequested(a, FaultReason::Alignment)
    );
}

#[test]
fn unknown_svc_immediates_are_answered_not_fatal() {
    let mut rig = Rig::new(1, FaultPolicy::Stop);
    rig.script(0, &[svc(99, [0; 4]), svc(0, [7, 0, 0, 0])]);
    rig.step();
    assert_eq!(
        rig.arch[0].context.returns,
        [SyscallReturn::Failure(kernel::ErrorCode::NoSupport).encode()]
    );
    assert_eq!(rig.k.processes()[0].state(), State::Runnable);
}

#[test]
fn a_process_whose_address_space_cannot_be_built_is_stopped() {
    let mut rig = Rig::new(1, FaultPolicy::Restart { max_restarts: 0 });
    rig.arch[0].space.fail_map = true;
    let a = rig.k.process_id_at(0).unwrap();
    assert_eq!(rig.step(), LoopEvent::MapFailed(a));
    assert_eq!(rig.k.processes()[0].state(), State::Faulted);
    assert_eq!(rig.arch[0].context.runs, 0);
}

#[test]
fn leftover_null_upcalls_do_not_wake_a_yielded_process() {
    let mut rig = Rig::new(1, FaultPolicy::Stop);
    let a = rig.k.process_id_at(0).unwrap();
    let drv = u64::from(TEST_DRIVER);
    // Wait for subscribe 1 (Null Upcall); two events arrive, one is taken.
    rig.script(0, &[svc(0, [2, drv, 1, 0])]);
    rig.step();
    for v in [1, 2] {
        rig.d
            .test
            .grant
            .enter(a, |_, kd| kd.schedule_upcall(1, [v, 0, 0]))
            .unwrap()
            .unwrap();
    }
    rig.script(0, &[svc(0, [1, 0, 0, 0])]);
    assert_eq!(rig.step(), LoopEvent::Ran(a));
    assert_eq!(rig.arch[0].context.returns.last(), Some(&[1, 0, 0, 0]));
    // Now in yield-wait with only a Null Upcall left: not ready, the kernel
    // sleeps instead of spinning on it.
    assert_eq!(rig.k.process(a).unwrap().state(), State::Yielded);
    assert!(!rig.k.is_ready(0));
    assert_eq!(rig.step(), LoopEvent::Slept);
    assert_eq!(rig.chip.sleeps.get(), 1);
}
