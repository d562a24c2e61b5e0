// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! SMMUv3 register offsets and fields.
//!
//! Source: Arm System Memory Management Unit Architecture Specification,
//! SMMU architecture version 3 (IHI 0070), chapter 6 "Memory map and
//! registers": §6.2 gives the offsets (page 0 at the base, page 1 at
//! base + 64 KiB), §6.3 each register's fields. Names follow the
//! specification (`SMMU_<name>`).

use tock_registers::register_bitfields;

/// SMMU_IDR0..IDR5: identification (§6.3.1–§6.3.6), 4 bytes apart.
pub(crate) const IDR0: usize = 0x00;
/// SMMU_IDR1 (§6.3.2).
pub(crate) const IDR1: usize = 0x04;
/// SMMU_IDR5 (§6.3.6).
pub(crate) const IDR5: usize = 0x14;
/// SMMU_CR0: global enables (§6.3.9).
pub(crate) const CR0: usize = 0x20;
/// SMMU_CR0ACK: which CR0 enables took effect (§6.3.10).
pub(crate) const CR0ACK: usize = 0x24;
/// SMMU_CR1: cacheability and shareability of tables and queues (§6.3.11).
pub(crate) const CR1: usize = 0x28;
/// SMMU_CR2 (§6.3.12).
pub(crate) const CR2: usize = 0x2c;
/// SMMU_GBPA: global bypass attribute, what happens with SMMUEN = 0
/// (§6.3.14).
pub(crate) const GBPA: usize = 0x44;
/// SMMU_IRQ_CTRL: interrupt enables (§6.3.16): GERROR_IRQEN bit 0,
/// PRIQ_IRQEN bit 1, EVENTQ_IRQEN bit 2.
pub(crate) const IRQ_CTRL: usize = 0x50;
/// SMMU_IRQ_CTRLACK: which IRQ_CTRL enables took effect (§6.3.17).
pub(crate) const IRQ_CTRLACK: usize = 0x54;
/// IRQ_CTRL.GERROR_IRQEN.
pub(crate) const IRQ_GERROR: u32 = 1 << 0;
/// IRQ_CTRL.EVENTQ_IRQEN.
pub(crate) const IRQ_EVENTQ: u32 = 1 << 2;
/// SMMU_GERROR: global errors, active where it differs from GERRORN
/// (§6.3.18).
pub(crate) const GERROR: usize = 0x60;
/// SMMU_GERRORN: acknowledgement of GERROR (§6.3.19).
pub(crate) const GERRORN: usize = 0x64;
/// SMMU_STRTAB_BASE, 64-bit (§6.3.23).
pub(crate) const STRTAB_BASE: usize = 0x80;
/// SMMU_STRTAB_BASE_CFG (§6.3.24).
pub(crate) const STRTAB_BASE_CFG: usize = 0x88;
/// SMMU_CMDQ_BASE, 64-bit (§6.3.25).
pub(crate) const CMDQ_BASE: usize = 0x90;
/// SMMU_CMDQ_PROD (§6.3.26).
pub(crate) const CMDQ_PROD: usize = 0x98;
/// SMMU_CMDQ_CONS (§6.3.27).
pub(crate) const CMDQ_CONS: usize = 0x9c;
/// SMMU_EVENTQ_BASE, 64-bit (§6.3.28).
pub(crate) const EVENTQ_BASE: usize = 0xa0;
/// SMMU_EVENTQ_PROD, in page 1 (§6.3.29).
pub(crate) const EVENTQ_PROD: usize = 0x1_00a8;
/// SMMU_EVENTQ_CONS, in page 1 (§6.3.30).
pub(crate) const EVENTQ_CONS: usize = 0x1_00ac;

/// Read-allocate hint in the 64-bit base registers (STRTAB_BASE.RA,
/// CMDQ_BASE.RA, EVENTQ_BASE.WA are all bit 62).
pub(crate) const BASE_ALLOCATE_HINT: u64 = 1 << 62;
/// Address field \[51:5\] of the queue base registers; the stream table base
/// uses \[51:6\] (§6.3.23, §6.3.25, §6.3.28).
pub(crate) const BASE_ADDRESS_MASK: u64 = ((1 << 52) - 1) & !0x1f;

register_bitfields![u32,
    /// SMMU_IDR0 (§6.3.1).
    pub(crate) IDR0_REG [
        /// Stage 2 translation supported.
        S2P OFFSET(0) NUMBITS(1) [],
        /// Stage 1 translation supported.
        S1P OFFSET(1) NUMBITS(1) [],
        /// Table formats: 1 AArch32 (LPAE), 2 AArch64, 3 both.
        TTF OFFSET(2) NUMBITS(2) [],
        /// Coherent access to tables, queues and (by default) data.
        COHACC OFFSET(4) NUMBITS(1) [],
        /// 16-bit ASIDs.
        ASID16 OFFSET(12) NUMBITS(1) [],
        /// Translation-table endianness: 0 mixed, 2 little, 3 big.
        TTENDIAN OFFSET(21) NUMBITS(2) [],
        /// Stream table levels: 0 linear only, 1 linear and 2-level.
        ST_LEVEL OFFSET(27) NUMBITS(2) []
    ],
    /// SMMU_IDR1 (§6.3.2).
    pub(crate) IDR1_REG [
        /// Max stream ID bits.
        SIDSIZE OFFSET(0) NUMBITS(6) [],
        /// Max log2 of event queue entries.
        EVENTQS OFFSET(16) NUMBITS(5) [],
        /// Max log2 of command queue entries.
        CMDQS OFFSET(21) NUMBITS(5) [],
        /// Queue base registers are fixed (read-only).
        QUEUES_PRESET OFFSET(29) NUMBITS(1) [],
        /// Stream table base registers are fixed (read-only).
        TABLES_PRESET OFFSET(30) NUMBITS(1) []
    ],
    /// SMMU_IDR5 (§6.3.6).
    pub(crate) IDR5_REG [
        /// Output address size: 0 32, 1 36, 2 40, 3 42, 4 44, 5 48, 6 52.
        OAS OFFSET(0) NUMBITS(3) [],
        /// 4 KiB granule supported.
        GRAN4K OFFSET(4) NUMBITS(1) [],
        /// 16 KiB granule supported.
        GRAN16K OFFSET(5) NUMBITS(1) [],
        /// 64 KiB granule supported.
        GRAN64K OFFSET(6) NUMBITS(1) []
    ],
    /// SMMU_CR0 and SMMU_CR0ACK (§6.3.9, §6.3.10).
    pub(crate) CR0_REG [
        /// Translation enable.
        SMMUEN OFFSET(0) NUMBITS(1) [],
        /// Event queue enable.
        EVENTQEN OFFSET(2) NUMBITS(1) [],
        /// Command queue enable.
        CMDQEN OFFSET(3) NUMBITS(1) []
    ],
    /// SMMU_CR1 (§6.3.11): attributes of the SMMU's own table and queue
    /// accesses.
    pub(crate) CR1_REG [
        /// Queue inner cacheability: 0 NC, 1 WB-RA-WA, 2 WT, 3 WB-RA.
        QUEUE_IC OFFSET(0) NUMBITS(2) [],
        /// Queue outer cacheability (as QUEUE_IC).
        QUEUE_OC OFFSET(2) NUMBITS(2) [],
        /// Queue shareability: 0 NSH, 2 OSH, 3 ISH.
        QUEUE_SH OFFSET(4) NUMBITS(2) [],
        /// Table inner cacheability.
        TABLE_IC OFFSET(6) NUMBITS(2) [],
        /// Table outer cacheability.
        TABLE_OC OFFSET(8) NUMBITS(2) [],
        /// Table shareability.
        TABLE_SH OFFSET(10) NUMBITS(2) []
    ],
    /// SMMU_CR2 (§6.3.12).
    pub(crate) CR2_REG [
        /// Record C_BAD_STREAMID events for out-of-range stream IDs.
        RECINVSID OFFSET(1) NUMBITS(1) []
    ],
    /// SMMU_GBPA (§6.3.14).
    pub(crate) GBPA_REG [
        /// Abort every transaction while SMMUEN = 0 (instead of bypass).
        ABORT OFFSET(20) NUMBITS(1) [],
        /// Set with a new value; the SMMU clears it once the value applies.
        UPDATE OFFSET(31) NUMBITS(1) []
    ],
    /// SMMU_GERROR / SMMU_GERRORN (§6.3.18).
    pub(crate) GERROR_REG [
        /// Command queue error (CMDQ_CONS.ERR says which).
        CMDQ_ERR OFFSET(0) NUMBITS(1) [],
        /// Event queue write aborted (events lost).
        EVENTQ_ABT_ERR OFFSET(2) NUMBITS(1) [],
        /// An MSI write for CMD_SYNC aborted.
        MSI_CMDQ_ABT_ERR OFFSET(4) NUMBITS(1) [],
        /// SMMU_STATUS service failure.
        SFM_ERR OFFSET(8) NUMBITS(1) []
    ],
    /// SMMU_STRTAB_BASE_CFG (§6.3.24).
    pub(crate) STRTAB_BASE_CFG_REG [
        /// log2 of the number of STEs (linear format).
        LOG2SIZE OFFSET(0) NUMBITS(6) [],
        /// 0 linear, 1 two-level.
        FMT OFFSET(16) NUMBITS(2) []
    ],
    /// SMMU_CMDQ_CONS (§6.3.27).
    pub(crate) CMDQ_CONS_REG [
        /// Error code of the command at CONS when GERROR.CMDQ_ERR is active:
        /// 0 none, 1 illegal, 2 abort on fetch, 3 ATC invalidation sync.
        ERR OFFSET(24) NUMBITS(7) []
    ]
];
