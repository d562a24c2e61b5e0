// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Loading every app of an app region (TBF objects back to back, as
//! `tockloader --flash-file` writes them) into the process table.
//!
//! Each image is copied into page-aligned frames (tockloader does not
//! page-align apps, and the MMU maps whole pages), RAM plus grant region are
//! reserved behind it, and the process is put in the table. A refused app is
//! reported with its reason and the next one still loads.

use crate::capabilities::ProcessManagementCapability;
use crate::kernel::{AppInfo, Kernel, LoadError};
use crate::memory::layout::{APP_IMAGE_BASE, APP_RAM_BASE};
use crate::memory::{Backing, LayoutError, MemoryPlan, ProcessLayout};
use crate::process::{FaultPolicy, ProcessId};
use crate::tbf::{TbfError, TbfHeader, TbfWalker};

/// The Tock kernel ABI version this kernel implements (TRD104 with
/// yield-wait-for, Tock 2.2): apps asking for `^major.minor` up to it load.
pub const KERNEL_VERSION: (u16, u16) = (2, 2);

/// Supplies zeroed, page-aligned physical memory for processes.
///
/// # Safety
/// Every block returned must be `bytes` long (rounded up to pages),
/// page-aligned, zeroed, readable and writable by the kernel at `kva`, used
/// by nothing else, and never handed out again.
pub unsafe trait PageAllocator {
    /// A fresh block of at least `bytes`, or `None` when memory is short.
    fn allocate(&mut self, bytes: u64) -> Option<Backing>;
}

/// Per-board loading choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub struct LoaderConfig {
    /// Grant region size for every process.
    pub grant_size: u64,
    /// Fault policy for every process.
    pub fault_policy: FaultPolicy,
}

/// Why an app in the region was not loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum LoadFailure {
    /// The TBF header was refused.
    Tbf(TbfError),
    /// The app is marked disabled.
    Disabled,
    /// It needs a newer kernel ABI (its kernel-version TLV).
    IncompatibleKernel(u16, u16),
    /// It was linked for fixed addresses other than this kernel's layout.
    FixedAddressMismatch,
    /// Its sizes do not fit the process layout.
    Layout(LayoutError),
    /// No memory left for its image or RAM.
    OutOfMemory,
    /// The process table refused it.
    Table(LoadError),
}

/// What happened to the region.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, defmt::Format)]
pub struct LoadSummary {
    /// Processes put in the table.
    pub loaded: usize,
    /// Apps refused (each reported to the callback).
    pub refused: usize,
}

/// Loads every enabled app in `region`; calls `report(offset, result)` for
/// every TBF object that is an app (padding objects are skipped silently).
pub fn load_processes(
    kernel: &Kernel,
    region: &'static [u8],
    memory: &mut impl PageAllocator,
    config: LoaderConfig,
    cap: &dyn ProcessManagementCapability,
    mut report: impl FnMut(usize, Result<ProcessId, LoadFailure>),
) -> LoadSummary {
    let mut summary = LoadSummary::default();
    for found in TbfWalker::new(region) {
        let result = match found.header {
            Ok(h) if !h.is_app() => continue,
            Ok(h) => load_one(kernel, found.bytes, &h, memory, config, cap),
            Err(e) => Err(LoadFailure::Tbf(e)),
        };
        match result {
            Ok(_) => summary.loaded += 1,
            Err(_) => summary.refused += 1,
        }
        report(found.offset, result);
    }
    summary
}

fn check_compatible(h: &TbfHeader<'_>) -> Result<(), LoadFailure> {
    if !h.is_enabled() {
        return Err(LoadFailure::Disabled);
    }
    if let Some((major, minor)) = h.kernel_version
        && (major != KERNEL_VERSION.0 || minor > KERNEL_VERSION.1)
    {
        return Err(LoadFailure::IncompatibleKernel(major, minor));
    }
    if let Some(fixed) = h.fixed_addresses {
        let binary_va = APP_IMAGE_BASE + u64::from(h.protected_end());
        let flash_ok = fixed.flash.is_none_or(|f| u64::from(f) == binary_va);
        let ram_ok = fixed.ram.is_none_or(|r| u64::from(r) == APP_RAM_BASE);
        if !(flash_ok && ram_ok) {
            return Err(LoadFailure::FixedAddressMismatch);
        }
    }
    Ok(())
}

fn load_one(
    kernel: &Kernel,
    bytes: &'static [u8],
    h: &TbfHeader<'static>,
    memory: &mut impl PageAllocator,
    config: LoaderConfig,
    cap: &dyn ProcessManagementCapability,
) -> Result<ProcessId, LoadFailure> {
    check_compatible(h)?;
    let program = h.program.ok_or(LoadFailure::Tbf(TbfError::BadEntryPoint))?;
    let plan = MemoryPlan::new(
        bytes.len() as u64,
        program.minimum_ram_size.into(),
        config.grant_size,
    )
    .map_err(LoadFailure::Layout)?;
    let image = memory
        .allocate(plan.image_bytes)
        .ok_or(LoadFailure::OutOfMemory)?;
    let ram = memory
        .allocate(plan.ram_block_bytes())
        .ok_or(LoadFailure::OutOfMemory)?;
    // SAFETY: `PageAllocator`'s contract makes `image.kva` a fresh, writable
    // block of `plan.image_bytes >= bytes.len()` bytes, disjoint from
    // `bytes` (which is the app region, not allocator memory).
    unsafe {
        core::ptr::copy_nonoverlapping(bytes.as_ptr(), image.kva as usize as *mut u8, bytes.len())
    };
    let layout = ProcessLayout::new(plan, image, ram).map_err(LoadFailure::Layout)?;
    let entry = APP_IMAGE_BASE + u64::from(h.entry_offset().unwrap_or(0));
    let app = AppInfo {
        entry,
        name: h.package_name.unwrap_or(""),
        fault_policy: config.fault_policy,
        permissions: h.permissions,
    };
    // SAFETY: both backings come from the `PageAllocator`, whose contract is
    // exactly `load_process`'s: kernel-owned, exclusive, never reused.
    unsafe { kernel.load_process(layout, app, cap) }.map_err(LoadFailure::Table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tbf::{FixedAddresses, ProgramInfo};

    fn header() -> TbfHeader<'static> {
        TbfHeader {
            header_size: 64,
            total_size: 8192,
            flags: crate::tbf::header::FLAG_ENABLED,
            program: Some(ProgramInfo {
                init_fn_offset: 4032,
                protected_trailer: 4032,
                minimum_ram_size: 4096,
                binary_end_offset: 8192,
                version: 0,
            }),
            package_name: None,
            fixed_addresses: None,
            permissions: None,
            kernel_version: None,
            short_id: None,
            writeable_flash_regions: 0,
            unknown_tlvs: 0,
        }
    }

    #[test]
    fn fixed_addresses_must_match_the_layout() {
        let mut h = header();
        let binary = (APP_IMAGE_BASE + 4096) as u32;
        h.fixed_addresses = Some(FixedAddresses {
            ram: None,
            flash: Some(binary),
        });
        assert_eq!(check_compatible(&h), Ok(()));
        h.fixed_addresses = Some(FixedAddresses {
            ram: Some(APP_RAM_BASE as u32),
            flash: None,
        });
        assert_eq!(check_compatible(&h), Ok(()));
        h.fixed_addresses = Some(FixedAddresses {
            ram: None,
            flash: Some(0x0004_0000),
        });
        assert_eq!(check_compatible(&h), Err(LoadFailure::FixedAddressMismatch));
        h.fixed_addresses = Some(FixedAddresses {
            ram: Some(0x2000_0000),
            flash: Some(binary),
        });
        assert_eq!(check_compatible(&h), Err(LoadFailure::FixedAddressMismatch));
    }

    #[test]
    fn kernel_version_is_caret_compatible() {
        let mut h = header();
        for (v, ok) in [
            ((2, 0), true),
            ((2, 2), true),
            ((2, 3), false),
            ((1, 9), false),
            ((3, 0), false),
        ] {
            h.kernel_version = Some(v);
            assert_eq!(check_compatible(&h).is_ok(), ok, "{v:?}");
        }
        h.flags = 0;
        h.kernel_version = None;
        assert_eq!(check_compatible(&h), Err(LoadFailure::Disabled));
    }
}
