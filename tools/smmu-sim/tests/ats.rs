// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Address translation operations: ATS1PR/PW/UR/UW write a VA, PAR returns
//! the PA or a fault, FSR is untouched, ATSR reads idle (IHI 0062D 3.x, 10.14.7
//! PAR, 10.16 ATS1*, 10.17 ATSR). Absent when sIDR0.ATOSNS = 1.

mod common;

use common::lpae::*;
use common::*;
use smmu_sim::regs::{cb, fsr, gr1};
use smmu_sim::{PAR_F, PAR_PLVL_SHIFT, PAR_STAGE2, Smmu, SmmuConfig};

fn ctx(s: &mut Smmu) {
    enable(s);
    let (l1, l2, l3) = (new_table(s, 4096), new_table(s, 4096), new_table(s, 4096));
    s1_aarch64(s, 0, 0, 25 | 1 << 23, 5, l1 | 1 << 48, 0);
    set64(s, l1, 0, table(l2));
    set64(s, l2, 0, table(l3));
    set64(s, l3, 1, page(0x8_8000_1000) | AP_RO);
    set64(s, l3, 2, page(0x8000_2000) & !AP_EL0);
}

#[test]
fn ats1_operations_report_in_par() {
    let mut s = mmu500();
    ctx(&mut s);
    s.write64(cbo(&s, 0, cb::ATS1PR), 0x1234);
    assert_eq!(s.read32(cbo(&s, 0, cb::ATSR)), 0);
    assert_eq!(s.read64(cbo(&s, 0, cb::PAR)), 0x8_8000_1000);
    // Write to a read-only page: PAR.F with the PF bit and PLVL = 3.
    s.write64(cbo(&s, 0, cb::ATS1PW), 0x1000);
    assert_eq!(
        s.read64(cbo(&s, 0, cb::PAR)),
        PAR_F | u64::from(fsr::PF) | 3 << PAR_PLVL_SHIFT
    );
    // Unprivileged read of a privileged-only page faults; privileged works.
    s.write64(cbo(&s, 0, cb::ATS1UR), 0x2000);
    assert_eq!(s.read64(cbo(&s, 0, cb::PAR)) & PAR_F, PAR_F);
    s.write64(cbo(&s, 0, cb::ATS1PW), 0x2000);
    assert_eq!(s.read64(cbo(&s, 0, cb::PAR)), 0x8000_2000);
    // Unmapped: translation fault at level 3.
    s.write64(cbo(&s, 0, cb::ATS1UW), 0x3000);
    assert_eq!(
        s.read64(cbo(&s, 0, cb::PAR)),
        PAR_F | u64::from(fsr::TF) | 3 << PAR_PLVL_SHIFT
    );
    // None of this is a context fault.
    assert_eq!(s.read32(cbo(&s, 0, cb::FSR)), 0);
    assert!(!s.context_irq(0));
}

#[test]
fn ats1_on_a_stage2_bank_faults_at_stage_2() {
    let mut s = mmu500();
    enable(&mut s);
    s.write32(gr1o(&s, 0, gr1::CBAR), 0);
    s.write64(cbo(&s, 0, cb::ATS1PR), 0x1000);
    assert_eq!(
        s.read64(cbo(&s, 0, cb::PAR)) & (PAR_F | PAR_STAGE2),
        PAR_F | PAR_STAGE2
    );
}

#[test]
fn no_translation_operations_when_atosns_is_set() {
    let mut s = with_config(SmmuConfig {
        address_translation_ops: false,
        ..SmmuConfig::mmu500()
    });
    ctx(&mut s);
    s.write64(cbo(&s, 0, cb::ATS1PR), 0x1000);
    assert_eq!(s.read64(cbo(&s, 0, cb::PAR)), 0);
}
