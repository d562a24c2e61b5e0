// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Cache maintenance by virtual address.
//!
//! Instructions and required barriers from the Arm ARM (DDI 0487K.a) D7.5.9
//! "Data cache maintenance instructions", D7.5.10 "Instruction cache
//! maintenance instructions" and the sequence for making written code
//! executable ("Ordering and completion of data and instruction cache
//! instructions", D7.5.11): clean the data cache to the point of
//! unification, DSB, invalidate the instruction cache, DSB, ISB. Line sizes
//! come from `CTR_EL0` (DminLine bits 19:16, IminLine bits 3:0, log2 of the
//! line size in words).

/// Smallest data and instruction cache line sizes in bytes.
#[cfg(target_arch = "aarch64")]
fn line_sizes() -> (usize, usize) {
    let ctr: u64;
    // SAFETY: reading CTR_EL0 has no side effects.
    unsafe { core::arch::asm!("mrs {}, ctr_el0", out(reg) ctr, options(nomem, nostack)) };
    (4 << ((ctr >> 16) & 0xf), 4 << (ctr & 0xf))
}

/// The cache-line-aligned addresses covering `[start, start + len)`.
pub fn lines(start: usize, len: usize, line: usize) -> impl Iterator<Item = usize> {
    let first = start & !(line - 1);
    let end = start.saturating_add(len);
    (first..end).step_by(line)
}

/// Makes instructions just written to `[start, start + len)` visible to
/// instruction fetch on this core.
#[cfg(target_arch = "aarch64")]
pub fn sync_instructions(start: usize, len: usize) {
    let (dline, iline) = line_sizes();
    for line in lines(start, len, dline) {
        // SAFETY: cleaning a data cache line to the point of unification
        // writes back data; it changes no architectural state.
        unsafe { core::arch::asm!("dc cvau, {}", in(reg) line, options(nostack)) };
    }
    // SAFETY: barrier only.
    unsafe { core::arch::asm!("dsb ish", options(nostack)) };
    for line in lines(start, len, iline) {
        // SAFETY: invalidating instruction cache lines only drops cached
        // copies of code.
        unsafe { core::arch::asm!("ic ivau, {}", in(reg) line, options(nostack)) };
    }
    // SAFETY: barriers only.
    unsafe { core::arch::asm!("dsb ish", "isb", options(nostack)) };
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec::Vec;

    use super::lines;

    #[test]
    fn lines_cover_unaligned_ranges() {
        assert_eq!(
            lines(0x1030, 0x20, 64).collect::<Vec<_>>(),
            [0x1000, 0x1040]
        );
        assert_eq!(lines(0x1000, 0x40, 64).collect::<Vec<_>>(), [0x1000]);
        assert_eq!(lines(0x1000, 0, 64).count(), 0);
        assert_eq!(lines(usize::MAX - 10, 100, 64).count(), 1);
    }
}
