// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! The IOTLB keeps translations until an invalidation completes: each TLBI
//! form removes exactly what it names (VMID / ASID / VA, global vs
//! non-global), and only after the sync of the register space that issued it
//! (IHI 0062D 3.9 and 10.6.14-10.6.17, 10.15). Missing invalidations and
//! missing syncs both show as stale translations.

mod common;

use common::lpae::*;
use common::*;
use smmu_sim::regs::{cb, gr0, gr1};
use smmu_sim::{Access, ContextFaultKind, Fault, Smmu};

const VA: u64 = 0x4020_3000;

/// 4K / 39-bit context in bank 0, VMID 3, ASID 1, VA mapped to `pa` by a
/// page (non-global unless `global`). Returns the L3 table.
fn mapped(s: &mut Smmu, pa: u64, global: bool) -> u64 {
    enable(s);
    let (l1, l2, l3) = (new_table(s, 4096), new_table(s, 4096), new_table(s, 4096));
    s1_aarch64(s, 0, 3, 25 | 1 << 23, 5, l1 | 1 << 48, 0);
    attach(s, 0, SID, 0);
    set64(s, l1, 1, table(l2));
    set64(s, l2, 1, table(l3));
    set64(s, l3, 3, page(pa) | if global { 0 } else { NG });
    l3
}

fn read(s: &mut Smmu, va: u64) -> Result<u64, Fault> {
    s.transaction(SID, va, Access::Read, false)
}

/// TLBIVA operand for AArch64 contexts: VA[55:12] in [43:0], ASID in [63:48].
fn tlbiva(asid: u64, va: u64) -> u64 {
    asid << 48 | va >> 12
}

#[test]
fn remap_is_stale_until_tlbiva_and_its_sync() {
    let mut s = mmu500();
    let l3 = mapped(&mut s, 0x8000_1000, false);
    assert_eq!(read(&mut s, VA), Ok(0x8000_1000));
    set64(&s, l3, 3, page(0x8000_2000) | NG);
    assert_eq!(read(&mut s, VA), Ok(0x8000_1000), "no invalidation: stale");
    s.write64(cbo(&s, 0, cb::TLBIVA), tlbiva(1, VA));
    assert_eq!(s.pending_invalidations(), 1);
    assert_eq!(
        read(&mut s, VA),
        Ok(0x8000_1000),
        "invalidation not yet synced"
    );
    assert!(tlb_sync(&mut s, 0, 10));
    assert_eq!(s.pending_invalidations(), 0);
    assert_eq!(read(&mut s, VA), Ok(0x8000_2000));
}

#[test]
fn unmap_is_stale_until_tlbiasid() {
    let mut s = mmu500();
    let l3 = mapped(&mut s, 0x8000_1000, false);
    assert_eq!(read(&mut s, VA), Ok(0x8000_1000));
    set64(&s, l3, 3, 0);
    assert_eq!(read(&mut s, VA), Ok(0x8000_1000));
    // Another ASID's invalidation does not touch this entry.
    s.write32(cbo(&s, 0, cb::TLBIASID), 2);
    assert!(tlb_sync(&mut s, 0, 10));
    assert_eq!(read(&mut s, VA), Ok(0x8000_1000));
    s.write32(cbo(&s, 0, cb::TLBIASID), 1);
    assert!(tlb_sync(&mut s, 0, 10));
    assert!(matches!(
        read(&mut s, VA),
        Err(Fault::Context {
            kind: ContextFaultKind::Translation,
            level: Some(3),
            ..
        })
    ));
}

#[test]
fn tlbiva_of_another_page_or_asid_leaves_the_entry() {
    let mut s = mmu500();
    let l3 = mapped(&mut s, 0x8000_1000, false);
    assert_eq!(read(&mut s, VA), Ok(0x8000_1000));
    set64(&s, l3, 3, 0);
    s.write64(cbo(&s, 0, cb::TLBIVA), tlbiva(1, VA + 0x1000));
    s.write64(cbo(&s, 0, cb::TLBIVA), tlbiva(2, VA));
    assert!(tlb_sync(&mut s, 0, 10));
    assert_eq!(read(&mut s, VA), Ok(0x8000_1000));
    // TLBIVAL (last level only) removes it: the model caches leaves only.
    s.write64(cbo(&s, 0, cb::TLBIVAL), tlbiva(1, VA));
    assert!(tlb_sync(&mut s, 0, 10));
    assert!(read(&mut s, VA).is_err());
}

#[test]
fn entries_are_tagged_by_asid() {
    let mut s = mmu500();
    let l3 = mapped(&mut s, 0x8000_1000, false);
    assert_eq!(read(&mut s, VA), Ok(0x8000_1000));
    set64(&s, l3, 3, page(0x8000_2000) | NG);
    // Switching the context to ASID 2 misses the ASID 1 entry and walks.
    let ttbr = s.read64(cbo(&s, 0, cb::TTBR0));
    s.write64(cbo(&s, 0, cb::TTBR0), ttbr & !(0xff << 48) | 2 << 48);
    assert_eq!(read(&mut s, VA), Ok(0x8000_2000));
    // Back on ASID 1 the old entry is still there.
    s.write64(cbo(&s, 0, cb::TTBR0), ttbr);
    assert_eq!(read(&mut s, VA), Ok(0x8000_1000));
    assert_eq!(s.tlb_entries(), 2);
}

#[test]
fn global_entries_match_every_asid_and_survive_tlbiasid() {
    let mut s = mmu500();
    let l3 = mapped(&mut s, 0x8000_1000, true);
    assert_eq!(read(&mut s, VA), Ok(0x8000_1000));
    set64(&s, l3, 3, 0);
    let ttbr = s.read64(cbo(&s, 0, cb::TTBR0));
    s.write64(cbo(&s, 0, cb::TTBR0), ttbr & !(0xff << 48) | 9 << 48);
    assert_eq!(
        read(&mut s, VA),
        Ok(0x8000_1000),
        "global entry, other ASID"
    );
    s.write32(cbo(&s, 0, cb::TLBIASID), 9);
    s.write32(cbo(&s, 0, cb::TLBIASID), 1);
    assert!(tlb_sync(&mut s, 0, 10));
    assert_eq!(
        read(&mut s, VA),
        Ok(0x8000_1000),
        "TLBIASID keeps global entries"
    );
    // TLBIVA removes global entries whatever the ASID operand.
    s.write64(cbo(&s, 0, cb::TLBIVA), tlbiva(9, VA));
    assert!(tlb_sync(&mut s, 0, 10));
    assert!(read(&mut s, VA).is_err());
}

#[test]
fn tlbiall_removes_the_banks_vmid() {
    let mut s = mmu500();
    let l3 = mapped(&mut s, 0x8000_1000, false);
    assert_eq!(read(&mut s, VA), Ok(0x8000_1000));
    set64(&s, l3, 3, 0);
    s.write32(cbo(&s, 0, cb::TLBIALL), 0);
    assert!(tlb_sync(&mut s, 0, 10));
    assert!(read(&mut s, VA).is_err());
}

#[test]
fn tlbivmid_needs_the_global_sync() {
    let mut s = mmu500();
    let l3 = mapped(&mut s, 0x8000_1000, false);
    assert_eq!(read(&mut s, VA), Ok(0x8000_1000));
    set64(&s, l3, 3, 0);
    s.write32(gr0::TLBIVMID, 4);
    assert!(tlb_gsync(&mut s, 10));
    assert_eq!(read(&mut s, VA), Ok(0x8000_1000), "other VMID");
    s.write32(gr0::TLBIVMID, 3);
    // A context bank's TLBSYNC does not complete a GR0 invalidation.
    assert!(tlb_sync(&mut s, 0, 10));
    assert_eq!(read(&mut s, VA), Ok(0x8000_1000));
    assert!(tlb_gsync(&mut s, 10));
    assert!(read(&mut s, VA).is_err());
}

#[test]
fn tlbiallnsnh_removes_everything() {
    let mut s = mmu500();
    let l3 = mapped(&mut s, 0x8000_1000, true);
    assert_eq!(read(&mut s, VA), Ok(0x8000_1000));
    set64(&s, l3, 3, 0);
    s.write32(gr0::TLBIALLNSNH, 0);
    assert!(tlb_gsync(&mut s, 10));
    assert_eq!(s.tlb_entries(), 0);
}

#[test]
fn vmid_comes_from_cba2r_with_vmid16en() {
    let mut s = mmu500();
    let l3 = mapped(&mut s, 0x8000_1000, false);
    let cr0 = s.read32(gr0::CR0);
    s.write32(gr0::CR0, cr0 | smmu_sim::regs::cr0::VMID16EN);
    s.write32(gr1o(&s, 0, gr1::CBA2R), 0x1234 << 16 | 1);
    assert_eq!(read(&mut s, VA), Ok(0x8000_1000));
    set64(&s, l3, 3, 0);
    s.write32(gr0::TLBIVMID, 3);
    assert!(tlb_gsync(&mut s, 10));
    assert_eq!(
        read(&mut s, VA),
        Ok(0x8000_1000),
        "the 16-bit VMID is 0x1234"
    );
    s.write32(gr0::TLBIVMID, 0x1234);
    assert!(tlb_gsync(&mut s, 10));
    assert!(read(&mut s, VA).is_err());
}

#[test]
fn a_sync_does_not_cover_invalidations_issued_after_it() {
    let mut s = mmu500();
    let l3 = mapped(&mut s, 0x8000_1000, false);
    assert_eq!(read(&mut s, VA), Ok(0x8000_1000));
    set64(&s, l3, 3, 0);
    s.write32(cbo(&s, 0, cb::TLBSYNC), 0);
    s.write64(cbo(&s, 0, cb::TLBIVA), tlbiva(1, VA));
    for _ in 0..10 {
        s.read32(cbo(&s, 0, cb::TLBSTATUS));
    }
    assert_eq!(
        read(&mut s, VA),
        Ok(0x8000_1000),
        "TLBI after TLBSYNC: not complete"
    );
    assert!(tlb_sync(&mut s, 0, 10));
    assert!(read(&mut s, VA).is_err());
}

#[test]
fn sync_reports_active_for_the_configured_polls() {
    let mut s = mmu500();
    assert_eq!(s.read32(cbo(&s, 0, cb::TLBSTATUS)), 0, "idle");
    s.write32(cbo(&s, 0, cb::TLBSYNC), 0);
    let polls = s.config().sync_polls;
    for _ in 0..polls {
        assert_eq!(s.read32(cbo(&s, 0, cb::TLBSTATUS)), 1);
    }
    assert_eq!(s.read32(cbo(&s, 0, cb::TLBSTATUS)), 0);
}

#[test]
fn block_over_a_cached_page_is_a_tlb_conflict() {
    let mut s = mmu500();
    enable(&mut s);
    let (l1, l2, l3) = (
        new_table(&s, 4096),
        new_table(&s, 4096),
        new_table(&s, 4096),
    );
    s1_aarch64(&mut s, 0, 0, 25 | 1 << 23, 5, l1 | 1 << 48, 0);
    attach(&mut s, 0, SID, 0);
    set64(&s, l1, 0, table(l2));
    set64(&s, l2, 0, table(l3));
    set64(&s, l3, 1, page(0x8000_1000));
    assert_eq!(read(&mut s, 0x1000), Ok(0x8000_1000));
    // Replace the table by a 2 MiB block without invalidating the page.
    set64(&s, l2, 0, block(0x8020_0000));
    assert_eq!(read(&mut s, 0x2000), Ok(0x8020_2000));
    assert!(matches!(
        read(&mut s, 0x1000),
        Err(Fault::Context {
            kind: ContextFaultKind::TlbMatchConflict,
            ..
        })
    ));
    assert_eq!(
        s.read32(cbo(&s, 0, cb::FSR)) & smmu_sim::regs::fsr::TLBMCF,
        smmu_sim::regs::fsr::TLBMCF
    );
}

#[test]
fn aarch32_tlbiva_takes_the_32_bit_operand() {
    let mut s = mmu500();
    enable(&mut s);
    let l1 = new_table(&s, 16384);
    s.write32(gr1o(&s, 0, gr1::CBAR), 1 << CBAR_TYPE_SHIFT);
    s.write64(cbo(&s, 0, cb::TTBR0), l1);
    s.write32(cbo(&s, 0, cb::CONTEXTIDR), 0x21);
    s.write32(cbo(&s, 0, cb::SCTLR), SCTLR_ON);
    attach(&mut s, 0, SID, 0);
    // Non-global section (nG, bit 17) with AF and user access.
    set32(&s, l1, 5, 0x8050_0000 | 1 << 17 | 0b10 | 1 << 10 | 1 << 11);
    assert_eq!(read(&mut s, 0x0050_0010), Ok(0x8050_0010));
    set32(&s, l1, 5, 0);
    // VA[31:12] | ASID[7:0] (IHI 0062D 10.15.x, AArch32 format).
    s.write32(cbo(&s, 0, cb::TLBIVA), 0x0050_0000 | 0x22);
    assert!(tlb_sync(&mut s, 0, 10));
    assert_eq!(read(&mut s, 0x0050_0010), Ok(0x8050_0010), "wrong ASID");
    s.write32(cbo(&s, 0, cb::TLBIVA), 0x0050_0000 | 0x21);
    assert!(tlb_sync(&mut s, 0, 10));
    assert!(read(&mut s, 0x0050_0010).is_err());
}

#[test]
fn tlbivaa_removes_every_asid() {
    let mut s = mmu500();
    let l3 = mapped(&mut s, 0x8000_1000, false);
    assert_eq!(read(&mut s, VA), Ok(0x8000_1000));
    set64(&s, l3, 3, 0);
    // TLBIVAA: VA[55:12] in [43:0], no ASID.
    s.write64(cbo(&s, 0, cb::TLBIVAA), VA >> 12);
    assert!(tlb_sync(&mut s, 0, 10));
    assert!(read(&mut s, VA).is_err());
}

#[test]
fn tlbiipas2_invalidates_stage_2_entries_by_ipa() {
    let mut s = mmu500();
    enable(&mut s);
    // Stage 2 bank 0, VMID 6: T0SZ = 32, SL0 = 1 (level 1, four entries),
    // 4K granule, 40-bit PASize; 1 GiB blocks.
    let l1 = new_table(&s, 4096);
    s.write32(gr1o(&s, 0, gr1::CBAR), 6);
    s.write32(gr1o(&s, 0, gr1::CBA2R), 1);
    s.write64(cbo(&s, 0, cb::TTBR0), l1);
    s.write32(cbo(&s, 0, cb::TCR), 32 | 1 << 6 | 2 << 16);
    s.write32(cbo(&s, 0, cb::SCTLR), SCTLR_ON);
    attach(&mut s, 0, SID, 0);
    let rw = BLOCK | AF | S2AP_R | S2AP_W;
    set64(&s, l1, 1, 0x8_8000_0000 | rw);
    set64(&s, l1, 2, 0x8_c000_0000 | rw);
    assert_eq!(read(&mut s, 0x4000_0010), Ok(0x8_8000_0010));
    assert_eq!(read(&mut s, 0x8000_0010), Ok(0x8_c000_0010));
    set64(&s, l1, 1, 0);
    set64(&s, l1, 2, 0);
    // TLBIIPAS2: IPA[47:12] in [35:0]. Only the named IPA's entry goes.
    s.write64(cbo(&s, 0, cb::TLBIIPAS2), 0x4000_0000 >> 12);
    assert!(tlb_sync(&mut s, 0, 10));
    assert!(read(&mut s, 0x4000_0010).is_err());
    assert_eq!(read(&mut s, 0x8000_0010), Ok(0x8_c000_0010));
}
