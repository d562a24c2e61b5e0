// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Invariant 1 of the design: a device attached to a domain reaches only
//! what that domain mapped, with the permissions given, even when two
//! domains use the same IOVAs.

mod common;

use common::{SimTables, buffer, dma, driver, mmu500_model};
use kernel::hil::iommu::{
    Access, DomainConfig, Fault, FaultKind, Granule, Iommu, Protection, Stage, StreamId,
    StreamMatch, TableFormat,
};
use smmu_sim::{Access as Dev, ContextFaultKind};

const APP_A: u16 = 0x14e8;
const APP_B: u16 = 0x14e9;
const IOVA: u64 = 0x8000_0000;

fn lpae_s1() -> DomainConfig {
    DomainConfig {
        format: TableFormat::Lpae64(Granule::Size4K),
        stage: Stage::One,
        iova_bits: 40,
    }
}

#[test]
fn overlapping_iovas_in_two_domains_stay_apart() {
    let (model, memory) = mmu500_model();
    let smmu = driver(&model);
    let iommu = common::Iommu::new(&smmu, io_pgtable::CoherentWalk);
    let a = iommu
        .domain_alloc(&lpae_s1(), SimTables::new(&memory))
        .unwrap();
    let b = iommu
        .domain_alloc(&lpae_s1(), SimTables::new(&memory))
        .unwrap();
    assert_ne!(a, b);
    iommu
        .attach(a, StreamMatch::exact(StreamId::new(APP_A.into())))
        .unwrap();
    iommu
        .attach(b, StreamMatch::exact(StreamId::new(APP_B.into())))
        .unwrap();
    let pa_a = buffer(&memory, 8192);
    let pa_b = buffer(&memory, 8192);
    iommu
        .map(a, IOVA, pa_a, 8192, Protection::READ_WRITE)
        .unwrap();
    iommu
        .map(b, IOVA, pa_b, 4096, Protection::READ_WRITE)
        .unwrap();

    assert_eq!(dma(&model, APP_A, IOVA + 0x10, Dev::Write), Ok(pa_a + 0x10));
    assert_eq!(dma(&model, APP_B, IOVA + 0x10, Dev::Write), Ok(pa_b + 0x10));
    // B mapped one page only: A's second page is not B's.
    assert_eq!(
        dma(&model, APP_A, IOVA + 0x1000, Dev::Read),
        Ok(pa_a + 0x1000)
    );
    assert!(dma(&model, APP_B, IOVA + 0x1000, Dev::Read).is_err());

    // Unmapping in A leaves B untouched, even with both cached.
    iommu.unmap(a, IOVA, 8192).unwrap();
    assert!(dma(&model, APP_A, IOVA, Dev::Read).is_err());
    assert_eq!(dma(&model, APP_B, IOVA, Dev::Read), Ok(pa_b));

    // Freeing B does not disturb A's (now empty) domain or its stream.
    iommu
        .map(a, IOVA, pa_a, 4096, Protection::READ_ONLY)
        .unwrap();
    iommu.domain_free(b).unwrap();
    assert!(dma(&model, APP_B, IOVA, Dev::Read).is_err());
    assert_eq!(dma(&model, APP_A, IOVA, Dev::Read), Ok(pa_a));
}

#[test]
fn read_only_mapping_faults_device_writes_with_a_permission_syndrome() {
    let (model, memory) = mmu500_model();
    let smmu = driver(&model);
    let recorder = common::Recorder::default();
    smmu.set_fault_client(&recorder);
    let iommu = common::Iommu::new(&smmu, io_pgtable::CoherentWalk);
    let domain = iommu
        .domain_alloc(&lpae_s1(), SimTables::new(&memory))
        .unwrap();
    iommu
        .attach(domain, StreamMatch::exact(StreamId::new(APP_A.into())))
        .unwrap();
    let pa = buffer(&memory, 4096);
    iommu
        .map(domain, IOVA, pa, 4096, Protection::READ_ONLY)
        .unwrap();

    assert_eq!(dma(&model, APP_A, IOVA + 0x40, Dev::Read), Ok(pa + 0x40));
    let refused = dma(&model, APP_A, IOVA + 0x80, Dev::Write);
    assert!(
        matches!(
            refused,
            Err(smmu_sim::Fault::Context {
                kind: ContextFaultKind::Permission,
                ..
            })
        ),
        "{refused:?}"
    );
    // The write did not reach memory.
    assert!(
        model
            .borrow_mut()
            .dma_write(APP_A, IOVA, &[0xaa; 4])
            .is_err()
    );
    let mut bytes = [0u8; 4];
    memory.read_bytes(pa, &mut bytes).unwrap();
    assert_eq!(bytes, [0; 4]);

    assert_eq!(smmu.handle_context_interrupt(), 1);
    assert_eq!(
        recorder.faults.borrow().first(),
        Some(&Fault {
            domain: Some(domain),
            stream: Some(StreamId::new(APP_A.into())),
            iova: IOVA + 0x80,
            access: Access::Write,
            kind: FaultKind::Permission,
        })
    );
    // The hardware walk agrees: readable, not writable.
    assert_eq!(
        iommu.translate_hw(domain, IOVA + 4, Access::Read),
        Ok(pa + 4)
    );
    assert_eq!(
        iommu.translate_hw(domain, IOVA + 4, Access::Write),
        Err(kernel::ErrorCode::Inval)
    );
}

#[test]
fn remapping_a_live_iova_is_refused_and_changes_nothing() {
    let (model, memory) = mmu500_model();
    let smmu = driver(&model);
    let iommu = common::Iommu::new(&smmu, io_pgtable::CoherentWalk);
    let domain = iommu
        .domain_alloc(&lpae_s1(), SimTables::new(&memory))
        .unwrap();
    iommu
        .attach(domain, StreamMatch::exact(StreamId::new(APP_A.into())))
        .unwrap();
    let pa = buffer(&memory, 4096);
    let other = buffer(&memory, 4096);
    iommu
        .map(domain, IOVA, pa, 4096, Protection::READ_ONLY)
        .unwrap();
    assert_eq!(
        iommu.map(domain, IOVA, other, 4096, Protection::READ_WRITE),
        Err(kernel::ErrorCode::Already)
    );
    assert_eq!(dma(&model, APP_A, IOVA, Dev::Read), Ok(pa));
    assert!(dma(&model, APP_A, IOVA, Dev::Write).is_err());
    // Bad arguments are refused with typed errors, never a panic.
    assert_eq!(
        iommu.map(domain, IOVA + 1, other, 4096, Protection::READ_ONLY),
        Err(kernel::ErrorCode::Inval)
    );
    assert_eq!(
        iommu.map(domain, 1 << 40, other, 4096, Protection::READ_ONLY),
        Err(kernel::ErrorCode::Size)
    );
    assert_eq!(iommu.unmap(domain, IOVA, 0), Err(kernel::ErrorCode::Inval));
}
