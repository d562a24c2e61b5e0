// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Context fault reporting, interrupts, stall and resume, and the injected
//! failures: a sync that never completes and a context interrupt storm
//! (IHI 0062D 3.x fault handling, 10.14.1 SCTLR.CFRE/CFIE/CFCFG/HUPCF,
//! 10.14.3 RESUME, 10.14.8 FSR).

mod common;

use common::lpae::*;
use common::*;
use smmu_sim::regs::{cb, fsr, sctlr};
use smmu_sim::{Access, ContextFaultKind, Fault, Response, Smmu, Stage, SyncTarget};

/// Bank 0: 4K / 39-bit, VA 0x1000 mapped read-only to 0x8000_1000, VA
/// 0x2000 unmapped. Returns the L3 table.
fn ctx(s: &mut Smmu, sctlr_bits: u32) -> u64 {
    enable(s);
    let (l1, l2, l3) = (new_table(s, 4096), new_table(s, 4096), new_table(s, 4096));
    s1_aarch64(s, 0, 0, 25 | 1 << 23, 5, l1 | 1 << 48, 0);
    s.write32(cbo(s, 0, cb::SCTLR), sctlr_bits);
    attach(s, 0, SID, 0);
    set64(s, l1, 0, table(l2));
    set64(s, l2, 0, table(l3));
    set64(s, l3, 1, page(0x8000_1000) | AP_RO);
    l3
}

fn translation_fault(response: Response) -> Fault {
    Fault::Context {
        bank: 0,
        kind: ContextFaultKind::Translation,
        stage: Stage::One,
        level: Some(3),
        response,
    }
}

#[test]
fn cfre_clear_terminates_silently_and_cfie_clear_keeps_the_line_low() {
    let mut s = mmu500();
    ctx(&mut s, sctlr::M);
    assert_eq!(
        s.transaction(SID, 0x2000, Access::Read, false),
        Err(translation_fault(Response::RazWi))
    );
    assert_eq!(
        s.read32(cbo(&s, 0, cb::FSR)) & fsr::TF,
        fsr::TF,
        "still recorded"
    );
    assert!(!s.context_irq(0));
    // Enabling CFIE with the fault still recorded raises the line (level).
    s.write32(cbo(&s, 0, cb::SCTLR), sctlr::M | sctlr::CFIE);
    assert!(s.context_irq(0));
    assert_eq!(s.pending_context_irqs(), vec![0]);
}

#[test]
fn a_second_fault_sets_multi_and_keeps_the_first_syndrome() {
    let mut s = mmu500();
    ctx(&mut s, SCTLR_ON);
    let _ = s.transaction(SID, 0x2000, Access::Read, false);
    let _ = s.transaction(SID, 0x1000, Access::Write, false);
    assert_eq!(
        s.read32(cbo(&s, 0, cb::FSR)),
        fsr::TF | fsr::MULTI | 0b10 << fsr::FORMAT_SHIFT
    );
    assert_eq!(s.read64(cbo(&s, 0, cb::FAR)), 0x2000);
    // Clearing only TF leaves MULTI, and the interrupt, asserted.
    s.write32(cbo(&s, 0, cb::FSR), fsr::TF);
    assert!(s.context_irq(0));
    s.write32(cbo(&s, 0, cb::FSR), fsr::MULTI);
    assert!(!s.context_irq(0));
    assert_eq!(s.read32(cbo(&s, 0, cb::FSR)), 0);
}

#[test]
fn stalled_transaction_retried_by_resume_after_the_fix() {
    let mut s = mmu500();
    let l3 = ctx(&mut s, SCTLR_ON | sctlr::CFCFG);
    assert_eq!(
        s.transaction(SID, 0x2010, Access::Read, false),
        Err(translation_fault(Response::Stalled))
    );
    assert!(s.is_stalled(0));
    assert_eq!(s.read32(cbo(&s, 0, cb::FSR)) & fsr::SS, fsr::SS);
    // HUPCF = 0: later transactions wait behind the stalled one.
    assert_eq!(
        s.transaction(SID, 0x1000, Access::Read, false),
        Err(Fault::HeldBehindStall { bank: 0 })
    );
    // Software maps the page, clears the fault and retries (TnR = 0).
    set64(&s, l3, 2, page(0x8000_2000));
    s.write32(cbo(&s, 0, cb::FSR), fsr::TF);
    assert_eq!(
        s.read32(cbo(&s, 0, cb::FSR)) & fsr::SS,
        fsr::SS,
        "SS waits for RESUME"
    );
    s.write32(cbo(&s, 0, cb::RESUME), 0);
    assert!(!s.is_stalled(0));
    assert_eq!(s.read32(cbo(&s, 0, cb::FSR)), 0);
    assert_eq!(s.take_resumed(0), Some(Ok(0x8000_2010)));
    assert_eq!(s.take_resumed(0), None);
    // RESUME with nothing stalled does nothing.
    s.write32(cbo(&s, 0, cb::RESUME), 1);
    assert_eq!(s.take_resumed(0), None);
}

#[test]
fn stalled_transaction_terminated_by_resume() {
    let mut s = mmu500();
    ctx(&mut s, SCTLR_ON | sctlr::CFCFG | sctlr::HUPCF);
    assert!(s.transaction(SID, 0x2000, Access::Read, false).is_err());
    // HUPCF = 1: other transactions still translate while one is stalled.
    assert_eq!(
        s.transaction(SID, 0x1000, Access::Read, false),
        Ok(0x8000_1000)
    );
    s.write32(cbo(&s, 0, cb::RESUME), 1);
    assert_eq!(
        s.take_resumed(0),
        Some(Err(translation_fault(Response::Abort)))
    );
}

#[test]
fn injected_stuck_sync_never_completes_and_keeps_the_stale_entry() {
    let mut s = mmu500();
    let l3 = ctx(&mut s, SCTLR_ON);
    assert_eq!(
        s.transaction(SID, 0x1000, Access::Read, false),
        Ok(0x8000_1000)
    );
    set64(&s, l3, 1, 0);
    s.inject_stuck_sync(SyncTarget::Bank(0));
    s.write32(cbo(&s, 0, cb::TLBIALL), 0);
    assert!(!tlb_sync(&mut s, 0, 10_000), "TLBSTATUS.SACTIVE stays set");
    assert_eq!(
        s.transaction(SID, 0x1000, Access::Read, false),
        Ok(0x8000_1000)
    );
    // Other banks and the global sync still work.
    assert!(tlb_sync(&mut s, 1, 10));
    assert!(tlb_gsync(&mut s, 10));
    s.clear_injections();
    assert!(tlb_sync(&mut s, 0, 10));
    assert!(s.transaction(SID, 0x1000, Access::Read, false).is_err());
}

#[test]
fn injected_stuck_global_sync() {
    let mut s = mmu500();
    s.inject_stuck_sync(SyncTarget::Global);
    assert!(!tlb_gsync(&mut s, 10_000));
    assert_eq!(s.read32(smmu_sim::regs::gr0::TLBGSTATUS), 1);
    assert!(tlb_sync(&mut s, 0, 10));
}

#[test]
fn injected_interrupt_storm_reraises_after_every_clear() {
    let mut s = mmu500();
    ctx(&mut s, SCTLR_ON);
    s.inject_interrupt_storm(0);
    let _ = s.transaction(SID, 0x2000, Access::Read, false);
    let first = s.read32(cbo(&s, 0, cb::FSR));
    for _ in 0..100 {
        s.write32(cbo(&s, 0, cb::FSR), 0xffff_ffff);
        assert!(s.context_irq(0));
        assert_eq!(s.read32(cbo(&s, 0, cb::FSR)), first);
        assert_eq!(s.read64(cbo(&s, 0, cb::FAR)), 0x2000);
    }
    s.clear_injections();
    s.write32(cbo(&s, 0, cb::FSR), 0xffff_ffff);
    assert!(!s.context_irq(0));
}
