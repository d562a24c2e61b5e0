// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! DMA through QEMU's SMMUv3, end to end: the `edu` PCI device copies a
//! buffer RAM -> device -> RAM at IOVAs that the SMMU translates through a
//! stage-1 domain (`hil::iommu`, implemented by `arm-smmuv3` with
//! `io-pgtable` tables), and every isolation claim is checked against the
//! hardware model: unmapped IOVAs fault (a decoded event reaches the fault
//! client with domain, stream, IOVA and direction) and leave memory
//! untouched, an unmap is strict (no stale IOTLB entry survives it), and
//! the edu driver refuses requests that would crash the emulator before it
//! touches the device. The hardware is brought up per check (`rig`).

mod rig;

use kernel::ErrorCode;
use kernel::hil::dma::DmaEngine;
use kernel::hil::iommu::Iommu;
use qemu_virt::edu::{self, Transfer};

use super::{Env, ensure};
use rig::{PAGE, Rig, destination, fill, from_device, holds, phys_of, source, to_device};

/// Where the test buffers appear to the device. Below the edu's DMA mask, in
/// different 2 MiB regions so the table needs more than one leaf table.
const SOURCE_IOVA: u64 = 0x0010_0000;
const DESTINATION_IOVA: u64 = 0x0020_0000;
/// Never mapped.
const UNMAPPED_IOVA: u64 = 0x0030_0000;
/// The longest copy the edu driver accepts (one byte short of a page, see
/// `qemu_virt::edu`): the last byte of the destination must stay untouched,
/// which the checks verify too.
const COPY_LEN: usize = edu::USABLE_BUFFER;
/// Length of the transfers that are meant to fault.
const FAULT_LEN: usize = 256;
/// A pattern zeroed memory and the sentinel never match.
fn pattern(index: usize) -> u8 {
    (index.wrapping_mul(7) as u8).wrapping_add(3) | 1
}
const SENTINEL: u8 = 0x5a;

pub(super) fn edu_found_and_alive(_: &mut Env) -> Result<(), &'static str> {
    let rig = Rig::bring_up()?;
    ensure(
        rig.edu.identification() & 0xff == 0xed,
        "identification register is not edu's",
    )?;
    ensure(
        rig.edu.is_alive(0x1234_5678),
        "liveness register does not invert",
    )?;
    ensure(
        rig.edu.is_alive(0xffff_0000),
        "liveness register does not invert (2)",
    )?;
    ensure(!rig.edu.is_busy(), "the DMA engine is busy after reset")?;
    ensure(rig.enabled, "SMMU translation is not enabled")?;
    ensure(
        rig.iommu.capacity().free_domains == 1,
        "the SMMU offers no free domain",
    )?;
    defmt::info!(
        "edu {=u32:#x} at stream {=u32:#x}; SMMU OAS {=u8} bits",
        rig.edu.identification(),
        rig.stream,
        rig.oas_bits
    );
    Ok(())
}

pub(super) fn copy_through_the_smmu(_: &mut Env) -> Result<(), &'static str> {
    let rig = Rig::bring_up()?;
    let domain = rig.attached_domain()?;
    rig.map(domain, SOURCE_IOVA, source(), false)?;
    rig.map(domain, DESTINATION_IOVA, destination(), true)?;
    ensure(
        rig.iommu.iova_to_phys(domain, DESTINATION_IOVA + 0x10)
            == Ok(phys_of(destination()) + 0x10),
        "software walk disagrees with the mapping",
    )?;
    fill(source(), pattern);
    fill(destination(), |_| 0);
    to_device();
    let result = rig.copy(SOURCE_IOVA, DESTINATION_IOVA, COPY_LEN);
    from_device();
    let faults = rig.faults(domain, 0, 0, false).count;
    rig.retire(domain)?;
    result?;
    ensure(faults == 0, "the SMMU reported faults for a mapped copy")?;
    ensure(
        holds(destination(), 0..COPY_LEN, pattern),
        "destination does not hold the source's bytes",
    )?;
    ensure(
        holds(destination(), COPY_LEN..PAGE, |_| 0),
        "the byte past the copy changed",
    )?;
    ensure(holds(source(), 0..PAGE, pattern), "the source changed")
}

pub(super) fn unmapped_iova_faults(_: &mut Env) -> Result<(), &'static str> {
    let rig = Rig::bring_up()?;
    let domain = rig.attached_domain()?;
    rig.map(domain, SOURCE_IOVA, source(), false)?;
    rig.map(domain, DESTINATION_IOVA, destination(), true)?;
    fill(source(), pattern);
    fill(destination(), |_| SENTINEL);
    to_device();

    // Device write to an unmapped IOVA: the read half succeeds, the write
    // is refused by the SMMU.
    rig.copy(SOURCE_IOVA, UNMAPPED_IOVA, FAULT_LEN)?;
    from_device();
    let write_fault = rig
        .faults(domain, UNMAPPED_IOVA, FAULT_LEN, true)
        .as_expected();
    let untouched = holds(destination(), 0..PAGE, |_| SENTINEL);

    // Device read from an unmapped IOVA into the mapped destination: the
    // read faults; the device then writes whatever its buffer holds, which
    // is never the content of a page it could not reach.
    rig.copy(UNMAPPED_IOVA + 0x800, DESTINATION_IOVA, FAULT_LEN)?;
    from_device();
    let read_fault = rig
        .faults(domain, UNMAPPED_IOVA + 0x800, FAULT_LEN, false)
        .as_expected();
    rig.retire(domain)?;

    ensure(
        write_fault,
        "no translation fault (domain, stream, IOVA, write) for the unmapped destination",
    )?;
    ensure(
        read_fault,
        "no translation fault (domain, stream, IOVA, read) for the unmapped source",
    )?;
    ensure(untouched, "a refused device write changed memory")?;
    ensure(holds(source(), 0..PAGE, pattern), "the source changed")?;
    ensure(
        holds(destination(), FAULT_LEN..PAGE, |_| SENTINEL),
        "memory beyond the transfer changed",
    )
}

pub(super) fn unmap_is_strict(_: &mut Env) -> Result<(), &'static str> {
    let rig = Rig::bring_up()?;
    let domain = rig.attached_domain()?;
    rig.map(domain, SOURCE_IOVA, source(), false)?;
    rig.map(domain, DESTINATION_IOVA, destination(), true)?;
    fill(source(), pattern);
    fill(destination(), |_| 0);
    to_device();
    // This copy fills the SMMU's IOTLB with the destination's translation.
    rig.copy(SOURCE_IOVA, DESTINATION_IOVA, COPY_LEN)?;
    from_device();
    let copied = holds(destination(), 0..COPY_LEN, pattern);

    let unmapped = rig.iommu.unmap(domain, DESTINATION_IOVA, PAGE as u64);
    fill(destination(), |_| SENTINEL);
    to_device();
    // Without CMD_TLBI_NH_VA + CMD_SYNC in unmap, the cached translation
    // would let this write through (measured: see doc/arm-smmuv3.md).
    rig.copy(SOURCE_IOVA, DESTINATION_IOVA, COPY_LEN)?;
    from_device();
    let faulted = rig
        .faults(domain, DESTINATION_IOVA, COPY_LEN, true)
        .as_expected();
    rig.retire(domain)?;

    ensure(copied, "the copy before unmap did not arrive")?;
    ensure(unmapped == Ok(PAGE as u64), "unmap did not report one page")?;
    ensure(
        faulted,
        "DMA after unmap did not fault at the unmapped IOVA",
    )?;
    ensure(
        holds(destination(), 0..PAGE, |_| SENTINEL),
        "DMA after unmap reached the page",
    )
}

pub(super) fn driver_refuses_out_of_window_requests(_: &mut Env) -> Result<(), &'static str> {
    let rig = Rig::bring_up()?;
    let top = 1u64 << rig.edu.dma_address_bits();
    // Each of these, programmed into QEMU's edu, would abort the emulator
    // (buffer range, zero length) or be silently masked to another address
    // (above the DMA mask).
    let refused = [
        (
            rig.edu.copy(SOURCE_IOVA, DESTINATION_IOVA, 0),
            ErrorCode::Size,
        ),
        (
            rig.edu
                .copy(SOURCE_IOVA, DESTINATION_IOVA, edu::MAX_COPY + 1),
            ErrorCode::Size,
        ),
        (
            rig.edu.copy(top - 16, DESTINATION_IOVA, 32),
            ErrorCode::Inval,
        ),
        (rig.edu.copy(SOURCE_IOVA, top, 1), ErrorCode::Inval),
        (
            rig.edu.copy(u64::MAX - 8, DESTINATION_IOVA, 64),
            ErrorCode::Inval,
        ),
    ];
    for (result, expected) in refused {
        ensure(
            result == Err(expected),
            "a bad copy was not refused with the right error",
        )?;
    }
    ensure(
        Transfer::to_device(SOURCE_IOVA, PAGE - 8, 8, rig.edu.dma_address_bits())
            == Err(ErrorCode::Inval),
        "a transfer reaching the edu buffer's end was accepted",
    )?;
    ensure(
        Transfer::to_ram(PAGE, DESTINATION_IOVA, 1, rig.edu.dma_address_bits())
            == Err(ErrorCode::Inval),
        "a transfer starting past the edu buffer was accepted",
    )?;
    // Nothing was started: the engine is idle and QEMU is still running.
    ensure(!rig.edu.is_busy(), "a refused request started the engine")?;
    ensure(
        rig.edu.is_alive(0x0bad_cafe),
        "the device stopped answering",
    )
}
