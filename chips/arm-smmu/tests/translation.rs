// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! What a device sees through every table format: attach a stream, map
//! through `io-pgtable`, issue transactions to the model, compare; unmap and
//! see the translation gone.

mod common;

use common::{SimTables, buffer, dma, driver, mmu500_model};
use kernel::hil::iommu::{
    Access, DomainConfig, Fault, FaultKind, Granule, Iommu, Protection, Stage, StreamId,
    StreamMatch, TableFormat,
};
use smmu_sim::Access as Dev;

const STREAM: u16 = 0x14e8;

fn round_trip(format: TableFormat, stage: Stage, iova_bits: u8, page: u64) {
    let (model, memory) = mmu500_model();
    let smmu = driver(&model);
    let recorder = common::Recorder::default();
    smmu.set_fault_client(&recorder);
    let iommu = common::Iommu::new(&smmu, io_pgtable::CoherentWalk);

    let config = DomainConfig {
        format,
        stage,
        iova_bits,
    };
    let domain = iommu
        .domain_alloc(&config, SimTables::new(&memory))
        .expect("domain");
    iommu
        .attach(domain, StreamMatch::exact(StreamId::new(u32::from(STREAM))))
        .expect("attach");

    let pa = buffer(&memory, 4 * page as usize);
    let iova = 0x4000_0000 % (1u64 << iova_bits.min(31)) + 16 * page;
    iommu
        .map(domain, iova, pa, 2 * page, Protection::READ_WRITE)
        .expect("map");

    // The device reaches exactly the mapped pages, offsets preserved.
    for offset in [0, 8, page - 8, page, 2 * page - 8] {
        assert_eq!(
            dma(&model, STREAM, iova + offset, Dev::Read),
            Ok(pa + offset),
            "{format:?} read +{offset:#x}"
        );
        assert_eq!(
            dma(&model, STREAM, iova + offset, Dev::Write),
            Ok(pa + offset),
            "{format:?} write +{offset:#x}"
        );
    }
    // Data written by the device lands at the physical address.
    model
        .borrow_mut()
        .dma_write(STREAM, iova + 0x10, b"portcullis")
        .expect("DMA write through the mapping");
    let mut seen = [0u8; 10];
    memory.read_bytes(pa + 0x10, &mut seen).unwrap();
    assert_eq!(&seen, b"portcullis");
    // Just outside the mapping faults; the hardware records the first fault
    // (and MULTI for the second), the handler reports it and clears both.
    assert!(dma(&model, STREAM, iova + 2 * page, Dev::Write).is_err());
    assert!(dma(&model, STREAM, iova - page, Dev::Read).is_err());
    assert_eq!(smmu.handle_context_interrupt(), 1);
    assert_eq!(
        recorder.faults.borrow().as_slice(),
        &[Fault {
            domain: Some(domain),
            stream: Some(StreamId::new(u32::from(STREAM))),
            iova: iova + 2 * page,
            access: Access::Write,
            kind: FaultKind::Translation,
        }]
    );
    assert!(model.borrow().pending_context_irqs().is_empty());

    // The software walk agrees with the device.
    assert_eq!(iommu.iova_to_phys(domain, iova + 0x24), Ok(pa + 0x24));
    if stage == Stage::One {
        assert_eq!(
            iommu.translate_hw(domain, iova + page + 0x24, Access::Read),
            Ok(pa + page + 0x24)
        );
    }

    // Unmap: gone for the device, the walk and the hardware walk.
    assert_eq!(iommu.unmap(domain, iova, 2 * page), Ok(2 * page));
    let fault = dma(&model, STREAM, iova + 8, Dev::Read);
    assert!(
        fault.is_err(),
        "{format:?}: unmapped IOVA still translates: {fault:?}"
    );
    assert_eq!(
        iommu.iova_to_phys(domain, iova),
        Err(kernel::ErrorCode::Inval)
    );

    // The fault reaches the client typed and cleared.
    recorder.faults.borrow_mut().clear();
    assert!(smmu.handle_context_interrupt() >= 1);
    let faults = recorder.faults.borrow();
    let last = faults.last().expect("a fault was reported");
    assert_eq!(last.domain, Some(domain));
    assert_eq!(last.stream, Some(StreamId::new(u32::from(STREAM))));
    assert_eq!(last.kind, FaultKind::Translation);
    assert_eq!(last.access, Access::Read);
    assert_eq!(last.iova, iova + 8);
    assert!(model.borrow().pending_context_irqs().is_empty());
    drop(faults);

    iommu.domain_free(domain).expect("free");
    assert!(
        dma(&model, STREAM, iova, Dev::Read).is_err(),
        "freed domain's stream must fault"
    );
}

#[test]
fn aarch64_4k_stage1() {
    round_trip(
        TableFormat::Lpae64(Granule::Size4K),
        Stage::One,
        48,
        4 << 10,
    );
}

#[test]
fn aarch64_16k_stage1() {
    round_trip(
        TableFormat::Lpae64(Granule::Size16K),
        Stage::One,
        48,
        16 << 10,
    );
}

#[test]
fn aarch64_64k_stage1() {
    round_trip(
        TableFormat::Lpae64(Granule::Size64K),
        Stage::One,
        48,
        64 << 10,
    );
}

#[test]
fn aarch64_4k_stage2() {
    round_trip(
        TableFormat::Lpae64(Granule::Size4K),
        Stage::Two,
        40,
        4 << 10,
    );
}

#[test]
fn aarch64_64k_stage2() {
    round_trip(
        TableFormat::Lpae64(Granule::Size64K),
        Stage::Two,
        42,
        64 << 10,
    );
}

#[test]
fn aarch32_long_stage1() {
    round_trip(TableFormat::Lpae32, Stage::One, 32, 4 << 10);
}

#[test]
fn aarch32_long_stage2() {
    round_trip(TableFormat::Lpae32, Stage::Two, 40, 4 << 10);
}

#[test]
fn aarch32_short_descriptor() {
    round_trip(TableFormat::ShortDescriptor, Stage::One, 32, 4 << 10);
}
