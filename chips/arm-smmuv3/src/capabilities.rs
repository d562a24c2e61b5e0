// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! What the SMMU offers, decoded from SMMU_IDR0/1/5 (IHI 0070 §6.3.1,
//! §6.3.2, §6.3.6), and the check that this driver can use it.

use tock_registers::LocalRegisterCopy;

use crate::error::ProbeError;
use crate::registers::{IDR0_REG, IDR1_REG, IDR5_REG};

/// Decoded identification registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capabilities {
    /// Stage-2 translation (unused by this driver).
    pub stage2: bool,
    /// Table walks, queue and table accesses are coherent (IDR0.COHACC).
    pub coherent: bool,
    /// 16-bit ASIDs (else 8-bit).
    pub asid_bits: u8,
    /// Stream ID width in bits (IDR1.SIDSIZE).
    pub sid_bits: u8,
    /// Largest command queue, log2 entries (IDR1.CMDQS).
    pub cmdq_log2: u8,
    /// Largest event queue, log2 entries (IDR1.EVENTQS).
    pub eventq_log2: u8,
    /// Output address size in bits (IDR5.OAS).
    pub oas_bits: u8,
    /// Granules supported: bit 12 (4K), 14 (16K), 16 (64K).
    pub granules: u64,
}

impl Capabilities {
    /// Decodes IDR0, IDR1 and IDR5 and refuses what this driver cannot
    /// drive: no stage 1, no AArch64 tables, big-endian-only walks, no 4K
    /// granule, preset table or queue bases, non-coherent SMMUs.
    pub fn decode(idr0: u32, idr1: u32, idr5: u32) -> Result<Self, ProbeError> {
        let id0 = LocalRegisterCopy::<u32, IDR0_REG::Register>::new(idr0);
        let id1 = LocalRegisterCopy::<u32, IDR1_REG::Register>::new(idr1);
        let id5 = LocalRegisterCopy::<u32, IDR5_REG::Register>::new(idr5);
        if !id0.is_set(IDR0_REG::S1P) {
            return Err(ProbeError::NoStage1);
        }
        if id0.read(IDR0_REG::TTF) & 0b10 == 0 {
            return Err(ProbeError::NoAArch64Tables);
        }
        if id0.read(IDR0_REG::TTENDIAN) == 3 {
            return Err(ProbeError::BigEndianTables);
        }
        if !id0.is_set(IDR0_REG::COHACC) {
            return Err(ProbeError::NonCoherent);
        }
        if !id5.is_set(IDR5_REG::GRAN4K) {
            return Err(ProbeError::No4kGranule);
        }
        if id1.is_set(IDR1_REG::TABLES_PRESET) || id1.is_set(IDR1_REG::QUEUES_PRESET) {
            return Err(ProbeError::PresetBases);
        }
        let oas_bits = match id5.read(IDR5_REG::OAS) {
            0 => 32,
            1 => 36,
            2 => 40,
            3 => 42,
            4 => 44,
            5 => 48,
            _ => 52,
        };
        let mut granules = 1 << 12;
        if id5.is_set(IDR5_REG::GRAN16K) {
            granules |= 1 << 14;
        }
        if id5.is_set(IDR5_REG::GRAN64K) {
            granules |= 1 << 16;
        }
        Ok(Self {
            stage2: id0.is_set(IDR0_REG::S2P),
            coherent: true,
            asid_bits: if id0.is_set(IDR0_REG::ASID16) { 16 } else { 8 },
            sid_bits: id1.read(IDR1_REG::SIDSIZE) as u8,
            cmdq_log2: id1.read(IDR1_REG::CMDQS) as u8,
            eventq_log2: id1.read(IDR1_REG::EVENTQS) as u8,
            oas_bits,
            granules,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What QEMU 7.2's model reports: IDR0 = S1P | TTF=2 | COHACC | ASID16 |
    /// TTENDIAN=2 | STALL_MODEL=1 | TERM_MODEL | ST_LEVEL=1; IDR1 =
    /// SIDSIZE 16, EVENTQS 19, CMDQS 19; IDR5 = OAS 44 | GRAN4K | GRAN64K.
    const QEMU_IDR0: u32 =
        0b10 | 0b10 << 2 | 1 << 4 | 1 << 12 | 2 << 21 | 1 << 24 | 1 << 26 | 1 << 27;
    const QEMU_IDR1: u32 = 16 | 19 << 16 | 19 << 21;
    const QEMU_IDR5: u32 = 4 | 1 << 4 | 1 << 6;

    #[test]
    fn decodes_the_qemu_model() {
        let caps = Capabilities::decode(QEMU_IDR0, QEMU_IDR1, QEMU_IDR5).unwrap();
        assert!(!caps.stage2);
        assert!(caps.coherent);
        assert_eq!(caps.asid_bits, 16);
        assert_eq!(caps.sid_bits, 16);
        assert_eq!((caps.cmdq_log2, caps.eventq_log2), (19, 19));
        assert_eq!(caps.oas_bits, 44);
        assert_eq!(caps.granules, (1 << 12) | (1 << 16));
    }

    #[test]
    fn refuses_what_it_cannot_drive() {
        let decode = |idr0, idr1, idr5| Capabilities::decode(idr0, idr1, idr5);
        assert_eq!(
            decode(QEMU_IDR0 & !0b10, QEMU_IDR1, QEMU_IDR5),
            Err(ProbeError::NoStage1)
        );
        // TTF = 1: AArch32 tables only.
        assert_eq!(
            decode((QEMU_IDR0 & !0b1100) | 0b0100, QEMU_IDR1, QEMU_IDR5),
            Err(ProbeError::NoAArch64Tables)
        );
        assert_eq!(
            decode(QEMU_IDR0 | 3 << 21, QEMU_IDR1, QEMU_IDR5),
            Err(ProbeError::BigEndianTables)
        );
        assert_eq!(
            decode(QEMU_IDR0 & !(1 << 4), QEMU_IDR1, QEMU_IDR5),
            Err(ProbeError::NonCoherent)
        );
        assert_eq!(
            decode(QEMU_IDR0, QEMU_IDR1, QEMU_IDR5 & !(1 << 4)),
            Err(ProbeError::No4kGranule)
        );
        assert_eq!(
            decode(QEMU_IDR0, QEMU_IDR1 | 1 << 30, QEMU_IDR5),
            Err(ProbeError::PresetBases)
        );
        assert_eq!(
            decode(QEMU_IDR0, QEMU_IDR1 | 1 << 29, QEMU_IDR5),
            Err(ProbeError::PresetBases)
        );
    }
}
