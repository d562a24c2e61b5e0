// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Probe decodes what the model advertises and refuses what cannot work;
//! reset leaves an SMMU where every stream faults and the MMU-500 errata
//! work-arounds are in place.

mod common;

use arm_smmu::{ArmSmmu, Implementation, ProbeError, RegisterIo, SmmuConfig};
use common::{SimIo, dma, driver, mmu500_model, model_with};
use smmu_sim::Access as Dev;

/// Register offsets the tests read back (IHI 0062D SMMU_sCR0, DDI 0517 ACR,
/// SMMU_CBn_ACTLR).
const SCR0: usize = 0x000;
const SACR: usize = 0x010;
const SCR0_CLIENTPD: u32 = 1 << 0;
const SCR0_GFRE: u32 = 1 << 1;
const SCR0_GFIE: u32 = 1 << 2;
const SCR0_USFCFG: u32 = 1 << 10;
const ACR_CACHE_LOCK: u32 = 1 << 26;
const ACR_TLB_ENABLES: u32 = (1 << 10) | (1 << 8);
const ACTLR_CPRE: u32 = 1 << 1;

#[test]
fn probe_decodes_the_advertised_capabilities() {
    let (model, _memory) = mmu500_model();
    let smmu = driver(&model);
    let caps = smmu.capabilities();
    assert!(caps.stream_matching && caps.stage1 && caps.stage2 && caps.address_translation);
    assert_eq!(
        (caps.stream_entries, caps.context_banks, caps.stream_id_bits),
        (48, 16, 15)
    );
    assert_eq!(
        (caps.ias_bits, caps.oas_bits, caps.page_shift),
        (48, 48, 12)
    );
    assert_eq!(
        caps.window_size(),
        model.borrow().config().frame_size() as usize
    );
    assert_eq!(
        caps.context_bank_base(5),
        model.borrow().config().context_bank_offset(5) as usize
    );
}

#[test]
fn probe_refuses_a_window_smaller_than_the_register_map() {
    let (model, _memory) = mmu500_model();
    let needed = model.borrow().config().frame_size() as usize;
    let config = SmmuConfig::new(Implementation::Mmu500, needed / 2);
    let result = ArmSmmu::<SimIo, 16, 48>::probe(SimIo(model.clone()), config);
    assert!(matches!(result, Err(ProbeError::WindowTooSmall { needed: n }) if n == needed));
}

#[test]
fn probe_handles_64k_register_pages() {
    let (model, _memory) = model_with(smmu_sim::SmmuConfig {
        page_size_64k: true,
        numpagendxb: 4,
        ..smmu_sim::SmmuConfig::mmu500()
    });
    let smmu = driver(&model);
    assert_eq!(smmu.capabilities().page_shift, 16);
    assert_eq!(
        smmu.capabilities().context_bank_base(2),
        model.borrow().config().context_bank_offset(2) as usize
    );
}

#[test]
fn before_reset_streams_bypass_after_reset_they_fault() {
    let (model, _memory) = mmu500_model();
    // The architectural reset state (CLIENTPD = 1) lets everything through:
    // exactly why the driver must reset before anything else runs.
    assert_eq!(dma(&model, 3, 0x1234_5000, Dev::Write), Ok(0x1234_5000));
    let smmu = driver(&model);
    assert!(dma(&model, 3, 0x1234_5000, Dev::Write).is_err());
    let scr0 = smmu.io().read32(SCR0);
    assert_eq!(scr0 & SCR0_CLIENTPD, 0);
    assert_eq!(
        scr0 & (SCR0_USFCFG | SCR0_GFRE | SCR0_GFIE),
        SCR0_USFCFG | SCR0_GFRE | SCR0_GFIE
    );
}

#[test]
fn mmu500_reset_unlocks_actlr_and_disables_prefetch_everywhere() {
    let (model, _memory) = mmu500_model();
    let io = SimIo(model.clone());
    assert_ne!(io.read32(SACR) & ACR_CACHE_LOCK, 0, "model starts locked");
    let smmu = driver(&model);
    let acr = smmu.io().read32(SACR);
    assert_eq!(acr & ACR_CACHE_LOCK, 0);
    assert_eq!(acr & ACR_TLB_ENABLES, ACR_TLB_ENABLES);
    for bank in 0..16 {
        let actlr = smmu
            .io()
            .read32(smmu.capabilities().context_bank_base(bank) + 4);
        assert_eq!(
            actlr & ACTLR_CPRE,
            0,
            "bank {bank}: prefetch still enabled (errata 841119/826419)"
        );
    }
}

#[test]
fn generic_reset_leaves_implementation_defined_registers_alone() {
    let (model, _memory) = mmu500_model();
    let config = SmmuConfig::new(
        Implementation::Generic,
        model.borrow().config().frame_size() as usize,
    );
    let smmu = ArmSmmu::<SimIo, 16, 48>::probe(SimIo(model.clone()), config).unwrap();
    smmu.reset().unwrap();
    assert_ne!(smmu.io().read32(SACR) & ACR_CACHE_LOCK, 0);
    assert_ne!(
        smmu.io()
            .read32(smmu.capabilities().context_bank_base(0) + 4)
            & ACTLR_CPRE,
        0
    );
    // Still safe: unmatched streams fault.
    assert!(dma(&model, 3, 0x1000, Dev::Read).is_err());
}

#[test]
fn reset_clears_stale_faults_streams_and_contexts() {
    use kernel::hil::iommu::{
        DomainConfig, Granule, Iommu, Protection, Stage, StreamId, StreamMatch, TableFormat,
    };
    let (model, memory) = mmu500_model();
    let smmu = driver(&model);
    // Leave behind what firmware (or a previous kernel) might: a live
    // context with an attached stream, and a recorded global fault.
    let iommu = common::Iommu::new(&smmu, io_pgtable::CoherentWalk);
    let config = DomainConfig {
        format: TableFormat::Lpae64(Granule::Size4K),
        stage: Stage::One,
        iova_bits: 32,
    };
    let domain = iommu
        .domain_alloc(&config, common::SimTables::new(&memory))
        .unwrap();
    iommu
        .attach(domain, StreamMatch::exact(StreamId::new(4)))
        .unwrap();
    let pa = common::buffer(&memory, 4096);
    iommu
        .map(domain, 0, pa, 4096, Protection::READ_ONLY)
        .unwrap();
    assert_eq!(dma(&model, 4, 0, Dev::Read), Ok(pa));
    assert!(dma(&model, 9, 0, Dev::Read).is_err());
    assert!(model.borrow().global_irq());
    let sctlr = smmu.capabilities().context_bank_base(domain.index());
    assert_ne!(smmu.io().read32(sctlr), 0);

    smmu.reset().unwrap();
    assert!(!model.borrow().global_irq(), "stale global fault cleared");
    assert_eq!(smmu.io().read32(sctlr), 0, "context disabled");
    assert!(
        dma(&model, 4, 0, Dev::Read).is_err(),
        "stale stream mapping survived reset"
    );
}
