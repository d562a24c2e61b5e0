// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Host test harness: a fake architecture (registers, address space, chip,
//! timer), a test capsule with a grant, and a lifecycle hook recorder.
//! Processes are loaded from the real elf2tab fixture.

#![allow(dead_code, unreachable_pub)]

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use kernel::capabilities::{
    LifecycleHookCapability, MainLoopCapability, MemoryAllocationCapability,
    ProcessManagementCapability,
};
use kernel::grant::Grant;
use kernel::kernel::AppInfo;
use kernel::memory::layout::{APP_IMAGE_BASE, PAGE_SIZE};
use kernel::memory::{AddressSpace, Backing, MemoryPlan, Permissions, ProcessLayout};
use kernel::platform::{Chip, SchedulerTimer, StopReason, UserContext};
use kernel::process::{
    EndReason, FaultPolicy, Process, ProcessId, ProcessLifecycle, QuiesceFailed,
};
use kernel::syscall::{CommandReturn, SyscallDriver, SyscallDriverLookup};
use kernel::{ErrorCode, Kernel};

pub const HELLO: &[u8] = include_bytes!("../fixtures/hello.tbf");

/// Driver number of the test capsule (an out-of-tree number).
pub const TEST_DRIVER: u32 = 0xA_0000;
/// Driver whose grant never fits.
pub const HUGE_DRIVER: u32 = 0xA_0001;

pub struct Caps;
// SAFETY: test code plays the trusted board.
unsafe impl MemoryAllocationCapability for Caps {}
// SAFETY: as above.
unsafe impl ProcessManagementCapability for Caps {}
// SAFETY: as above.
unsafe impl MainLoopCapability for Caps {}
// SAFETY: as above.
unsafe impl LifecycleHookCapability for Caps {}

pub fn leak<T>(v: T) -> &'static T {
    Box::leak(Box::new(v))
}

/// Page-aligned zeroed memory that lives for the test run.
pub fn pages(bytes: u64) -> u64 {
    let layout = std::alloc::Layout::from_size_align(bytes as usize, PAGE_SIZE as usize).unwrap();
    // SAFETY: non-zero size, valid layout.
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
    assert!(!ptr.is_null());
    ptr as u64
}

/// A kernel with `slots` empty process slots.
pub fn kernel(slots: usize) -> &'static Kernel {
    let procs: Vec<Process> = (0..slots).map(|_| Process::empty()).collect();
    leak(Kernel::new(Box::leak(procs.into_boxed_slice())))
}

/// Loads the elf2tab fixture as a process with `grant_size` bytes of grant
/// region. Returns its id and the kernel address of its RAM.
pub fn load(kernel: &Kernel, grant_size: u64, policy: FaultPolicy) -> (ProcessId, u64) {
    let h = kernel::tbf::parse(HELLO).unwrap();
    let plan = MemoryPlan::new(
        u64::from(h.total_size),
        h.program.unwrap().minimum_ram_size.into(),
        grant_size,
    )
    .unwrap();
    let image = pages(plan.image_bytes);
    // SAFETY: `image` is a fresh allocation of image_bytes >= HELLO.len().
    unsafe { std::ptr::copy_nonoverlapping(HELLO.as_ptr(), image as *mut u8, HELLO.len()) };
    let ram = pages(plan.ram_block_bytes());
    // Physical addresses are only recorded by the fake MMU: use the same.
    let layout = ProcessLayout::new(
        plan,
        Backing {
            pa: image,
            kva: image,
        },
        Backing { pa: ram, kva: ram },
    )
    .unwrap();
    let entry = APP_IMAGE_BASE + u64::from(h.entry_offset().unwrap());
    let app = AppInfo {
        entry,
        name: "hello",
        fault_policy: policy,
        permissions: None,
    };
    // SAFETY: both backings are fresh, leaked, page-aligned allocations used
    // by this process only.
    let pid = unsafe { kernel.load_process(layout, app, &Caps) }.unwrap();
    (pid, ram)
}

// ---- test capsule ----------------------------------------------------------

#[derive(Default)]
pub struct AppState {
    pub commands: u32,
}

/// Commands: 0 exists; 1 schedule upcall `arg0` with values (arg1, 2, 3);
/// 2 sum of RO buffer 0; 3 fill RW buffer 0 with `arg0`; 4 length of RW
/// buffer 0 as seen through the buffer API.
pub struct TestCapsule {
    pub grant: Grant<AppState, 2, 1, 1>,
}

impl SyscallDriver for TestCapsule {
    fn command(&self, command: u32, arg0: u64, arg1: u64, pid: ProcessId) -> CommandReturn {
        let r = self.grant.enter(pid, |state, kd| {
            state.commands += 1;
            match command {
                0 => CommandReturn::success(),
                1 => match kd.schedule_upcall(arg0 as usize, [arg1, 2, 3]) {
                    Ok(()) => CommandReturn::success(),
                    Err(e) => CommandReturn::failure(e.into()),
                },
                2 => match kd.get_readonly_processbuffer(0).and_then(|b| {
                    b.enter(|s| {
                        (0..s.len())
                            .map(|i| u64::from(s.get(i).unwrap_or(0)))
                            .sum::<u64>()
                    })
                }) {
                    Ok(sum) => CommandReturn::success_u64(sum),
                    Err(e) => CommandReturn::failure(e),
                },
                3 => match kd.get_readwrite_processbuffer(0).and_then(|b| {
                    b.mut_enter(|s| {
                        for i in 0..s.len() {
                            let _ = s.set(i, arg0 as u8);
                        }
                    })
                }) {
                    Ok(()) => CommandReturn::success(),
                    Err(e) => CommandReturn::failure(e),
                },
                4 => match kd
                    .get_readwrite_processbuffer(0)
                    .and_then(|b| b.mut_enter(|s| s.len()))
                {
                    Ok(len) => CommandReturn::success_u32(len as u32),
                    Err(e) => CommandReturn::failure(e),
                },
                5 => CommandReturn::success_u32(u32::from(kd.upcall_pending(arg0 as usize))),
                _ => CommandReturn::failure(ErrorCode::NoSupport),
            }
        });
        r.unwrap_or_else(|e| CommandReturn::failure(e.into()))
    }

    fn allocate_grant(&self, pid: ProcessId) -> Result<(), ErrorCode> {
        self.grant.enter(pid, |_, _| ()).map_err(ErrorCode::from)
    }
}

/// 32 KiB of per-process state: never fits in a one-page grant region.
pub struct Huge(pub [u64; 4096]);

impl Default for Huge {
    fn default() -> Self {
        Self([0; 4096])
    }
}

/// A capsule whose per-process state never fits in a small grant region.
pub struct HugeCapsule {
    pub grant: Grant<Huge, 1, 0, 0>,
}

impl SyscallDriver for HugeCapsule {
    fn command(&self, _: u32, _: u64, _: u64, pid: ProcessId) -> CommandReturn {
        self.grant
            .enter(pid, |_, _| CommandReturn::success())
            .unwrap_or_else(|e| CommandReturn::failure(e.into()))
    }
    fn allocate_grant(&self, pid: ProcessId) -> Result<(), ErrorCode> {
        self.grant.enter(pid, |_, _| ()).map_err(ErrorCode::from)
    }
}

pub struct Drivers {
    pub test: &'static TestCapsule,
    pub huge: &'static HugeCapsule,
}

impl SyscallDriverLookup for Drivers {
    fn with_driver<R>(&self, driver: u32, f: impl FnOnce(Option<&dyn SyscallDriver>) -> R) -> R {
        match driver {
            TEST_DRIVER => f(Some(self.test)),
            HUGE_DRIVER => f(Some(self.huge)),
            _ => f(None),
        }
    }
}

pub fn drivers(kernel: &'static Kernel) -> Drivers {
    Drivers {
        test: leak(TestCapsule {
            grant: kernel.create_grant(TEST_DRIVER, &Caps).unwrap(),
        }),
        huge: leak(HugeCapsule {
            grant: kernel.create_grant(HUGE_DRIVER, &Caps).unwrap(),
        }),
    }
}

// ---- lifecycle hook recorder --------------------------------------------------

/// Records every call, and what the kernel still held for the process at
/// that moment (grant bytes in use), so tests can check the order.
pub struct HookRecorder {
    pub kernel: &'static Kernel,
    pub calls: RefCell<Vec<(ProcessId, EndReason, usize)>>,
    pub fail: Cell<bool>,
}

impl ProcessLifecycle for HookRecorder {
    fn process_ending(&self, pid: ProcessId, reason: EndReason) -> Result<(), QuiesceFailed> {
        let held = self.kernel.processes()[pid.index()].grant_bytes_used();
        self.calls.borrow_mut().push((pid, reason, held));
        if self.fail.get() {
            Err(QuiesceFailed)
        } else {
            Ok(())
        }
    }
}

pub fn hook(kernel: &'static Kernel) -> &'static HookRecorder {
    let h = leak(HookRecorder {
        kernel,
        calls: RefCell::new(Vec::new()),
        fail: Cell::new(false),
    });
    assert!(kernel.register_lifecycle_hook(h, &Caps));
    h
}

// ---- fake architecture ----------------------------------------------------------

/// Registers and a script of what the process does each time it runs.
#[derive(Default)]
pub struct FakeContext {
    pub script: VecDeque<StopReason>,
    pub initialized: Vec<(u64, u64, [u64; 4])>,
    pub returns: Vec<[u64; 4]>,
    pub upcalls: Vec<(u64, [u64; 4])>,
    pub runs: usize,
}

impl UserContext for FakeContext {
    fn initialize(&mut self, entry: u64, stack_top: u64, args: [u64; 4]) {
        self.initialized.push((entry, stack_top, args));
    }
    fn set_syscall_return(&mut self, regs: [u64; 4]) {
        self.returns.push(regs);
    }
    fn set_upcall(&mut self, entry: u64, args: [u64; 4]) {
        self.upcalls.push((entry, args));
    }
    fn switch_to(&mut self) -> StopReason {
        self.runs += 1;
        // An exhausted script behaves like a process that spins until the
        // timeslice ends.
        self.script.pop_front().unwrap_or(StopReason::Interrupted)
    }
}

#[derive(Default)]
pub struct FakeSpace {
    pub maps: Vec<(u64, u64, u64, Permissions)>,
    pub unmaps: usize,
    pub activations: Cell<usize>,
    pub fail_map: bool,
}

impl AddressSpace for FakeSpace {
    type Error = ();
    fn map(&mut self, va: u64, pa: u64, len: u64, perms: Permissions) -> Result<(), ()> {
        if self.fail_map {
            return Err(());
        }
        self.maps.push((va, pa, len, perms));
        Ok(())
    }
    fn unmap_all(&mut self) -> Result<(), ()> {
        self.unmaps += 1;
        self.maps.clear();
        Ok(())
    }
    fn activate(&self) {
        self.activations.set(self.activations.get() + 1);
    }
    fn asid(&self) -> u16 {
        1
    }
}

#[derive(Default)]
pub struct FakeChip {
    pub pending: Cell<u32>,
    pub serviced: Cell<u32>,
    pub sleeps: Cell<u32>,
}

impl Chip for FakeChip {
    fn has_pending_interrupts(&self) -> bool {
        self.pending.get() > 0
    }
    fn service_pending_interrupts(&self) {
        self.serviced
            .set(self.serviced.get() + self.pending.replace(0));
    }
    fn sleep(&self) {
        self.sleeps.set(self.sleeps.get() + 1);
    }
}

/// A timer whose timeslice expires after `budget` checks.
#[derive(Default)]
pub struct FakeTimer {
    pub budget: Cell<u32>,
    pub started: Cell<u32>,
}

impl SchedulerTimer for FakeTimer {
    fn start(&self, _us: u32) {
        self.started.set(self.started.get() + 1);
        self.budget.set(3);
    }
    fn expired(&self) -> bool {
        let b = self.budget.get();
        self.budget.set(b.saturating_sub(1));
        b == 0
    }
    fn stop(&self) {}
}
