// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Phase 1: the IOMMU DMA driver's refusals and quotas, without the
//! master (which `dma-storm` holds meanwhile).

use libportcullis::abi::Return;
use libportcullis::check::{Checks, refusal};
use libportcullis::dma::buffer::{DmaBuffer, PAGE, unallow};
use libportcullis::dma::{self, Access, info_field};
use libportcullis::drivers::{DMA_ENGINE, IOMMU_DMA};
use libportcullis::syscall::{Command, allow_ro_raw};
use libportcullis::{ErrorCode, alarm};

use crate::MASTER;

/// The sweep over foreign handle values must be over by then (from this
/// app's start): `dma-storm` checks its mappings survived it at 3 s from
/// its own start, and both apps start within milliseconds.
const SWEEP_DEADLINE_MS: u32 = 2500;
/// Handle values swept: from 0 up to this (handles come from one counter
/// shared by all apps, so the other apps' first handles are in here).
const SWEEP_TOP: u64 = 64;

/// Three pages of RAM for malformed and multi-page maps.
static PAGES: DmaBuffer<3> = DmaBuffer::new();
static PAGE_A: DmaBuffer<1> = DmaBuffer::new();
static PAGE_B: DmaBuffer<1> = DmaBuffer::new();

/// A page of the app's image (`.rodata`): mappable read-only, and in
/// another 2 MiB region of IOVA space than RAM, so mapping it needs a
/// fourth translation-table page.
#[repr(C, align(4096))]
struct ImagePage([u8; PAGE]);
static IMAGE_PAGE: ImagePage = ImagePage([0x5A; PAGE]);

/// IOMMU DMA command `number` with raw arguments.
fn iommu(number: u32, arg0: u64, arg1: u64) -> Result<Return, ErrorCode> {
    Command::new(IOMMU_DMA, number).args(arg0, arg1).call()
}

fn info(field: u32) -> Result<u64, ErrorCode> {
    dma::info(field)
}

/// Runs phase 1; `start` is this app's start on the alarm clock.
pub(crate) fn run(checks: &Checks, start: u64, hz: u32) -> Result<(), ErrorCode> {
    basics(checks);
    masters(checks);
    malformed_maps(checks)?;
    sweep(checks);
    checks.check(
        "handle sweep done while the other app's mappings are live",
        if alarm::now()? < start + alarm::ms_to_ticks(SWEEP_DEADLINE_MS, hz) {
            Ok(())
        } else {
            Err("too late for dma-storm's check")
        },
    );
    engine_without_master(checks);
    quotas(checks)
}

fn basics(checks: &Checks) {
    checks.accepted("iommu-dma exists", iommu(0, 0, 0));
    checks.equals(
        "no domain before first use",
        info(info_field::DOMAIN_STATE),
        0,
    );
    let name = "info: IOVA window of 32 to 64 bits";
    match info(info_field::IOVA_BITS) {
        Ok(bits) if (32..=64).contains(&bits) => checks.pass(name),
        other => checks.fail(name, format_args!("got {other:?}")),
    }
    checks.equals(
        "info: page size 4096",
        info(info_field::PAGE_SIZE),
        PAGE as u64,
    );
    checks.equals("info: 0 bytes mapped", info(info_field::BYTES_MAPPED), 0);
    checks.equals(
        "info: 2 mappings left (quota)",
        info(info_field::MAPPINGS_LEFT),
        2,
    );
    checks.equals(
        "info: 3 table pages left (quota)",
        info(info_field::TABLE_PAGES_LEFT),
        3,
    );
    checks.equals(
        "info: 0 table pages held",
        info(info_field::TABLE_PAGES_USED),
        0,
    );
    checks.equals("info: 0 faults this run", info(info_field::FAULTS), 0);
    checks.refused("info field 8 (INVAL)", dma::info(8), ErrorCode::Invalid);
    checks.refused(
        "info field 2^32 + 2 (INVAL)",
        iommu(5, (1 << 32) | 2, 0),
        ErrorCode::Invalid,
    );
    for number in [6, 99, 1000] {
        checks.refused(
            "unknown iommu-dma command (NOSUPPORT)",
            iommu(number, 0, 0),
            ErrorCode::NoSupport,
        );
    }
    checks.refused(
        "unknown dma-engine command (NOSUPPORT)",
        Command::new(DMA_ENGINE, 6).call(),
        ErrorCode::NoSupport,
    );
    checks.equals("info created no domain", info(info_field::DOMAIN_STATE), 0);
}

fn masters(checks: &Checks) {
    for master in [1, u64::from(u32::MAX), 1 << 32] {
        checks.refused(
            "attach of an undeclared master (INVAL)",
            iommu(1, master, 0),
            ErrorCode::Invalid,
        );
    }
    checks.refused(
        "attach of the master another app holds (BUSY)",
        dma::attach(MASTER),
        ErrorCode::Busy,
    );
    checks.refused(
        "detach of a master not attached (INVAL)",
        dma::detach(MASTER),
        ErrorCode::Invalid,
    );
    checks.refused(
        "detach of an undeclared master (INVAL)",
        iommu(2, 7, 0),
        ErrorCode::Invalid,
    );
    checks.equals(
        "refused attaches created no domain",
        info(info_field::DOMAIN_STATE),
        0,
    );
}

fn malformed_maps(checks: &Checks) -> Result<(), ErrorCode> {
    checks.refused(
        "map of an empty slot (RESERVE)",
        iommu(3, 0, 1),
        ErrorCode::Reserve,
    );
    PAGES.allow(0, Access::ReadWrite, 0, PAGE)?;
    checks.refused("map of slot 4 (INVAL)", iommu(3, 4, 1), ErrorCode::Invalid);
    checks.refused(
        "map of slot 2^32 (INVAL)",
        iommu(3, 1 << 32, 1),
        ErrorCode::Invalid,
    );
    for kind in [2, u64::MAX] {
        checks.refused(
            "map with a bad access kind (INVAL)",
            iommu(3, 0, kind),
            ErrorCode::Invalid,
        );
    }
    unallow(0, Access::ReadWrite);
    checks.refused(
        "map of an allowed-then-unallowed slot (RESERVE)",
        iommu(3, 0, 1),
        ErrorCode::Reserve,
    );
    checks.refused(
        "map of a read-only slot when only read-write is allowed (RESERVE)",
        {
            PAGES.allow(0, Access::ReadWrite, 0, PAGE)?;
            let answer = iommu(3, 0, 0);
            unallow(0, Access::ReadWrite);
            answer
        },
        ErrorCode::Reserve,
    );
    for (name, offset, len) in [
        ("map of an unaligned buffer (INVAL)", 1, PAGE),
        ("map of a buffer ending mid-page (INVAL)", 0, PAGE + 1),
        ("map of a 100-byte buffer (INVAL)", 0, 100),
        (
            "map of a buffer starting and ending mid-page (INVAL)",
            2048,
            PAGE,
        ),
    ] {
        PAGES.allow(0, Access::ReadWrite, offset, len)?;
        checks.refused(name, iommu(3, 0, 1), ErrorCode::Invalid);
        unallow(0, Access::ReadWrite);
    }
    PAGES.allow(0, Access::ReadWrite, PAGE, 0)?;
    checks.refused(
        "map of a zero-length allow (RESERVE)",
        iommu(3, 0, 1),
        ErrorCode::Reserve,
    );
    unallow(0, Access::ReadWrite);
    let untouched = (
        info(info_field::DOMAIN_STATE),
        info(info_field::BYTES_MAPPED),
        info(info_field::MAPPINGS_LEFT),
    );
    checks.equals(
        "refused maps created nothing (no domain, 0 bytes, 2 mappings left)",
        Ok(untouched),
        (Ok(0), Ok(0), Ok(2)),
    );
    Ok(())
}

/// Unmaps every handle value this app never got: all must be `INVAL`,
/// whoever holds them (`dma-storm` holds the first ones).
fn sweep(checks: &Checks) {
    let values = (0..=SWEEP_TOP).chain([u64::from(u32::MAX), 1 << 32, (1 << 32) | 1, u64::MAX]);
    let mut wrong = None;
    let mut count = 0;
    for value in values {
        count += 1;
        let answer = iommu(4, value, 0);
        if wrong.is_none() && refusal(answer, ErrorCode::Invalid).is_err() {
            wrong = Some((value, answer));
        }
    }
    checks.check(
        "unmap of never-issued and other apps' handles (INVAL)",
        match wrong {
            None => Ok(()),
            Some((value, answer)) => Err(SweepMiss { value, answer }),
        },
    );
    libportcullis::println!("dma-hostile: swept {count} handle values");
}

struct SweepMiss {
    value: u64,
    answer: Result<Return, ErrorCode>,
}

impl core::fmt::Display for SweepMiss {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "unmap({:#x}) answered {:?}", self.value, self.answer)
    }
}

fn engine_without_master(checks: &Checks) {
    checks.accepted(
        "dma-engine set source without the master (stored only)",
        dma::set_source(PAGE_A.address()),
    );
    checks.refused(
        "dma-engine copy without owning the master (RESERVE)",
        dma::start(PAGE_B.address(), 16),
        ErrorCode::Reserve,
    );
    checks.refused(
        "dma-engine cancel with nothing in flight (ALREADY)",
        dma::cancel(),
        ErrorCode::Already,
    );
}

fn quotas(checks: &Checks) -> Result<(), ErrorCode> {
    let Some(a) = checks.accepted(
        "map a page (creates the domain)",
        PAGE_A.map(0, Access::ReadWrite),
    ) else {
        return Ok(());
    };
    checks.check(
        "handle is not 0, device address is the buffer's address",
        if a.handle != 0 && a.device_address == PAGE_A.address() {
            Ok(())
        } else {
            Err("wrong handle or device address")
        },
    );
    let state = (
        info(info_field::DOMAIN_STATE),
        info(info_field::BYTES_MAPPED),
        info(info_field::MAPPINGS_LEFT),
        info(info_field::TABLE_PAGES_USED),
        info(info_field::TABLE_PAGES_LEFT),
    );
    checks.equals(
        "info after one map: active, 4096 bytes, 1 mapping left, 3 table pages held, 0 left",
        Ok(state),
        (Ok(1), Ok(4096), Ok(1), Ok(3), Ok(0)),
    );
    checks.refused(
        "map of an already mapped page (ALREADY)",
        PAGE_A.map(1, Access::ReadWrite),
        ErrorCode::Already,
    );
    let Some(b) = checks.accepted("map a second page", PAGE_B.map(1, Access::ReadWrite)) else {
        return Ok(());
    };
    PAGES.allow(0, Access::ReadWrite, 0, PAGE)?;
    checks.refused(
        "third mapping over the mapping quota (NOMEM)",
        iommu(3, 0, 1),
        ErrorCode::NoMem,
    );
    unallow(0, Access::ReadWrite);
    checks.accepted("unmap the second page", dma::unmap(b.handle));
    PAGES.allow(0, Access::ReadWrite, 0, 2 * PAGE)?;
    checks.refused(
        "8 KiB more over the byte quota (NOMEM)",
        iommu(3, 0, 1),
        ErrorCode::NoMem,
    );
    unallow(0, Access::ReadWrite);
    checks.refused(
        "image page in a new 2 MiB region over the table-page quota (NOMEM)",
        map_image_page(),
        ErrorCode::NoMem,
    );
    let state = (
        info(info_field::BYTES_MAPPED),
        info(info_field::MAPPINGS_LEFT),
        info(info_field::TABLE_PAGES_USED),
    );
    checks.equals(
        "refused maps changed nothing (4096 bytes, 1 mapping left, 3 table pages)",
        Ok(state),
        (Ok(4096), Ok(1), Ok(3)),
    );
    checks.refused(
        "unmap of a consumed handle (INVAL)",
        dma::unmap(b.handle),
        ErrorCode::Invalid,
    );
    checks.refused(
        "unmap of a live handle with high bits set (INVAL)",
        iommu(4, (1 << 32) | u64::from(a.handle), 0),
        ErrorCode::Invalid,
    );
    checks.accepted("unmap the first page", dma::unmap(a.handle));
    checks.refused(
        "double unmap (INVAL)",
        dma::unmap(a.handle),
        ErrorCode::Invalid,
    );
    checks.equals("nothing left mapped", info(info_field::BYTES_MAPPED), 0);
    Ok(())
}

/// Allows [`IMAGE_PAGE`] read-only in slot 1, maps it read-only, un-allows.
fn map_image_page() -> Result<dma::Mapping, ErrorCode> {
    let page = &IMAGE_PAGE.0;
    // SAFETY: `IMAGE_PAGE` is immutable static data: the kernel (and a
    // device, if the map succeeded) may read it for as long as it likes.
    unsafe { allow_ro_raw(IOMMU_DMA, 1, page.as_ptr() as u64, PAGE as u64)? };
    let mapped = dma::map(1, Access::Read);
    unallow(1, Access::Read);
    mapped
}
