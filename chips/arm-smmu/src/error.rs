// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The driver's typed errors and their mapping onto Tock `ErrorCode`s (the
//! table in `kernel::hil::iommu`).

use kernel::ErrorCode;

/// Why the SMMU could not be brought up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeError {
    /// Neither stage 1 nor stage 2 translation is implemented.
    NoTranslationStage,
    /// No translation-table format the driver can program is implemented.
    NoTableFormat,
    /// sIDR1.NUMCB is zero.
    NoContextBanks,
    /// No SMRs (matching) or no S2CRs (indexing).
    NoStreamEntries,
    /// The ID registers contradict each other or use reserved encodings.
    Inconsistent,
    /// The register window the board gave is smaller than the layout the
    /// SMMU reports (sIDR1.PAGESIZE, NUMPAGENDXB).
    WindowTooSmall {
        /// Bytes the SMMU's register map needs.
        needed: usize,
    },
    /// The global TLB sync issued during reset never completed.
    SyncTimeout,
}

/// Why a driver operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmmuError {
    /// The domain index names no allocated context bank.
    InvalidDomain,
    /// Every usable context bank is allocated.
    NoContextBank,
    /// The format, stage, granule or address size is not supported.
    Unsupported,
    /// The stream ID does not fit the SMMU's stream ID width (or, with
    /// stream indexing, the driver's S2CR table).
    StreamOutOfRange,
    /// The stream pattern overlaps one attached to a different domain: two
    /// matching SMRs would make the hardware raise a stream match conflict.
    StreamConflict,
    /// Exactly this stream pattern is already attached to this domain.
    AlreadyAttached,
    /// The stream pattern is not attached to this domain.
    NotAttached,
    /// Every stream-matching register is in use.
    NoStreamEntry,
    /// A TLB sync (or an address translation) did not complete within the
    /// poll bound. The domain concerned is now unusable.
    SyncTimeout,
    /// The domain had a sync timeout earlier and is unusable; only freeing it
    /// is accepted (and that keeps the context retired).
    DomainUnusable,
    /// The domain was disabled by the fault-storm limit.
    DomainDisabled,
    /// A hardware address translation faulted (nothing is mapped there, or
    /// the permissions forbid the access).
    TranslationFault,
    /// The SMMU does not offer the requested operation.
    NotOffered,
    /// The address, size or alignment is invalid for the domain.
    BadAddress,
    /// The IOVA range is outside the domain's window.
    OutOfWindow,
    /// The IOVA is already mapped.
    AlreadyMapped,
    /// The caller's table-page allocator is exhausted.
    NoTableMemory,
}

impl From<SmmuError> for ErrorCode {
    fn from(error: SmmuError) -> Self {
        match error {
            SmmuError::InvalidDomain
            | SmmuError::StreamOutOfRange
            | SmmuError::NotAttached
            | SmmuError::TranslationFault
            | SmmuError::BadAddress => ErrorCode::Inval,
            SmmuError::NoContextBank | SmmuError::NoStreamEntry | SmmuError::NoTableMemory => {
                ErrorCode::NoMem
            }
            SmmuError::Unsupported | SmmuError::NotOffered => ErrorCode::NoSupport,
            SmmuError::StreamConflict => ErrorCode::Busy,
            SmmuError::AlreadyAttached | SmmuError::AlreadyMapped => ErrorCode::Already,
            SmmuError::SyncTimeout | SmmuError::DomainUnusable => ErrorCode::Fail,
            SmmuError::DomainDisabled => ErrorCode::Off,
            SmmuError::OutOfWindow => ErrorCode::Size,
        }
    }
}

impl From<ProbeError> for ErrorCode {
    fn from(error: ProbeError) -> Self {
        match error {
            ProbeError::NoTranslationStage
            | ProbeError::NoTableFormat
            | ProbeError::NoContextBanks
            | ProbeError::NoStreamEntries => ErrorCode::NoSupport,
            ProbeError::Inconsistent | ProbeError::WindowTooSmall { .. } => ErrorCode::NoDevice,
            ProbeError::SyncTimeout => ErrorCode::Fail,
        }
    }
}
