// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Hardware that misbehaves: a TLB sync that never completes retires the
//! domain (typed error, client told, everything refused, pages never freed);
//! a context fault storm disables the context without livelocking; a global
//! fault storm masks the global interrupt until the next window.

mod common;

use common::{SimTables, buffer, dma, driver, mmu500_model};
use kernel::ErrorCode;
use kernel::hil::iommu::{
    DisableReason, DomainConfig, Granule, Iommu, Protection, Stage, StreamId, StreamMatch,
    TableFormat,
};
use smmu_sim::{Access as Dev, SyncTarget};

const STREAM: u16 = 0x30;
const IOVA: u64 = 0x10_0000;

fn config(stage: Stage) -> DomainConfig {
    DomainConfig {
        format: TableFormat::Lpae64(Granule::Size4K),
        stage,
        iova_bits: 32,
    }
}

fn sync_timeout_retires_the_domain(stage: Stage, stuck: fn(u8) -> SyncTarget) {
    let (model, memory) = mmu500_model();
    let smmu = driver(&model);
    let recorder = common::Recorder::default();
    smmu.set_fault_client(&recorder);
    let iommu = common::Iommu::new(&smmu, io_pgtable::CoherentWalk);
    let tables = SimTables::new(&memory);
    let live = tables.live.clone();
    let domain = iommu.domain_alloc(&config(stage), tables).unwrap();
    iommu
        .attach(domain, StreamMatch::exact(StreamId::new(STREAM.into())))
        .unwrap();
    let pa = buffer(&memory, 8192);
    iommu
        .map(domain, IOVA, pa, 8192, Protection::READ_WRITE)
        .unwrap();
    assert_eq!(dma(&model, STREAM, IOVA, Dev::Read), Ok(pa));

    model
        .borrow_mut()
        .inject_stuck_sync(stuck(domain.index() as u8));
    assert_eq!(iommu.unmap(domain, IOVA, 4096), Err(ErrorCode::Fail));
    assert_eq!(
        recorder.disabled.borrow().as_slice(),
        &[(domain, DisableReason::SyncTimeout)]
    );
    assert_eq!(
        smmu.context_state(domain),
        Some(arm_smmu::ContextState::Unusable)
    );

    // Every further operation is refused, with the same code.
    assert_eq!(
        iommu.map(domain, IOVA + 0x10_0000, pa, 4096, Protection::READ_ONLY),
        Err(ErrorCode::Fail)
    );
    assert_eq!(iommu.unmap(domain, IOVA + 4096, 4096), Err(ErrorCode::Fail));
    assert_eq!(iommu.flush(domain), Err(ErrorCode::Fail));
    assert_eq!(
        iommu.attach(domain, StreamMatch::exact(StreamId::new(1))),
        Err(ErrorCode::Fail)
    );

    // Even once the hardware recovers, the domain stays retired: free
    // refuses, the bank is never handed out again, the table pages are
    // never returned (quarantine).
    model.borrow_mut().clear_injections();
    let before = live.get();
    assert_eq!(iommu.domain_free(domain), Err(ErrorCode::Fail));
    assert_eq!(iommu.domain_free(domain), Err(ErrorCode::Fail));
    assert_eq!(live.get(), before, "quarantined table pages were released");
    assert_eq!(iommu.capacity().free_domains, 15);
    for _ in 0..15 {
        let other = iommu
            .domain_alloc(&config(stage), SimTables::new(&memory))
            .unwrap();
        assert_ne!(other, domain);
    }
    assert_eq!(
        iommu.domain_alloc(&config(stage), SimTables::new(&memory)),
        Err(ErrorCode::NoMem)
    );
}

#[test]
fn stage1_context_sync_timeout() {
    sync_timeout_retires_the_domain(Stage::One, SyncTarget::Bank);
}

#[test]
fn stage2_context_sync_timeout() {
    // Unmapping one page invalidates by IPA through the bank's registers;
    // the global (TLBIVMID) path is the next test's.
    sync_timeout_retires_the_domain(Stage::Two, SyncTarget::Bank);
}

#[test]
fn free_with_a_stuck_global_sync_quarantines() {
    let (model, memory) = mmu500_model();
    let smmu = driver(&model);
    let recorder = common::Recorder::default();
    smmu.set_fault_client(&recorder);
    let iommu = common::Iommu::new(&smmu, io_pgtable::CoherentWalk);
    let tables = SimTables::new(&memory);
    let live = tables.live.clone();
    let domain = iommu.domain_alloc(&config(Stage::Two), tables).unwrap();
    model.borrow_mut().inject_stuck_sync(SyncTarget::Global);
    assert_eq!(iommu.domain_free(domain), Err(ErrorCode::Fail));
    assert_eq!(
        recorder.disabled.borrow().as_slice(),
        &[(domain, DisableReason::SyncTimeout)]
    );
    assert!(
        live.get() > 0,
        "pages the walker may still reach stay allocated"
    );
}

#[test]
fn reset_reports_a_stuck_global_sync() {
    let (model, _memory) = mmu500_model();
    model.borrow_mut().inject_stuck_sync(SyncTarget::Global);
    let smmu =
        common::Driver::probe(common::SimIo(model.clone()), common::driver_config(&model)).unwrap();
    assert_eq!(smmu.reset(), Err(arm_smmu::ProbeError::SyncTimeout));
}

#[test]
fn context_fault_storm_disables_the_context_and_stops_the_interrupt() {
    let (model, memory) = mmu500_model();
    let smmu = driver(&model);
    let recorder = common::Recorder::default();
    smmu.set_fault_client(&recorder);
    let iommu = common::Iommu::new(&smmu, io_pgtable::CoherentWalk);
    let domain = iommu
        .domain_alloc(&config(Stage::One), SimTables::new(&memory))
        .unwrap();
    iommu
        .attach(domain, StreamMatch::exact(StreamId::new(STREAM.into())))
        .unwrap();
    let pa = buffer(&memory, 4096);
    iommu
        .map(domain, IOVA, pa, 4096, Protection::READ_WRITE)
        .unwrap();

    // One real fault, then the model re-raises it whenever it is cleared.
    let bank = domain.index() as u8;
    model.borrow_mut().inject_interrupt_storm(bank);
    assert!(dma(&model, STREAM, IOVA + 0x1000, Dev::Read).is_err());
    let limit = usize::from(common::driver_config(&model).context_fault_limit);
    let mut interrupts = 0;
    while model.borrow().context_irq(bank) {
        interrupts += 1;
        assert!(
            interrupts <= limit + 1,
            "the interrupt never stopped: livelock"
        );
        smmu.handle_context_interrupt();
    }
    assert_eq!(interrupts, limit + 1);
    assert_eq!(recorder.faults.borrow().len(), limit);
    assert_eq!(
        recorder.disabled.borrow().as_slice(),
        &[(domain, DisableReason::FaultStorm)]
    );
    assert_eq!(
        smmu.context_state(domain),
        Some(arm_smmu::ContextState::Disabled)
    );

    // The device is cut off, even from what was mapped; the domain refuses
    // work with OFF; a new rate window does not revive it.
    model.borrow_mut().clear_injections();
    assert!(dma(&model, STREAM, IOVA, Dev::Read).is_err());
    smmu.start_fault_window();
    assert!(dma(&model, STREAM, IOVA, Dev::Read).is_err());
    assert_eq!(
        iommu.map(domain, IOVA + 0x2000, pa, 4096, Protection::READ_ONLY),
        Err(ErrorCode::Off)
    );
    assert_eq!(iommu.unmap(domain, IOVA, 4096), Err(ErrorCode::Off));
    // Freeing works and the bank is reusable.
    iommu.domain_free(domain).unwrap();
    assert_eq!(iommu.capacity().free_domains, 16);
}

#[test]
fn faults_below_the_limit_per_window_do_not_disable() {
    let (model, memory) = mmu500_model();
    let smmu = driver(&model);
    let recorder = common::Recorder::default();
    smmu.set_fault_client(&recorder);
    let iommu = common::Iommu::new(&smmu, io_pgtable::CoherentWalk);
    let domain = iommu
        .domain_alloc(&config(Stage::One), SimTables::new(&memory))
        .unwrap();
    iommu
        .attach(domain, StreamMatch::exact(StreamId::new(STREAM.into())))
        .unwrap();
    let limit = common::driver_config(&model).context_fault_limit;
    for _window in 0..3 {
        for _ in 0..limit {
            assert!(dma(&model, STREAM, IOVA, Dev::Write).is_err());
            assert_eq!(smmu.handle_context_interrupt(), 1);
        }
        smmu.start_fault_window();
    }
    assert_eq!(recorder.faults.borrow().len(), 3 * usize::from(limit));
    assert!(recorder.disabled.borrow().is_empty());
    assert_eq!(
        smmu.context_state(domain),
        Some(arm_smmu::ContextState::Active)
    );
}

#[test]
fn global_fault_storm_masks_the_global_interrupt_until_the_next_window() {
    let (model, _memory) = mmu500_model();
    let smmu = driver(&model);
    let recorder = common::Recorder::default();
    smmu.set_fault_client(&recorder);
    let limit = usize::from(common::driver_config(&model).global_fault_limit);
    for _ in 0..=limit {
        assert!(dma(&model, 0x77, IOVA, Dev::Read).is_err());
        assert!(model.borrow().global_irq());
        assert!(smmu.handle_global_interrupt());
    }
    assert_eq!(recorder.faults.borrow().len(), limit);
    assert_eq!(recorder.global_suppressed.get(), 1);
    // Masked: more unidentified-stream faults no longer interrupt.
    assert!(dma(&model, 0x77, IOVA, Dev::Read).is_err());
    assert!(!model.borrow().global_irq());
    // Unmasked again in the next window.
    smmu.start_fault_window();
    assert!(
        model.borrow().global_irq(),
        "the pending record interrupts again"
    );
    assert!(smmu.handle_global_interrupt());
    assert_eq!(recorder.faults.borrow().len(), limit + 1);
}
