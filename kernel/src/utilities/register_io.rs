// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Register access that can be tested (DESIGN §3.1): drivers read and write
//! their device's registers by byte offset through [`RegisterIo`], which
//! [`Mmio`] implements with volatile accesses to a device-memory window and
//! host tests implement over a behavioural model. Drivers are generic over
//! it, so the hardware build compiles to plain volatile loads and stores.

/// Reads and writes device registers by byte offset from the device's base.
///
/// Implementations perform each access as one single-copy-atomic access of
/// the given width, in program order, with no merging or caching (Device
/// memory semantics).
pub trait RegisterIo {
    /// Reads the 32-bit register at `offset`.
    fn read32(&self, offset: usize) -> u32;
    /// Writes the 32-bit register at `offset`.
    fn write32(&self, offset: usize, value: u32);
    /// Reads the 64-bit register at `offset`.
    fn read64(&self, offset: usize) -> u64;
    /// Writes the 64-bit register at `offset`.
    fn write64(&self, offset: usize, value: u64);
}

/// A device's register window in device memory.
///
/// Every access is checked to be aligned and inside the window, so the safe
/// [`RegisterIo`] methods cannot touch memory outside it whoever calls them:
/// out-of-window or misaligned reads return zero and writes are dropped. A
/// driver computes its offsets from a layout it checked against the window,
/// so for it the check never fails.
#[derive(Debug)]
pub struct Mmio {
    base: usize,
    size: usize,
}

impl Mmio {
    /// Describes the register window at `base` of `size` bytes.
    ///
    /// # Safety
    ///
    /// `base .. base + size` must be the register window of one device,
    /// mapped as Device memory (nGnRE or stronger) at this address for as
    /// long as the returned value (and any driver built on it) lives, and
    /// nothing else may program that device concurrently. `base` must be
    /// 8-byte aligned.
    pub const unsafe fn new(base: usize, size: usize) -> Self {
        Self { base, size }
    }

    /// Size of the window in bytes.
    pub const fn size(&self) -> usize {
        self.size
    }

    /// Address of the register at `offset`, if aligned and inside.
    fn address(&self, offset: usize, width: usize) -> Option<usize> {
        let inside = offset.is_multiple_of(width)
            && offset
                .checked_add(width)
                .is_some_and(|end| end <= self.size);
        inside.then(|| self.base + offset)
    }
}

impl RegisterIo for Mmio {
    fn read32(&self, offset: usize) -> u32 {
        let Some(address) = self.address(offset, 4) else {
            return 0;
        };
        // SAFETY: `Mmio::new`'s contract makes the window valid device memory
        // for our lifetime, and `address` checked the access is aligned and
        // inside it.
        unsafe { (address as *const u32).read_volatile() }
    }

    fn write32(&self, offset: usize, value: u32) {
        if let Some(address) = self.address(offset, 4) {
            // SAFETY: as in `read32`.
            unsafe { (address as *mut u32).write_volatile(value) }
        }
    }

    fn read64(&self, offset: usize) -> u64 {
        let Some(address) = self.address(offset, 8) else {
            return 0;
        };
        // SAFETY: as in `read32` (the base is 8-byte aligned by contract).
        unsafe { (address as *const u64).read_volatile() }
    }

    fn write64(&self, offset: usize, value: u64) {
        if let Some(address) = self.address(offset, 8) {
            // SAFETY: as in `read64`.
            unsafe { (address as *mut u64).write_volatile(value) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Mmio, RegisterIo};

    #[test]
    fn accesses_stay_inside_the_window() {
        let mut window = [0u64; 4];
        let base = window.as_mut_ptr() as usize;
        // SAFETY: `window` is 32 bytes of ordinary memory standing in for a
        // register window, 8-byte aligned, alive and unaliased for the test.
        let io = unsafe { Mmio::new(base, 32) };
        io.write64(8, 0x1122_3344_5566_7788);
        io.write32(16, 0xdead_beef);
        assert_eq!(io.read64(8), 0x1122_3344_5566_7788);
        assert_eq!(io.read32(16), 0xdead_beef);
        // Outside the window, straddling its end or misaligned: no access.
        io.write32(32, 1);
        io.write64(28, 1);
        io.write64(usize::MAX - 3, 1);
        io.write32(2, 1);
        assert_eq!(io.read32(32), 0);
        assert_eq!(io.read64(28), 0);
        assert_eq!(io.read32(2), 0);
        assert_eq!(window, [0, 0x1122_3344_5566_7788, 0xdead_beef, 0]);
    }
}
