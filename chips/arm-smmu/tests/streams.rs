// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Stream mapping as a device sees it: unmatched streams fault (never
//! bypass), masks cover ranges, overlapping patterns are refused before the
//! hardware can see a conflict, detach blocks at once, exhaustion errors.

mod common;

use common::{SimTables, buffer, dma, driver, mmu500_model, model_with};
use kernel::ErrorCode;
use kernel::hil::iommu::{
    DomainConfig, DomainId, FaultKind, Granule, Iommu, Protection, Stage, StreamId, StreamMatch,
    TableFormat,
};
use smmu_sim::{Access as Dev, GlobalFaultKind};

const IOVA: u64 = 0x1000_0000;

fn config() -> DomainConfig {
    DomainConfig {
        format: TableFormat::Lpae64(Granule::Size4K),
        stage: Stage::One,
        iova_bits: 32,
    }
}

fn stream(id: u32) -> StreamMatch {
    StreamMatch::exact(StreamId::new(id))
}

#[test]
fn unmatched_streams_fault_and_are_reported() {
    let (model, memory) = mmu500_model();
    let smmu = driver(&model);
    let recorder = common::Recorder::default();
    smmu.set_fault_client(&recorder);
    let iommu = common::Iommu::new(&smmu, io_pgtable::CoherentWalk);
    let domain = iommu
        .domain_alloc(&config(), SimTables::new(&memory))
        .unwrap();
    iommu.attach(domain, stream(0x10)).unwrap();
    iommu
        .map(
            domain,
            IOVA,
            buffer(&memory, 4096),
            4096,
            Protection::READ_WRITE,
        )
        .unwrap();

    let result = dma(&model, 0x11, IOVA, Dev::Write);
    assert!(
        matches!(
            result,
            Err(smmu_sim::Fault::Global {
                kind: GlobalFaultKind::UnidentifiedStream,
                ..
            })
        ),
        "{result:?}"
    );
    assert!(model.borrow().global_irq());
    assert!(smmu.handle_global_interrupt());
    assert!(!model.borrow().global_irq(), "the handler cleared sGFSR");
    let faults = recorder.faults.borrow();
    assert_eq!(faults.len(), 1);
    assert_eq!(faults[0].kind, FaultKind::UnidentifiedStream);
    assert_eq!(faults[0].stream, Some(StreamId::new(0x11)));
    assert_eq!(faults[0].domain, None);
    assert_eq!(faults[0].iova, IOVA);
    assert!(!smmu.handle_global_interrupt(), "nothing left to report");
}

#[test]
fn masked_attach_covers_exactly_the_masked_ids() {
    let (model, memory) = mmu500_model();
    let smmu = driver(&model);
    let iommu = common::Iommu::new(&smmu, io_pgtable::CoherentWalk);
    let domain = iommu
        .domain_alloc(&config(), SimTables::new(&memory))
        .unwrap();
    let pa = buffer(&memory, 4096);
    iommu
        .map(domain, IOVA, pa, 4096, Protection::READ_WRITE)
        .unwrap();
    // ZynqMP GDMA channels 0..7: 0x14e8..=0x14ef.
    let channels = StreamMatch::masked(StreamId::new(0x14e8), 0x7);
    iommu.attach(domain, channels).unwrap();
    for id in 0x14e8..=0x14ef {
        assert_eq!(dma(&model, id, IOVA, Dev::Read), Ok(pa), "channel {id:#x}");
    }
    assert!(dma(&model, 0x14f0, IOVA, Dev::Read).is_err());
    assert!(dma(&model, 0x14e0, IOVA, Dev::Read).is_err());
    assert_eq!(
        smmu.attached_streams(domain),
        1,
        "one SMR for the whole set"
    );
}

#[test]
fn overlapping_patterns_are_refused_whoever_owns_them() {
    let (_model, memory) = mmu500_model();
    let smmu = driver(&_model);
    let iommu = common::Iommu::new(&smmu, io_pgtable::CoherentWalk);
    let a = iommu
        .domain_alloc(&config(), SimTables::new(&memory))
        .unwrap();
    let b = iommu
        .domain_alloc(&config(), SimTables::new(&memory))
        .unwrap();
    iommu
        .attach(a, StreamMatch::masked(StreamId::new(0x100), 0xf))
        .unwrap();
    // Same pattern again on the same domain: already there.
    assert_eq!(
        iommu.attach(a, StreamMatch::masked(StreamId::new(0x100), 0xf)),
        Err(ErrorCode::Already)
    );
    // Another domain wanting one of those IDs: refused, the hardware would
    // see two matching SMRs.
    assert_eq!(iommu.attach(b, stream(0x105)), Err(ErrorCode::Busy));
    // An overlapping pattern on the same domain is refused too.
    assert_eq!(iommu.attach(a, stream(0x10f)), Err(ErrorCode::Busy));
    // Disjoint IDs are fine.
    iommu.attach(b, stream(0x110)).unwrap();
    // Out of the 15-bit stream ID space.
    assert_eq!(iommu.attach(b, stream(0x8000)), Err(ErrorCode::Inval));
}

#[test]
fn detach_blocks_the_stream_immediately() {
    let (model, memory) = mmu500_model();
    let smmu = driver(&model);
    let iommu = common::Iommu::new(&smmu, io_pgtable::CoherentWalk);
    let domain = iommu
        .domain_alloc(&config(), SimTables::new(&memory))
        .unwrap();
    let pa = buffer(&memory, 4096);
    iommu
        .map(domain, IOVA, pa, 4096, Protection::READ_WRITE)
        .unwrap();
    iommu.attach(domain, stream(0x20)).unwrap();
    assert_eq!(dma(&model, 0x20, IOVA, Dev::Read), Ok(pa));
    iommu.detach(domain, stream(0x20)).unwrap();
    assert!(dma(&model, 0x20, IOVA, Dev::Read).is_err());
    assert_eq!(iommu.detach(domain, stream(0x20)), Err(ErrorCode::Inval));
    // The entry is free again: the stream can move to another domain.
    let other = iommu
        .domain_alloc(&config(), SimTables::new(&memory))
        .unwrap();
    iommu.attach(other, stream(0x20)).unwrap();
    assert!(
        dma(&model, 0x20, IOVA, Dev::Read).is_err(),
        "the new domain maps nothing"
    );
}

#[test]
fn stream_entries_run_out_with_an_error() {
    let (model, memory) = mmu500_model();
    let smmu = driver(&model);
    let iommu = common::Iommu::new(&smmu, io_pgtable::CoherentWalk);
    let domain = iommu
        .domain_alloc(&config(), SimTables::new(&memory))
        .unwrap();
    let smrs = smmu.capabilities().stream_entries as u32;
    for id in 0..smrs {
        iommu.attach(domain, stream(id)).unwrap();
    }
    assert_eq!(iommu.attach(domain, stream(smrs)), Err(ErrorCode::NoMem));
    iommu.detach(domain, stream(3)).unwrap();
    iommu.attach(domain, stream(smrs)).unwrap();
}

#[test]
fn stream_indexing_routes_by_id_and_refuses_masks() {
    let (model, memory) = model_with(smmu_sim::SmmuConfig {
        stream_matching: false,
        num_smrg: 64,
        stream_id_bits: 6,
        ..smmu_sim::SmmuConfig::mmu500()
    });
    let smmu = driver(&model);
    assert!(!smmu.capabilities().stream_matching);
    let iommu = common::Iommu::new(&smmu, io_pgtable::CoherentWalk);
    let domain = iommu
        .domain_alloc(&config(), SimTables::new(&memory))
        .unwrap();
    let pa = buffer(&memory, 4096);
    iommu
        .map(domain, IOVA, pa, 4096, Protection::READ_WRITE)
        .unwrap();
    iommu.attach(domain, stream(9)).unwrap();
    assert_eq!(dma(&model, 9, IOVA, Dev::Read), Ok(pa));
    assert!(
        dma(&model, 10, IOVA, Dev::Read).is_err(),
        "other IDs stay on Fault"
    );
    assert_eq!(
        iommu.attach(domain, StreamMatch::masked(StreamId::new(8), 1)),
        Err(ErrorCode::NoSupport)
    );
    assert_eq!(iommu.attach(domain, stream(64)), Err(ErrorCode::Inval));
    iommu.detach(domain, stream(9)).unwrap();
    assert!(dma(&model, 9, IOVA, Dev::Read).is_err());
}

#[test]
fn operations_on_unknown_domains_are_refused() {
    let (_model, memory) = mmu500_model();
    let smmu = driver(&_model);
    let iommu = common::Iommu::new(&smmu, io_pgtable::CoherentWalk);
    for bogus in [DomainId::new(3), DomainId::new(16), DomainId::new(u16::MAX)] {
        assert_eq!(iommu.attach(bogus, stream(1)), Err(ErrorCode::Inval));
        assert_eq!(iommu.detach(bogus, stream(1)), Err(ErrorCode::Inval));
        assert_eq!(
            iommu.map(bogus, 0, 0x8000_0000, 4096, Protection::READ_ONLY),
            Err(ErrorCode::Inval)
        );
        assert_eq!(iommu.unmap(bogus, 0, 4096), Err(ErrorCode::Inval));
        assert_eq!(iommu.flush(bogus), Err(ErrorCode::Inval));
        assert_eq!(iommu.domain_free(bogus), Err(ErrorCode::Inval));
        assert_eq!(iommu.iova_to_phys(bogus, 0), Err(ErrorCode::Inval));
    }
    let domain = iommu
        .domain_alloc(&config(), SimTables::new(&memory))
        .unwrap();
    iommu.domain_free(domain).unwrap();
    assert_eq!(
        iommu.domain_free(domain),
        Err(ErrorCode::Inval),
        "double free"
    );
    assert_eq!(
        iommu.attach(domain, stream(1)),
        Err(ErrorCode::Inval),
        "use after free"
    );
}
