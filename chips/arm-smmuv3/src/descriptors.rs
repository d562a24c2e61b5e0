// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The in-memory configuration structures the SMMU walks: stream table
//! entries (IHI 0070 §5.2, STE, 64 bytes) and context descriptors (§5.4, CD,
//! 64 bytes). Pure encoders, tested on the host against hand-computed words.

use io_pgtable::LpaeS1Regs;

/// STE.Config (§5.2, STE bits \[3:1\]): what happens to a stream's traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamConfig {
    /// 0b000: every transaction is terminated (aborted), no event.
    Abort,
    /// 0b101: stage 1 translates through the context descriptor; stage 2
    /// bypass.
    Stage1,
}

impl StreamConfig {
    const fn bits(self) -> u64 {
        match self {
            Self::Abort => 0b000,
            Self::Stage1 => 0b101,
        }
    }
}

/// One stream table entry as eight little-endian doublewords.
pub type SteWords = [u64; 8];
/// One context descriptor as eight little-endian doublewords.
pub type CdWords = [u64; 8];

/// Size of an STE and of a CD in bytes (§5.2, §5.4).
pub const DESCRIPTOR_BYTES: usize = 64;

/// STE that terminates every transaction of its stream: V = 1,
/// Config = abort (§5.2). Unattached streams use this; they never bypass.
pub const fn ste_abort() -> SteWords {
    [1 | StreamConfig::Abort.bits() << 1, 0, 0, 0, 0, 0, 0, 0]
}

/// STE for stage-1 translation through the single CD at `cd_phys`
/// (S1Fmt = linear, S1CDMax = 0: one CD, no substreams).
///
/// Dword 0 (§5.2): V\[0\] = 1, Config\[3:1\] = 0b101, S1Fmt\[5:4\] = 0,
/// S1ContextPtr\[51:6\]. Dword 1: S1DSS\[1:0\] = 0 (no substreams),
/// S1CIR\[3:2\] / S1COR\[5:4\] = `cd_cacheability` (1 = write-back
/// read/write-allocate) and S1CSH\[7:6\] = `cd_shareability` (3 = inner)
/// for the CD fetch, S1STALLD\[27\] = 0, EATS\[29:28\] = 0 (no ATS),
/// STRW\[31:30\] = 0 (EL1 translation regime), SHCFG\[45:44\] = 1 (use
/// the incoming shareability).
pub const fn ste_stage1(cd_phys: u64, cd_cacheability: u8, cd_shareability: u8) -> SteWords {
    let word0 = 1 | StreamConfig::Stage1.bits() << 1 | (cd_phys & ptr_mask(6));
    let cacheability = (cd_cacheability & 0b11) as u64;
    let word1 =
        cacheability << 2 | cacheability << 4 | ((cd_shareability & 0b11) as u64) << 6 | 1 << 44;
    [word0, word1, 0, 0, 0, 0, 0, 0]
}

/// The STE.Config a word 0 holds, if it is valid and one this driver writes.
pub const fn ste_config(word0: u64) -> Option<StreamConfig> {
    if word0 & 1 == 0 {
        return None;
    }
    match (word0 >> 1) & 0b111 {
        0b000 => Some(StreamConfig::Abort),
        0b101 => Some(StreamConfig::Stage1),
        _ => None,
    }
}

/// Bits [51:low] of an address.
const fn ptr_mask(low: u32) -> u64 {
    ((1u64 << 52) - 1) & !((1u64 << low) - 1)
}

/// Stage-1 context descriptor for an AArch64 table described by `regs`
/// (from `io_pgtable::IoPageTable::hw_config`), tagged with `asid`.
///
/// Dword 0 (§5.4): T0SZ\[5:0\], TG0\[7:6\], IR0\[9:8\], OR0\[11:10\], SH0\[13:12\],
/// EPD0\[14\] = 0, ENDI\[15\] = 0 (little-endian), EPD1\[30\] = 1 (no TTB1
/// walks: an IOVA space is one region), V\[31\] = 1, IPS\[34:32\], AA64\[41\] = 1,
/// S\[44\] = 0 (no stall: terminate), R\[45\] = 1 (record faults as events),
/// A\[46\] = 1 (abort faulting transactions), ASID\[63:48\]. Dword 1:
/// TTB0\[51:4\]. Dword 3: MAIR.
///
/// Note the CD puts IPS and EPD1 elsewhere than TCR_EL1 does, so the CD is
/// built from the fields, not from `LpaeS1Regs::tcr_aarch64`.
pub const fn cd_stage1(regs: &LpaeS1Regs, asid: u16) -> CdWords {
    let word0 = (regs.t0sz as u64 & 0x3f)
        | (regs.tg0 as u64 & 0b11) << 6
        | (regs.walk.irgn0 as u64 & 0b11) << 8
        | (regs.walk.orgn0 as u64 & 0b11) << 10
        | (regs.walk.sh0 as u64 & 0b11) << 12
        | 1 << 30
        | 1 << 31
        | (regs.ips as u64 & 0b111) << 32
        | 1 << 41
        | 1 << 45
        | 1 << 46
        | (asid as u64) << 48;
    [word0, regs.ttbr0 & ptr_mask(4), 0, regs.mair, 0, 0, 0, 0]
}

#[cfg(test)]
mod tests {
    use super::*;
    use io_pgtable::WalkAttrs;

    #[test]
    fn abort_ste_is_valid_and_aborts() {
        let ste = ste_abort();
        // V = 1, Config = 0b000: word 0 is exactly 1; nothing else is set.
        assert_eq!(ste, [1, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(ste_config(ste[0]), Some(StreamConfig::Abort));
    }

    #[test]
    fn stage1_ste_points_at_the_cd() {
        let ste = ste_stage1(0x4012_3440, 1, 3);
        // V (1) | Config 0b101 << 1 (0xa) | pointer bits [51:6].
        assert_eq!(ste[0], 0x4012_3440 | 0xb);
        // S1CIR = S1COR = 1 (bits 2 and 4), S1CSH = 3 (bits 7:6),
        // SHCFG = 1 (bit 44).
        assert_eq!(ste[1], 0x1000_0000_00d4);
        assert_eq!(ste_config(ste[0]), Some(StreamConfig::Stage1));
        // The low six bits of a misaligned pointer never leak into V/Config.
        assert_eq!(ste_stage1(0x4012_347f, 0, 0)[0] & 0x3f, 0xb);
        assert_eq!(ste_config(0), None);
        assert_eq!(ste_config(0b1001), None); // Config 0b100: bypass, never written
    }

    #[test]
    fn stage1_cd_encodes_every_field() {
        let regs = LpaeS1Regs {
            ttbr0: 0x4020_0000,
            t0sz: 36,
            tg0: 0,
            walk: WalkAttrs {
                irgn0: 1,
                orgn0: 1,
                sh0: 3,
            },
            ips: 4,
            epd1: true,
            mair: 0x0000_0000_0004_ff44,
        };
        let cd = cd_stage1(&regs, 0x1234);
        // T0SZ 36 = 0x24; IR0 1 << 8; OR0 1 << 10; SH0 3 << 12 -> 0x3524.
        // EPD1 (bit 30) | V (bit 31) -> 0xc000_0000. IPS 4 << 32.
        // AA64 (41) | R (45) | A (46) -> 0x6200 << 32. ASID << 48.
        assert_eq!(cd[0], 0x1234_6204_c000_3524);
        assert_eq!(cd[1], 0x4020_0000);
        assert_eq!(cd[2], 0);
        assert_eq!(cd[3], 0x0004_ff44);
        assert_eq!(&cd[4..], &[0; 4]);
        // 64K granule: TG0 = 1 at bits 7:6.
        let cd64 = cd_stage1(&LpaeS1Regs { tg0: 1, ..regs }, 0);
        assert_eq!(cd64[0] & 0xc0, 0x40);
    }
}
