// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Strict unmap: when `unmap` returns, no device reaches the page. The
//! model's IOTLB keeps translations until invalidated, so the same sequence
//! with the driver's invalidation switched off (test hook) must show the
//! stale translation: proof that these tests would catch a missing TLBI.

mod common;

use common::{SimTables, buffer, dma, driver, mmu500_model};
use kernel::hil::iommu::{
    DomainConfig, Granule, Iommu, Protection, Stage, StreamId, StreamMatch, TableFormat,
};
use smmu_sim::Access as Dev;

const STREAM: u16 = 7;
const IOVA: u64 = 0x10_0000;

/// Maps one page, lets the device use it (so the IOTLB caches it), unmaps,
/// and returns what the device sees afterwards.
fn device_after_unmap(
    format: TableFormat,
    stage: Stage,
    skip_invalidation: bool,
) -> Result<u64, smmu_sim::Fault> {
    let (model, memory) = mmu500_model();
    let smmu = driver(&model);
    let iommu = common::Iommu::new(&smmu, io_pgtable::CoherentWalk);
    let config = DomainConfig {
        format,
        stage,
        iova_bits: 32,
    };
    let domain = iommu
        .domain_alloc(&config, SimTables::new(&memory))
        .unwrap();
    iommu
        .attach(domain, StreamMatch::exact(StreamId::new(u32::from(STREAM))))
        .unwrap();
    let pa = buffer(&memory, 4096);
    iommu
        .map(domain, IOVA, pa, 4096, Protection::READ_WRITE)
        .unwrap();
    assert_eq!(dma(&model, STREAM, IOVA, Dev::Read), Ok(pa));
    assert!(
        model.borrow().tlb_entries() > 0,
        "the model cached the translation"
    );

    smmu.set_skip_invalidation(skip_invalidation);
    assert_eq!(iommu.unmap(domain, IOVA, 4096), Ok(4096));
    assert_eq!(
        iommu.iova_to_phys(domain, IOVA),
        Err(kernel::ErrorCode::Inval)
    );
    dma(&model, STREAM, IOVA, Dev::Read)
}

fn check(format: TableFormat, stage: Stage) {
    assert!(
        device_after_unmap(format, stage, false).is_err(),
        "{format:?}/{stage:?}: translation survived a strict unmap"
    );
    assert!(
        device_after_unmap(format, stage, true).is_ok(),
        "{format:?}/{stage:?}: without invalidation the stale entry must be visible, or this test proves nothing"
    );
}

#[test]
fn aarch64_stage1_unmap_invalidates_by_va() {
    check(TableFormat::Lpae64(Granule::Size4K), Stage::One);
}

#[test]
fn aarch64_stage2_unmap_invalidates_by_ipa() {
    check(TableFormat::Lpae64(Granule::Size4K), Stage::Two);
}

#[test]
fn aarch32_long_unmap_invalidates() {
    check(TableFormat::Lpae32, Stage::One);
}

#[test]
fn short_descriptor_unmap_invalidates() {
    check(TableFormat::ShortDescriptor, Stage::One);
}

#[test]
fn large_unmap_flushes_the_whole_context() {
    // 4 MiB of 4 KiB pages: above the gather's by-address threshold, so the
    // driver invalidates by ASID; every page must be gone.
    let (model, memory) = mmu500_model();
    let smmu = driver(&model);
    let iommu = common::Iommu::new(&smmu, io_pgtable::CoherentWalk);
    let config = DomainConfig {
        format: TableFormat::Lpae64(Granule::Size4K),
        stage: Stage::One,
        iova_bits: 32,
    };
    let domain = iommu
        .domain_alloc(&config, SimTables::new(&memory))
        .unwrap();
    iommu
        .attach(domain, StreamMatch::exact(StreamId::new(u32::from(STREAM))))
        .unwrap();
    let size = 4u64 << 20;
    let pa = buffer(&memory, size as usize);
    // Offset by one page so the mapping is made of 4 KiB pages, not blocks.
    let iova = 0x20_1000;
    iommu
        .map(domain, iova, pa, size, Protection::READ_WRITE)
        .unwrap();
    for page in (0..size).step_by(256 << 10) {
        assert_eq!(dma(&model, STREAM, iova + page, Dev::Read), Ok(pa + page));
    }
    assert_eq!(iommu.unmap(domain, iova, size), Ok(size));
    for page in (0..size).step_by(256 << 10) {
        assert!(dma(&model, STREAM, iova + page, Dev::Read).is_err());
    }
}

#[test]
fn unmap_that_frees_tables_returns_them_only_after_the_sync() {
    let (model, memory) = mmu500_model();
    let smmu = driver(&model);
    let iommu = common::Iommu::new(&smmu, io_pgtable::CoherentWalk);
    let config = DomainConfig {
        format: TableFormat::Lpae64(Granule::Size4K),
        stage: Stage::One,
        iova_bits: 39,
    };
    let tables = SimTables::new(&memory);
    let live = tables.live.clone();
    let domain = iommu.domain_alloc(&config, tables).unwrap();
    let root_only = live.get();
    let pa = buffer(&memory, 4096);
    iommu
        .map(
            domain,
            0x40_0000_0000 - 0x1000,
            pa,
            4096,
            Protection::READ_ONLY,
        )
        .unwrap();
    assert!(live.get() > root_only, "intermediate tables were allocated");
    iommu.unmap(domain, 0x40_0000_0000 - 0x1000, 4096).unwrap();
    assert_eq!(
        model.borrow().pending_invalidations(),
        0,
        "the sync completed"
    );
    assert_eq!(
        live.get(),
        root_only,
        "the emptied tables were released once the invalidation completed"
    );
    assert_eq!(iommu.with_tables(domain, |t| t.live.get()), Ok(root_only));
    iommu.domain_free(domain).unwrap();
    assert_eq!(
        live.get(),
        0,
        "every table page went back to the owner's allocator"
    );
}
