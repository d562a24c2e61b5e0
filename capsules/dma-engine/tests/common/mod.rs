// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The DMA engine capsule's test rig, shared by the tests and the fuzz
//! target: a real kernel with two processes (loaded from the elf2tab
//! fixture), a scripted engine and a settable owner.

#![allow(dead_code, unreachable_pub)]

use std::cell::{Cell, RefCell};

use capsules_dma_engine::{DRIVER_NUM, DmaEngineDriver, MasterOwnership};
use kernel::capabilities::{MemoryAllocationCapability, ProcessManagementCapability};
use kernel::hil::dma::{DmaClient, DmaEngine};
use kernel::kernel::{AppInfo, SyscallOutcome};
use kernel::memory::layout::APP_IMAGE_BASE;
use kernel::memory::{Backing, MemoryPlan, ProcessLayout};
use kernel::process::{FaultPolicy, Process, ProcessId};
use kernel::syscall::{Syscall, SyscallDriver, SyscallDriverLookup, SyscallReturn, YieldCall};
use kernel::{ErrorCode, Kernel};

const HELLO: &[u8] = include_bytes!("../../../../kernel/tests/fixtures/hello.tbf");

pub struct Caps;
// SAFETY: test code plays the trusted board.
unsafe impl MemoryAllocationCapability for Caps {}
// SAFETY: as above.
unsafe impl ProcessManagementCapability for Caps {}

pub fn leak<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

pub fn pages(bytes: u64) -> u64 {
    let layout = std::alloc::Layout::from_size_align(bytes as usize, 4096).unwrap();
    // SAFETY: non-zero size, valid layout; leaked for the test's life.
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
    assert!(!ptr.is_null());
    ptr as u64
}

pub fn load(kernel: &Kernel) -> ProcessId {
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

/// An engine that records requests and completes when told; like a real
/// engine, a successful cancel of a running transfer reports it
/// cancelled (`hil::dma`'s contract).
#[derive(Default)]
pub struct FakeEngine {
    pub client: Cell<Option<&'static dyn DmaClient>>,
    pub started: RefCell<Vec<(u64, u64, usize)>>,
    pub refuse: Cell<Option<ErrorCode>>,
    pub cancel_fails: Cell<bool>,
    pub cancels: Cell<u32>,
    pub can_fill: Cell<bool>,
    pub fills: RefCell<Vec<(u64, usize, u8)>>,
    /// A transfer was started and has not completed.
    pub busy: Cell<bool>,
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
        self.busy.set(true);
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
        self.busy.set(true);
        Ok(())
    }
    fn cancel(&self) -> Result<(), ErrorCode> {
        self.cancels.set(self.cancels.get() + 1);
        if self.cancel_fails.get() {
            return Err(ErrorCode::Fail);
        }
        if self.busy.replace(false)
            && let Some(client) = self.client.get()
        {
            client.transfer_done(0, Err(ErrorCode::Cancel));
        }
        Ok(())
    }
}

impl FakeEngine {
    pub fn complete(&self, len: usize, result: Result<(), ErrorCode>) {
        self.busy.set(false);
        self.client
            .get()
            .expect("client set")
            .transfer_done(len, result);
    }
}

#[derive(Default)]
pub struct Owner(pub Cell<Option<ProcessId>>, pub Cell<bool>);

impl MasterOwnership for Owner {
    fn owner(&self) -> Option<ProcessId> {
        self.0.get()
    }
    fn cut_off(&self) -> bool {
        self.1.get()
    }
}

pub type Driver = DmaEngineDriver<'static, FakeEngine, Owner>;

pub struct Rig {
    pub kernel: &'static Kernel,
    pub engine: &'static FakeEngine,
    pub owner: &'static Owner,
    pub driver: &'static Driver,
    pub a: ProcessId,
    pub b: ProcessId,
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

pub fn rig() -> Rig {
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
    pub fn command(&self, pid: ProcessId, command: u32, arg0: u64, arg1: u64) -> [u64; 4] {
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

    pub fn subscribe(&self, pid: ProcessId) {
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

    pub fn upcall(&self, pid: ProcessId) -> Option<[u64; 4]> {
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

pub fn success() -> [u64; 4] {
    SyscallReturn::Success.encode()
}

pub fn failure(code: ErrorCode) -> [u64; 4] {
    SyscallReturn::Failure(code).encode()
}
