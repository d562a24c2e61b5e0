// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! PCI Express configuration through ECAM, just enough to bring up one
//! endpoint on the root bus: enumerate bus 0, size and assign a 32-bit
//! memory BAR from the host bridge's MMIO window, enable memory decoding
//! and bus mastering.
//!
//! ECAM layout (PCI Express Base Specification 4.0, §7.2.2 "PCI Express
//! Enhanced Configuration Access Mechanism"): function `bus:dev.fn` has a
//! 4 KiB configuration space at `base + (bus << 20 | dev << 15 | fn << 12)`.
//! Header fields (PCI Local Bus Specification 3.0, §6.1 / §6.2): vendor ID
//! 0x00, device ID 0x02, command 0x04, header type 0x0e, BAR0 0x10,
//! interrupt pin 0x3d.
//!
//! Legacy interrupts: `virt`'s host bridge wires INTA..INTD of slot `s` to
//! GIC SPI `3 + (s + pin) % 4` (pin 0 = INTA), the standard swizzle of PCI
//! LB 3.0 §2.2.6 over the four SPIs its device tree `interrupt-map`
//! declares (QEMU `hw/arm/virt.c`, `create_pcie_irq_map`; SPIs 3..6 are
//! level-sensitive there).

/// A PCI function address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub struct Bdf {
    /// Bus number.
    pub bus: u8,
    /// Device number (0..32).
    pub device: u8,
    /// Function number (0..8).
    pub function: u8,
}

impl Bdf {
    /// The PCI requester ID (`bus << 8 | device << 3 | function`), which
    /// is the SMMU stream ID on QEMU `virt` (its `iommu-map` is the
    /// identity on RIDs).
    pub const fn requester_id(self) -> u16 {
        (self.bus as u16) << 8 | ((self.device & 0x1f) as u16) << 3 | (self.function & 7) as u16
    }

    /// Byte offset of this function's configuration space in ECAM.
    pub const fn ecam_offset(self) -> usize {
        (self.bus as usize) << 20
            | ((self.device & 0x1f) as usize) << 15
            | ((self.function & 7) as usize) << 12
    }
}

/// 32-bit configuration space access.
pub trait ConfigSpace {
    /// Reads the aligned dword at `offset` of `bdf`'s configuration space.
    fn read32(&self, bdf: Bdf, offset: u16) -> u32;
    /// Writes the aligned dword at `offset`.
    fn write32(&self, bdf: Bdf, offset: u16, value: u32);
}

/// Configuration header offsets (PCI LB 3.0 §6.1).
const VENDOR_DEVICE: u16 = 0x00;
const COMMAND: u16 = 0x04;
const HEADER_TYPE_DWORD: u16 = 0x0c;
const BAR0: u16 = 0x10;
/// Dword holding interrupt line (byte 0x3c) and interrupt pin (0x3d).
const INTERRUPT_DWORD: u16 = 0x3c;
/// First GIC SPI of `virt`'s PCIe INTx lines (four consecutive SPIs).
pub const VIRT_INTX_FIRST_SPI: u32 = 3;
/// Command register bits (§6.2.2): memory space enable, bus master enable.
const COMMAND_MEMORY: u32 = 1 << 1;
const COMMAND_BUS_MASTER: u32 = 1 << 2;
/// Command bit 10: INTx emulation disable (PCI LB 3.0 §6.2.2).
const COMMAND_INTX_DISABLE: u32 = 1 << 10;

/// The ECAM window of a host bridge.
#[derive(Debug)]
pub struct Ecam {
    base: usize,
    buses: u16,
}

impl Ecam {
    /// The ECAM window at `base` covering `buses` buses (1 MiB each).
    ///
    /// # Safety
    ///
    /// `base .. base + buses * 1 MiB` is an ECAM window mapped as Device
    /// memory at this address for the lifetime of the value, and nothing
    /// else configures those functions concurrently.
    pub const unsafe fn new(base: usize, buses: u16) -> Self {
        Self { base, buses }
    }

    fn address(&self, bdf: Bdf, offset: u16) -> Option<usize> {
        (u16::from(bdf.bus) < self.buses && offset < 0x1000 && offset.is_multiple_of(4))
            .then(|| self.base + bdf.ecam_offset() + usize::from(offset))
    }
}

impl ConfigSpace for Ecam {
    /// Out-of-window or misaligned reads return all ones (what a read of an
    /// absent function returns).
    fn read32(&self, bdf: Bdf, offset: u16) -> u32 {
        match self.address(bdf, offset) {
            // SAFETY: `new`'s contract makes the window device memory;
            // `address` checked bounds and alignment.
            Some(address) => unsafe { (address as *const u32).read_volatile() },
            None => u32::MAX,
        }
    }

    /// Out-of-window or misaligned writes are dropped.
    fn write32(&self, bdf: Bdf, offset: u16, value: u32) {
        if let Some(address) = self.address(bdf, offset) {
            // SAFETY: as in `read32`.
            unsafe { (address as *mut u32).write_volatile(value) }
        }
    }
}

/// Why bringing up a function failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum PciError {
    /// No function with that vendor and device ID on bus 0.
    NotFound,
    /// BAR0 is not a 32-bit memory BAR (I/O or 64-bit).
    UnsupportedBar,
    /// BAR0 is not implemented (reads back zero after sizing).
    NoBar,
    /// The MMIO window has no room for the BAR.
    WindowFull,
}

/// Finds the first function on bus 0 with `vendor` and `device` ID.
/// Functions 1..8 are scanned only on multi-function devices (header
/// type bit 7).
pub fn find<C: ConfigSpace>(config: &C, vendor: u16, device: u16) -> Result<Bdf, PciError> {
    let wanted = u32::from(device) << 16 | u32::from(vendor);
    for dev in 0..32 {
        for function in 0..8 {
            let bdf = Bdf {
                bus: 0,
                device: dev,
                function,
            };
            let id = config.read32(bdf, VENDOR_DEVICE);
            if id & 0xffff == 0xffff {
                if function == 0 {
                    break;
                }
                continue;
            }
            if id == wanted {
                return Ok(bdf);
            }
            let multi_function = config.read32(bdf, HEADER_TYPE_DWORD) & (0x80 << 16) != 0;
            if function == 0 && !multi_function {
                break;
            }
        }
    }
    Err(PciError::NotFound)
}

/// A bump allocator over a host bridge's 32-bit MMIO window.
#[derive(Debug)]
pub struct MmioWindow {
    next: u64,
    end: u64,
}

impl MmioWindow {
    /// The window `[base, base + size)`.
    pub const fn new(base: u64, size: u64) -> Self {
        Self {
            next: base,
            end: base + size,
        }
    }

    /// A naturally aligned block of `size` bytes (a power of two).
    fn allocate(&mut self, size: u64) -> Option<u64> {
        let start = self.next.checked_next_multiple_of(size)?;
        let end = start.checked_add(size)?;
        (end <= self.end).then(|| {
            self.next = end;
            start
        })
    }
}

/// Sizes BAR0 of `bdf` (write all ones, read back the size mask; PCI LB 3.0
/// §6.2.5.1), assigns it from `window`, and enables memory decoding and
/// bus mastering. Decoding is off while the BAR is sized and programmed.
/// Returns the BAR's bus address and size.
pub fn enable_bar0<C: ConfigSpace>(
    config: &C,
    bdf: Bdf,
    window: &mut MmioWindow,
) -> Result<(u64, u64), PciError> {
    let command = config.read32(bdf, COMMAND) & 0xffff;
    config.write32(
        bdf,
        COMMAND,
        command & !(COMMAND_MEMORY | COMMAND_BUS_MASTER),
    );
    let original = config.read32(bdf, BAR0);
    // Bit 0: I/O space; bits 2:1: type (0 = 32-bit, 2 = 64-bit).
    if original & 0b111 != 0 {
        return Err(PciError::UnsupportedBar);
    }
    config.write32(bdf, BAR0, u32::MAX);
    let mask = config.read32(bdf, BAR0) & !0xf;
    if mask == 0 {
        config.write32(bdf, BAR0, original);
        return Err(PciError::NoBar);
    }
    let size = u64::from(!mask) + 1;
    let Some(address) = window.allocate(size).filter(|a| *a <= u64::from(u32::MAX)) else {
        config.write32(bdf, BAR0, original);
        return Err(PciError::WindowFull);
    };
    config.write32(bdf, BAR0, address as u32);
    config.write32(bdf, COMMAND, command | COMMAND_MEMORY | COMMAND_BUS_MASTER);
    Ok((address, size))
}

/// The GIC SPI that carries `bdf`'s legacy interrupt on `virt`, with INTx
/// enabled in its command register; `None` if the function uses no
/// interrupt pin (or reports an invalid one).
pub fn enable_intx<C: ConfigSpace>(config: &C, bdf: Bdf) -> Option<u32> {
    // Interrupt pin: 1..=4 for INTA..INTD, 0 for none (§6.2.4).
    let pin = (config.read32(bdf, INTERRUPT_DWORD) >> 8) & 0xff;
    if !(1..=4).contains(&pin) {
        return None;
    }
    let command = config.read32(bdf, COMMAND) & 0xffff;
    config.write32(bdf, COMMAND, command & !COMMAND_INTX_DISABLE);
    Some(VIRT_INTX_FIRST_SPI + (u32::from(bdf.device) + pin - 1) % 4)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use core::cell::RefCell;
    use std::collections::BTreeMap;

    /// Bus 0 with a host bridge at 00.0 and an edu-like endpoint at 02.0
    /// with a 1 MiB 32-bit BAR0.
    struct Bus {
        regs: RefCell<BTreeMap<(u8, u16), u32>>,
        bar_size: u32,
    }

    impl Bus {
        fn new(bar_size: u32, bar_type: u32) -> Self {
            let mut regs = BTreeMap::new();
            regs.insert((0, VENDOR_DEVICE), 0x0008_1b36);
            regs.insert((2 << 3, VENDOR_DEVICE), 0x11e8_1234);
            regs.insert((2 << 3, BAR0), bar_type);
            Self {
                regs: RefCell::new(regs),
                bar_size,
            }
        }
        fn devfn(bdf: Bdf) -> u8 {
            bdf.device << 3 | bdf.function
        }
    }

    impl ConfigSpace for Bus {
        fn read32(&self, bdf: Bdf, offset: u16) -> u32 {
            let key = (Self::devfn(bdf), offset);
            let present = self
                .regs
                .borrow()
                .contains_key(&(Self::devfn(bdf), VENDOR_DEVICE));
            if !present || bdf.bus != 0 {
                return u32::MAX;
            }
            *self.regs.borrow().get(&key).unwrap_or(&0)
        }
        fn write32(&self, bdf: Bdf, offset: u16, value: u32) {
            let value = if offset == BAR0 {
                // Size bits read back as zero; type bits are read-only.
                let old = self.read32(bdf, BAR0) & 0xf;
                (value & !(self.bar_size - 1) & !0xf) | old
            } else {
                value
            };
            self.regs
                .borrow_mut()
                .insert((Self::devfn(bdf), offset), value);
        }
    }

    #[test]
    fn requester_id_and_ecam_offset() {
        let bdf = Bdf {
            bus: 1,
            device: 2,
            function: 3,
        };
        assert_eq!(bdf.requester_id(), 0x0113);
        assert_eq!(bdf.ecam_offset(), 0x0011_3000);
    }

    #[test]
    fn finds_the_endpoint_and_assigns_its_bar() {
        let bus = Bus::new(1 << 20, 0);
        let bdf = find(&bus, 0x1234, 0x11e8).unwrap();
        assert_eq!((bdf.device, bdf.requester_id()), (2, 0x10));
        assert_eq!(find(&bus, 0x1234, 0x1111), Err(PciError::NotFound));
        // The window starts off-alignment: the BAR is placed on 1 MiB.
        let mut window = MmioWindow::new(0x1000_1000, 0x2eff_0000);
        assert_eq!(
            enable_bar0(&bus, bdf, &mut window),
            Ok((0x1010_0000, 1 << 20))
        );
        assert_eq!(bus.read32(bdf, BAR0), 0x1010_0000);
        assert_eq!(bus.read32(bdf, COMMAND) & 0b110, 0b110);
        // The next BAR goes after it.
        assert_eq!(window.allocate(1 << 20), Some(0x1020_0000));
    }

    #[test]
    fn refuses_bars_it_cannot_place() {
        let bdf = Bdf {
            bus: 0,
            device: 2,
            function: 0,
        };
        let io_bar = Bus::new(1 << 20, 1);
        let mut window = MmioWindow::new(0x1000_0000, 0x1000_0000);
        assert_eq!(
            enable_bar0(&io_bar, bdf, &mut window),
            Err(PciError::UnsupportedBar)
        );
        let wide = Bus::new(1 << 20, 0b100);
        assert_eq!(
            enable_bar0(&wide, bdf, &mut window),
            Err(PciError::UnsupportedBar)
        );
        let small_window = &mut MmioWindow::new(0x1000_0000, 0x8_0000);
        let bus = Bus::new(1 << 20, 0);
        assert_eq!(
            enable_bar0(&bus, bdf, small_window),
            Err(PciError::WindowFull)
        );
        assert_eq!(bus.read32(bdf, COMMAND) & 0b110, 0, "left disabled");
    }

    #[test]
    fn intx_follows_the_virt_swizzle() {
        let bus = Bus::new(1 << 20, 0);
        let at = |device| Bdf {
            bus: 0,
            device,
            function: 0,
        };
        // No pin: no interrupt.
        assert_eq!(enable_intx(&bus, at(2)), None);
        for (device, pin, spi) in [
            (2, 1, 5),
            (2, 2, 6),
            (3, 1, 6),
            (4, 1, 3),
            (5, 4, 3),
            (5, 3, 6),
        ] {
            bus.regs
                .borrow_mut()
                .insert((device << 3, VENDOR_DEVICE), 1);
            bus.regs
                .borrow_mut()
                .insert((device << 3, INTERRUPT_DWORD), pin << 8);
            bus.write32(at(device), COMMAND, COMMAND_INTX_DISABLE | 0b110);
            assert_eq!(enable_intx(&bus, at(device)), Some(spi), "{device} {pin}");
            assert_eq!(bus.read32(at(device), COMMAND), 0b110, "INTx left disabled");
        }
        bus.regs
            .borrow_mut()
            .insert((2 << 3, INTERRUPT_DWORD), 5 << 8);
        assert_eq!(enable_intx(&bus, at(2)), None, "invalid pin");
    }
}
