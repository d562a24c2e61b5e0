// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The fuzzer's own model of what the process may name (ABI §4.2, §4.4,
//! §7), written from the ABI document, not from the kernel's code: the
//! image (readable and executable), RAM (readable and writable), and
//! everything else (never process memory).

/// A half-open address range `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    /// First address.
    pub start: u64,
    /// One past the last address.
    pub end: u64,
}

impl Range {
    /// Bytes in the range.
    pub const fn len(&self) -> u64 {
        self.end - self.start
    }

    /// True if the range holds no byte.
    pub const fn is_empty(&self) -> bool {
        self.end == self.start
    }

    /// True if all of `[address, address + len)` lies inside (`len` > 0,
    /// no overflow).
    pub fn holds(&self, address: u64, len: u64) -> bool {
        match address.checked_add(len) {
            Some(end) => len > 0 && address >= self.start && end <= self.end,
            None => false,
        }
    }

    /// True if any byte of `[address, address + len)` lies inside (a
    /// range that overflows touches everything above `address`).
    pub fn touches(&self, address: u64, len: u64) -> bool {
        if len == 0 {
            return false;
        }
        let end = address.saturating_add(len);
        address < self.end && end > self.start
    }
}

/// Page size of the process address space (ABI §7).
pub const PAGE: u64 = 4096;

/// What the process learnt about its address space at start-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Memory {
    /// The TBF image, as memop 4/5 report it.
    pub image: Range,
    /// Process RAM, as memop 2/3 report it.
    pub ram: Range,
    /// A valid upcall entry (a function in the image).
    pub upcall: u64,
    /// A RAM buffer the fuzzer owns and may allow (never the stack).
    pub scratch: Range,
    /// The break at start.
    pub initial_break: u64,
}

impl Memory {
    /// The image as mapped: page granular, so bytes between the image's
    /// end and its page end may or may not be readable.
    pub fn image_mapped(&self) -> Range {
        Range {
            start: self.image.start,
            end: self.image.end.next_multiple_of(PAGE),
        }
    }

    /// Certainly readable: wholly inside the image or RAM.
    pub fn readable(&self, address: u64, len: u64) -> bool {
        self.image.holds(address, len) || self.ram.holds(address, len)
    }

    /// Certainly writable: wholly inside RAM.
    pub fn writable(&self, address: u64, len: u64) -> bool {
        self.ram.holds(address, len)
    }

    /// Certainly not wholly readable: some byte lies outside both the
    /// mapped image and RAM, or the range overflows (`len` > 0).
    pub fn surely_unreadable(&self, address: u64, len: u64) -> bool {
        len > 0 && !self.image_mapped().holds(address, len) && !self.ram.holds(address, len)
    }

    /// Certainly not wholly writable (`len` > 0).
    pub fn surely_unwritable(&self, address: u64, len: u64) -> bool {
        len > 0 && !self.ram.holds(address, len)
    }

    /// A legal upcall entry: the Null Upcall, or a word-aligned address in
    /// the image (ABI §4.2).
    pub fn valid_upcall(&self, address: u64) -> bool {
        address == 0 || (address.is_multiple_of(4) && self.image.holds(address, 1))
    }

    /// Certainly an illegal upcall entry.
    pub fn surely_bad_upcall(&self, address: u64) -> bool {
        address != 0 && (!address.is_multiple_of(4) || !self.image_mapped().holds(address, 1))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A layout like the kernel gives a small app.
    pub(crate) fn sample() -> Memory {
        Memory {
            image: Range {
                start: 0x8000_0000,
                end: 0x8000_2A00,
            },
            ram: Range {
                start: 0x9000_0000,
                end: 0x9000_4000,
            },
            upcall: 0x8000_1100,
            scratch: Range {
                start: 0x9000_0100,
                end: 0x9000_0300,
            },
            initial_break: 0x9000_0400,
        }
    }

    #[test]
    fn ranges() {
        let r = Range { start: 10, end: 20 };
        assert!(r.holds(10, 10));
        assert!(!r.holds(10, 11));
        assert!(!r.holds(9, 1));
        assert!(!r.holds(15, 0));
        assert!(!r.holds(u64::MAX, 2));
        assert!(r.touches(19, 100));
        assert!(r.touches(0, u64::MAX));
        assert!(!r.touches(20, 1));
        assert!(!r.touches(15, 0));
        assert_eq!(r.len(), 10);
    }

    #[test]
    fn access_rules() {
        let m = sample();
        assert!(m.readable(0x8000_1000, 16));
        assert!(!m.writable(0x8000_1000, 16));
        assert!(m.writable(0x9000_3FF0, 16));
        assert!(m.surely_unwritable(0x9000_3FF0, 17));
        assert!(m.surely_unreadable(0x8FFF_F000, 1));
        // Past the image's end but in its last page: not certain either way.
        assert!(!m.readable(0x8000_2A00, 1));
        assert!(!m.surely_unreadable(0x8000_2A00, 1));
        assert!(m.surely_unreadable(0x8000_3000, 1));
        assert!(m.surely_unreadable(u64::MAX, 2));
    }

    #[test]
    fn upcall_rules() {
        let m = sample();
        assert!(m.valid_upcall(0));
        assert!(m.valid_upcall(0x8000_1100));
        assert!(m.surely_bad_upcall(0x8000_1101));
        assert!(m.surely_bad_upcall(0x9000_0000));
        assert!(m.surely_bad_upcall(0xFFFF_0000_0000_0000));
        assert!(!m.surely_bad_upcall(0));
    }
}
