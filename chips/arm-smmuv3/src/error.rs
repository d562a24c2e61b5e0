// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Errors of the SMMUv3 driver.

use kernel::ErrorCode;

/// Why probing refused the SMMU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum ProbeError {
    /// IDR0.S1P = 0: no stage-1 translation.
    NoStage1,
    /// IDR0.TTF lacks AArch64 tables.
    NoAArch64Tables,
    /// IDR0.TTENDIAN says big-endian only.
    BigEndianTables,
    /// IDR0.COHACC = 0: the driver keeps its tables and queues in
    /// cacheable memory and has no cache maintenance for them.
    NonCoherent,
    /// IDR5.GRAN4K = 0.
    No4kGranule,
    /// IDR1.TABLES_PRESET or QUEUES_PRESET: fixed table/queue addresses.
    PresetBases,
    /// IDR1.SIDSIZE, CMDQS or EVENTQS is smaller than the memory supplied.
    TooSmall,
    /// The memory supplied for tables or queues is misaligned or too short.
    BadMemory,
}

/// Why an operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum SmmuError {
    /// CR0ACK, IRQ_CTRLACK or GBPA did not reflect a write within the poll
    /// budget.
    AckTimeout,
    /// The command queue did not consume up to a CMD_SYNC within the poll
    /// budget: TLB maintenance did not complete.
    SyncTimeout,
    /// The SMMU rejected a command (GERROR.CMDQ_ERR; CMDQ_CONS.ERR code).
    CommandError(u8),
    /// The stream ID is outside the stream table.
    BadStream,
    /// The stream is already attached.
    StreamBusy,
    /// The stream is not attached.
    NotAttached,
    /// The domain has no room for another stream.
    TooManyStreams,
    /// The page table refused the operation.
    PageTable(#[defmt(Debug2Format)] io_pgtable::Error),
    /// The table is not an AArch64 stage-1 LPAE table with a 4K or 64K
    /// granule, or its OAS exceeds the SMMU's.
    UnsupportedTable,
}

impl From<SmmuError> for ErrorCode {
    fn from(error: SmmuError) -> Self {
        match error {
            SmmuError::AckTimeout | SmmuError::SyncTimeout | SmmuError::CommandError(_) => {
                ErrorCode::Fail
            }
            SmmuError::BadStream | SmmuError::NotAttached => ErrorCode::Inval,
            SmmuError::StreamBusy => ErrorCode::Busy,
            SmmuError::TooManyStreams => ErrorCode::NoMem,
            SmmuError::UnsupportedTable => ErrorCode::NoSupport,
            SmmuError::PageTable(io_pgtable::Error::OutOfMemory) => ErrorCode::NoMem,
            SmmuError::PageTable(io_pgtable::Error::AlreadyMapped { .. }) => ErrorCode::Already,
            SmmuError::PageTable(io_pgtable::Error::IovaOutOfRange) => ErrorCode::Size,
            SmmuError::PageTable(_) => ErrorCode::Inval,
        }
    }
}
