// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Context banks as a resource: exhaustion is an error (never sharing),
//! freeing makes a bank reusable with a clean TLB, stage 1 never lands in a
//! stage-2-only bank, table pages are charged to the domain's allocator.

mod common;

use common::{SimTables, buffer, dma, driver, mmu500_model, model_with};
use kernel::ErrorCode;
use kernel::hil::iommu::{
    Capacity, DomainConfig, Granule, Iommu, Protection, Stage, StreamId, StreamMatch, TableFormat,
};
use smmu_sim::Access as Dev;

fn config(stage: Stage) -> DomainConfig {
    DomainConfig {
        format: TableFormat::Lpae64(Granule::Size4K),
        stage,
        iova_bits: 32,
    }
}

#[test]
fn context_bank_exhaustion_is_an_error_and_free_recovers() {
    let (_model, memory) = mmu500_model();
    let smmu = driver(&_model);
    let iommu = common::Iommu::new(&smmu, io_pgtable::CoherentWalk);
    assert_eq!(
        iommu.capacity(),
        Capacity {
            total_domains: 16,
            free_domains: 16
        }
    );
    let domains: Vec<_> = (0..16)
        .map(|_| {
            iommu
                .domain_alloc(&config(Stage::One), SimTables::new(&memory))
                .unwrap()
        })
        .collect();
    assert_eq!(iommu.capacity().free_domains, 0);
    let tables = SimTables::new(&memory);
    let live = tables.live.clone();
    assert_eq!(
        iommu.domain_alloc(&config(Stage::One), tables),
        Err(ErrorCode::NoMem)
    );
    assert_eq!(
        live.get(),
        0,
        "the refused domain's root table was given back"
    );
    iommu.domain_free(domains[5]).unwrap();
    assert_eq!(iommu.capacity().free_domains, 1);
    let again = iommu
        .domain_alloc(&config(Stage::One), SimTables::new(&memory))
        .unwrap();
    assert_eq!(again, domains[5]);
}

#[test]
fn a_reused_bank_starts_with_no_stale_translations() {
    let (model, memory) = mmu500_model();
    let smmu = driver(&model);
    let iommu = common::Iommu::new(&smmu, io_pgtable::CoherentWalk);
    let first = iommu
        .domain_alloc(&config(Stage::One), SimTables::new(&memory))
        .unwrap();
    iommu
        .attach(first, StreamMatch::exact(StreamId::new(1)))
        .unwrap();
    let pa = buffer(&memory, 4096);
    iommu
        .map(first, 0x1000, pa, 4096, Protection::READ_WRITE)
        .unwrap();
    assert_eq!(dma(&model, 1, 0x1000, Dev::Read), Ok(pa));
    // Freed without unmapping: free must still invalidate the ASID.
    iommu.domain_free(first).unwrap();
    let second = iommu
        .domain_alloc(&config(Stage::One), SimTables::new(&memory))
        .unwrap();
    assert_eq!(second, first, "same bank, same ASID");
    iommu
        .attach(second, StreamMatch::exact(StreamId::new(1)))
        .unwrap();
    assert!(
        dma(&model, 1, 0x1000, Dev::Read).is_err(),
        "previous owner's page leaked"
    );
}

#[test]
fn stage1_never_uses_stage2_only_banks() {
    let (_model, memory) = model_with(smmu_sim::SmmuConfig {
        num_context_banks: 4,
        num_s2_only_banks: 2,
        ..smmu_sim::SmmuConfig::mmu500()
    });
    let smmu = driver(&_model);
    let iommu = common::Iommu::new(&smmu, io_pgtable::CoherentWalk);
    let s1a = iommu
        .domain_alloc(&config(Stage::One), SimTables::new(&memory))
        .unwrap();
    let s1b = iommu
        .domain_alloc(&config(Stage::One), SimTables::new(&memory))
        .unwrap();
    assert!(s1a.index() >= 2 && s1b.index() >= 2);
    assert_eq!(
        iommu.domain_alloc(&config(Stage::One), SimTables::new(&memory)),
        Err(ErrorCode::NoMem)
    );
    let s2 = iommu
        .domain_alloc(&config(Stage::Two), SimTables::new(&memory))
        .unwrap();
    assert!(s2.index() < 2);
}

#[test]
fn unsupported_formats_and_windows_are_refused() {
    let (_model, memory) = model_with(smmu_sim::SmmuConfig {
        aarch32_short: false,
        aarch64: smmu_sim::Granules {
            g4k: true,
            g16k: false,
            g64k: true,
        },
        ..smmu_sim::SmmuConfig::mmu500()
    });
    let smmu = driver(&_model);
    let iommu = common::Iommu::new(&smmu, io_pgtable::CoherentWalk);
    let refuse = |format, iova_bits| {
        let config = DomainConfig {
            format,
            stage: Stage::One,
            iova_bits,
        };
        iommu.domain_alloc(&config, SimTables::new(&memory))
    };
    assert_eq!(
        refuse(TableFormat::ShortDescriptor, 32),
        Err(ErrorCode::NoSupport)
    );
    assert_eq!(
        refuse(TableFormat::Lpae64(Granule::Size16K), 32),
        Err(ErrorCode::NoSupport)
    );
    assert_eq!(iommu.page_sizes(TableFormat::ShortDescriptor).bits(), 0);
    assert!(
        iommu
            .page_sizes(TableFormat::Lpae64(Granule::Size64K))
            .contains(64 << 10)
    );
    // A window wider than the upstream bus (48 bits).
    assert_eq!(
        refuse(TableFormat::Lpae64(Granule::Size4K), 49),
        Err(ErrorCode::NoSupport)
    );
    assert_eq!(
        iommu.capacity().free_domains,
        16,
        "nothing leaked by refusals"
    );
}

#[test]
fn table_pages_are_charged_to_the_domains_allocator() {
    let (_model, memory) = mmu500_model();
    let smmu = driver(&_model);
    let iommu = common::Iommu::new(&smmu, io_pgtable::CoherentWalk);
    // Budget: root plus two more tables; a 4 KiB page at a fresh 1 GiB
    // region needs a level-2 and a level-3 table (level-1 start for 32 bits).
    let domain = iommu
        .domain_alloc(&config(Stage::One), SimTables::with_budget(&memory, 3))
        .unwrap();
    let pa = buffer(&memory, 4096);
    iommu
        .map(domain, 0x1000, pa, 4096, Protection::READ_ONLY)
        .unwrap();
    assert_eq!(iommu.with_tables(domain, |t| t.live.get()), Ok(3));
    assert_eq!(
        iommu.map(domain, 0x4000_0000, pa, 4096, Protection::READ_ONLY),
        Err(ErrorCode::NoMem)
    );
    assert_eq!(
        iommu.with_tables(domain, |t| t.live.get()),
        Ok(3),
        "the failed map was unwound"
    );
    let (sizes, bits) = iommu.domain_geometry(domain).unwrap();
    assert_eq!((sizes.smallest(), bits), (Some(4096), 32));
}
