// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Translation context bank registers (one register page per bank).
//!
//! Offsets and fields: Arm System MMU Architecture Specification, SMMU
//! architecture versions 1.0 and 2.0 (IHI 0062D), the translation context
//! bank address space and its register descriptions; the MMU-500 ACTLR from
//! the CoreLink MMU-500 TRM (DDI 0517). Each item names the register as the
//! specification does (`SMMU_CBn_<name>`), which is how to find it there.

use tock_registers::register_bitfields;

/// System control register (IHI 0062D, SMMU_CBn_SCTLR).
pub(crate) const SCTLR: usize = 0x000;
/// Auxiliary control register, ACTLR; IMPLEMENTATION DEFINED
/// (MMU-500: DDI 0517, SMMU_CBn_ACTLR).
pub(crate) const ACTLR: usize = 0x004;
/// Extended translation control, TCR2: PASIZE and 16-bit ASIDs for
/// long-descriptor stage 1 contexts (IHI 0062D, SMMU_CBn_TCR2).
pub(crate) const TCR2: usize = 0x010;
/// Translation table base 0 (64-bit; 32-bit for short descriptors)
/// (IHI 0062D, SMMU_CBn_TTBR0).
pub(crate) const TTBR0: usize = 0x020;
/// Translation table base 1 (IHI 0062D, SMMU_CBn_TTBR1).
pub(crate) const TTBR1: usize = 0x028;
/// Translation control, TCR / TTBCR / VTCR layouts (IHI 0062D, SMMU_CBn_TCR).
pub(crate) const TCR: usize = 0x030;
/// Context ID: the ASID of a short-descriptor stage 1 context
/// (IHI 0062D, SMMU_CBn_CONTEXTIDR).
pub(crate) const CONTEXTIDR: usize = 0x034;
/// MAIR0 or PRRR (short descriptors with TEX remap) (IHI 0062D,
/// SMMU_CBn_MAIRm / SMMU_CBn_PRRR).
pub(crate) const MAIR0: usize = 0x038;
/// MAIR1 or NMRR (IHI 0062D, SMMU_CBn_MAIRm / SMMU_CBn_NMRR).
pub(crate) const MAIR1: usize = 0x03C;
/// Physical address register, PAR: result of an ATS1 operation
/// (IHI 0062D, SMMU_CBn_PAR).
pub(crate) const PAR: usize = 0x050;
/// Fault status; write-one-to-clear (IHI 0062D, SMMU_CBn_FSR).
pub(crate) const FSR: usize = 0x058;
/// Fault address, 64-bit (IHI 0062D, SMMU_CBn_FAR).
pub(crate) const FAR: usize = 0x060;
/// Fault syndrome 0 (IHI 0062D, SMMU_CBn_FSYNR0).
pub(crate) const FSYNR0: usize = 0x068;
/// TLB invalidate by VA, all levels (IHI 0062D, SMMU_CBn_TLBIVA).
pub(crate) const TLBIVA: usize = 0x600;
/// TLB invalidate by ASID (IHI 0062D, SMMU_CBn_TLBIASID).
pub(crate) const TLBIASID: usize = 0x610;
/// TLB invalidate by VA, last level only (IHI 0062D, SMMU_CBn_TLBIVAL).
pub(crate) const TLBIVAL: usize = 0x620;
/// TLB invalidate by IPA, stage 2, all levels (IHI 0062D,
/// SMMU_CBn_TLBIIPAS2).
pub(crate) const TLBIIPAS2: usize = 0x630;
/// TLB invalidate by IPA, stage 2, last level only (IHI 0062D,
/// SMMU_CBn_TLBIIPAS2L).
pub(crate) const TLBIIPAS2L: usize = 0x638;
/// Context TLB sync (IHI 0062D, SMMU_CBn_TLBSYNC).
pub(crate) const TLBSYNC: usize = 0x7F0;
/// Context TLB sync status (IHI 0062D, SMMU_CBn_TLBSTATUS).
pub(crate) const TLBSTATUS: usize = 0x7F4;
/// Address translation: stage 1, privileged read (IHI 0062D,
/// SMMU_CBn_ATS1PR).
pub(crate) const ATS1PR: usize = 0x800;
/// Address translation: stage 1, privileged write (IHI 0062D,
/// SMMU_CBn_ATS1PW).
pub(crate) const ATS1PW: usize = 0x808;
/// Address translation status (IHI 0062D, SMMU_CBn_ATSR).
pub(crate) const ATSR: usize = 0x8F0;

register_bitfields![u32,
    /// SMMU_CBn_SCTLR (IHI 0062D).
    pub(crate) SCTLR_REG [
        /// Translation enable. With M = 0 a stage 1 context *bypasses*, so
        /// the driver never clears M on a context that has streams routed
        /// to it.
        M OFFSET(0) NUMBITS(1) [],
        /// TEX remap enable (short descriptors use PRRR/NMRR).
        TRE OFFSET(1) NUMBITS(1) [],
        /// Access flag enable (short descriptors: AP\[0\] is an access flag).
        AFE OFFSET(2) NUMBITS(1) [],
        /// Big-endian table walks.
        E OFFSET(4) NUMBITS(1) [],
        /// Context fault report enable.
        CFRE OFFSET(5) NUMBITS(1) [],
        /// Context fault interrupt enable.
        CFIE OFFSET(6) NUMBITS(1) [],
        /// Context fault configuration: 0 = terminate, 1 = stall.
        CFCFG OFFSET(7) NUMBITS(1) [],
        /// Hit under previous context fault.
        HUPCF OFFSET(8) NUMBITS(1) [],
        /// ASID private namespace enable.
        ASIDPNE OFFSET(12) NUMBITS(1) []
    ],

    /// MMU-500 SMMU_CBn_ACTLR (DDI 0517).
    pub(crate) MMU500_ACTLR [
        /// Next-page prefetch enable. Cleared for MMU-500 errata 841119 and
        /// 826419 (see `doc/arm-smmu.md`).
        CPRE OFFSET(1) NUMBITS(1) []
    ],

    /// SMMU_CBn_TCR2 (IHI 0062D).
    pub(crate) TCR2_REG [
        /// Physical (output) address size, encoded as TCR.IPS.
        PASIZE OFFSET(0) NUMBITS(3) [],
        /// 16-bit ASIDs.
        AS OFFSET(4) NUMBITS(1) []
    ],

    /// SMMU_CBn_FSR (IHI 0062D); fault bits are write-one-to-clear.
    pub(crate) FSR_REG [
        /// Translation fault.
        TF OFFSET(1) NUMBITS(1) [],
        /// Access flag fault.
        AFF OFFSET(2) NUMBITS(1) [],
        /// Permission fault.
        PF OFFSET(3) NUMBITS(1) [],
        /// External fault.
        EF OFFSET(4) NUMBITS(1) [],
        /// TLB match conflict fault.
        TLBMCF OFFSET(5) NUMBITS(1) [],
        /// TLB lock fault.
        TLBLKF OFFSET(6) NUMBITS(1) [],
        /// Address size fault.
        ASF OFFSET(7) NUMBITS(1) [],
        /// Unsupported upstream transaction.
        UUT OFFSET(8) NUMBITS(1) [],
        /// Format of the syndrome.
        FORMAT OFFSET(9) NUMBITS(2) [],
        /// The faulting transaction is stalled.
        SS OFFSET(30) NUMBITS(1) [],
        /// More than one fault occurred.
        MULTI OFFSET(31) NUMBITS(1) []
    ],

    /// SMMU_CBn_FSYNR0 (IHI 0062D).
    pub(crate) FSYNR0_REG [
        /// Table level of the fault.
        PLVL OFFSET(0) NUMBITS(2) [],
        /// 1 = the faulting access was a write.
        WNR OFFSET(4) NUMBITS(1) [],
        /// Privileged / not user.
        PNU OFFSET(5) NUMBITS(1) [],
        /// Instruction / not data.
        IND OFFSET(6) NUMBITS(1) [],
        /// Fault on an address translation operation.
        ATOF OFFSET(9) NUMBITS(1) [],
        /// Fault during a page table walk.
        PTWF OFFSET(10) NUMBITS(1) []
    ],

    /// SMMU_CBn_TLBSTATUS (IHI 0062D).
    pub(crate) TLBSTATUS_REG [
        /// A context TLB sync is in progress.
        SACTIVE OFFSET(0) NUMBITS(1) []
    ],

    /// SMMU_CBn_ATSR (IHI 0062D).
    pub(crate) ATSR_REG [
        /// An address translation operation is in progress.
        ACTIVE OFFSET(0) NUMBITS(1) []
    ],

    /// SMMU_CBn_TTBCR fields used for AArch32 contexts (IHI 0062D; the
/// layouts follow the Armv7 TTBCR, DDI 0406C B4.1.153).
    pub(crate) TTBCR_REG [
        /// Short descriptors: disable TTBR1 walks.
        PD1 OFFSET(5) NUMBITS(1) [],
        /// Long descriptors: disable TTBR1 walks (EPD1).
        EPD1 OFFSET(23) NUMBITS(1) [],
        /// Extended address enable: long-descriptor (LPAE) format.
        EAE OFFSET(31) NUMBITS(1) []
    ]
];

register_bitfields![u64,
    /// SMMU_CBn_PAR (IHI 0062D), 64-bit layout.
    pub(crate) PAR_REG [
        /// 1 = the translation faulted; the rest holds the fault status.
        F OFFSET(0) NUMBITS(1) [],
        /// Output address bits \[47:12\].
        PA OFFSET(12) NUMBITS(36) []
    ]
];

/// Every FSR bit that records a fault (what a handler writes back to clear).
pub(crate) const FSR_FAULT_BITS: u32 = 0xC000_01FE;
