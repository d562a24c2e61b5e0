// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The DMA engine capsule on a real kernel with two processes (loaded from
//! the elf2tab fixture) and a scripted engine: who may drive it, what
//! reaches the engine, completions as upcalls, and the quiesce hook.

use std::cell::{Cell, RefCell};

use capsules_dma_engine::{DRIVER_NUM, DmaEngineDriver, MasterOwnership};
use kernel::capabilities::{MemoryAllocationCapability, ProcessManagementCapability};
use kernel::hil::dma::{DmaClient, DmaEngine};
use kernel::kernel::{AppInfo, SyscallOutcome};
use kernel::memory::layout::APP_IMAGE_BASE;
use kernel::memory::{Backing, MemoryPlan, ProcessLayout};
use kernel::process::{
    EndReason, FaultPolicy, Process, ProcessId, ProcessLifecycle, QuiesceFailed,
};
use kernel::syscall::{Syscall, SyscallDriver, SyscallDriverLookup, SyscallReturn, YieldCall};
use kernel::{ErrorCode, Kernel};

const HELLO: &[u8] = include_bytes!("../../../kernel/tests/fixtures/hello.tbf");

struct Caps;
// SAFETY: test code plays the trusted board.
unsafe impl MemoryAllocationCapability for Caps {}
// SAFETY: as above.
unsafe impl ProcessManagementCapability for Caps {}

fn leak<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

fn pages(bytes: u64) -> u64 {
    let layout = std::alloc::Layout::from_size_align(bytes as usize, 4096).unwrap();
    // SAFETY: non-zero size, valid layout; leaked for the test's life.
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
    assert!(!ptr.is_null());
    ptr as u64
}

fn load(kernel: &Kernel) -> ProcessId {
    let header = kernel::tbf::parse(HELLO).unwrap();
    let plan = MemoryPlan::new(
        u64::from(header.total_size),
        header.program.unwrap().minimum_ram_size.into(),
        8192,
    )
    .unwrap();
    let image = pages(plan.image_bytes);
    // SAFETY: a fresh allocation at least as long as the fixture.
    unsafe { std::ptr::copy_nonoverlapping(HELLO.as_ptr(), image as *mut u8, HELLO.len()) };
    let ram = pages(plan.ram_block_bytes());
    let layout = ProcessLayout::new(
        plan,
        Backing {
            pa: image,
            kva: image,
        },
        Backing { pa: ram, kva: ram },
    )
    .unwrap();
    let app = AppInfo {
        entry: APP_IMAGE_BASE + u64::from(header.entry_offset().unwrap()),
        name: "hello",
        fault_policy: FaultPolicy::Stop,
        permissions: None,
    };
    // SAFETY: fresh, leaked, page-aligned memory used by this process only.
    unsafe { kernel.load_process(layout, app, &Caps) }.unwrap()
}

/// An engine that records requests and completes when told.
#[derive(Default)]
struct FakeEngine {
    client: Cell<Option<&'static dyn DmaClient>>,
    started: RefCell<Vec<(u64, u64, usize)>>,
    refuse: Cell<Option<ErrorCode>>,
    cancel_fails: Cell<bool>,
    cancels: Cell<u32>,
    can_fill: Cell<bool>,
    fills: RefCell<Vec<(u64, usize, u8)>>,
}

impl DmaEngine<'static> for FakeEngine {
    fn set_client(&self, client: &'static dyn DmaClient) {
        self.client.set(Some(client));
    }
    fn dma_address_bits(&self) -> u8 {
        28
    }
    fn max_transfer(&self) -> usize {
        4095
    }
    fn copy(&self, src: u64, dst: u64, len: usize) -> Result<(), ErrorCode> {
        if let Some(code) = self.refuse.get() {
            return Err(code);
        }
        self.started.borrow_mut().push((src, dst, len));
        Ok(())
    }
    fn fill(&self, dst: u64, len: usize, value: u8) -> Result<(), ErrorCode> {
        if !self.can_fill.get() {
            return Err(ErrorCode::NoSupport);
        }
        if let Some(code) = self.refuse.get() {
            return Err(code);
        }
        self.fills.borrow_mut().push((dst, len, value));
        Ok(())
    }
    fn cancel(&self) -> Result<(), ErrorCode> {
        self.cancels.set(self.cancels.get() + 1);
        if self.cancel_fails.get() {
            Err(ErrorCode::Fail)
        } else {
            Ok(())
        }
    }
}

impl FakeEngine {
    fn complete(&self, len: usize, result: Result<(), ErrorCode>) {
        self.client
            .get()
            .expect("client set")
            .transfer_done(len, result);
    }
}

#[derive(Default)]
struct Owner(Cell<Option<ProcessId>>, Cell<bool>);

impl MasterOwnership for Owner {
    fn owner(&self) -> Option<ProcessId> {
        self.0.get()
    }
    fn cut_off(&self) -> bool {
        self.1.get()
    }
}

type Driver = DmaEngineDriver<'static, FakeEngine, Owner>;

struct Rig {
    kernel: &'static Kernel,
    engine: &'static FakeEngine,
    owner: &'static Owner,
    driver: &'static Driver,
    a: ProcessId,
    b: ProcessId,
}

impl SyscallDriverLookup for Rig {
    fn with_driver<R>(
        &self,
        driver_num: u32,
        f: impl FnOnce(Option<&dyn SyscallDriver>) -> R,
    ) -> R {
        f((driver_num == DRIVER_NUM).then_some(self.driver as &dyn SyscallDriver))
    }
}

fn rig() -> Rig {
    let processes: Vec<Process> = (0..2).map(|_| Process::empty()).collect();
    let kernel: &'static Kernel = leak(Kernel::new(Box::leak(processes.into_boxed_slice())));
    let engine: &'static FakeEngine = leak(FakeEngine::default());
    let owner: &'static Owner = leak(Owner::default());
    let grant = kernel.create_grant(DRIVER_NUM, &Caps).unwrap();
    let driver: &'static Driver = leak(DmaEngineDriver::new(engine, owner, grant));
    engine.set_client(driver);
    let (a, b) = (load(kernel), load(kernel));
    owner.0.set(Some(a));
    Rig {
        kernel,
        engine,
        owner,
        driver,
        a,
        b,
    }
}

impl Rig {
    fn command(&self, pid: ProcessId, command: u32, arg0: u64, arg1: u64) -> [u64; 4] {
        match self.kernel.handle_syscall(
            pid,
            Syscall::Command {
                driver: DRIVER_NUM,
                command,
                arg0,
                arg1,
            },
            self,
        ) {
            SyscallOutcome::Return(registers) => registers,
            other => panic!("command answered {other:?}"),
        }
    }

    fn subscribe(&self, pid: ProcessId) {
        let upcall = Syscall::Subscribe {
            driver: DRIVER_NUM,
            subscribe: 0,
            upcall_ptr: APP_IMAGE_BASE + 0x1000,
            appdata: 0xa5,
        };
        assert!(
            matches!(self.kernel.handle_syscall(pid, upcall, self), SyscallOutcome::Return(r) if r[0] == 130)
        );
    }

    fn upcall(&self, pid: ProcessId) -> Option<[u64; 4]> {
        if self.kernel.process(pid)?.pending_upcalls() == 0 {
            return None;
        }
        match self
            .kernel
            .handle_syscall(pid, Syscall::Yield(YieldCall::Wait), self)
        {
            SyscallOutcome::Upcall { args, .. } => Some(args),
            other => panic!("yield answered {other:?}"),
        }
    }
}

fn success() -> [u64; 4] {
    SyscallReturn::Success.encode()
}

fn failure(code: ErrorCode) -> [u64; 4] {
    SyscallReturn::Failure(code).encode()
}

#[test]
fn the_owner_copies_and_hears_completion() {
    let rig = rig();
    rig.subscribe(rig.a);
    assert_eq!(rig.command(rig.a, 0, 0, 0), success());
    assert_eq!(rig.command(rig.a, 1, 0x40_0000, 0), success());
    assert_eq!(rig.command(rig.a, 2, 0x40_2000, 256), success());
    assert_eq!(*rig.engine.started.borrow(), [(0x40_0000, 0x40_2000, 256)]);
    assert_eq!(
        rig.upcall(rig.a),
        None,
        "nothing before the engine finishes"
    );
    rig.engine.complete(256, Ok(()));
    assert_eq!(rig.upcall(rig.a), Some([256, 0, 0, 0xa5]));
}

#[test]
fn a_failed_transfer_reports_its_code() {
    let rig = rig();
    rig.subscribe(rig.a);
    rig.command(rig.a, 1, 0x1000, 0);
    rig.command(rig.a, 2, 0x2000, 16);
    rig.engine.complete(0, Err(ErrorCode::Fail));
    assert_eq!(
        rig.upcall(rig.a),
        Some([0, u64::from(ErrorCode::Fail.as_u32()), 0, 0xa5])
    );
}

#[test]
fn only_the_owner_may_drive_the_engine() {
    let rig = rig();
    rig.command(rig.b, 1, 0x1000, 0);
    assert_eq!(
        rig.command(rig.b, 2, 0x2000, 16),
        failure(ErrorCode::Reserve)
    );
    rig.owner.0.set(None);
    rig.command(rig.a, 1, 0x1000, 0);
    assert_eq!(
        rig.command(rig.a, 2, 0x2000, 16),
        failure(ErrorCode::Reserve)
    );
    assert!(
        rig.engine.started.borrow().is_empty(),
        "the engine was never touched"
    );
}

#[test]
fn refusals_leave_the_engine_untouched_or_report_its_reason() {
    let rig = rig();
    assert_eq!(
        rig.command(rig.a, 2, 0x2000, 16),
        failure(ErrorCode::Reserve),
        "no source yet"
    );
    rig.command(rig.a, 1, 0x1000, 0);
    rig.engine.refuse.set(Some(ErrorCode::Inval));
    assert_eq!(rig.command(rig.a, 2, 0x2000, 16), failure(ErrorCode::Inval));
    rig.engine.refuse.set(None);
    assert_eq!(rig.command(rig.a, 2, 0x2000, 16), success());
    assert_eq!(
        rig.command(rig.a, 2, 0x3000, 16),
        failure(ErrorCode::Busy),
        "one at a time"
    );
    assert_eq!(rig.engine.started.borrow().len(), 1);
    assert_eq!(rig.command(rig.a, 9, 0, 0), failure(ErrorCode::NoSupport));
    assert_eq!(
        rig.command(rig.a, 4, 0, 0),
        SyscallReturn::SuccessU32U32(4095, 28).encode()
    );
}

#[test]
fn cancel_is_for_the_transfer_in_flight_of_its_owner() {
    let rig = rig();
    assert_eq!(rig.command(rig.a, 3, 0, 0), failure(ErrorCode::Already));
    rig.command(rig.a, 1, 0x1000, 0);
    rig.command(rig.a, 2, 0x2000, 16);
    assert_eq!(
        rig.command(rig.b, 3, 0, 0),
        failure(ErrorCode::Already),
        "not b's transfer"
    );
    assert_eq!(rig.command(rig.a, 3, 0, 0), success());
    assert_eq!(rig.engine.cancels.get(), 1);
}

#[test]
fn an_ending_process_is_quiesced_or_reported() {
    let rig = rig();
    // No transfer of b's: nothing to stop.
    assert_eq!(rig.driver.process_ending(rig.b, EndReason::Faulted), Ok(()));
    rig.command(rig.a, 1, 0x1000, 0);
    rig.command(rig.a, 2, 0x2000, 16);
    rig.engine.cancel_fails.set(true);
    assert_eq!(
        rig.driver.process_ending(rig.a, EndReason::Faulted),
        Err(QuiesceFailed)
    );
    rig.engine.cancel_fails.set(false);
    assert_eq!(rig.driver.process_ending(rig.a, EndReason::Faulted), Ok(()));
    // Idle again: a late completion is dropped, a new transfer may start.
    rig.engine.complete(0, Err(ErrorCode::Cancel));
    rig.owner.0.set(Some(rig.b));
    rig.command(rig.b, 1, 0x1000, 0);
    assert_eq!(rig.command(rig.b, 2, 0x2000, 16), success());
}

#[test]
fn stop_cancels_whatever_runs_before_a_master_changes_hands() {
    let rig = rig();
    // Idle: nothing to cancel, the engine is not touched.
    assert_eq!(rig.driver.stop(), Ok(()));
    assert_eq!(rig.engine.cancels.get(), 0);
    rig.command(rig.a, 1, 0x1000, 0);
    rig.command(rig.a, 2, 0x2000, 16);
    rig.engine.cancel_fails.set(true);
    assert_eq!(rig.driver.stop(), Err(ErrorCode::Fail));
    // Still in flight: nobody else may start one.
    rig.owner.0.set(Some(rig.b));
    rig.command(rig.b, 1, 0x1000, 0);
    assert_eq!(rig.command(rig.b, 2, 0x2000, 16), failure(ErrorCode::Busy));
    rig.engine.cancel_fails.set(false);
    assert_eq!(rig.driver.stop(), Ok(()));
    assert_eq!(rig.engine.cancels.get(), 2);
    // The new owner may now use the engine.
    assert_eq!(rig.command(rig.b, 2, 0x2000, 16), success());
    assert_eq!(rig.engine.started.borrow().len(), 2);
}

#[test]
fn a_cut_off_master_refuses_work_before_the_engine_is_touched() {
    let rig = rig();
    rig.command(rig.a, 1, 0x1000, 0);
    rig.owner.1.set(true);
    assert_eq!(rig.command(rig.a, 2, 0x2000, 16), failure(ErrorCode::Off));
    // Not the owner: still RESERVE first (the owner check comes first).
    rig.command(rig.b, 1, 0x1000, 0);
    assert_eq!(
        rig.command(rig.b, 2, 0x2000, 16),
        failure(ErrorCode::Reserve)
    );
    assert!(rig.engine.started.borrow().is_empty());
    rig.owner.1.set(false);
    assert_eq!(rig.command(rig.a, 2, 0x2000, 16), success());
}

#[test]
fn fill_unpacks_length_and_byte_and_completes_like_a_copy() {
    let rig = rig();
    rig.subscribe(rig.a);
    // An engine without a fill says so; nothing starts.
    assert_eq!(
        rig.command(rig.a, 5, 0x9000_0000, 4096 | 0xab << 32),
        failure(ErrorCode::NoSupport)
    );
    rig.engine.can_fill.set(true);
    // Only the owner; bits above the byte are refused.
    assert_eq!(
        rig.command(rig.b, 5, 0x9000_0000, 16),
        failure(ErrorCode::Reserve)
    );
    assert_eq!(
        rig.command(rig.a, 5, 0x9000_0000, 1 << 40 | 16),
        failure(ErrorCode::Inval)
    );
    assert!(rig.engine.fills.borrow().is_empty());
    assert_eq!(
        rig.command(rig.a, 5, 0x9000_0000, 4096 | 0xab << 32),
        success()
    );
    assert_eq!(*rig.engine.fills.borrow(), [(0x9000_0000, 4096, 0xab)]);
    // One transfer at a time, fill or copy.
    rig.command(rig.a, 1, 0x1000, 0);
    assert_eq!(rig.command(rig.a, 2, 0x2000, 16), failure(ErrorCode::Busy));
    assert_eq!(rig.command(rig.a, 5, 0x2000, 16), failure(ErrorCode::Busy));
    rig.engine.complete(4096, Ok(()));
    assert_eq!(rig.upcall(rig.a), Some([4096, 0, 0, 0xa5]));
    // The engine's own refusal comes back unchanged.
    rig.engine.refuse.set(Some(ErrorCode::Size));
    assert_eq!(rig.command(rig.a, 5, 0x2000, 0), failure(ErrorCode::Size));
}
