// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Global register spaces 0 and 1 (GR0, GR1) of an SMMUv2: configuration,
//! identification, global faults, global TLB maintenance, stream matching
//! and context bank attributes.
//!
//! Offsets and fields: Arm System MMU Architecture Specification, SMMU
//! architecture versions 1.0 and 2.0 (IHI 0062D), the global address spaces
//! 0 and 1 and their register descriptions; MMU-500 additions from the
//! CoreLink MMU-500 TRM (DDI 0517). Each item names the register as the
//! specification does (`SMMU_<name>`), which is how to find it there.

use tock_registers::register_bitfields;

/// GR0 offset of the configuration register (IHI 0062D, SMMU_sCR0).
pub(crate) const SCR0: usize = 0x000;
/// GR0 offset of sACR, the IMPLEMENTATION DEFINED auxiliary configuration
/// register (IHI 0062D, SMMU_sACR); on MMU-500 it is ACR (DDI 0517).
pub(crate) const SACR: usize = 0x010;
/// GR0 offset of identification register 0 (IHI 0062D, SMMU_sIDR0).
pub(crate) const SIDR0: usize = 0x020;
/// GR0 offset of identification register 1 (IHI 0062D, SMMU_sIDR1).
pub(crate) const SIDR1: usize = 0x024;
/// GR0 offset of identification register 2 (IHI 0062D, SMMU_sIDR2).
pub(crate) const SIDR2: usize = 0x028;
/// GR0 offset of identification register 7 (IHI 0062D, SMMU_sIDR7).
pub(crate) const SIDR7: usize = 0x03C;
/// GR0 offset of the 64-bit global fault address (IHI 0062D, SMMU_sGFAR).
pub(crate) const SGFAR: usize = 0x040;
/// GR0 offset of the global fault status, write-one-to-clear
/// (IHI 0062D, SMMU_sGFSR).
pub(crate) const SGFSR: usize = 0x048;
/// GR0 offset of global fault syndrome 0 (IHI 0062D, SMMU_sGFSYNR0).
pub(crate) const SGFSYNR0: usize = 0x050;
/// GR0 offset of global fault syndrome 1 (IHI 0062D, SMMU_sGFSYNR1).
pub(crate) const SGFSYNR1: usize = 0x054;
/// GR0 offset of TLBIVMID: invalidate all entries with a VMID
/// (IHI 0062D, SMMU_TLBIVMID).
pub(crate) const TLBIVMID: usize = 0x064;
/// GR0 offset of TLBIALLNSNH: invalidate all Non-secure non-Hyp entries
/// (IHI 0062D, SMMU_TLBIALLNSNH).
pub(crate) const TLBIALLNSNH: usize = 0x068;
/// GR0 offset of TLBIALLH: invalidate all Hyp entries (IHI 0062D,
/// SMMU_TLBIALLH).
pub(crate) const TLBIALLH: usize = 0x06C;
/// GR0 offset of the global TLB sync (IHI 0062D, SMMU_sTLBGSYNC).
pub(crate) const TLBGSYNC: usize = 0x070;
/// GR0 offset of the global TLB sync status (IHI 0062D, SMMU_sTLBGSTATUS).
pub(crate) const TLBGSTATUS: usize = 0x074;
/// GR0 base of the Stream Match Registers, 4 bytes apart
/// (IHI 0062D, SMMU_SMRn).
pub(crate) const SMR_BASE: usize = 0x800;
/// GR0 base of the Stream-to-Context Registers, 4 bytes apart
/// (IHI 0062D, SMMU_S2CRn).
pub(crate) const S2CR_BASE: usize = 0xC00;

/// GR1 base of the Context Bank Attribute Registers (IHI 0062D,
/// SMMU_CBARn).
pub(crate) const CBAR_BASE: usize = 0x000;
/// GR1 base of the Context Bank Fault Restricted Syndrome Registers
/// SMMU_CBFRSYNRAn (IHI 0062D).
pub(crate) const CBFRSYNRA_BASE: usize = 0x400;
/// GR1 base of the Context Bank Attribute Registers 2
/// (IHI 0062D, SMMU_CBA2Rn).
pub(crate) const CBA2R_BASE: usize = 0x800;

register_bitfields![u32,
    /// SMMU_sCR0 (IHI 0062D).
    pub(crate) SCR0_REG [
        /// Client port disable: 1 = every transaction bypasses the SMMU.
        CLIENTPD OFFSET(0) NUMBITS(1) [],
        /// Global fault report enable.
        GFRE OFFSET(1) NUMBITS(1) [],
        /// Global fault interrupt enable.
        GFIE OFFSET(2) NUMBITS(1) [],
        /// Extended (16-bit) stream ID enable.
        EXIDENABLE OFFSET(3) NUMBITS(1) [],
        /// Global configuration fault report enable.
        GCFGFRE OFFSET(4) NUMBITS(1) [],
        /// Global configuration fault interrupt enable.
        GCFGFIE OFFSET(5) NUMBITS(1) [],
        /// Stall disable.
        STALLD OFFSET(8) NUMBITS(1) [],
        /// Unidentified stream fault configuration: 1 = fault, 0 = bypass.
        USFCFG OFFSET(10) NUMBITS(1) [],
        /// VMID private namespace enable.
        VMIDPNE OFFSET(11) NUMBITS(1) [],
        /// Private TLB maintenance: ignore broadcast (DVM) TLB maintenance.
        PTM OFFSET(12) NUMBITS(1) [],
        /// Force broadcast of TLB maintenance.
        FB OFFSET(13) NUMBITS(1) [],
        /// Barrier shareability upgrade.
        BSU OFFSET(14) NUMBITS(2) [],
        /// Stream match conflict fault configuration: 1 = raise a fault.
        SMCFCFG OFFSET(21) NUMBITS(1) [],
        /// 16-bit VMID enable.
        VMID16EN OFFSET(31) NUMBITS(1) []
    ],

    /// MMU-500 ACR, its implementation of SMMU_sACR (DDI 0517).
    pub(crate) MMU500_ACR [
        /// Allow unmatched-stream bypass entries in the TLB.
        SMTNMB_TLBEN OFFSET(8) NUMBITS(1) [],
        /// Allow S2CR bypass entries in the TLB.
        S2CRB_TLBEN OFFSET(10) NUMBITS(1) [],
        /// From r2p0: while set, writes to context bank ACTLRs are ignored.
        CACHE_LOCK OFFSET(26) NUMBITS(1) []
    ],

    /// SMMU_sIDR0 (IHI 0062D).
    pub(crate) SIDR0_REG [
        /// Number of stream mapping register groups.
        NUMSMRG OFFSET(0) NUMBITS(8) [],
        /// Extended stream IDs supported.
        EXIDS OFFSET(8) NUMBITS(1) [],
        /// Number of stream ID bits.
        NUMSIDB OFFSET(9) NUMBITS(4) [],
        /// Coherent translation table walks.
        CTTW OFFSET(14) NUMBITS(1) [],
        /// Number of context interrupts.
        NUMIRPT OFFSET(16) NUMBITS(8) [],
        /// 1 = AArch32 short-descriptor format NOT supported.
        PTFS_NO_AARCH32S OFFSET(24) NUMBITS(1) [],
        /// 1 = no AArch32 format (short or long) supported.
        PTFS_NO_AARCH32 OFFSET(25) NUMBITS(1) [],
        /// 1 = address translation operations NOT supported.
        ATOSNS OFFSET(26) NUMBITS(1) [],
        /// Stream matching supported (otherwise stream indexing).
        SMS OFFSET(27) NUMBITS(1) [],
        /// Nested translation supported.
        NTS OFFSET(28) NUMBITS(1) [],
        /// Stage 2 translation supported.
        S2TS OFFSET(29) NUMBITS(1) [],
        /// Stage 1 translation supported.
        S1TS OFFSET(30) NUMBITS(1) []
    ],

    /// SMMU_sIDR1 (IHI 0062D).
    pub(crate) SIDR1_REG [
        /// Number of translation context banks.
        NUMCB OFFSET(0) NUMBITS(8) [],
        /// Number of stage-2-only context banks (the first NUMS2CB banks).
        NUMS2CB OFFSET(16) NUMBITS(8) [],
        /// Global space holds 2^(NUMPAGENDXB + 1) pages.
        NUMPAGENDXB OFFSET(28) NUMBITS(3) [],
        /// Register page size: 0 = 4 KiB, 1 = 64 KiB.
        PAGESIZE OFFSET(31) NUMBITS(1) []
    ],

    /// SMMU_sIDR2 (IHI 0062D).
    pub(crate) SIDR2_REG [
        /// Input address size (stage 1 output / stage 2 input).
        IAS OFFSET(0) NUMBITS(4) [],
        /// Output address size.
        OAS OFFSET(4) NUMBITS(4) [],
        /// Upstream bus address size.
        UBS OFFSET(8) NUMBITS(4) [],
        /// AArch64 4 KiB granule supported.
        PTFS_4K OFFSET(12) NUMBITS(1) [],
        /// AArch64 16 KiB granule supported.
        PTFS_16K OFFSET(13) NUMBITS(1) [],
        /// AArch64 64 KiB granule supported.
        PTFS_64K OFFSET(14) NUMBITS(1) [],
        /// 16-bit VMIDs supported.
        VMID16S OFFSET(15) NUMBITS(1) []
    ],

    /// SMMU_sIDR7 (IHI 0062D): implementation revision.
    pub(crate) SIDR7_REG [
        /// Minor revision.
        MINOR OFFSET(0) NUMBITS(4) [],
        /// Major revision (MMU-500: r<MAJOR>p<MINOR>).
        MAJOR OFFSET(4) NUMBITS(4) []
    ],

    /// SMMU_sGFSR (IHI 0062D); every bit is write-one-to-clear.
    pub(crate) SGFSR_REG [
        /// Invalid context fault.
        ICF OFFSET(0) NUMBITS(1) [],
        /// Unidentified stream fault.
        USF OFFSET(1) NUMBITS(1) [],
        /// Stream match conflict fault.
        SMCF OFFSET(2) NUMBITS(1) [],
        /// Unimplemented context bank fault.
        UCBF OFFSET(3) NUMBITS(1) [],
        /// Unimplemented context interrupt fault.
        UCIF OFFSET(4) NUMBITS(1) [],
        /// Configuration access fault.
        CAF OFFSET(5) NUMBITS(1) [],
        /// External fault.
        EF OFFSET(6) NUMBITS(1) [],
        /// Permission fault.
        PF OFFSET(7) NUMBITS(1) [],
        /// More than one fault occurred.
        MULTI OFFSET(31) NUMBITS(1) []
    ],

    /// SMMU_sGFSYNR0 (IHI 0062D).
    pub(crate) SGFSYNR0_REG [
        /// Nested fault.
        NESTED OFFSET(0) NUMBITS(1) [],
        /// 1 = the faulting access was a write.
        WNR OFFSET(1) NUMBITS(1) [],
        /// Privileged / not user.
        PNU OFFSET(2) NUMBITS(1) [],
        /// Instruction / not data.
        IND OFFSET(3) NUMBITS(1) []
    ],

    /// SMMU_sGFSYNR1 (IHI 0062D).
    pub(crate) SGFSYNR1_REG [
        /// Stream ID of the faulting transaction.
        STREAMID OFFSET(0) NUMBITS(16) []
    ],

    /// SMMU_sTLBGSTATUS (IHI 0062D).
    pub(crate) TLBGSTATUS_REG [
        /// A global TLB sync is in progress.
        GSACTIVE OFFSET(0) NUMBITS(1) []
    ],

    /// SMMU_SMRn (IHI 0062D), when extended stream IDs are disabled.
    pub(crate) SMR_REG [
        /// Stream ID to match.
        ID OFFSET(0) NUMBITS(15) [],
        /// Stream ID bits to ignore.
        MASK OFFSET(16) NUMBITS(15) [],
        /// The entry takes part in matching.
        VALID OFFSET(31) NUMBITS(1) []
    ],

    /// SMMU_S2CRn (IHI 0062D), translation-type layout.
    pub(crate) S2CR_REG [
        /// Context bank the matched stream translates through.
        CBNDX OFFSET(0) NUMBITS(8) [],
        /// What happens to matched transactions.
        TYPE OFFSET(16) NUMBITS(2) [
            Translate = 0,
            Bypass = 1,
            Fault = 2
        ]
    ],

    /// SMMU_CBARn (IHI 0062D).
    pub(crate) CBAR_REG [
        /// VMID tagging the context's TLB entries.
        VMID OFFSET(0) NUMBITS(8) [],
        /// Stage-1 context: shareability of stage-2-bypass accesses.
        BPSHCFG OFFSET(8) NUMBITS(2) [
            NonShareable = 3
        ],
        /// Stage-1 context: memory attributes of stage-2-bypass accesses.
        MEMATTR OFFSET(12) NUMBITS(4) [
            WriteBackCacheable = 0xF
        ],
        /// Context bank type.
        TYPE OFFSET(16) NUMBITS(2) [
            Stage2 = 0,
            Stage1Stage2Bypass = 1,
            Stage1Stage2Fault = 2,
            Nested = 3
        ],
        /// Context interrupt index.
        IRPTNDX OFFSET(24) NUMBITS(8) []
    ],

    /// SMMU_CBFRSYNRAn (IHI 0062D).
    pub(crate) CBFRSYNRA_REG [
        /// Stream ID of the transaction that caused the context fault.
        SID OFFSET(0) NUMBITS(16) []
    ],

    /// SMMU_CBA2Rn (IHI 0062D).
    pub(crate) CBA2R_REG [
        /// 1 = the context uses the AArch64 (VMSAv8-64) translation scheme.
        VA64 OFFSET(0) NUMBITS(1) [],
        /// 16-bit VMID (when sCR0.VMID16EN).
        VMID16 OFFSET(16) NUMBITS(16) []
    ]
];
