// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Register offsets and bit fields, from the SMMUv2 architecture specification
//! (IHI 0062D) chapter 10 (global space 0: 10.6, global space 1: 10.7 / 10.8,
//! translation context banks: 10.13 onwards) and the MMU-500 TRM (DDI 0517)
//! chapter 3. Offsets are from the SMMU base (global spaces) or from the
//! context bank's page (`cb::*`). Tests may use these to drive the model.

/// Global register space 0 (page 0), IHI 0062D 10.6.
pub mod gr0 {
    /// sCR0, global configuration (10.6.1).
    pub const CR0: u64 = 0x000;
    /// sACR, MMU-500 auxiliary configuration (DDI 0517 3.5.1).
    pub const ACR: u64 = 0x010;
    /// sIDR0..sIDR7 (10.6.2 - 10.6.8).
    pub const IDR0: u64 = 0x020;
    /// sIDR1.
    pub const IDR1: u64 = 0x024;
    /// sIDR2.
    pub const IDR2: u64 = 0x028;
    /// sIDR7.
    pub const IDR7: u64 = 0x03c;
    /// sGFAR, 64-bit global fault address.
    pub const GFAR: u64 = 0x040;
    /// sGFSR, global fault status (write 1 to clear).
    pub const GFSR: u64 = 0x048;
    /// sGFSRRESTORE.
    pub const GFSRRESTORE: u64 = 0x04c;
    /// sGFSYNR0..2, global fault syndrome.
    pub const GFSYNR0: u64 = 0x050;
    /// sGFSYNR1: stream ID of the faulting transaction.
    pub const GFSYNR1: u64 = 0x054;
    /// sGFSYNR2 (implementation defined; reads 0 here).
    pub const GFSYNR2: u64 = 0x058;
    /// TLBIVMID: invalidate by VMID.
    pub const TLBIVMID: u64 = 0x064;
    /// TLBIALLNSNH: invalidate all non-secure non-hyp entries.
    pub const TLBIALLNSNH: u64 = 0x068;
    /// TLBIALLH: invalidate all hyp entries.
    pub const TLBIALLH: u64 = 0x06c;
    /// sTLBGSYNC: global TLB sync.
    pub const TLBGSYNC: u64 = 0x070;
    /// sTLBGSTATUS: bit 0 GSACTIVE.
    pub const TLBGSTATUS: u64 = 0x074;
    /// TLBIVAH: invalidate hyp entries by VA.
    pub const TLBIVAH: u64 = 0x078;
    /// SMRn, stream match registers, 4 bytes each (10.6.19).
    pub const SMR: u64 = 0x800;
    /// S2CRn, stream-to-context registers, 4 bytes each (10.6.20).
    pub const S2CR: u64 = 0xc00;
}

/// Global register space 1 (page 1), IHI 0062D 10.7.
pub mod gr1 {
    /// CBARn, context bank attributes (10.7.1).
    pub const CBAR: u64 = 0x000;
    /// CBFRSYNRAn, context bank fault restricted syndrome A (10.7.2).
    pub const CBFRSYNRA: u64 = 0x400;
    /// CBA2Rn, context bank attributes 2 (10.7.3).
    pub const CBA2R: u64 = 0x800;
}

/// Translation context bank registers, offsets within the bank's page
/// (IHI 0062D 10.13 - 10.17).
pub mod cb {
    /// SCTLR, system control.
    pub const SCTLR: u64 = 0x000;
    /// ACTLR, auxiliary control (MMU-500: DDI 0517 3.7).
    pub const ACTLR: u64 = 0x004;
    /// RESUME, resume a stalled transaction (bit 0 TnR: 1 terminate).
    pub const RESUME: u64 = 0x008;
    /// TCR2, AArch64 stage 1 extension (PASize, AS).
    pub const TCR2: u64 = 0x010;
    /// TTBR0 (64-bit).
    pub const TTBR0: u64 = 0x020;
    /// TTBR1 (64-bit).
    pub const TTBR1: u64 = 0x028;
    /// TCR / TTBCR.
    pub const TCR: u64 = 0x030;
    /// CONTEXTIDR (ASID for short-descriptor contexts).
    pub const CONTEXTIDR: u64 = 0x034;
    /// MAIR0 / PRRR.
    pub const MAIR0: u64 = 0x038;
    /// MAIR1 / NMRR.
    pub const MAIR1: u64 = 0x03c;
    /// PAR, 64-bit result of an ATS1 operation.
    pub const PAR: u64 = 0x050;
    /// FSR, fault status (write 1 to clear).
    pub const FSR: u64 = 0x058;
    /// FSRRESTORE.
    pub const FSRRESTORE: u64 = 0x05c;
    /// FAR, 64-bit fault address.
    pub const FAR: u64 = 0x060;
    /// FSYNR0, fault syndrome.
    pub const FSYNR0: u64 = 0x068;
    /// FSYNR1.
    pub const FSYNR1: u64 = 0x06c;
    /// IPAFAR, 64-bit IPA of a stage 2 fault in a nested translation.
    pub const IPAFAR: u64 = 0x070;
    /// TLBIVA (64-bit in AArch64 format).
    pub const TLBIVA: u64 = 0x600;
    /// TLBIVAA, by VA, all ASIDs.
    pub const TLBIVAA: u64 = 0x608;
    /// TLBIASID.
    pub const TLBIASID: u64 = 0x610;
    /// TLBIALL.
    pub const TLBIALL: u64 = 0x618;
    /// TLBIVAL, by VA, last level only.
    pub const TLBIVAL: u64 = 0x620;
    /// TLBIVAAL.
    pub const TLBIVAAL: u64 = 0x628;
    /// TLBIIPAS2, stage 2 by IPA.
    pub const TLBIIPAS2: u64 = 0x630;
    /// TLBIIPAS2L.
    pub const TLBIIPAS2L: u64 = 0x638;
    /// TLBSYNC.
    pub const TLBSYNC: u64 = 0x7f0;
    /// TLBSTATUS, bit 0 SACTIVE.
    pub const TLBSTATUS: u64 = 0x7f4;
    /// ATS1PR, stage 1 privileged read translation (64-bit).
    pub const ATS1PR: u64 = 0x800;
    /// ATS1PW.
    pub const ATS1PW: u64 = 0x808;
    /// ATS1UR.
    pub const ATS1UR: u64 = 0x810;
    /// ATS1UW.
    pub const ATS1UW: u64 = 0x818;
    /// ATSR, bit 0 ACTIVE.
    pub const ATSR: u64 = 0x8f0;
}

/// sCR0 fields (IHI 0062D 10.6.1).
pub mod cr0 {
    /// Client port disable: every transaction bypasses.
    pub const CLIENTPD: u32 = 1 << 0;
    /// Global fault report enable (abort to the device).
    pub const GFRE: u32 = 1 << 1;
    /// Global fault interrupt enable.
    pub const GFIE: u32 = 1 << 2;
    /// Global configuration fault report enable (configuration *access*
    /// faults; read-only zero on the MMU-500, UG1087 SMMU_SCR0).
    pub const GCFGFRE: u32 = 1 << 4;
    /// Global configuration fault interrupt enable (likewise read-only zero).
    pub const GCFGFIE: u32 = 1 << 5;
    /// Unidentified stream fault configuration: 1 = fault, 0 = bypass.
    pub const USFCFG: u32 = 1 << 10;
    /// VMID private namespace enable.
    pub const VMIDPNE: u32 = 1 << 11;
    /// Stream match conflict fault configuration.
    pub const SMCFCFG: u32 = 1 << 21;
    /// 16-bit VMID enable.
    pub const VMID16EN: u32 = 1 << 31;
    /// Reset value: CLIENTPD and SMCFCFG set (DDI 0517 3.4 / IHI 0062D 10.6.1).
    pub const RESET: u32 = CLIENTPD | SMCFCFG;
}

/// sGFSR fields (IHI 0062D 10.6.11).
pub mod gfsr {
    /// Invalid context fault.
    pub const ICF: u32 = 1 << 0;
    /// Unidentified stream fault.
    pub const USF: u32 = 1 << 1;
    /// Stream match conflict fault.
    pub const SMCF: u32 = 1 << 2;
    /// Unimplemented context bank fault.
    pub const UCBF: u32 = 1 << 3;
    /// Unimplemented context interrupt fault.
    pub const UCIF: u32 = 1 << 4;
    /// Configuration access fault.
    pub const CAF: u32 = 1 << 5;
    /// External fault.
    pub const EF: u32 = 1 << 6;
    /// Multiple faults.
    pub const MULTI: u32 = 1 << 31;
    /// Every defined bit.
    pub const ALL: u32 = ICF | USF | SMCF | UCBF | UCIF | CAF | EF | (1 << 8) | MULTI;
}

/// Context bank SCTLR fields (IHI 0062D 10.14.1).
pub mod sctlr {
    /// MMU enable.
    pub const M: u32 = 1 << 0;
    /// TEX remap enable.
    pub const TRE: u32 = 1 << 1;
    /// Access flag enable (short-descriptor AP`[0]` is an access flag).
    pub const AFE: u32 = 1 << 2;
    /// Access flag fault disable.
    pub const AFFD: u32 = 1 << 3;
    /// Context fault report enable (abort to the device).
    pub const CFRE: u32 = 1 << 5;
    /// Context fault interrupt enable.
    pub const CFIE: u32 = 1 << 6;
    /// Context fault configuration: 1 = stall, 0 = terminate.
    pub const CFCFG: u32 = 1 << 7;
    /// Hit under previous context fault.
    pub const HUPCF: u32 = 1 << 8;
    /// Writable bits: `[10:0]`, PTW `[13]`, the attribute overrides `[29:14]`.
    /// Bit 11 and `[31:30]` are reserved; ASIDPNE (bit 12) is RAZ on the
    /// MMU-500 (UG1087 SMMU_CBn_SCTLR).
    pub const WRITABLE: u32 = 0x3fff_e7ff;
    /// Reset value: HUPCF set (UG1087 SMMU_CBn_SCTLR reset 0x00000100).
    pub const RESET: u32 = HUPCF;
}

/// Context bank FSR fields (IHI 0062D 10.14.8).
pub mod fsr {
    /// Translation fault.
    pub const TF: u32 = 1 << 1;
    /// Access flag fault.
    pub const AFF: u32 = 1 << 2;
    /// Permission fault.
    pub const PF: u32 = 1 << 3;
    /// External fault.
    pub const EF: u32 = 1 << 4;
    /// TLB match conflict fault.
    pub const TLBMCF: u32 = 1 << 5;
    /// TLB lock fault.
    pub const TLBLKF: u32 = 1 << 6;
    /// Address size fault.
    pub const ASF: u32 = 1 << 7;
    /// Unsupported upstream transaction.
    pub const UUT: u32 = 1 << 8;
    /// FORMAT field shift (bits `[10:9]`): 0 short, 1 long (AArch32), 2 AArch64.
    pub const FORMAT_SHIFT: u32 = 9;
    /// Stalled status.
    pub const SS: u32 = 1 << 30;
    /// Multiple faults.
    pub const MULTI: u32 = 1 << 31;
    /// The bits that mean "a fault is recorded".
    pub const FAULTS: u32 = TF | AFF | PF | EF | TLBMCF | TLBLKF | ASF | UUT;
}

/// Context bank FSYNR0 fields (IHI 0062D 10.14.10).
pub mod fsynr0 {
    /// Write not read.
    pub const WNR: u32 = 1 << 4;
    /// Privileged (1) or unprivileged (0) access.
    pub const PNU: u32 = 1 << 5;
    /// Instruction (1) or data (0) access.
    pub const IND: u32 = 1 << 6;
    /// Fault came from an address translation operation.
    pub const ATOF: u32 = 1 << 9;
    /// Fault happened on a page-table walk access (stage 2 fault on a stage 1
    /// table read in a nested context).
    pub const PTWF: u32 = 1 << 10;
    /// S1CBNDX shift (bits `[23:16]`).
    pub const S1CBNDX_SHIFT: u32 = 16;
}

/// sGFSYNR0 fields (IHI 0062D 10.6.13).
pub mod gfsynr0 {
    /// Write not read.
    pub const WNR: u32 = 1 << 1;
    /// Privileged access.
    pub const PNU: u32 = 1 << 2;
    /// Instruction access.
    pub const IND: u32 = 1 << 3;
}

/// S2CR TYPE values (IHI 0062D 10.6.20).
pub mod s2cr_type {
    /// Translate through context bank CBNDX.
    pub const TRANSLATE: u32 = 0;
    /// Bypass.
    pub const BYPASS: u32 = 1;
    /// Fault.
    pub const FAULT: u32 = 2;
}

/// CBAR TYPE values (IHI 0062D 10.7.1).
pub mod cbar_type {
    /// Stage 2 context.
    pub const S2: u32 = 0;
    /// Stage 1 context with stage 2 bypass.
    pub const S1_BYPASS_S2: u32 = 1;
    /// Stage 1 context with stage 2 fault.
    pub const S1_FAULT_S2: u32 = 2;
    /// Stage 1 context nested in the stage 2 context CBNDX.
    pub const NESTED: u32 = 3;
}
