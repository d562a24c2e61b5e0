// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Arm PrimeCell UART (PL011), polled transmit.
//!
//! Register map and fields from the PL011 Technical Reference Manual
//! (Arm DDI 0183G): §3.2 "Summary of registers" for offsets, §3.3.3 UARTFR,
//! §3.3.6-3.3.7 UARTIBRD/UARTFBRD, §3.3.7 UARTLCR_H, §3.3.8 UARTCR (including
//! the required programming sequence), §3.3.13 UARTICR.
//!
//! The kernel log needs a transmitter that works in any context (panics,
//! exception reports), so transmission is polled; interrupt-driven receive
//! for the process console comes with the console itself.

use tock_registers::interfaces::{Readable, Writeable};
use tock_registers::registers::{ReadOnly, ReadWrite, WriteOnly};
use tock_registers::{register_bitfields, register_structs};

register_structs! {
    /// The PL011 register block (DDI 0183G §3.2).
    pub Pl011Registers {
        /// Data register.
        (0x000 => dr: ReadWrite<u32>),
        /// Receive status / error clear.
        (0x004 => rsr_ecr: ReadWrite<u32>),
        (0x008 => _reserved0),
        /// Flag register.
        (0x018 => fr: ReadOnly<u32, FR::Register>),
        (0x01c => _reserved1),
        /// IrDA low-power counter.
        (0x020 => ilpr: ReadWrite<u32>),
        /// Integer baud rate divisor.
        (0x024 => ibrd: ReadWrite<u32>),
        /// Fractional baud rate divisor.
        (0x028 => fbrd: ReadWrite<u32>),
        /// Line control.
        (0x02c => lcr_h: ReadWrite<u32, LCR_H::Register>),
        /// Control.
        (0x030 => cr: ReadWrite<u32, CR::Register>),
        /// Interrupt FIFO level select.
        (0x034 => ifls: ReadWrite<u32>),
        /// Interrupt mask set/clear.
        (0x038 => imsc: ReadWrite<u32>),
        /// Raw interrupt status.
        (0x03c => ris: ReadOnly<u32>),
        /// Masked interrupt status.
        (0x040 => mis: ReadOnly<u32>),
        /// Interrupt clear.
        (0x044 => icr: WriteOnly<u32>),
        /// DMA control.
        (0x048 => dmacr: ReadWrite<u32>),
        (0x04c => @END),
    }
}

register_bitfields![u32,
    /// UARTFR (DDI 0183G §3.3.3).
    FR [
        /// UART busy transmitting.
        BUSY OFFSET(3) NUMBITS(1) [],
        /// Receive FIFO empty.
        RXFE OFFSET(4) NUMBITS(1) [],
        /// Transmit FIFO full.
        TXFF OFFSET(5) NUMBITS(1) [],
        /// Transmit FIFO empty.
        TXFE OFFSET(7) NUMBITS(1) []
    ],
    /// UARTLCR_H (DDI 0183G §3.3.7).
    LCR_H [
        /// Enable FIFOs.
        FEN OFFSET(4) NUMBITS(1) [],
        /// Word length.
        WLEN OFFSET(5) NUMBITS(2) [
            Bits8 = 0b11
        ]
    ],
    /// UARTCR (DDI 0183G §3.3.8).
    CR [
        /// UART enable.
        UARTEN OFFSET(0) NUMBITS(1) [],
        /// Transmit enable.
        TXE OFFSET(8) NUMBITS(1) [],
        /// Receive enable.
        RXE OFFSET(9) NUMBITS(1) []
    ]
];

/// UARTIMSC receive interrupt mask bit (DDI 0183G §3.3.10).
const IMSC_RXIM: u32 = 1 << 4;
/// UARTIMSC receive timeout interrupt mask bit.
const IMSC_RTIM: u32 = 1 << 6;

/// Baud divisor: `clock / (16 * baud)` as a 16.6 fixed-point value, split
/// into the integer (IBRD) and fractional (FBRD) parts, rounded to nearest
/// (DDI 0183G §3.3.6, "Baud rate divisor").
pub const fn baud_divisors(clock_hz: u32, baud: u32) -> (u32, u32) {
    // Divisor * 64 = clock * 4 / baud, plus half a unit for rounding.
    let scaled = (clock_hz as u64 * 8 / baud as u64).div_ceil(2);
    ((scaled >> 6) as u32, (scaled & 0x3f) as u32)
}

/// Flag-register reads a wait may spend before it gives up: about a
/// character time at 115200 baud on a fast core, far more than a working
/// UART ever needs, and bounded so a wedged UART cannot hang the kernel
/// (its log output is then lost instead).
const WAIT_POLLS: u32 = 100_000;

/// Polls `done` up to [`WAIT_POLLS`] times; whether it became true.
fn wait_until(mut done: impl FnMut() -> bool) -> bool {
    (0..WAIT_POLLS).any(|_| done())
}

/// A PL011 UART.
pub struct Pl011 {
    registers: &'static Pl011Registers,
}

impl Pl011 {
    /// Wraps the register block at `base`.
    ///
    /// # Safety
    ///
    /// `base` must be the address of a PL011 register block, mapped as
    /// device memory, that nothing else drives.
    pub const unsafe fn new(base: usize) -> Self {
        // SAFETY: the caller guarantees a PL011 lives at `base`.
        let registers = unsafe { &*(base as *const Pl011Registers) };
        Self { registers }
    }

    /// Wraps an existing register block (host tests use this).
    pub const fn from_registers(registers: &'static Pl011Registers) -> Self {
        Self { registers }
    }

    /// Configures 8N1 with FIFOs at `baud` and enables transmit and receive,
    /// following the UARTCR programming sequence (DDI 0183G §3.3.8):
    /// disable, let the transmitter drain, flush the FIFOs by clearing FEN,
    /// program, enable.
    pub fn init(&self, clock_hz: u32, baud: u32) {
        let regs = self.registers;
        regs.cr.set(0);
        // A wedged transmitter only costs the bytes it holds.
        let _ = wait_until(|| !regs.fr.is_set(FR::BUSY));
        regs.lcr_h.set(0);
        let (integer, fraction) = baud_divisors(clock_hz, baud);
        regs.ibrd.set(integer);
        regs.fbrd.set(fraction);
        // A write to LCR_H latches IBRD/FBRD, so it must come after them.
        regs.lcr_h.write(LCR_H::WLEN::Bits8 + LCR_H::FEN::SET);
        regs.imsc.set(0);
        regs.icr.set(0x7ff);
        regs.cr.write(CR::UARTEN::SET + CR::TXE::SET + CR::RXE::SET);
    }

    /// Transmits `bytes`, waiting (boundedly) for FIFO space as needed;
    /// drops the rest if the transmitter stops draining. Returns how many
    /// bytes were queued.
    pub fn write_bytes(&self, bytes: &[u8]) -> usize {
        for (sent, &byte) in bytes.iter().enumerate() {
            if !wait_until(|| !self.registers.fr.is_set(FR::TXFF)) {
                return sent;
            }
            self.registers.dr.set(u32::from(byte));
        }
        bytes.len()
    }

    /// Raises the UART interrupt while received data waits: on the receive
    /// FIFO reaching its trigger level (RXIM) or on a receive timeout with
    /// data below it (RTIM) (DDI 0183G §3.3.10, UARTIMSC bits 4 and 6).
    pub fn enable_receive_interrupt(&self) {
        self.registers.imsc.set(IMSC_RXIM | IMSC_RTIM);
    }

    /// Takes the next received byte, if any; clears the receive interrupts
    /// once the FIFO is empty (DDI 0183G §3.3.13, UARTICR).
    pub fn read_byte(&self) -> Option<u8> {
        if self.registers.fr.is_set(FR::RXFE) {
            self.registers.icr.set(IMSC_RXIM | IMSC_RTIM);
            return None;
        }
        // Bits 7:0 are the data; 11:8 the error flags of that byte.
        Some((self.registers.dr.get() & 0xff) as u8)
    }

    /// Waits (boundedly) until every queued byte has left the shift
    /// register; whether it did.
    pub fn flush(&self) -> bool {
        wait_until(|| !self.registers.fr.is_set(FR::BUSY))
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::boxed::Box;

    use super::*;

    fn fake_uart() -> (&'static Pl011Registers, Pl011) {
        // SAFETY: the block is plain `UnsafeCell<u32>`s, for which all-zero
        // is valid; zero FR means "not busy, FIFO not full".
        let block: &'static Pl011Registers = Box::leak(Box::new(unsafe {
            core::mem::MaybeUninit::<Pl011Registers>::zeroed().assume_init()
        }));
        (block, Pl011::from_registers(block))
    }

    #[test]
    fn divisors_for_115200_from_24mhz() {
        // 24e6 / (16 * 115200) = 13.0208: IBRD 13, FBRD round(0.0208 * 64) = 1.
        assert_eq!(baud_divisors(24_000_000, 115_200), (13, 1));
        // DDI 0183G §3.3.6 example: 4 MHz, 230400 baud -> 1.085 -> (1, 5).
        assert_eq!(baud_divisors(4_000_000, 230_400), (1, 5));
    }

    #[test]
    fn init_programs_8n1_with_fifos_and_enables() {
        let (regs, uart) = fake_uart();
        uart.init(24_000_000, 115_200);
        assert_eq!(regs.ibrd.get(), 13);
        assert_eq!(regs.fbrd.get(), 1);
        assert_eq!(regs.lcr_h.get(), (0b11 << 5) | (1 << 4));
        assert_eq!(regs.cr.get(), (1 << 9) | (1 << 8) | 1);
        assert_eq!(regs.imsc.get(), 0);
    }

    #[test]
    fn receive_reads_data_until_the_fifo_is_empty() {
        let (regs, uart) = fake_uart();
        uart.enable_receive_interrupt();
        assert_eq!(regs.imsc.get(), (1 << 4) | (1 << 6));
        // FR zero: receive FIFO not empty; DR holds a byte with error bits.
        regs.dr.set(0x0f00 | u32::from(b'l'));
        assert_eq!(uart.read_byte(), Some(b'l'));
        let fr = core::ptr::from_ref(&regs.fr).cast::<core::cell::UnsafeCell<u32>>();
        // SAFETY: test only: the read-only FR is an `UnsafeCell<u32>`
        // underneath; writing it models the FIFO running empty (RXFE).
        unsafe { *(*fr).get() = 1 << 4 };
        assert_eq!(uart.read_byte(), None);
    }

    #[test]
    fn write_goes_through_the_data_register() {
        let (regs, uart) = fake_uart();
        assert_eq!(uart.write_bytes(b"ok"), 2);
        assert_eq!(regs.dr.get(), u32::from(b'k'));
        assert!(uart.flush());
    }

    #[test]
    fn a_wedged_transmitter_drops_output_instead_of_hanging() {
        let (regs, uart) = fake_uart();
        let fr = core::ptr::from_ref(&regs.fr).cast::<core::cell::UnsafeCell<u32>>();
        // SAFETY: test only: the read-only FR is an `UnsafeCell<u32>`
        // underneath; TXFF and BUSY stuck set model a wedged transmitter.
        unsafe { *(*fr).get() = (1 << 5) | (1 << 3) };
        assert_eq!(uart.write_bytes(b"lost"), 0);
        assert!(!uart.flush());
    }
}
