// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The capsule: commands, completion upcalls and the quiesce hook.

use core::cell::Cell;

use kernel::ErrorCode;
use kernel::grant::Grant;
use kernel::hil::dma::{DmaClient, DmaEngine};
use kernel::process::{EndReason, ProcessId, ProcessLifecycle, QuiesceFailed};
use kernel::syscall::{CommandReturn, SyscallDriver};

/// Driver number (`kernel::driver_number::DMA_ENGINE`).
pub const DRIVER_NUM: u32 = kernel::driver_number::DMA_ENGINE;

/// Subscribe number of the transfer-done upcall.
const UPCALL_DONE: usize = 0;

/// Who may drive the engine now.
pub trait MasterOwnership {
    /// The process whose IOMMU domain the engine's stream is attached to.
    fn owner(&self) -> Option<ProcessId>;
    /// Whether that domain no longer translates (the IOMMU disabled it
    /// after a fault storm, or it broke): transfers are refused with `OFF`
    /// instead of being run into a blocked stream.
    fn cut_off(&self) -> bool {
        false
    }
}

/// Per-process state: the source address of the next copy.
#[derive(Default)]
pub struct App {
    source: Option<u64>,
}

/// The grant shape: one upcall, no allows (the engine sees device
/// addresses only; the memory behind them is the IOMMU mapping's business).
pub type DmaEngineGrant = Grant<App, 1, 0, 0>;

/// The DMA engine capsule.
pub struct DmaEngineDriver<'a, E: DmaEngine<'a>, O: MasterOwnership> {
    engine: &'a E,
    ownership: &'a O,
    apps: DmaEngineGrant,
    /// The process whose transfer is in flight.
    in_flight: Cell<Option<ProcessId>>,
}

impl<'a, E: DmaEngine<'a>, O: MasterOwnership> DmaEngineDriver<'a, E, O> {
    /// A driver for `engine`, usable by whoever `ownership` names; the board
    /// makes it the engine's client and registers it as a lifecycle hook
    /// (before the IOMMU capsule's).
    pub fn new(engine: &'a E, ownership: &'a O, apps: DmaEngineGrant) -> Self {
        Self {
            engine,
            ownership,
            apps,
            in_flight: Cell::new(None),
        }
    }

    /// Stops the transfer in flight, whoever started it, and returns once
    /// the engine is idle (the starter hears `CANCEL`); `Ok` at once when
    /// nothing runs. For the IOMMU capsule's quiesce before the master is
    /// detached: a transfer must never continue in a domain other than
    /// the one it was started in. `FAIL` if the engine did not stop.
    pub fn stop(&self) -> Result<(), ErrorCode> {
        if self.in_flight.get().is_none() {
            return Ok(());
        }
        self.engine.cancel()?;
        // Whether or not the engine's cancellation reported back, nothing
        // is in flight any more.
        self.in_flight.set(None);
        Ok(())
    }

    fn require_owner(&self, process: ProcessId) -> Result<(), ErrorCode> {
        if self.ownership.owner() == Some(process) {
            Ok(())
        } else {
            Err(ErrorCode::Reserve)
        }
    }

    fn set_source(&self, process: ProcessId, source: u64) -> Result<(), ErrorCode> {
        self.apps
            .enter(process, |app, _| app.source = Some(source))
            .map_err(ErrorCode::from)
    }

    /// Starts a transfer for `process` if it may start one now: it owns
    /// the engine (`RESERVE`), the master is not cut off (`OFF`), nothing
    /// is in flight (`BUSY`); then `begin` checks the request's own
    /// arguments and hands it to the engine. In flight only if it took.
    fn start(
        &self,
        process: ProcessId,
        begin: impl FnOnce() -> Result<(), ErrorCode>,
    ) -> Result<(), ErrorCode> {
        self.require_owner(process)?;
        if self.ownership.cut_off() {
            return Err(ErrorCode::Off);
        }
        if self.in_flight.get().is_some() {
            return Err(ErrorCode::Busy);
        }
        begin()?;
        self.in_flight.set(Some(process));
        Ok(())
    }

    /// Command 2.
    fn copy(&self, process: ProcessId, destination: u64, length: u64) -> Result<(), ErrorCode> {
        self.start(process, || {
            let source = self
                .apps
                .enter(process, |app, _| app.source)
                .map_err(ErrorCode::from)?
                .ok_or(ErrorCode::Reserve)?;
            let length = usize::try_from(length).map_err(|_| ErrorCode::Size)?;
            self.engine.copy(source, destination, length)
        })
    }

    /// Command 5: `arg1` packs the length (bits 31:0) and the byte
    /// (bits 39:32); anything above must be zero.
    fn fill(&self, process: ProcessId, destination: u64, packed: u64) -> Result<(), ErrorCode> {
        self.start(process, || {
            if packed >> 40 != 0 {
                return Err(ErrorCode::Inval);
            }
            let length = usize::try_from(packed & 0xffff_ffff).map_err(|_| ErrorCode::Size)?;
            self.engine.fill(destination, length, (packed >> 32) as u8)
        })
    }

    fn cancel(&self, process: ProcessId) -> Result<(), ErrorCode> {
        if self.in_flight.get() != Some(process) {
            return Err(ErrorCode::Already);
        }
        self.engine.cancel()
    }
}

impl<'a, E: DmaEngine<'a>, O: MasterOwnership> DmaClient for DmaEngineDriver<'a, E, O> {
    fn transfer_done(&self, len: usize, result: Result<(), ErrorCode>) {
        let Some(process) = self.in_flight.take() else {
            return;
        };
        let status = match result {
            Ok(()) => 0,
            Err(code) => u64::from(code.as_u32()),
        };
        // A process that ended meanwhile has no grant to enter: nothing to
        // tell. A full upcall queue loses the notice: say so, since the app
        // may be waiting for it.
        let queued = self.apps.enter(process, |_, kernel_data| {
            kernel_data
                .schedule_upcall(UPCALL_DONE, [len as u64, status, 0])
                .is_ok()
        });
        if matches!(queued, Ok(false)) {
            defmt::warn!(
                "dma-engine: completion upcall to {} dropped (queue full)",
                process
            );
        }
    }
}

impl<'a, E: DmaEngine<'a>, O: MasterOwnership> ProcessLifecycle for DmaEngineDriver<'a, E, O> {
    fn process_ending(&self, process: ProcessId, _reason: EndReason) -> Result<(), QuiesceFailed> {
        if self.in_flight.get() != Some(process) {
            return Ok(());
        }
        match self.engine.cancel() {
            Ok(()) => {
                // The engine is idle; its cancellation callback, if it comes,
                // finds nothing in flight.
                self.in_flight.set(None);
                Ok(())
            }
            Err(_) => {
                defmt::error!(
                    "dma-engine: the engine did not stop for ending process {}",
                    process
                );
                Err(QuiesceFailed)
            }
        }
    }
}

impl<'a, E: DmaEngine<'a>, O: MasterOwnership> SyscallDriver for DmaEngineDriver<'a, E, O> {
    fn command(&self, command: u32, arg0: u64, arg1: u64, process: ProcessId) -> CommandReturn {
        let result = match command {
            0 => Ok(()),
            1 => self.set_source(process, arg0),
            2 => self.copy(process, arg0, arg1),
            3 => self.cancel(process),
            5 => self.fill(process, arg0, arg1),
            4 => {
                let max = u32::try_from(self.engine.max_transfer()).unwrap_or(u32::MAX);
                return CommandReturn::success_u32_u32(
                    max,
                    u32::from(self.engine.dma_address_bits()),
                );
            }
            _ => Err(ErrorCode::NoSupport),
        };
        CommandReturn::from(result)
    }

    fn allocate_grant(&self, process: ProcessId) -> Result<(), ErrorCode> {
        self.apps.enter(process, |_, _| ()).map_err(ErrorCode::from)
    }
}
