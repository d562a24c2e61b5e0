// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Event queue records (IHI 0070 chapter 7, §7.3): four little-endian
//! doublewords, decoded into typed events.
//!
//! Layout shared by the records decoded here: dword 0: type\[7:0\], SSV\[11\],
//! SubstreamID\[31:12\], StreamID\[63:32\]. Translation-class faults (§7.3.12
//! F_WALK_EABT .. §7.3.16 F_PERMISSION): dword 1: STAG\[15:0\], Stall\[31\],
//! PnU\[33\], InD\[34\], RnW\[35\] (1 = read), S2\[39\], CLASS\[41:40\]; dword 2:
//! InputAddr\[63:0\]; dword 3: IPA/fetch address.

use kernel::hil::iommu::{Access, FaultKind};

/// Event types (§7.3, table "Event records").
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum EventType {
    /// 0x01 F_UUT: unsupported upstream transaction.
    UnsupportedTransaction,
    /// 0x02 C_BAD_STREAMID: stream ID outside the stream table.
    BadStreamId,
    /// 0x03 F_STE_FETCH: external abort fetching an STE.
    SteFetch,
    /// 0x04 C_BAD_STE: invalid or unsupported STE.
    BadSte,
    /// 0x06 F_STREAM_DISABLED.
    StreamDisabled,
    /// 0x09 F_CD_FETCH: external abort fetching a CD.
    CdFetch,
    /// 0x0A C_BAD_CD: invalid or unsupported CD.
    BadCd,
    /// 0x0B F_WALK_EABT: external abort during a table walk.
    WalkExternalAbort,
    /// 0x10 F_TRANSLATION.
    Translation,
    /// 0x11 F_ADDR_SIZE.
    AddressSize,
    /// 0x12 F_ACCESS: access flag fault.
    AccessFlag,
    /// 0x13 F_PERMISSION.
    Permission,
    /// 0x20 F_TLB_CONFLICT.
    TlbConflict,
    /// 0x21 F_CFG_CONFLICT.
    ConfigConflict,
    /// Any other type value.
    Other(u8),
}

impl EventType {
    /// Decodes the type byte.
    pub const fn from_code(code: u8) -> Self {
        match code {
            0x01 => Self::UnsupportedTransaction,
            0x02 => Self::BadStreamId,
            0x03 => Self::SteFetch,
            0x04 => Self::BadSte,
            0x06 => Self::StreamDisabled,
            0x09 => Self::CdFetch,
            0x0a => Self::BadCd,
            0x0b => Self::WalkExternalAbort,
            0x10 => Self::Translation,
            0x11 => Self::AddressSize,
            0x12 => Self::AccessFlag,
            0x13 => Self::Permission,
            0x20 => Self::TlbConflict,
            0x21 => Self::ConfigConflict,
            other => Self::Other(other),
        }
    }

    /// Whether the record carries an input address and RnW (the
    /// translation-class faults, F_UUT included).
    const fn has_address(self) -> bool {
        matches!(
            self,
            Self::UnsupportedTransaction
                | Self::WalkExternalAbort
                | Self::Translation
                | Self::AddressSize
                | Self::AccessFlag
                | Self::Permission
                | Self::TlbConflict
        )
    }

    /// The `hil::iommu` fault class.
    pub const fn fault_kind(self) -> FaultKind {
        match self {
            Self::Translation => FaultKind::Translation,
            Self::AddressSize => FaultKind::AddressSize,
            Self::AccessFlag => FaultKind::AccessFlag,
            Self::Permission => FaultKind::Permission,
            Self::WalkExternalAbort | Self::SteFetch | Self::CdFetch => FaultKind::External,
            Self::TlbConflict => FaultKind::TlbConflict,
            Self::BadStreamId => FaultKind::UnidentifiedStream,
            Self::ConfigConflict => FaultKind::StreamMatchConflict,
            Self::BadSte | Self::BadCd | Self::StreamDisabled => FaultKind::InvalidContext,
            Self::UnsupportedTransaction | Self::Other(_) => FaultKind::Other,
        }
    }
}

/// One decoded event record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub struct Event {
    /// What happened.
    pub kind: EventType,
    /// The stream that issued the transaction.
    pub stream: u32,
    /// The substream, when the record says one was present (SSV).
    pub substream: Option<u32>,
    /// The input address (IOVA), for translation-class faults; else 0.
    pub iova: u64,
    /// Read or write, for translation-class faults (RnW); `Read` otherwise.
    pub access: Access,
}

/// Size of an event record in bytes (§7.3).
pub const EVENT_BYTES: usize = 32;

impl Event {
    /// Decodes a raw record.
    pub const fn decode(record: &[u64; 4]) -> Self {
        let kind = EventType::from_code((record[0] & 0xff) as u8);
        let substream = if record[0] & (1 << 11) != 0 {
            Some(((record[0] >> 12) & 0xf_ffff) as u32)
        } else {
            None
        };
        let (iova, access) = if kind.has_address() {
            let read = record[1] & (1 << 35) != 0;
            (record[2], if read { Access::Read } else { Access::Write })
        } else {
            (0, Access::Read)
        };
        Self {
            kind,
            stream: (record[0] >> 32) as u32,
            substream,
            iova,
            access,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translation_fault_of_a_device_write() {
        // F_TRANSLATION (0x10) from stream 0x10, RnW = 0 (write), input
        // address 0x0bad_0000.
        let event = Event::decode(&[0x10_0000_0010, 0, 0x0bad_0000, 0]);
        assert_eq!(event.kind, EventType::Translation);
        assert_eq!(event.stream, 0x10);
        assert_eq!(event.substream, None);
        assert_eq!(event.iova, 0x0bad_0000);
        assert_eq!(event.access, Access::Write);
        assert_eq!(event.kind.fault_kind(), FaultKind::Translation);
    }

    #[test]
    fn permission_fault_of_a_read_with_substream() {
        // SSV (bit 11) with SubstreamID 5 (bits 31:12); RnW (dword 1 bit 35).
        let event = Event::decode(&[0x8_0000_5813, 1 << 35, 0x1000, 0]);
        assert_eq!(event.kind, EventType::Permission);
        assert_eq!(event.stream, 8);
        assert_eq!(event.substream, Some(5));
        assert_eq!(event.access, Access::Read);
        assert_eq!(event.iova, 0x1000);
    }

    #[test]
    fn configuration_errors_carry_no_address() {
        // C_BAD_STE: dword 2 is not an address there and must be ignored.
        let event = Event::decode(&[0x3_0000_0004, 1 << 35, 0xffff, 0]);
        assert_eq!(event.kind, EventType::BadSte);
        assert_eq!(event.iova, 0);
        assert_eq!(event.kind.fault_kind(), FaultKind::InvalidContext);
        assert_eq!(
            EventType::from_code(0x02).fault_kind(),
            FaultKind::UnidentifiedStream
        );
        assert_eq!(EventType::from_code(0x7f), EventType::Other(0x7f));
    }
}
