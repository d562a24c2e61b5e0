// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! DMA from userspace: the IOMMU DMA driver (`0x9_0000`,
//! `doc/syscalls/iommu_dma.md`) that maps allowed buffers into the app's own
//! IOMMU domain, and the DMA engine driver (`0x9_0001`,
//! `doc/syscalls/dma_engine.md`) that copies between the device addresses
//! those mappings return.
//!
//! [`buffer`] has page-aligned buffers to map; [`events`] collects the
//! fault, disabled and done upcalls and waits for them with a timeout (use
//! it whenever transfers may fault: see its documentation for why).

pub mod buffer;
pub mod events;
#[cfg(test)]
mod fake_kernel;
pub mod probe;

use crate::abi::{ErrorCode, Return};
use crate::console::ignore_upcall;
use crate::drivers::{DMA_ENGINE, IOMMU_DMA};
use crate::syscall::{Command, UpcallValues, subscribe, yield_wait_for};

/// IOMMU DMA subscribe number of the fault upcall.
pub const FAULT: u32 = 0;
/// IOMMU DMA subscribe number of the domain-disabled upcall.
pub const IOMMU_DISABLED: u32 = 1;
/// DMA engine subscribe number of the transfer-done upcall.
pub const DMA_ENGINE_DONE: u32 = 0;

/// IOMMU DMA info fields (command 5).
pub mod info_field {
    /// IOVA window width in bits.
    pub const IOVA_BITS: u32 = 0;
    /// Page size in bytes.
    pub const PAGE_SIZE: u32 = 1;
    /// Bytes mapped now.
    pub const BYTES_MAPPED: u32 = 2;
    /// Mappings the app may still create.
    pub const MAPPINGS_LEFT: u32 = 3;
    /// Translation-table pages the domain may still allocate.
    pub const TABLE_PAGES_LEFT: u32 = 4;
    /// Translation-table pages the domain holds.
    pub const TABLE_PAGES_USED: u32 = 5;
    /// Domain state: 0 none yet, 1 active, 2 disabled by a fault storm, 3
    /// broken by a maintenance timeout.
    pub const DOMAIN_STATE: u32 = 6;
    /// Faults the IOMMU reported for the domain this run, upcall or not
    /// (fault upcalls coalesce: one per burst).
    pub const FAULTS: u32 = 7;
}

/// How a mapped buffer may be used by the device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// The device may only read (the buffer is a read-only allow).
    Read = 0,
    /// The device may read and write (a read-write allow).
    ReadWrite = 1,
}

/// A live mapping: its handle and the device address of the buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// Names the mapping for [`unmap`].
    pub handle: u32,
    /// Where the device sees the buffer.
    pub device_address: u64,
}

/// Attaches board DMA master `master` to this app's domain.
pub fn attach(master: u32) -> Result<(), ErrorCode> {
    Command::new(IOMMU_DMA, 1)
        .args(master.into(), 0)
        .call_success()
}

/// Detaches `master`.
pub fn detach(master: u32) -> Result<(), ErrorCode> {
    Command::new(IOMMU_DMA, 2)
        .args(master.into(), 0)
        .call_success()
}

/// Maps the buffer allowed in `slot` (read-only allow for [`Access::Read`],
/// read-write allow for [`Access::ReadWrite`]).
pub fn map(slot: u32, access: Access) -> Result<Mapping, ErrorCode> {
    match Command::new(IOMMU_DMA, 3)
        .args(slot.into(), access as u64)
        .call()?
    {
        Return::SuccessU32U64(handle, device_address) => Ok(Mapping {
            handle: u32::try_from(handle).map_err(|_| ErrorCode::BadRVal)?,
            device_address,
        }),
        _ => Err(ErrorCode::BadRVal),
    }
}

/// Unmaps; the handle is consumed.
pub fn unmap(handle: u32) -> Result<(), ErrorCode> {
    Command::new(IOMMU_DMA, 4)
        .args(handle.into(), 0)
        .call_success()
}

/// Domain information field `field` (see the ABI document).
pub fn info(field: u32) -> Result<u64, ErrorCode> {
    Command::new(IOMMU_DMA, 5).args(field.into(), 0).call_u64()
}

/// A DMA fault the IOMMU reported for this app's domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    /// Policy index of the master, `u32::MAX` if unknown.
    pub master: u32,
    /// The device address of the faulting access.
    pub device_address: u64,
    /// The kind (1 translation, 3 permission, ...; see the ABI document).
    pub kind: u32,
    /// The access was a write.
    pub write: bool,
}

impl Fault {
    /// Decodes the fault upcall's values.
    pub const fn from_upcall(values: UpcallValues) -> Self {
        Self::from_values(values.args)
    }

    /// Decodes the fault upcall's three values `(master, device address,
    /// kind << 8 | access)`.
    pub const fn from_values([master, device_address, code]: [u64; 3]) -> Self {
        Self {
            master: master as u32,
            device_address,
            kind: (code >> 8) as u32,
            write: code & 1 != 0,
        }
    }
}

/// Registers for fault upcalls (collected with [`wait_fault`]).
pub fn watch_faults() -> Result<(), ErrorCode> {
    subscribe(IOMMU_DMA, 0, Some(ignore_upcall), 0).map(|_| ())
}

/// Waits for the next fault upcall.
pub fn wait_fault() -> Fault {
    Fault::from_upcall(yield_wait_for(IOMMU_DMA, 0))
}

/// Copies `len` bytes from device address `source` to `destination` with
/// the board's DMA engine and waits for it; returns the bytes copied, or
/// the engine's error. It waits with yield-wait-for and no timeout, so use
/// it only for copies that cannot fault: a burst of fault upcalls can fill
/// the upcall queue and drop the done upcall ([`events::DmaEvents::copy`]
/// handles that).
pub fn copy(source: u64, destination: u64, len: u64) -> Result<u64, ErrorCode> {
    subscribe(DMA_ENGINE, 0, Some(ignore_upcall), 0)?;
    Command::new(DMA_ENGINE, 1).args(source, 0).call_success()?;
    Command::new(DMA_ENGINE, 2)
        .args(destination, len)
        .call_success()?;
    let done = yield_wait_for(DMA_ENGINE, 0);
    match done.args[1] {
        0 => Ok(done.args[0]),
        code => Err(ErrorCode::from_raw(code).unwrap_or(ErrorCode::BadRVal)),
    }
}

/// Engine command 1: sets the source device address of the next copy.
pub fn set_source(source: u64) -> Result<(), ErrorCode> {
    Command::new(DMA_ENGINE, 1).args(source, 0).call_success()
}

/// Engine command 2: starts copying `len` bytes from the source set last
/// to `destination`; the done upcall follows.
pub fn start(destination: u64, len: u64) -> Result<(), ErrorCode> {
    Command::new(DMA_ENGINE, 2)
        .args(destination, len)
        .call_success()
}

/// Engine command 5: starts writing `value` to the `len` bytes at device
/// address `destination` (length and byte packed into one argument); the
/// done upcall follows. `NOSUPPORT` on engines that cannot fill.
pub fn start_fill(destination: u64, len: u32, value: u8) -> Result<(), ErrorCode> {
    Command::new(DMA_ENGINE, 5)
        .args(destination, u64::from(len) | u64::from(value) << 32)
        .call_success()
}

/// Engine command 3: cancels this process's transfer in flight and waits
/// until the engine is idle (`ALREADY` if none is in flight).
pub fn cancel() -> Result<(), ErrorCode> {
    Command::new(DMA_ENGINE, 3).call_success()
}

/// The engine's longest single copy and its device-address width.
pub fn engine_limits() -> Result<(u32, u32), ErrorCode> {
    let (max, bits) = Command::new(DMA_ENGINE, 4)
        .call()?
        .expect_2u32_registers()?;
    Ok((max as u32, bits as u32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::class;
    use crate::raw::fake;

    #[test]
    fn fill_packs_length_and_byte_into_one_argument() {
        fake::install(|_, a| match (a[0], a[1], a[2], a[3]) {
            (d, 5, 0x9000_0000, 0xab_0000_1000) if d == u64::from(DMA_ENGINE) => [128, 0, 0, 0],
            _ => [0, ErrorCode::NoSupport as u64, 0, 0],
        });
        assert_eq!(start_fill(0x9000_0000, 0x1000, 0xab), Ok(()));
        assert_eq!(
            start_fill(0x9000_0000, 0x1000, 0xac),
            Err(ErrorCode::NoSupport)
        );
    }

    #[test]
    fn map_returns_handle_and_device_address() {
        fake::install(|_, a| match a[1] {
            3 => [133, 7, 0x9000_1000 + a[3], 0],
            _ => [0, ErrorCode::Invalid as u64, 0, 0],
        });
        assert_eq!(
            map(2, Access::ReadWrite),
            Ok(Mapping {
                handle: 7,
                device_address: 0x9000_1001
            })
        );
        assert_eq!(
            fake::log()[0],
            (class::COMMAND, [IOMMU_DMA.into(), 3, 2, 1])
        );
        assert_eq!(unmap(7), Err(ErrorCode::Invalid));
    }

    #[test]
    fn fault_upcalls_decode_kind_and_direction() {
        let fault = Fault::from_upcall(UpcallValues {
            args: [0, 0x9000_2000, (3 << 8) | 1],
            data: 0,
        });
        assert_eq!(
            fault,
            Fault {
                master: 0,
                device_address: 0x9000_2000,
                kind: 3,
                write: true
            }
        );
    }

    #[test]
    fn copy_sets_the_source_then_starts_and_reports_the_status() {
        fake::install(|class_, _| match class_ {
            class::SUBSCRIBE => [130, 0, 0, 0],
            class::YIELD => [4095, 0, 0, 0],
            _ => [128, 0, 0, 0],
        });
        assert_eq!(copy(0x9000_0000, 0x9000_1000, 4095), Ok(4095));
        let log = fake::log();
        assert_eq!(
            log[1],
            (class::COMMAND, [DMA_ENGINE.into(), 1, 0x9000_0000, 0])
        );
        assert_eq!(
            log[2],
            (class::COMMAND, [DMA_ENGINE.into(), 2, 0x9000_1000, 4095])
        );
        fake::install(|class_, _| match class_ {
            class::SUBSCRIBE => [130, 0, 0, 0],
            class::YIELD => [0, ErrorCode::Fail as u64, 0, 0],
            _ => [128, 0, 0, 0],
        });
        assert_eq!(copy(1, 2, 3), Err(ErrorCode::Fail));
    }
}
