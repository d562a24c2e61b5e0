// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Test harness: the capsule over the real `arm-smmu` driver running
//! against the `smmu-sim` model, a real kernel whose fake processes live in
//! the model's simulated physical memory, and helpers that act as those
//! processes (system calls) and as their devices (DMA transactions).
//!
//! Every test binary uses a different subset of these helpers.
#![allow(dead_code, unreachable_pub)]

use std::cell::{Cell, RefCell};
use std::ptr::NonNull;
use std::rc::Rc;

use arm_smmu::{ArmSmmu, Implementation, RegisterIo, SmmuConfig, SmmuIommu};
use capsules_iommu_dma::{
    AppPolicy, DmaMaster, IommuDma, Policy, Quota, TableSource, TableUsage, abi,
};
use io_pgtable::{CoherentWalk, PageAllocator, TablePage};
use kernel::capabilities::{
    LifecycleHookCapability, MemoryAllocationCapability, ProcessManagementCapability,
};
use kernel::hil::iommu::{DomainConfig, Granule, Iommu, Stage, StreamId, StreamMatch, TableFormat};
use kernel::kernel::{AppInfo, EndCause, EndOutcome, SyscallOutcome};
use kernel::memory::layout::{APP_IMAGE_BASE, APP_RAM_BASE};
use kernel::memory::{Backing, MemoryPlan, ProcessLayout};
use kernel::process::{FaultPolicy, Process, ProcessId};
use kernel::syscall::{Syscall, SyscallDriver, SyscallDriverLookup, SyscallReturn};
use kernel::{ErrorCode, Kernel};
use smmu_sim::{SimMemory, Smmu};

/// Context banks of the model: few, so tests can run out of them.
pub const BANKS: u8 = 4;
/// What the driver under test manages at most.
pub const CONTEXTS: usize = 16;
pub const STREAMS: usize = 48;
/// Context faults per rate window before the driver disables a domain.
pub const FAULT_LIMIT: u16 = 8;
/// Domain records of the capsule (more than banks: the IOMMU runs out first).
pub const DOMAINS: usize = 8;

/// Stream IDs of the board's masters.
pub const ZDMA0: u16 = 0x14e8;
pub const ZDMA1: u16 = 0x14e9;
pub const SHARED: u16 = 0x14ea;
/// Policy indices of the masters.
pub const M_ZDMA0: u64 = 0;
pub const M_ZDMA1: u64 = 1;
pub const M_SHARED: u64 = 2;

/// Process RAM of every fake app (16 pages) and its grant region.
pub const RAM_BYTES: u64 = 16 * 4096;
pub const GRANT_BYTES: u64 = 4 * 4096;
pub const PAGE: u64 = 4096;

pub const QUOTA: Quota = Quota {
    mappings: 4,
    bytes: 8 * PAGE,
    table_pages: 8,
};

static MASTERS: [DmaMaster; 3] = [
    DmaMaster {
        name: "zdma0",
        stream: StreamMatch::exact(StreamId::new(ZDMA0 as u32)),
        address_bits: 48,
    },
    DmaMaster {
        name: "zdma1",
        stream: StreamMatch::exact(StreamId::new(ZDMA1 as u32)),
        address_bits: 48,
    },
    DmaMaster {
        name: "shared",
        stream: StreamMatch::exact(StreamId::new(SHARED as u32)),
        address_bits: 48,
    },
];

const fn app(name: &'static str, masters: &'static [usize], quota: Quota) -> AppPolicy {
    AppPolicy {
        app: name,
        masters,
        quota,
    }
}

static APPS: [AppPolicy; 7] = [
    app("app-a", &[0, 2], QUOTA),
    app("app-b", &[1, 2], QUOTA),
    app("app-c", &[], QUOTA),
    app("app-d", &[], QUOTA),
    app("app-e", &[], QUOTA),
    // Room for the root table only: the first map needs more.
    app(
        "tight",
        &[],
        Quota {
            table_pages: 1,
            ..QUOTA
        },
    ),
    // Exactly one mapping's worth of tables (root + two levels).
    app(
        "three-pages",
        &[],
        Quota {
            table_pages: 3,
            ..QUOTA
        },
    ),
];

pub fn policy() -> Policy {
    Policy {
        masters: &MASTERS,
        apps: &APPS,
        domain: DomainConfig {
            format: TableFormat::Lpae64(Granule::Size4K),
            stage: Stage::One,
            iova_bits: 32,
        },
    }
}

pub struct Caps;
// SAFETY: test code plays the trusted board.
unsafe impl MemoryAllocationCapability for Caps {}
// SAFETY: as above.
unsafe impl ProcessManagementCapability for Caps {}
// SAFETY: as above.
unsafe impl LifecycleHookCapability for Caps {}

/// Boxes a world hands out as `'static` references, with the way to free
/// each (see [`World::reclaim`]).
#[derive(Default)]
struct Allocations(Vec<Box<dyn FnOnce()>>);

impl Allocations {
    /// Moves `value` to the heap for the rest of the world's life.
    fn keep<T: ?Sized + 'static>(&mut self, value: Box<T>) -> &'static T {
        let raw = Box::into_raw(value);
        // SAFETY: `raw` is the box's own pointer: freed only by
        // `World::reclaim`, whose contract is that no reference handed out
        // here is used after it.
        self.0
            .push(Box::new(move || drop(unsafe { Box::from_raw(raw) })));
        // SAFETY: valid and never freed while the world is in use (above).
        unsafe { &*raw }
    }
}

/// The model seen through the driver's register interface.
#[derive(Clone)]
pub struct SimIo(pub Rc<RefCell<Smmu>>);

impl RegisterIo for SimIo {
    fn read32(&self, offset: usize) -> u32 {
        self.0.borrow_mut().read32(offset as u64)
    }
    fn write32(&self, offset: usize, value: u32) {
        self.0.borrow_mut().write32(offset as u64, value);
    }
    fn read64(&self, offset: usize) -> u64 {
        self.0.borrow_mut().read64(offset as u64)
    }
    fn write64(&self, offset: usize, value: u64) {
        self.0.borrow_mut().write64(offset as u64, value);
    }
}

/// One domain's table pages, from the model's memory, refused beyond the
/// app's budget; `live` is shared with the source so tests see pages that
/// a quarantined domain never returned.
pub struct BudgetTables {
    memory: SimMemory,
    budget: u32,
    in_use: u32,
    live: Rc<Cell<usize>>,
}

// SAFETY: blocks come from `SimMemory::alloc` with alignment = size, are
// zeroed by it, are not handed out again until freed, and `host_ptr` is the
// model's own PA -> host mapping, so the model's walker reads exactly what
// the driver wrote.
unsafe impl PageAllocator for BudgetTables {
    fn alloc(&mut self, size: usize) -> Option<TablePage> {
        if self.in_use >= self.budget {
            return None;
        }
        let phys = self.memory.alloc(size, size, 1 << 32).ok()?;
        let virt = NonNull::new(self.memory.host_ptr(phys)?)?;
        self.in_use += 1;
        self.live.set(self.live.get() + 1);
        Some(TablePage { virt, phys })
    }

    unsafe fn free(&mut self, page: TablePage, size: usize) {
        self.memory
            .free(page.phys, size)
            .expect("freeing a block the model handed out");
        self.in_use -= 1;
        self.live.set(self.live.get() - 1);
    }

    fn phys_to_virt(&self, phys: u64) -> NonNull<u8> {
        NonNull::new(self.memory.host_ptr(phys).expect("table inside the model"))
            .expect("host pointers are never null")
    }
}

impl TableUsage for BudgetTables {
    fn pages_in_use(&self) -> u32 {
        self.in_use
    }
}

/// Makes budgeted allocators; counts every table page alive in any domain.
pub struct SimTableSource {
    memory: SimMemory,
    pub live: Rc<Cell<usize>>,
    pub refuse: Cell<bool>,
}

impl TableSource<BudgetTables> for SimTableSource {
    fn tables(&self, budget_pages: u32) -> Option<BudgetTables> {
        (!self.refuse.get()).then(|| BudgetTables {
            memory: self.memory.clone(),
            budget: budget_pages,
            in_use: 0,
            live: self.live.clone(),
        })
    }
}

pub type Driver = ArmSmmu<'static, SimIo, CONTEXTS, STREAMS>;
pub type SimIommu = SmmuIommu<'static, SimIo, BudgetTables, CoherentWalk, CONTEXTS, STREAMS>;
pub type Capsule = IommuDma<'static, SimIommu, SimTableSource, DOMAINS>;

struct Drivers(&'static Capsule);

impl SyscallDriverLookup for Drivers {
    fn with_driver<R>(&self, driver: u32, f: impl FnOnce(Option<&dyn SyscallDriver>) -> R) -> R {
        if driver == abi::DRIVER_NUM {
            f(Some(self.0))
        } else {
            f(None)
        }
    }
}

/// A fake process: its id and the physical address of its RAM.
#[derive(Clone, Copy, Debug)]
pub struct App {
    pub pid: ProcessId,
    pub ram_pa: u64,
    pub image_pa: u64,
}

/// Upcall entry every fake app subscribes with (inside its image).
pub const UPCALL_FN: u64 = APP_IMAGE_BASE + 0x100;

/// Everything a test needs.
pub struct World {
    pub kernel: &'static Kernel,
    pub model: Rc<RefCell<Smmu>>,
    pub memory: SimMemory,
    pub smmu: &'static Driver,
    pub iommu: &'static SimIommu,
    pub dma: &'static Capsule,
    pub tables: &'static SimTableSource,
    drivers: Drivers,
    heap: Allocations,
}

impl World {
    /// A board with the model (`BANKS` context banks), the driver, the
    /// capsule wired as fault client and lifecycle hook, and `slots`
    /// process slots.
    pub fn new(slots: usize) -> Self {
        Self::with_memory(slots, SimMemory::new())
    }

    /// [`World::new`] over existing simulated memory (the fuzz target
    /// reuses one arena; see [`World::release`]).
    pub fn with_memory(slots: usize, memory: SimMemory) -> Self {
        let mut config = smmu_sim::SmmuConfig::mmu500();
        config.num_context_banks = BANKS;
        config.num_context_irqs = BANKS;
        let model = Rc::new(RefCell::new(
            Smmu::new(config, memory.clone()).expect("model configuration"),
        ));
        let mut driver_config = SmmuConfig::new(
            Implementation::Mmu500,
            model.borrow().config().frame_size() as usize,
        );
        // Below the kernel's upcall queue length, so a storm's faults and
        // the disable notice all reach the app.
        driver_config.context_fault_limit = FAULT_LIMIT;
        let mut heap = Allocations::default();
        let smmu: &'static Driver = heap.keep(Box::new(
            Driver::probe(SimIo(model.clone()), driver_config).expect("probe"),
        ));
        smmu.reset().expect("reset");
        let iommu: &'static SimIommu = heap.keep(Box::new(SmmuIommu::new(smmu, CoherentWalk)));
        let tables = heap.keep(Box::new(SimTableSource {
            memory: memory.clone(),
            live: Rc::new(Cell::new(0)),
            refuse: Cell::new(false),
        }));
        let processes: Vec<Process> = (0..slots).map(|_| Process::empty()).collect();
        let processes = heap.keep(processes.into_boxed_slice());
        let kernel: &'static Kernel = heap.keep(Box::new(Kernel::new(processes)));
        policy().validate().expect("valid test policy");
        let grant = kernel
            .create_grant(abi::DRIVER_NUM, &Caps)
            .expect("grant number");
        let dma: &'static Capsule = heap.keep(Box::new(IommuDma::new(
            kernel,
            iommu,
            tables,
            policy(),
            grant,
        )));
        iommu.set_fault_client(dma);
        assert!(kernel.register_lifecycle_hook(dma, &Caps));
        Self {
            kernel,
            model,
            memory,
            smmu,
            iommu,
            dma,
            tables,
            drivers: Drivers(dma),
            heap,
        }
    }

    /// Frees everything the world allocated, newest first (tests simply
    /// let it leak; the fuzz target runs thousands of worlds).
    ///
    /// # Safety
    /// No reference obtained from this world (its fields, anything the
    /// kernel or capsule returned) may be used afterwards.
    pub unsafe fn reclaim(self) {
        let World { heap, .. } = self;
        for free in heap.0.into_iter().rev() {
            free();
        }
    }

    /// Loads a fake process named `name`: one image page and
    /// `RAM_BYTES` of RAM plus the grant region, all in simulated memory.
    pub fn spawn(&self, name: &'static str) -> App {
        let plan = MemoryPlan::new(PAGE, RAM_BYTES, GRANT_BYTES).unwrap();
        let image_pa = self
            .memory
            .alloc(plan.image_bytes as usize, PAGE as usize, 1 << 32)
            .unwrap();
        let ram_pa = self
            .memory
            .alloc(plan.ram_block_bytes() as usize, PAGE as usize, 1 << 32)
            .unwrap();
        let backing = |pa: u64| Backing {
            pa,
            kva: self.memory.host_ptr(pa).unwrap() as u64,
        };
        let layout = ProcessLayout::new(plan, backing(image_pa), backing(ram_pa)).unwrap();
        let info = AppInfo {
            entry: APP_IMAGE_BASE,
            name,
            fault_policy: FaultPolicy::Restart { max_restarts: 3 },
            permissions: None,
        };
        // SAFETY: both blocks were just allocated from the model's memory
        // for this process alone and are freed only by `World::release`,
        // after the run ended, or never; the kernel reads them through the
        // model's host mapping, as the model's DMA does.
        let pid = unsafe { self.kernel.load_process(layout, info, &Caps) }.unwrap();
        App {
            pid,
            ram_pa,
            image_pa,
        }
    }

    fn syscall(&self, pid: ProcessId, class: u16, args: [u64; 4]) -> SyscallOutcome {
        self.kernel
            .handle_syscall(pid, Syscall::decode(class, args).unwrap(), &self.drivers)
    }

    /// An Allow or Subscribe: the raw return registers.
    fn driver_call(&self, pid: ProcessId, class: u16, a: u64, b: u64, c: u64) -> [u64; 4] {
        let args = [u64::from(abi::DRIVER_NUM), a, b, c];
        match self.syscall(pid, class, args) {
            SyscallOutcome::Return(regs) => regs,
            other => panic!("unexpected outcome {other:?}"),
        }
    }

    /// Allow read-write `slot` = `[va, va + len)`.
    pub fn allow_rw(&self, app: App, slot: u64, va: u64, len: u64) -> [u64; 4] {
        self.driver_call(app.pid, 3, slot, va, len)
    }

    /// Allow read-only `slot` = `[va, va + len)`.
    pub fn allow_ro(&self, app: App, slot: u64, va: u64, len: u64) -> [u64; 4] {
        self.driver_call(app.pid, 4, slot, va, len)
    }

    /// Subscribe `number` with [`UPCALL_FN`].
    pub fn subscribe(&self, app: App, number: u64) {
        let ret = self.driver_call(app.pid, 1, number, UPCALL_FN, 0);
        assert_eq!(ret[0], ALLOW_OK, "subscribe refused: {ret:?}");
    }

    /// Command `command` through the kernel.
    pub fn command(&self, app: App, command: u32, arg0: u64, arg1: u64) -> SyscallReturn {
        let args = [u64::from(abi::DRIVER_NUM), command.into(), arg0, arg1];
        match self.syscall(app.pid, 2, args) {
            SyscallOutcome::Return(regs) => decode_return(regs),
            other => panic!("unexpected outcome {other:?}"),
        }
    }

    /// Maps allow slot `slot` (`kind` = `abi::MAP_*`): handle and IOVA.
    pub fn map(&self, app: App, slot: u64, kind: u64) -> Result<(u32, u64), ErrorCode> {
        match self.command(app, abi::CMD_MAP, slot, kind) {
            SyscallReturn::SuccessU32U64(handle, iova) => Ok((handle, iova)),
            SyscallReturn::Failure(code) => Err(code),
            other => panic!("map returned {other:?}"),
        }
    }

    /// Allows `[va, va + len)` read-write in `slot` and maps it.
    pub fn map_rw(&self, app: App, slot: u64, va: u64, len: u64) -> Result<(u32, u64), ErrorCode> {
        let allowed = self.allow_rw(app, slot, va, len);
        assert_eq!(allowed[0], ALLOW_OK, "allow refused: {allowed:?}");
        self.map(app, slot, abi::MAP_READ_WRITE)
    }

    /// Allows `[va, va + len)` read-only in `slot` and maps it.
    pub fn map_ro(&self, app: App, slot: u64, va: u64, len: u64) -> Result<(u32, u64), ErrorCode> {
        let allowed = self.allow_ro(app, slot, va, len);
        assert_eq!(allowed[0], ALLOW_OK, "allow refused: {allowed:?}");
        self.map(app, slot, abi::MAP_READ_ONLY)
    }

    pub fn unmap(&self, app: App, handle: u64) -> Result<(), ErrorCode> {
        result(self.command(app, abi::CMD_UNMAP, handle, 0))
    }

    pub fn attach(&self, app: App, master: u64) -> Result<(), ErrorCode> {
        result(self.command(app, abi::CMD_ATTACH, master, 0))
    }

    pub fn detach(&self, app: App, master: u64) -> Result<(), ErrorCode> {
        result(self.command(app, abi::CMD_DETACH, master, 0))
    }

    pub fn info(&self, app: App, field: u64) -> Result<u64, ErrorCode> {
        match self.command(app, abi::CMD_INFO, field, 0) {
            SyscallReturn::SuccessU64(value) => Ok(value),
            SyscallReturn::Failure(code) => Err(code),
            other => panic!("info returned {other:?}"),
        }
    }

    /// Bytes mapped, mappings left, table pages used, domain state: what a
    /// refused call must leave unchanged.
    pub fn usage(&self, app: App) -> [u64; 4] {
        [
            abi::INFO_BYTES_MAPPED,
            abi::INFO_MAPPINGS_LEFT,
            abi::INFO_TABLE_PAGES_USED,
            abi::INFO_DOMAIN_STATE,
        ]
        .map(|field| self.info(app, field).unwrap())
    }

    /// Yield-wait: the upcall the kernel runs next (entry and x0–x3), or
    /// `None` if the process would block.
    pub fn next_upcall(&self, app: App) -> Option<[u64; 4]> {
        match self.syscall(app.pid, 0, [1, 0, 0, 0]) {
            SyscallOutcome::Upcall { entry, args } => {
                assert_eq!(entry, UPCALL_FN);
                Some(args)
            }
            SyscallOutcome::Blocked => None,
            other => panic!("yield returned {other:?}"),
        }
    }

    /// Pending upcalls of `app`.
    pub fn pending(&self, app: App) -> usize {
        self.kernel.processes()[app.pid.index()].pending_upcalls()
    }

    /// Ends `app`'s run as exit-terminate would.
    pub fn terminate(&self, app: App) -> EndOutcome {
        self.kernel
            .end_run(app.pid, EndCause::ExitTerminate(0), &Caps)
            .expect("a live run")
    }

    /// Ends `app`'s run as exit-restart would; the new run's `App`.
    pub fn restart(&self, app: App) -> App {
        match self
            .kernel
            .end_run(app.pid, EndCause::ExitRestart(0), &Caps)
        {
            Some(EndOutcome::Restarted(pid)) => App { pid, ..app },
            other => panic!("restart gave {other:?}"),
        }
    }

    /// The driver's view: contexts still free.
    pub fn free_contexts(&self) -> usize {
        self.iommu.capacity().free_domains
    }

    /// A device write of `data` at `iova` from `stream`.
    pub fn dev_write(&self, stream: u16, iova: u64, data: &[u8]) -> Result<(), smmu_sim::DmaError> {
        self.model.borrow_mut().dma_write(stream, iova, data)
    }

    /// A device read of `len` bytes at `iova` from `stream`.
    pub fn dev_read(
        &self,
        stream: u16,
        iova: u64,
        len: usize,
    ) -> Result<Vec<u8>, smmu_sim::DmaError> {
        let mut out = vec![0; len];
        self.model.borrow_mut().dma_read(stream, iova, &mut out)?;
        Ok(out)
    }

    /// `len` bytes of `app`'s RAM at process address `va`, read physically.
    pub fn ram(&self, app: App, va: u64, len: usize) -> Vec<u8> {
        let mut out = vec![0; len];
        self.memory
            .read_bytes(app.ram_pa + (va - APP_RAM_BASE), &mut out)
            .unwrap();
        out
    }

    /// Fills `app`'s RAM at `va` (as the process would).
    pub fn fill(&self, app: App, va: u64, data: &[u8]) {
        self.memory
            .write_bytes(app.ram_pa + (va - APP_RAM_BASE), data)
            .unwrap();
    }

    /// Ends every live run and returns the apps' memory to the arena, so
    /// one arena can serve many worlds. Domains that were quarantined keep
    /// their table pages: the arena loses those for good, as it should.
    pub fn release(&self, apps: &[App]) {
        for app in apps {
            let _ = self
                .kernel
                .end_run(app.pid, EndCause::ExitTerminate(0), &Caps);
            let plan = MemoryPlan::new(PAGE, RAM_BYTES, GRANT_BYTES).unwrap();
            self.memory
                .free(app.image_pa, plan.image_bytes as usize)
                .unwrap();
            self.memory
                .free(app.ram_pa, plan.ram_block_bytes() as usize)
                .unwrap();
        }
    }

    /// Lets the driver handle pending context faults (its interrupt path).
    pub fn service_faults(&self) -> usize {
        self.smmu.handle_context_interrupt()
    }
}

/// Decodes the registers of a Command return (TRD104 variants).
fn decode_return(regs: [u64; 4]) -> SyscallReturn {
    let code = |v: u64| ErrorCode::try_from(v as u32).expect("a TRD104 error code");
    match regs[0] {
        0 => SyscallReturn::Failure(code(regs[1])),
        128 => SyscallReturn::Success,
        131 => SyscallReturn::SuccessU64(regs[1]),
        133 => SyscallReturn::SuccessU32U64(regs[1] as u32, regs[2]),
        other => panic!("unexpected return variant {other}: {regs:x?}"),
    }
}

/// Allow and Subscribe success: TRD104 "success with 2 u32".
pub const ALLOW_OK: u64 = 130;

fn result(ret: SyscallReturn) -> Result<(), ErrorCode> {
    match ret {
        SyscallReturn::Success => Ok(()),
        SyscallReturn::Failure(code) => Err(code),
        other => panic!("expected success or failure, got {other:?}"),
    }
}
