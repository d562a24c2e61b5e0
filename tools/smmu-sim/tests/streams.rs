// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Stream mapping and global faults: CLIENTPD, SMR matching with masks,
//! conflicts, stream indexing, each S2CR type, unidentified streams and
//! their syndrome (IHI 0062D 2.4, 10.6.1, 10.6.11-10.6.14, 10.6.19-20).

mod common;

use common::*;
use smmu_sim::regs::{cr0, gfsr, gfsynr0, gr0, gr1, s2cr_type};
use smmu_sim::{Access, Fault, GlobalFaultKind, Response, SmmuConfig};

const IOVA: u64 = 0x1234_5678;

fn global(kind: GlobalFaultKind, response: Response) -> Fault {
    Fault::Global { kind, response }
}

#[test]
fn client_port_disabled_at_reset_bypasses_everything() {
    let mut s = mmu500();
    assert_eq!(s.transaction(SID, IOVA, Access::Write, false), Ok(IOVA));
    assert_eq!(s.read32(gr0::GFSR), 0);
}

#[test]
fn unmatched_stream_faults_with_usfcfg_and_records_syndrome() {
    let mut s = mmu500();
    enable(&mut s);
    let r = s.transaction(SID, IOVA, Access::Write, true);
    assert_eq!(
        r,
        Err(global(GlobalFaultKind::UnidentifiedStream, Response::Abort))
    );
    assert_eq!(s.read32(gr0::GFSR), gfsr::USF);
    assert_eq!(s.read64(gr0::GFAR), IOVA);
    assert_eq!(s.read32(gr0::GFSYNR0), gfsynr0::WNR | gfsynr0::PNU);
    assert_eq!(s.read32(gr0::GFSYNR1), u32::from(SID));
    assert!(s.global_irq());
    // A second fault only sets MULTI; the syndrome keeps the first one.
    let _ = s.transaction(7, 0x99, Access::Read, false);
    assert_eq!(s.read32(gr0::GFSR), gfsr::USF | gfsr::MULTI);
    assert_eq!(s.read32(gr0::GFSYNR1), u32::from(SID));
    // Write-one-to-clear lowers the interrupt.
    let recorded = s.read32(gr0::GFSR);
    s.write32(gr0::GFSR, recorded);
    assert_eq!(s.read32(gr0::GFSR), 0);
    assert!(!s.global_irq());
}

#[test]
fn global_fault_report_and_interrupt_enables_are_honoured() {
    let mut s = mmu500();
    s.write32(gr0::CR0, cr0::USFCFG);
    let r = s.transaction(SID, IOVA, Access::Read, false);
    assert_eq!(
        r,
        Err(global(GlobalFaultKind::UnidentifiedStream, Response::RazWi))
    );
    assert_eq!(
        s.read32(gr0::GFSR),
        gfsr::USF,
        "recorded even when not reported"
    );
    assert!(!s.global_irq(), "GFIE clear: no interrupt");
}

#[test]
fn unmatched_stream_bypasses_without_usfcfg() {
    let mut s = mmu500();
    s.write32(gr0::CR0, cr0::GFRE | cr0::GFIE);
    assert_eq!(s.transaction(SID, IOVA, Access::Read, false), Ok(IOVA));
    assert!(!s.global_irq());
}

#[test]
fn s2cr_types_translate_bypass_and_fault() {
    let mut s = mmu500();
    enable(&mut s);
    s.write32(gr0::SMR, 1 << 31 | u32::from(SID));
    // Reset S2CR is type fault.
    assert_eq!(
        s.transaction(SID, IOVA, Access::Read, false),
        Err(global(GlobalFaultKind::UnidentifiedStream, Response::Abort))
    );
    s.write32(gr0::GFSR, 0xffff_ffff);
    s.write32(gr0::S2CR, s2cr_type::BYPASS << 16);
    assert_eq!(s.transaction(SID, IOVA, Access::Read, false), Ok(IOVA));
    // Translate through bank 0, configured but disabled (SCTLR.M = 0):
    // the stage 1 context passes addresses through.
    s.write32(gr1o(&s, 0, gr1::CBAR), 1 << CBAR_TYPE_SHIFT);
    s.write32(gr0::S2CR, s2cr_type::TRANSLATE << 16);
    assert_eq!(s.transaction(SID, IOVA, Access::Read, false), Ok(IOVA));
    assert_eq!(s.read32(gr0::GFSR), 0);
}

#[test]
fn smr_mask_ignores_masked_bits_only() {
    let mut s = mmu500();
    enable(&mut s);
    s.write32(gr0::S2CR + 4, s2cr_type::BYPASS << 16);
    // ID 0x14e8 with MASK 0x7: matches 0x14e8..=0x14ef (all eight GDMA channels).
    s.write32(gr0::SMR + 4, 1 << 31 | 0x7 << 16 | 0x14e8);
    for sid in 0x14e8..=0x14ef {
        assert_eq!(
            s.transaction(sid, IOVA, Access::Read, false),
            Ok(IOVA),
            "{sid:#x}"
        );
    }
    assert!(s.transaction(0x14f0, IOVA, Access::Read, false).is_err());
    assert!(s.transaction(0x04e8, IOVA, Access::Read, false).is_err());
    // An invalid SMR matches nothing.
    s.write32(gr0::SMR + 4, 0x7 << 16 | 0x14e8);
    assert!(s.transaction(0x14e8, IOVA, Access::Read, false).is_err());
}

#[test]
fn overlapping_smrs_are_a_stream_match_conflict() {
    let mut s = mmu500();
    enable(&mut s);
    s.write32(gr0::S2CR, s2cr_type::BYPASS << 16);
    s.write32(gr0::S2CR + 4, s2cr_type::BYPASS << 16);
    s.write32(gr0::SMR, 1 << 31 | u32::from(SID));
    s.write32(gr0::SMR + 4, 1 << 31 | 0xff << 16 | 0x1400);
    assert_eq!(
        s.transaction(SID, IOVA, Access::Read, false),
        Err(global(
            GlobalFaultKind::StreamMatchConflict,
            Response::Abort
        ))
    );
    assert_eq!(s.read32(gr0::GFSR), gfsr::SMCF);
    assert_eq!(s.read32(gr0::GFSYNR1), u32::from(SID));
    // Streams only the second SMR matches are fine.
    assert_eq!(s.transaction(0x1401, IOVA, Access::Read, false), Ok(IOVA));
}

#[test]
fn injected_smr_conflict_faults_a_well_programmed_stream() {
    let mut s = mmu500();
    enable(&mut s);
    s.write32(gr0::S2CR, s2cr_type::BYPASS << 16);
    s.write32(gr0::SMR, 1 << 31 | u32::from(SID));
    s.inject_smr_conflict(SID);
    assert_eq!(
        s.transaction(SID, IOVA, Access::Read, false),
        Err(global(
            GlobalFaultKind::StreamMatchConflict,
            Response::Abort
        ))
    );
    s.clear_injections();
    assert_eq!(s.transaction(SID, IOVA, Access::Read, false), Ok(IOVA));
}

#[test]
fn stream_indexing_uses_the_stream_id_as_s2cr_index() {
    let mut s = with_config(SmmuConfig {
        stream_matching: false,
        num_smrg: 16,
        ..SmmuConfig::mmu500()
    });
    enable(&mut s);
    s.write32(gr0::S2CR + 4 * 5, s2cr_type::BYPASS << 16);
    assert_eq!(s.transaction(5, IOVA, Access::Read, false), Ok(IOVA));
    assert_eq!(
        s.transaction(4, IOVA, Access::Read, false),
        Err(global(GlobalFaultKind::UnidentifiedStream, Response::Abort)),
        "S2CR 4 still has its reset type, fault"
    );
    s.write32(gr0::GFSR, 0xffff_ffff);
    assert_eq!(
        s.transaction(16, IOVA, Access::Read, false),
        Err(global(GlobalFaultKind::UnidentifiedStream, Response::Abort)),
        "stream IDs beyond the S2CRs are unidentified"
    );
}

#[test]
fn bad_context_bank_references_are_configuration_faults() {
    let mut s = mmu500();
    enable(&mut s);
    // CBNDX beyond NUMCB: unimplemented context bank fault.
    attach(&mut s, 0, SID, 20);
    assert_eq!(
        s.transaction(SID, IOVA, Access::Read, false),
        Err(global(
            GlobalFaultKind::UnimplementedContextBank,
            Response::Abort
        ))
    );
    assert_eq!(s.read32(gr0::GFSR), gfsr::UCBF);
    s.write32(gr0::GFSR, 0xffff_ffff);
    // CBAR type "stage 1 with stage 2 fault" is not a usable context here.
    attach(&mut s, 0, SID, 1);
    s.write32(gr1o(&s, 1, gr1::CBAR), 2 << CBAR_TYPE_SHIFT);
    assert_eq!(
        s.transaction(SID, IOVA, Access::Read, false),
        Err(global(GlobalFaultKind::InvalidContext, Response::Abort))
    );
    assert!(s.global_irq());
    // They answer to GFRE/GFIE like every transaction fault: GCFGFRE and
    // GCFGFIE (configuration access faults) are read-only zero here.
    s.write32(gr0::GFSR, 0xffff_ffff);
    s.write32(gr0::CR0, cr0::USFCFG | cr0::GCFGFRE | cr0::GCFGFIE);
    assert_eq!(s.read32(gr0::CR0) & (cr0::GCFGFRE | cr0::GCFGFIE), 0);
    assert_eq!(
        s.transaction(SID, IOVA, Access::Read, false),
        Err(global(GlobalFaultKind::InvalidContext, Response::RazWi))
    );
    assert!(!s.global_irq());
}

#[test]
fn stage1_contexts_are_invalid_in_stage2_only_banks() {
    let mut s = with_config(SmmuConfig {
        num_s2_only_banks: 2,
        ..SmmuConfig::mmu500()
    });
    enable(&mut s);
    attach(&mut s, 0, SID, 1);
    s.write32(gr1o(&s, 1, gr1::CBAR), 1 << CBAR_TYPE_SHIFT);
    assert_eq!(
        s.transaction(SID, IOVA, Access::Read, false),
        Err(global(GlobalFaultKind::InvalidContext, Response::Abort))
    );
}

/// A stage 1 context whose only page is privileged-only and execute-never,
/// reached through S2CR0 with `s2cr_extra` attribute overrides.
fn priv_only_page(s2cr_extra: u32) -> smmu_sim::Smmu {
    let mut s = mmu500();
    enable(&mut s);
    let l1 = new_table(&s, 4096);
    s1_aarch64(&mut s, 0, 0, 25 | 1 << 23, 5, l1, 0);
    // 1 GiB block at VA 0: AP = 0b00 (EL1 only), UXN (bit 54) and PXN
    // (bit 53): no instruction fetch at any privilege.
    set64(
        &s,
        l1,
        0,
        0x8000_0000 | lpae::BLOCK | lpae::AF | lpae::XN | 1 << 53,
    );
    s.write32(gr0::S2CR, s2cr_extra);
    s.write32(gr0::SMR, 1 << 31 | u32::from(SID));
    s
}

#[test]
fn s2cr_privcfg_and_instcfg_override_the_transaction() {
    // PRIVCFG = 0b11 (S2CR[25:24]): every transaction is privileged.
    let mut s = priv_only_page(0b11 << 24);
    assert_eq!(
        s.transaction(SID, 0x10, Access::Read, false),
        Ok(0x8000_0010)
    );
    // PRIVCFG = 0b10: every transaction is unprivileged.
    let mut s = priv_only_page(0b10 << 24);
    assert!(s.transaction(SID, 0x10, Access::Read, true).is_err());
    // INSTCFG = 0b11 (S2CR[27:26]): reads are instruction fetches, and XN
    // refuses them.
    let mut s = priv_only_page(0b11 << 26);
    assert!(matches!(
        s.transaction(SID, 0x10, Access::Read, true),
        Err(Fault::Context {
            kind: smmu_sim::ContextFaultKind::Permission,
            ..
        })
    ));
    assert_eq!(
        s.read32(cbo(&s, 0, smmu_sim::regs::cb::FSYNR0)) & (1 << 6),
        1 << 6,
        "FSYNR0.IND"
    );
    let mut s = priv_only_page(0);
    assert_eq!(
        s.transaction(SID, 0x10, Access::Read, true),
        Ok(0x8000_0010)
    );
}

#[test]
fn nested_contexts_need_nesting_support() {
    let mut s = with_config(SmmuConfig {
        nested: false,
        ..SmmuConfig::mmu500()
    });
    enable(&mut s);
    attach(&mut s, 0, SID, 1);
    s.write32(gr1o(&s, 0, gr1::CBAR), 0);
    s.write32(gr1o(&s, 1, gr1::CBAR), 3 << CBAR_TYPE_SHIFT);
    assert_eq!(
        s.transaction(SID, IOVA, Access::Read, false),
        Err(global(GlobalFaultKind::InvalidContext, Response::Abort))
    );
}
