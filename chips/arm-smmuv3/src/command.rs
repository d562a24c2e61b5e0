// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Command queue entries (IHI 0070 chapter 4): two little-endian
//! doublewords each, opcode in dword 0 bits \[7:0\].

/// The commands this driver issues.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// CMD_CFGI_STE (§4.3.1): forget cached configuration for one stream.
    CfgiSte {
        /// Stream ID.
        sid: u32,
    },
    /// CMD_CFGI_ALL (§4.3.5, CFGI_STE_RANGE with Range = 31): forget every
    /// cached STE and CD.
    CfgiAll,
    /// CMD_CFGI_CD (§4.3.3): forget the cached CD of substream 0 of `sid`.
    CfgiCd {
        /// Stream ID.
        sid: u32,
    },
    /// CMD_TLBI_NH_ASID (§4.4.2): invalidate every stage-1 entry of `asid`.
    TlbiNhAsid {
        /// ASID.
        asid: u16,
    },
    /// CMD_TLBI_NH_VA (§4.4.3): invalidate the stage-1 entries of `asid`
    /// for the page holding `iova` (no range: TG = 0, NUM = SCALE = 0).
    TlbiNhVa {
        /// ASID.
        asid: u16,
        /// Address inside the page to invalidate.
        iova: u64,
        /// Last level only (no table was unlinked, walk caches may stay).
        leaf: bool,
    },
    /// CMD_TLBI_NSNH_ALL (§4.4.10): invalidate every non-secure,
    /// non-hypervisor TLB entry.
    TlbiNsnhAll,
    /// CMD_SYNC (§4.7.3) with CS = 0 (no interrupt or MSI): completes when
    /// every earlier command has; software sees that as CONS passing it.
    Sync,
}

/// Opcodes (§4.1, table "Command opcodes").
mod opcode {
    pub(super) const CFGI_STE: u64 = 0x03;
    pub(super) const CFGI_ALL: u64 = 0x04;
    pub(super) const CFGI_CD: u64 = 0x05;
    pub(super) const TLBI_NH_ASID: u64 = 0x11;
    pub(super) const TLBI_NH_VA: u64 = 0x12;
    pub(super) const TLBI_NSNH_ALL: u64 = 0x30;
    pub(super) const SYNC: u64 = 0x46;
}

impl Command {
    /// The two doublewords of the command.
    ///
    /// Fields: CFGI_STE / CFGI_CD: SID\[63:32\] of dword 0, SSID\[31:12\] = 0,
    /// SSec\[10\] = 0, Leaf (dword 1 bit 0) = 1 (only the STE/CD itself
    /// changed). CFGI_ALL: Range (dword 1 \[4:0\]) = 31. TLBI_NH_ASID:
    /// ASID\[63:48\], VMID\[47:32\] = 0. TLBI_NH_VA: ASID\[63:48\], VMID = 0,
    /// NUM/SCALE = 0; dword 1: Address\[63:12\], TG\[11:10\] = 0 (not a range),
    /// TTL\[9:8\] = 0 (level unknown), Leaf\[0\]. CMD_SYNC: CS\[13:12\] = 0
    /// (SIG_NONE), MSH/MSIAttr = 0.
    pub const fn encode(self) -> [u64; 2] {
        match self {
            Self::CfgiSte { sid } => [opcode::CFGI_STE | (sid as u64) << 32, 1],
            Self::CfgiAll => [opcode::CFGI_ALL, 31],
            Self::CfgiCd { sid } => [opcode::CFGI_CD | (sid as u64) << 32, 1],
            Self::TlbiNhAsid { asid } => [opcode::TLBI_NH_ASID | (asid as u64) << 48, 0],
            Self::TlbiNhVa { asid, iova, leaf } => [
                opcode::TLBI_NH_VA | (asid as u64) << 48,
                (iova & !0xfff) | leaf as u64,
            ],
            Self::TlbiNsnhAll => [opcode::TLBI_NSNH_ALL, 0],
            Self::Sync => [opcode::SYNC, 0],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Command;

    #[test]
    fn configuration_invalidations() {
        assert_eq!(Command::CfgiSte { sid: 0x10 }.encode(), [0x10_0000_0003, 1]);
        assert_eq!(
            Command::CfgiCd { sid: 0xffff }.encode(),
            [0xffff_0000_0005, 1]
        );
        assert_eq!(Command::CfgiAll.encode(), [0x04, 31]);
    }

    #[test]
    fn tlb_invalidations() {
        assert_eq!(
            Command::TlbiNhAsid { asid: 7 }.encode(),
            [0x0007_0000_0000_0011, 0]
        );
        // The page offset is dropped; Leaf is bit 0 of dword 1.
        assert_eq!(
            Command::TlbiNhVa {
                asid: 0xabcd,
                iova: 0x0123_4567,
                leaf: true
            }
            .encode(),
            [0xabcd_0000_0000_0012, 0x0123_4001]
        );
        assert_eq!(
            Command::TlbiNhVa {
                asid: 1,
                iova: 0x20_0000,
                leaf: false
            }
            .encode(),
            [0x0001_0000_0000_0012, 0x20_0000]
        );
        assert_eq!(Command::TlbiNsnhAll.encode(), [0x30, 0]);
    }

    #[test]
    fn sync_signals_nothing() {
        // CS = 0: completion is observed by polling CONS, not an IRQ/MSI.
        assert_eq!(Command::Sync.encode(), [0x46, 0]);
    }
}
