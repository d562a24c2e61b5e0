// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Bump allocation inside a process's grant region. Pure arithmetic on
//! addresses, so it is tested without touching memory.

/// Carves `size` bytes aligned to `align` (a power of two) out of the region
/// `[start, start + len)` of which `used` bytes are taken. Returns the offset
/// of the block from `start` and the new `used`. All arithmetic is checked.
pub(crate) fn bump(start: u64, len: u64, used: u64, size: u64, align: u64) -> Option<(u64, u64)> {
    if !align.is_power_of_two() {
        return None;
    }
    let cursor = start.checked_add(used)?;
    let aligned = cursor.checked_add(align - 1)? & !(align - 1);
    let end = aligned.checked_add(size)?;
    let region_end = start.checked_add(len)?;
    (end <= region_end).then(|| (aligned - start, end - start))
}

#[cfg(test)]
mod tests {
    use super::bump;

    #[test]
    fn aligns_and_refuses_overflow() {
        assert_eq!(bump(0x1000, 0x100, 0, 8, 8), Some((0, 8)));
        assert_eq!(bump(0x1000, 0x100, 9, 8, 8), Some((16, 24)));
        assert_eq!(bump(0x1000, 0x100, 0xF8, 8, 8), Some((0xF8, 0x100)));
        assert_eq!(bump(0x1000, 0x100, 0xF9, 8, 8), None);
        assert_eq!(bump(0x1000, 0x100, 0, 0x101, 1), None);
        assert_eq!(bump(0x1000, 0x100, 0, 1, 3), None);
        assert_eq!(bump(u64::MAX - 4, 4, 0, 8, 8), None);
        assert_eq!(bump(0x1000, 0x100, 0, u64::MAX, 1), None);
        assert_eq!(bump(0x1000, 0x100, 0x100, 0, 1), Some((0x100, 0x100)));
    }
}
