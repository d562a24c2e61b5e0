// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! An independent table walker: the test oracle. It knows nothing of the
//! crate's internals; it starts from the register values in `HwConfig`
//! (as an SMMU context would) and follows the architecture's translation
//! rules, reading table memory only through the arena (so reading a freed
//! page is caught).
//!
//! LPAE: Arm ARM DDI 0487 D8.2 (lookup levels, initial level from T0SZ,
//! stage-2 start level from SL0 and concatenation), D8.3 (descriptor
//! formats), D8.4 (attributes), D8.6.1 (contiguous bit). v7s: DDI 0406C
//! B3.5 (short-descriptor format), B3.7 (AP), B3.8 (TEX/C/B, remap).

#![allow(dead_code, unreachable_pub)]

use io_pgtable::test_support::ArenaAllocator;
use io_pgtable::{ContextRegs, Format, HwConfig};

/// Decoded memory type of a leaf.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mem {
    /// Normal write-back cacheable.
    Cached,
    /// Normal non-cacheable.
    NonCacheable,
    /// Any Device type.
    Device,
}

/// What a translation yields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Translation {
    /// Output address.
    pub pa: u64,
    /// Raw leaf descriptor (u32 for v7s, zero-extended).
    pub desc: u64,
    /// Bytes the leaf entry covers (one entry, not the whole run).
    pub entry_size: u64,
    /// Lookup level of the leaf (v7s: 1 or 2).
    pub level: u32,
    pub read: bool,
    pub write: bool,
    pub exec: bool,
    /// Unprivileged (EL0 / PL0) access allowed (stage 1 only).
    pub unpriv: bool,
    pub mem: Mem,
}

/// Why a walk stopped without a translation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Invalid descriptor at this level.
    Translation(u32),
    /// A descriptor that is not permitted (block at a level without
    /// blocks, reserved type, bad replication).
    Misprogrammed(&'static str),
    /// Output address beyond the configured size.
    AddressSize,
    /// AF = 0.
    AccessFlag,
    /// The walk read memory that is not a live table page.
    ReadFreedMemory(u64),
}

/// Translate `iova` as the context programmed from `hw` would.
pub fn translate(mem: &ArenaAllocator, hw: &HwConfig, iova: u64) -> Result<Translation, Fault> {
    match hw.regs {
        ContextRegs::LpaeS1(r) => {
            let aarch32 = matches!(hw.format, Format::Lpae32 { .. });
            let ias = if aarch32 {
                32 - u32::from(r.t0sz)
            } else {
                64 - u32::from(r.t0sz)
            };
            let g = granule_shift(r.tg0, aarch32);
            // D8.2: the initial level is the one where the remaining input
            // bits fit: ceil((ias - g) / (g - 3)) levels.
            let levels = (ias - g).div_ceil(g - 3);
            let start = 4 - levels;
            let oas = if aarch32 {
                40.min(hw.oas)
            } else {
                pa_bits(r.ips)
            };
            lpae_walk(mem, r.ttbr0, ias, oas, g, start, true, r.mair, iova)
        }
        ContextRegs::LpaeS2(r) => {
            let aarch32 = matches!(hw.format, Format::Lpae32 { .. });
            let ias = if aarch32 {
                // 5-bit signed T0SZ (S is bit 4).
                let t = (r.t0sz as i8) << 3 >> 3;
                (32 - i32::from(t)) as u32
            } else {
                64 - u32::from(r.t0sz)
            };
            let g = granule_shift(r.tg0, aarch32);
            // D19 VTCR_EL2.SL0 (Armv8.0 encodings).
            let start = if g == 12 {
                2 - u32::from(r.sl0)
            } else {
                3 - u32::from(r.sl0)
            };
            let oas = if aarch32 {
                40.min(hw.oas)
            } else {
                pa_bits(r.ps)
            };
            lpae_walk(mem, r.vttbr, ias, oas, g, start, false, 0, iova)
        }
        ContextRegs::V7s(r) => v7s_walk(mem, r.ttbr0, r.tex_remap, r.prrr, r.nmrr, iova),
    }
}

fn granule_shift(tg0: u8, aarch32: bool) -> u32 {
    if aarch32 {
        return 12;
    }
    match tg0 {
        0 => 12,
        1 => 16,
        2 => 14,
        _ => panic!("reserved TG0"),
    }
}

fn pa_bits(ips: u8) -> u32 {
    [32, 36, 40, 42, 44, 48][usize::from(ips)]
}

fn read64(mem: &ArenaAllocator, pa: u64) -> Result<u64, Fault> {
    mem.read_u64(pa).ok_or(Fault::ReadFreedMemory(pa))
}

#[allow(clippy::too_many_arguments)]
fn lpae_walk(
    mem: &ArenaAllocator,
    ttbr: u64,
    ias: u32,
    oas: u32,
    g: u32,
    start: u32,
    stage1: bool,
    mair: u64,
    iova: u64,
) -> Result<Translation, Fault> {
    assert!(iova >> ias == 0, "walker asked for an IOVA beyond IAS");
    let bits = g - 3;
    let oa_mask = ((1u64 << 48) - 1) & !((1u64 << g) - 1);
    let mut table = ttbr & oa_mask;
    let mut level = start;
    loop {
        let shift = g + (3 - level) * bits;
        // At the start level all remaining input bits index the (possibly
        // concatenated) table; below it, `bits` each.
        let idx_bits = if level == start { ias - shift } else { bits };
        if level == start && idx_bits > bits + 4 {
            return Err(Fault::Misprogrammed("more than 16 concatenated tables"));
        }
        let idx = (iova >> shift) & ((1 << idx_bits) - 1);
        let d = read64(mem, table + idx * 8)?;
        if d & 1 == 0 {
            return Err(Fault::Translation(level));
        }
        let is_table_or_page = d & 2 != 0;
        if level < 3 && is_table_or_page {
            table = d & oa_mask;
            level += 1;
            continue;
        }
        if level == 3 && !is_table_or_page {
            return Err(Fault::Misprogrammed("reserved descriptor type at level 3"));
        }
        if level < 3 {
            // Blocks: 4K granule at levels 1-2, 16K/64K at level 2 (D8.3.1).
            let ok = if g == 12 {
                level == 1 || level == 2
            } else {
                level == 2
            };
            if !ok {
                return Err(Fault::Misprogrammed("block at a level without blocks"));
            }
        }
        if d & (1 << 10) == 0 {
            return Err(Fault::AccessFlag);
        }
        let size = 1u64 << shift;
        let base = d & oa_mask & !(size - 1);
        if base >> oas != 0 {
            return Err(Fault::AddressSize);
        }
        if d & (1 << 52) != 0 {
            check_contiguous(mem, table, idx, d, g, level, size)?;
        }
        let pa = base | (iova & (size - 1));
        let (read, write, unpriv, exec, mem_type) = if stage1 {
            let ap = (d >> 6) & 3;
            let attr = (mair >> (8 * ((d >> 2) & 7))) & 0xff;
            let mem_type = match attr {
                0xff => Mem::Cached,
                0x44 => Mem::NonCacheable,
                a if a & 0xf0 == 0 => Mem::Device,
                _ => panic!("unexpected MAIR attribute {attr:#x}"),
            };
            (true, ap & 2 == 0, ap & 1 != 0, d & (3 << 53) == 0, mem_type)
        } else {
            let memattr = (d >> 2) & 0xf;
            let mem_type = match memattr {
                0b1111 => Mem::Cached,
                0b0101 => Mem::NonCacheable,
                m if m & 0b1100 == 0 => Mem::Device,
                _ => panic!("unexpected MemAttr {memattr:#b}"),
            };
            (
                d & (1 << 6) != 0,
                d & (1 << 7) != 0,
                false,
                d & (1 << 54) == 0,
                mem_type,
            )
        };
        return Ok(Translation {
            pa,
            desc: d,
            entry_size: size,
            level,
            read,
            write,
            exec,
            unpriv,
            mem: mem_type,
        });
    }
}

/// D8.6.1: every entry of an aligned contiguous run must have the contiguous
/// bit, the same attributes, and consecutive output addresses starting at
/// a run-aligned address.
fn check_contiguous(
    mem: &ArenaAllocator,
    table: u64,
    idx: u64,
    d: u64,
    g: u32,
    level: u32,
    size: u64,
) -> Result<(), Fault> {
    let run: u64 = match (g, level) {
        (12, 2 | 3) => 16,
        (14, 2) => 32,
        (14, 3) => 128,
        (16, 2 | 3) => 32,
        _ => {
            return Err(Fault::Misprogrammed(
                "contiguous bit at a level without runs",
            ));
        }
    };
    let first = idx & !(run - 1);
    let oa_mask = ((1u64 << 48) - 1) & !((1u64 << g) - 1);
    let base = (d & oa_mask) - (idx - first) * size;
    if base & (run * size - 1) != 0 {
        return Err(Fault::Misprogrammed("contiguous run output not aligned"));
    }
    for i in 0..run {
        let e = read64(mem, table + (first + i) * 8)?;
        if e & !oa_mask != d & !oa_mask || e & oa_mask != base + i * size {
            return Err(Fault::Misprogrammed("inconsistent contiguous run"));
        }
    }
    Ok(())
}

fn read32(mem: &ArenaAllocator, pa: u64) -> Result<u32, Fault> {
    mem.read_u32(pa).ok_or(Fault::ReadFreedMemory(pa))
}

fn v7s_walk(
    mem: &ArenaAllocator,
    ttbr0: u32,
    remap: bool,
    prrr: u32,
    nmrr: u32,
    iova: u64,
) -> Result<Translation, Fault> {
    assert!(iova >> 32 == 0);
    // TTBCR.N = 0: the level-1 table is 16 KiB at TTBR0[31:14] (B3.5.4).
    let l1_base = u64::from(ttbr0 & 0xffff_c000);
    let l1_idx = (iova >> 20) & 0xfff;
    let d = read32(mem, l1_base + l1_idx * 4)?;
    let (leaf, pa, size, level, replicas_at) = match d & 3 {
        0 => return Err(Fault::Translation(1)),
        0b01 => {
            let l2_base = u64::from(d & 0xffff_fc00);
            let l2_idx = (iova >> 12) & 0xff;
            let e = read32(mem, l2_base + l2_idx * 4)?;
            match e & 3 {
                0 => return Err(Fault::Translation(2)),
                0b01 => {
                    let pa = u64::from(e & 0xffff_0000) | (iova & 0xffff);
                    (e, pa, 1 << 16, 2, Some((l2_base + (l2_idx & !15) * 4, e)))
                }
                _ => (
                    e,
                    u64::from(e & 0xffff_f000) | (iova & 0xfff),
                    1 << 12,
                    2,
                    None,
                ),
            }
        }
        _ if d & (1 << 18) != 0 => {
            let pa = u64::from(d & 0xff00_0000)
                | u64::from((d >> 20) & 0xf) << 32
                | u64::from((d >> 5) & 0xf) << 36
                | (iova & 0xff_ffff);
            (d, pa, 1 << 24, 1, Some((l1_base + (l1_idx & !15) * 4, d)))
        }
        _ => (
            d,
            u64::from(d & 0xfff0_0000) | (iova & 0xf_ffff),
            1 << 20,
            1,
            None,
        ),
    };
    // Large pages and supersections are repeated in 16 consecutive,
    // 16-aligned entries (B3.5.1).
    if let Some((first, value)) = replicas_at {
        for i in 0..16 {
            if read32(mem, first + i * 4)? != value {
                return Err(Fault::Misprogrammed("inconsistent replicated entry"));
            }
        }
    }
    // Attribute field positions per descriptor kind (B3.5.1).
    let (b, c, tex, ap01, ap2, xn) = match (level, leaf & 3) {
        (1, _) => (
            (leaf >> 2) & 1,
            (leaf >> 3) & 1,
            (leaf >> 12) & 7,
            (leaf >> 10) & 3,
            (leaf >> 15) & 1,
            (leaf >> 4) & 1,
        ),
        (_, 0b01) => (
            (leaf >> 2) & 1,
            (leaf >> 3) & 1,
            (leaf >> 12) & 7,
            (leaf >> 4) & 3,
            (leaf >> 9) & 1,
            (leaf >> 15) & 1,
        ),
        _ => (
            (leaf >> 2) & 1,
            (leaf >> 3) & 1,
            (leaf >> 6) & 7,
            (leaf >> 4) & 3,
            (leaf >> 9) & 1,
            leaf & 1,
        ),
    };
    // AP[0] is the access flag in the simplified model (B3.7.3).
    if ap01 & 1 == 0 {
        return Err(Fault::AccessFlag);
    }
    let mem_type = if remap {
        // B3.8.3: n = TEX[0]:C:B selects PRRR.TRn and NMRR.IRn.
        let n = ((tex & 1) << 2) | (c << 1) | b;
        match (prrr >> (2 * n)) & 3 {
            0b10 => match (nmrr >> (2 * n)) & 3 {
                0b00 => Mem::NonCacheable,
                0b01 => Mem::Cached,
                _ => panic!("unexpected NMRR"),
            },
            _ => Mem::Device,
        }
    } else {
        // B3.8.2 table B3-10.
        match (tex, c, b) {
            (0b001, 1, 1) => Mem::Cached,
            (0b001, 0, 0) => Mem::NonCacheable,
            (0b000, 0, _) | (0b010, 0, 0) => Mem::Device,
            other => panic!("unexpected TEX/C/B {other:?}"),
        }
    };
    Ok(Translation {
        pa,
        desc: u64::from(leaf),
        entry_size: size,
        level,
        read: true,
        write: ap2 == 0,
        exec: xn == 0,
        unpriv: ap01 & 2 != 0,
        mem: mem_type,
    })
}
