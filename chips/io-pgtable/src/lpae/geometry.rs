// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! LPAE table geometry: which levels exist for a granule and input size,
//! where the walk starts, whether stage 2 concatenates start tables, and
//! which page and block sizes are allowed. All of it is derived from the
//! configuration once, at creation.

use crate::config::{Config, Format, Granule, Stage};
use crate::error::Error;

/// Levels are numbered as in the Arm ARM: 0..=3, leaf pages at level 3.
pub(crate) const LEAF_LEVEL: u32 = 3;

/// Geometry of one LPAE configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Geometry {
    pub(crate) stage: Stage,
    pub(crate) granule: Granule,
    /// AArch32 LPAE (VMSAv7 long descriptors) rather than VMSAv8-64.
    pub(crate) aarch32: bool,
    /// log2 of the granule.
    pub(crate) granule_shift: u32,
    /// Index bits resolved per level below the start level (granule - 3).
    pub(crate) bits_per_level: u32,
    /// First level walked.
    pub(crate) start_level: u32,
    /// Index bits resolved at the start level (more than `bits_per_level`
    /// when stage-2 start tables are concatenated).
    pub(crate) start_bits: u32,
    /// Lowest level at which a block descriptor is permitted.
    pub(crate) min_block_level: u32,
    /// Number of entries in one contiguous-hint run, per level (0: no hint).
    pub(crate) contig_entries: [u32; 4],
    /// Precomputed per level (hot paths index these instead of computing):
    /// log2 of an entry's span, and entries - 1 of a table.
    shifts: [u32; 4],
    index_masks: [u64; 4],
    /// For each log2(page size): leaf level, plus `CONTIG_FLAG` when the
    /// size is a contiguous run.
    leaf_by_shift: [u8; 64],
}

const CONTIG_FLAG: u8 = 1 << 2;

impl Geometry {
    /// Validates IAS/OAS for the format and derives the geometry.
    ///
    /// Start level: the fewest levels that resolve `ias - granule_shift`
    /// bits (DDI 0487 D8.2.6-D8.2.8, "translation table lookup" for each
    /// granule). Stage 2 concatenates up to 16 tables at the next level
    /// instead of starting with a level of at most 16 entries, and must do
    /// so when the start level cannot be encoded in VTCR.SL0 (DDI 0487
    /// D8.2.x "concatenated translation tables"; SMMUv2 IHI 0062D 2.6).
    pub(crate) fn new(config: &Config) -> Result<Self, Error> {
        let (stage, granule, aarch32) = match config.format {
            Format::Lpae64 { stage, granule } => (stage, granule, false),
            Format::Lpae32 { stage } => (stage, Granule::K4, true),
            Format::V7s => return Err(Error::UnsupportedOption),
        };
        let (ias, oas) = (config.ias, config.oas);
        // IAS: T0SZ ranges. VMSAv8-64 without LVA: T0SZ 16..=39 (DDI 0487
        // D8.1.x). AArch32 LPAE: TTBCR.T0SZ 0..=7 for stage 1, VTCR.T0SZ
        // -8..=7 for stage 2 (DDI 0406C B3.6.5, B4.1.159).
        let ias_ok = match (aarch32, stage) {
            (false, _) => (25..=48).contains(&ias),
            (true, Stage::S1) => (25..=32).contains(&ias),
            (true, Stage::S2) => (24..=40).contains(&ias),
        };
        if !ias_ok {
            return Err(Error::UnsupportedIas);
        }
        // OAS: must have a PS/IPS encoding (32, 36, 40, 42, 44, 48 bits);
        // AArch32 long descriptors carry 40 output bits at most.
        if ips_encoding(oas).is_none() || (aarch32 && oas > 40) {
            return Err(Error::UnsupportedOas);
        }
        if config.non_secure && stage == Stage::S2 {
            return Err(Error::UnsupportedOption);
        }
        let g = granule.shift();
        let bits = g - 3;
        let levels = (ias - g).div_ceil(bits);
        let mut start_level = 4 - levels;
        let mut start_bits = ias - g - (levels - 1) * bits;
        if stage == Stage::S2 {
            // Encodable SL0 start levels (DDI 0487 D19 VTCR_EL2.SL0 for
            // Armv8.0; DDI 0406C B4.1.159 VTCR.SL0 for AArch32).
            let encodable = |l: u32| match (aarch32, granule) {
                (true, _) => (1..=2).contains(&l),
                (false, Granule::K4) => l <= 2,
                (false, _) => (1..=3).contains(&l),
            };
            let concat_ok = start_bits <= 4 && start_level < LEAF_LEVEL;
            if concat_ok && encodable(start_level + 1) {
                start_level += 1;
                start_bits += bits;
            }
            if !encodable(start_level) {
                return Err(Error::UnsupportedIas);
            }
        }
        // Blocks: 4K granule at levels 1 and 2, 16K and 64K at level 2 only
        // (level-1 blocks need 52-bit addressing) (DDI 0487 D8.3.1 table
        // "block descriptor output address"; DDI 0406C B3.6.1 for AArch32).
        let min_block_level = match granule {
            Granule::K4 => 1,
            Granule::K16 | Granule::K64 => 2,
        }
        .max(start_level);
        // Contiguous-hint run lengths (DDI 0487 D8.6.1 table "contiguous
        // bit": 4K: 16 entries at levels 2 and 3; 16K: 32 at level 2 and
        // 128 at level 3; 64K: 32 at levels 2 and 3; DDI 0406C B3.6.2).
        let contig_entries: [u32; 4] = if config.contiguous_hint {
            match granule {
                Granule::K4 => [0, 0, 16, 16],
                Granule::K16 => [0, 0, 32, 128],
                Granule::K64 => [0, 0, 32, 32],
            }
        } else {
            [0; 4]
        };
        let mut shifts = [0; 4];
        let mut index_masks = [0; 4];
        for level in 0..4 {
            shifts[level as usize] = g + (LEAF_LEVEL - level) * bits;
            let level_bits = if level == start_level {
                start_bits
            } else {
                bits
            };
            index_masks[level as usize] = (1 << level_bits) - 1;
        }
        let mut leaf_by_shift = [LEAF_LEVEL as u8; 64];
        for level in (start_level..=LEAF_LEVEL).rev() {
            let ls = shifts[level as usize];
            let c = contig_entries[level as usize];
            if c != 0 {
                leaf_by_shift[(ls + c.trailing_zeros()) as usize] = level as u8 | CONTIG_FLAG;
            }
            leaf_by_shift[ls as usize] = level as u8;
        }
        Ok(Self {
            leaf_by_shift,
            stage,
            granule,
            aarch32,
            granule_shift: g,
            bits_per_level: bits,
            start_level,
            start_bits,
            min_block_level,
            contig_entries,
            shifts,
            index_masks,
        })
    }

    /// log2 of the span of one entry at `level`.
    #[inline(always)]
    pub(crate) fn level_shift(&self, level: u32) -> u32 {
        self.shifts[(level & 3) as usize]
    }

    /// Index bits at `level`.
    #[inline(always)]
    pub(crate) fn level_bits(&self, level: u32) -> u32 {
        self.index_masks[(level & 3) as usize].count_ones()
    }

    /// Index of `iova`'s entry in its table at `level`.
    #[inline(always)]
    pub(crate) fn index(&self, iova: u64, level: u32) -> usize {
        ((iova >> self.level_shift(level)) & self.index_masks[(level & 3) as usize]) as usize
    }

    /// Entries in one table at `level`.
    #[inline(always)]
    pub(crate) fn entries(&self, level: u32) -> usize {
        self.index_masks[(level & 3) as usize] as usize + 1
    }

    /// Entries in one contiguous run at `level` (0: none).
    #[inline(always)]
    pub(crate) fn contig_run(&self, level: u32) -> u64 {
        u64::from(self.contig_entries[(level & 3) as usize])
    }

    /// Bytes of the start-level table (concatenated tables included), at
    /// least one granule so it is granule-aligned like every other table.
    pub(crate) fn root_size(&self) -> usize {
        (8usize << self.start_bits).max(self.granule.size())
    }

    /// Number of concatenated start tables (1 if none).
    pub(crate) fn concatenated(&self) -> u32 {
        if self.start_bits > self.bits_per_level {
            1 << (self.start_bits - self.bits_per_level)
        } else {
            1
        }
    }

    /// Leaf level and entries per page for a page size in the bitmap.
    #[inline(always)]
    pub(crate) fn leaf_for(&self, pgsize: u64) -> (u32, u32) {
        let e = self.leaf_by_shift[(pgsize.trailing_zeros() & 63) as usize];
        let level = u32::from(e & 3);
        let run = if e & CONTIG_FLAG != 0 {
            self.contig_entries[level as usize]
        } else {
            1
        };
        (level, run)
    }

    /// Page sizes: the granule, the block sizes of every level from
    /// `min_block_level`, and the contiguous-run sizes if enabled.
    pub(crate) fn pgsize_bitmap(&self) -> u64 {
        let mut bitmap = 0;
        for level in self.min_block_level..=LEAF_LEVEL {
            let s = self.level_shift(level);
            bitmap |= 1u64 << s;
            let c = self.contig_entries[level as usize];
            // A run must fit in one table.
            if c != 0 && self.entries(level) >= c as usize {
                bitmap |= 1u64 << (s + c.trailing_zeros());
            }
        }
        bitmap
    }
}

/// TCR.IPS / VTCR.PS / CBn_TCR2.PASize encoding of an address size (DDI
/// 0487 D19 TCR_EL1.IPS; IHI 0062D 17.3.x).
pub(crate) fn ips_encoding(bits: u32) -> Option<u8> {
    Some(match bits {
        32 => 0,
        36 => 1,
        40 => 2,
        42 => 3,
        44 => 4,
        48 => 5,
        _ => return None,
    })
}
