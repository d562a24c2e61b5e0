// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Builds the kernel for this board — process slots, drivers, chip, timers —
//! loads the embedded apps and runs the main loop until no process is left
//! alive.
//!
//! Under emulation a finished run ends the machine (semihosting exit 0), so
//! `make run` and the system tests terminate; a process list is logged first.

use aarch64::address_space::ProcessAddressSpace;
use aarch64::process_tables::ProcessTables;
use aarch64::timer::{PhysicalTimer, VirtualAlarm};
use aarch64::userspace::UserContext;
use capsules_core::alarm::AlarmDriver;
use capsules_core::console::Console;
use capsules_core::process_console::ProcessConsole;
use kernel::capabilities::{
    LifecycleHookCapability, MainLoopCapability, MemoryAllocationCapability,
    ProcessManagementCapability,
};
use kernel::deferred_call::DeferredCalls;
use kernel::hil::time::Alarm as _;
use kernel::kernel::{ArchProcess, LoopEvent};
use kernel::process::{FaultPolicy, Process};
use kernel::process_loader::{LoaderConfig, load_processes};
use kernel::scheduler::{DEFAULT_TIMESLICE_US, RoundRobin};
use kernel::syscall::{SyscallDriver, SyscallDriverLookup};
use kernel::{Kernel, create_capability, driver_number, static_init};
use qemu_virt::chip::QemuVirt;
use qemu_virt::gic::InterruptController;

use crate::dma::{self, DmaDrivers};
use crate::process_memory::ArenaAllocator;
use crate::{apps, memory};
use kernel::debug::LogLines;

/// Process slots.
pub(crate) const NUM_PROCS: usize = 4;
/// Grant region of each process.
const GRANT_SIZE: u64 = 16 * 1024;
/// What happens to a process that faults: restarted up to three times.
const FAULT_POLICY: FaultPolicy = FaultPolicy::Restart { max_restarts: 3 };

type Arch = ArchProcess<UserContext, ProcessAddressSpace>;

/// Translation tables of every process slot. A plain static (in `.bss`)
/// rather than `static_init!`, which would build the 96 KiB value on the
/// kernel stack first.
struct TablesCell(core::cell::UnsafeCell<[ProcessTables; NUM_PROCS]>);

// SAFETY: only `run`, entered once on the boot core, takes a reference.
unsafe impl Sync for TablesCell {}

static PROCESS_TABLES: TablesCell = TablesCell(core::cell::UnsafeCell::new(
    [const { ProcessTables::new() }; NUM_PROCS],
));

/// The system-call drivers this board offers.
struct Drivers {
    console: &'static Console,
    alarm: &'static AlarmDriver<'static, VirtualAlarm<'static>>,
    dma: Option<DmaDrivers>,
}

impl SyscallDriverLookup for Drivers {
    fn with_driver<R>(
        &self,
        driver_num: u32,
        f: impl FnOnce(Option<&dyn SyscallDriver>) -> R,
    ) -> R {
        match driver_num {
            driver_number::CONSOLE => f(Some(self.console)),
            driver_number::ALARM => f(Some(self.alarm)),
            driver_number::IOMMU_DMA => f(self.dma.as_ref().map(|d| d.iommu_dma as _)),
            driver_number::DMA_ENGINE => f(self.dma.as_ref().map(|d| d.engine as _)),
            _ => f(None),
        }
    }
}

create_capability!(BoardCapability: MemoryAllocationCapability, ProcessManagementCapability, MainLoopCapability, LifecycleHookCapability);

/// Runs the embedded apps to completion.
pub(crate) fn run() -> ! {
    let cap = &BoardCapability;
    // SAFETY: the only owner of the GIC in this kernel, created once.
    let gic = match unsafe { InterruptController::new() } {
        Ok(gic) => gic,
        Err(error) => panic!("GIC did not initialise: {error:?}"),
    };
    let alarm = static_init!(VirtualAlarm<'static>, VirtualAlarm::new());

    let processes = static_init!(
        [Process; NUM_PROCS],
        [const { Process::empty() }; NUM_PROCS]
    );
    let kernel = static_init!(Kernel, Kernel::new(processes));
    let process_console = static_init!(
        ProcessConsole<'static>,
        ProcessConsole::new(kernel, &BoardCapability)
    );
    let chip = static_init!(
        QemuVirt<'static>,
        QemuVirt::new(gic, alarm, crate::io::uart(), process_console)
    );
    let Some(console_grant) = kernel.create_grant(driver_number::CONSOLE, cap) else {
        panic!("no grant number for the console");
    };
    let Some(alarm_grant) = kernel.create_grant(driver_number::ALARM, cap) else {
        panic!("no grant number for the alarm");
    };
    let console = static_init!(Console, Console::new(kernel, console_grant));
    let alarm_driver = static_init!(
        AlarmDriver<'static, VirtualAlarm<'static>>,
        AlarmDriver::new(alarm, alarm_grant)
    );
    alarm.set_client(alarm_driver);
    let drivers = Drivers {
        console,
        alarm: alarm_driver,
        dma: dma::build(kernel, chip, cap),
    };

    // SAFETY: `run` is entered once; nothing else touches the tables.
    let tables = unsafe { &mut *PROCESS_TABLES.0.get() };
    let mut asid = 0;
    let mut arch = tables.each_mut().map(|tables| {
        asid += 1;
        match ProcessAddressSpace::new(tables, memory::boot_table(), asid) {
            Ok(space) => Arch {
                context: UserContext::default(),
                space,
            },
            Err(error) => panic!("process window unavailable: {error:?}"),
        }
    });

    // SAFETY: this is the only allocator over the process arena.
    let mut memory = unsafe { ArenaAllocator::take() };
    let config = LoaderConfig {
        grant_size: GRANT_SIZE,
        fault_policy: FAULT_POLICY,
    };
    let summary = load_processes(
        kernel,
        apps::bundle(),
        &mut memory,
        config,
        cap,
        |offset, result| match result {
            Ok(pid) => defmt::info!(
                "loaded app at bundle offset {=usize:#x} as process {}",
                offset,
                pid
            ),
            Err(reason) => defmt::warn!(
                "app at bundle offset {=usize:#x} refused: {}",
                offset,
                reason
            ),
        },
    );
    defmt::info!(
        "{=usize} app(s) loaded, {=usize} refused; {=u64} KiB of process memory left",
        summary.loaded,
        summary.refused,
        memory.remaining() / 1024
    );

    let timer = PhysicalTimer;
    let scheduler = RoundRobin::new(DEFAULT_TIMESLICE_US);
    let deferred = DeferredCalls::new();
    while kernel
        .processes()
        .iter()
        .any(|process| process.state().is_alive())
    {
        if let LoopEvent::PanicRequested(pid, reason) = kernel.loop_once(
            chip, &timer, &scheduler, &deferred, &drivers, &mut arch, cap,
        ) {
            panic!(
                "process {:?} faulted under the panic policy: {:?}",
                pid, reason
            );
        }
    }

    defmt::info!("all processes have finished");
    if drivers.dma.is_some() {
        // Every domain was torn down with its run: nothing may be left but
        // the pages of a quarantined domain.
        defmt::info!(
            "DMA: {=u32} table page(s) held after every run ended",
            dma::tables::pool_pages_in_use()
        );
    }
    let mut lines = LogLines::new();
    if kernel::process_listing::write_process_list(kernel, &mut lines).is_err() {
        defmt::warn!("process list truncated");
    }
    drop(lines);
    crate::io::finish(aarch64::semihosting::ExitStatus::Success)
}
