// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! ATS1PR / ATS1PW: the hardware's own walk, compared with the software
//! walk, and refused where the SMMU does not offer it.

mod common;

use common::{SimTables, buffer, driver, mmu500_model, model_with};
use kernel::ErrorCode;
use kernel::hil::iommu::{Access, DomainConfig, Granule, Iommu, Protection, Stage, TableFormat};

fn config(format: TableFormat, stage: Stage) -> DomainConfig {
    DomainConfig {
        format,
        stage,
        iova_bits: 32,
    }
}

#[test]
fn hardware_and_software_walks_agree_for_every_stage1_format() {
    let (model, memory) = mmu500_model();
    let smmu = driver(&model);
    let iommu = common::Iommu::new(&smmu, io_pgtable::CoherentWalk);
    for format in [
        TableFormat::Lpae64(Granule::Size4K),
        TableFormat::Lpae64(Granule::Size16K),
        TableFormat::Lpae64(Granule::Size64K),
        TableFormat::Lpae32,
        TableFormat::ShortDescriptor,
    ] {
        let domain = iommu
            .domain_alloc(&config(format, Stage::One), SimTables::new(&memory))
            .unwrap();
        let page = iommu.domain_geometry(domain).unwrap().0.smallest().unwrap();
        let pa = buffer(&memory, 2 * page as usize);
        let iova = 0x40_0000;
        iommu
            .map(domain, iova, pa, page, Protection::READ_WRITE)
            .unwrap();
        iommu
            .map(domain, iova + page, pa + page, page, Protection::READ_ONLY)
            .unwrap();
        for offset in [0, 0x18, page - 4] {
            let software = iommu.iova_to_phys(domain, iova + offset).unwrap();
            assert_eq!(
                iommu.translate_hw(domain, iova + offset, Access::Read),
                Ok(software),
                "{format:?}"
            );
            assert_eq!(
                iommu.translate_hw(domain, iova + offset, Access::Write),
                Ok(software),
                "{format:?}"
            );
        }
        assert_eq!(
            iommu.translate_hw(domain, iova + page, Access::Read),
            Ok(pa + page)
        );
        assert_eq!(
            iommu.translate_hw(domain, iova + page, Access::Write),
            Err(ErrorCode::Inval),
            "{format:?}: read-only page writable in hardware"
        );
        assert_eq!(
            iommu.translate_hw(domain, iova + 2 * page, Access::Read),
            Err(ErrorCode::Inval),
            "{format:?}: unmapped page"
        );
        iommu.domain_free(domain).unwrap();
    }
}

#[test]
fn stage2_contexts_have_no_stage1_translation_operation() {
    let (model, memory) = mmu500_model();
    let smmu = driver(&model);
    let iommu = common::Iommu::new(&smmu, io_pgtable::CoherentWalk);
    let domain = iommu
        .domain_alloc(
            &config(TableFormat::Lpae64(Granule::Size4K), Stage::Two),
            SimTables::new(&memory),
        )
        .unwrap();
    assert_eq!(
        iommu.translate_hw(domain, 0, Access::Read),
        Err(ErrorCode::NoSupport)
    );
}

#[test]
fn smmus_without_atos_refuse() {
    let (model, memory) = model_with(smmu_sim::SmmuConfig {
        address_translation_ops: false,
        ..smmu_sim::SmmuConfig::mmu500()
    });
    let smmu = driver(&model);
    assert!(!smmu.capabilities().address_translation);
    let iommu = common::Iommu::new(&smmu, io_pgtable::CoherentWalk);
    let domain = iommu
        .domain_alloc(
            &config(TableFormat::Lpae64(Granule::Size4K), Stage::One),
            SimTables::new(&memory),
        )
        .unwrap();
    let pa = buffer(&memory, 4096);
    iommu
        .map(domain, 0, pa, 4096, Protection::READ_ONLY)
        .unwrap();
    assert_eq!(
        iommu.translate_hw(domain, 0, Access::Read),
        Err(ErrorCode::NoSupport)
    );
    assert_eq!(iommu.iova_to_phys(domain, 0), Ok(pa));
}
