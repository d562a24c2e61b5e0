// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Driver for QEMU's `edu` PCI device (vendor 0x1234, device 0x11e8), a
//! teaching device with a DMA engine, as a [`DmaEngine`].
//!
//! The device (QEMU `docs/specs/edu.txt`, `hw/misc/edu.c`): BAR0 holds
//! 0x00 identification (`0xRRrr00ed`), 0x04 liveness (reads back the
//! bitwise inverse of what was written), 0x80 DMA source, 0x88 DMA
//! destination, 0x90 DMA count, 0x98 DMA command (bit 0 start / busy,
//! bit 1 direction: 0 RAM -> device buffer, 1 device buffer -> RAM, bit 2
//! raise interrupt 0x100 when done), 0x24 interrupt status, 0x64 interrupt
//! acknowledge. Its DMA goes through a 4 KiB internal buffer at device
//! address 0x40000; RAM-side addresses are masked to the device's DMA mask
//! (the `dma_mask` property: 28 bits unless the machine is started with a
//! wider one, which the board passes to [`Edu::new`]).
//!
//! **Validation comes first.** QEMU's model aborts the whole emulator when
//! a transfer touches buffer addresses outside `[0x40000, 0x41000)` (or has
//! length zero), so every request is checked before any register is
//! written: length `1..=4095` per device transfer, buffer window, RAM side inside the DMA
//! mask without wrapping (a masked address would silently reach another
//! device address). A memory-to-memory copy goes through the buffer in
//! chunks of at most 4095 bytes, each two device transfers (RAM -> buffer,
//! buffer -> RAM); a copy may be up to [`MAX_COPY`] bytes
//! ([`DmaEngine::max_transfer`]), validated as a whole before the first
//! chunk starts.
//!
//! Why 4095 and not 4096: QEMU up to 7.2 checks the buffer range with an
//! exclusive end (`end < 0x41000`), so a transfer that ends on the buffer's
//! last byte aborts the emulator (QEMU issue 1254, fixed in later
//! releases). Measured here: a 4096-byte transfer at 0x40000 killed QEMU
//! 7.2 with "DMA range 0x40000-0x40fff out of bounds". The driver never
//! uses the last byte.
//!
//! Completion: by interrupt once [`Edu::enable_completion_interrupt`] was
//! called (the board routes the device's INTx to [`Edu::handle_interrupt`]),
//! otherwise by calling [`Edu::poll`] until the client hears back.

use core::cell::Cell;

use kernel::ErrorCode;
use kernel::hil::dma::{DmaClient, DmaEngine};

/// PCI IDs of the device.
pub const VENDOR_ID: u16 = 0x1234;
/// PCI device ID.
pub const DEVICE_ID: u16 = 0x11e8;

/// Device address of the internal buffer and its size.
pub const BUFFER_BASE: u64 = 0x4_0000;
/// Size of the internal buffer in bytes.
pub const BUFFER_SIZE: usize = 4096;
/// Bytes of the buffer the driver uses: all but the last (see the module
/// docs: QEMU 7.2's range check excludes the buffer's last byte).
pub const USABLE_BUFFER: usize = BUFFER_SIZE - 1;
/// The longest copy, split into buffer-sized chunks (QEMU runs each half
/// of a chunk 100 ms after its command, so this is about 3.4 s).
pub const MAX_COPY: usize = 64 * 1024;
/// Width of the device's DMA addresses under QEMU's default `dma_mask`.
pub const DEFAULT_DMA_ADDRESS_BITS: u8 = 28;

mod reg {
    pub(super) const IDENTIFICATION: usize = 0x00;
    pub(super) const LIVENESS: usize = 0x04;
    pub(super) const INTERRUPT_STATUS: usize = 0x24;
    pub(super) const INTERRUPT_ACK: usize = 0x64;
    pub(super) const DMA_SOURCE: usize = 0x80;
    pub(super) const DMA_DESTINATION: usize = 0x88;
    pub(super) const DMA_COUNT: usize = 0x90;
    pub(super) const DMA_COMMAND: usize = 0x98;
}
const COMMAND_START: u64 = 1 << 0;
const COMMAND_TO_RAM: u64 = 1 << 1;
const COMMAND_INTERRUPT: u64 = 1 << 2;
/// The interrupt-status bit a finished DMA command raises.
const INTERRUPT_DMA: u32 = 0x100;

/// Access to the device's BAR0 registers by offset.
pub trait EduRegisters {
    /// Reads the 32-bit register at `offset`.
    fn read32(&self, offset: usize) -> u32;
    /// Writes the 32-bit register at `offset`.
    fn write32(&self, offset: usize, value: u32);
    /// Reads the 64-bit register at `offset`.
    fn read64(&self, offset: usize) -> u64;
    /// Writes the 64-bit register at `offset`.
    fn write64(&self, offset: usize, value: u64);
}

/// BAR0 in device memory.
#[derive(Debug)]
pub struct EduMmio {
    base: usize,
}

/// Bytes of BAR0 the driver touches.
const REGISTER_WINDOW: usize = 0x100;

impl EduMmio {
    /// BAR0 mapped at `base`.
    ///
    /// # Safety
    ///
    /// `base .. base + 0x100` is the edu's BAR0, mapped as Device memory
    /// for the value's lifetime, and nothing else drives the device.
    pub const unsafe fn new(base: usize) -> Self {
        Self { base }
    }

    fn address(&self, offset: usize, width: usize) -> Option<usize> {
        (offset.is_multiple_of(width) && offset + width <= REGISTER_WINDOW)
            .then(|| self.base + offset)
    }
}

impl EduRegisters for EduMmio {
    fn read32(&self, offset: usize) -> u32 {
        // SAFETY: `new`'s contract; `address` checked bounds/alignment.
        self.address(offset, 4)
            .map_or(0, |a| unsafe { (a as *const u32).read_volatile() })
    }
    fn write32(&self, offset: usize, value: u32) {
        if let Some(a) = self.address(offset, 4) {
            // SAFETY: as in `read32`.
            unsafe { (a as *mut u32).write_volatile(value) }
        }
    }
    fn read64(&self, offset: usize) -> u64 {
        // SAFETY: as in `read32`.
        self.address(offset, 8)
            .map_or(0, |a| unsafe { (a as *const u64).read_volatile() })
    }
    fn write64(&self, offset: usize, value: u64) {
        if let Some(a) = self.address(offset, 8) {
            // SAFETY: as in `read32`.
            unsafe { (a as *mut u64).write_volatile(value) }
        }
    }
}

/// One device transfer, validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transfer {
    source: u64,
    destination: u64,
    count: u64,
    command: u64,
}

/// Checks a RAM-side range: inside a DMA mask of `address_bits`, not
/// wrapping.
fn check_ram(address: u64, len: usize, address_bits: u8) -> Result<(), ErrorCode> {
    let end = address.checked_add(len as u64).ok_or(ErrorCode::Inval)?;
    if u128::from(end) > 1u128 << address_bits.min(64) {
        return Err(ErrorCode::Inval);
    }
    Ok(())
}

/// Checks a buffer-side range given as an offset into the 4 KiB buffer.
fn check_buffer(offset: usize, len: usize) -> Result<(), ErrorCode> {
    match offset.checked_add(len) {
        Some(end) if end <= USABLE_BUFFER => Ok(()),
        _ => Err(ErrorCode::Inval),
    }
}

fn check_len(len: usize) -> Result<(), ErrorCode> {
    if len == 0 || len > USABLE_BUFFER {
        Err(ErrorCode::Size)
    } else {
        Ok(())
    }
}

impl Transfer {
    /// RAM at device address `ram` -> buffer at `offset`, `len` bytes, for
    /// a device with `address_bits`-bit DMA addresses.
    pub fn to_device(
        ram: u64,
        offset: usize,
        len: usize,
        address_bits: u8,
    ) -> Result<Self, ErrorCode> {
        check_len(len)?;
        check_ram(ram, len, address_bits)?;
        check_buffer(offset, len)?;
        Ok(Self {
            source: ram,
            destination: BUFFER_BASE + offset as u64,
            count: len as u64,
            command: COMMAND_START,
        })
    }

    /// Buffer at `offset` -> RAM at device address `ram`, `len` bytes, for
    /// a device with `address_bits`-bit DMA addresses.
    pub fn to_ram(
        offset: usize,
        ram: u64,
        len: usize,
        address_bits: u8,
    ) -> Result<Self, ErrorCode> {
        check_len(len)?;
        check_ram(ram, len, address_bits)?;
        check_buffer(offset, len)?;
        Ok(Self {
            source: BUFFER_BASE + offset as u64,
            destination: ram,
            count: len as u64,
            command: COMMAND_START | COMMAND_TO_RAM,
        })
    }
}

/// A copy in progress: `done` bytes of `len` have arrived; the current
/// chunk is `chunk` bytes from `source + done` to `destination + done`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Copy {
    source: u64,
    destination: u64,
    len: usize,
    done: usize,
    chunk: usize,
}

/// Where a copy is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Idle,
    /// The chunk's RAM -> buffer half is running.
    Reading(Copy),
    /// The chunk's buffer -> RAM half is running.
    Writing(Copy),
}

/// The edu device as a DMA engine.
pub struct Edu<'a, R: EduRegisters> {
    regs: R,
    phase: Cell<Phase>,
    client: Cell<Option<&'a dyn DmaClient>>,
    /// Register reads a bounded wait may spend.
    poll_limit: u32,
    /// Width of the device's DMA addresses (its `dma_mask`).
    address_bits: u8,
    /// Commands ask for a completion interrupt.
    interrupts: Cell<bool>,
}

impl<'a, R: EduRegisters> Edu<'a, R> {
    /// The device behind `regs` (BAR0 assigned, memory and bus master
    /// enabled), whose DMA mask is `address_bits` wide (QEMU's `dma_mask`
    /// property; [`DEFAULT_DMA_ADDRESS_BITS`] unless the machine sets it).
    /// `poll_limit` bounds [`Edu::wait_idle`].
    pub fn new(regs: R, poll_limit: u32, address_bits: u8) -> Self {
        Self {
            regs,
            phase: Cell::new(Phase::Idle),
            client: Cell::new(None),
            poll_limit,
            address_bits: address_bits.min(64),
            interrupts: Cell::new(false),
        }
    }

    /// From now on every command raises the device's interrupt when it
    /// finishes; the board routes it to [`Edu::handle_interrupt`].
    pub fn enable_completion_interrupt(&self) {
        self.interrupts.set(true);
    }

    /// The interrupt's bottom half: acknowledges what the device raised
    /// (which lowers its level-sensitive INTx) and advances the copy.
    pub fn handle_interrupt(&self) {
        let status = self.regs.read32(reg::INTERRUPT_STATUS);
        if status != 0 {
            self.regs.write32(reg::INTERRUPT_ACK, status);
        }
        if status & INTERRUPT_DMA != 0 {
            self.poll();
        }
    }

    /// The identification register (`0xRRrr00ed`: major, minor revision).
    pub fn identification(&self) -> u32 {
        self.regs.read32(reg::IDENTIFICATION)
    }

    /// Whether the device answers: the identification's low byte is 0xed
    /// and the liveness register inverts `probe`.
    pub fn is_alive(&self, probe: u32) -> bool {
        self.regs.write32(reg::LIVENESS, probe);
        self.identification() & 0xff == 0xed && self.regs.read32(reg::LIVENESS) == !probe
    }

    /// Whether the DMA engine is running (command bit 0).
    pub fn is_busy(&self) -> bool {
        self.regs.read64(reg::DMA_COMMAND) & COMMAND_START != 0
    }

    /// Programs and starts one validated transfer. The caller must know
    /// the engine is idle (the device ignores a command while busy).
    fn start(&self, transfer: &Transfer) {
        let interrupt = if self.interrupts.get() {
            COMMAND_INTERRUPT
        } else {
            0
        };
        self.regs.write64(reg::DMA_SOURCE, transfer.source);
        self.regs
            .write64(reg::DMA_DESTINATION, transfer.destination);
        self.regs.write64(reg::DMA_COUNT, transfer.count);
        self.regs
            .write64(reg::DMA_COMMAND, transfer.command | interrupt);
    }

    /// Starts one raw device transfer (no completion callback; see
    /// [`Edu::wait_idle`]). `BUSY` if anything is running.
    pub fn start_transfer(&self, transfer: &Transfer) -> Result<(), ErrorCode> {
        if self.phase.get() != Phase::Idle || self.is_busy() {
            return Err(ErrorCode::Busy);
        }
        self.start(transfer);
        Ok(())
    }

    /// Waits (at most `poll_limit` register reads) for the engine to stop.
    pub fn wait_idle(&self) -> Result<(), ErrorCode> {
        for _ in 0..self.poll_limit {
            if !self.is_busy() {
                return Ok(());
            }
            core::hint::spin_loop();
        }
        Err(ErrorCode::Fail)
    }

    /// Advances a copy: starts the next half or chunk, or reports its end.
    /// Called by the interrupt's bottom half, or by a caller that polls.
    pub fn poll(&self) {
        if self.is_busy() {
            return;
        }
        match self.phase.get() {
            Phase::Idle => {}
            Phase::Reading(copy) => {
                let destination = copy.destination + copy.done as u64;
                // In range: the whole copy was validated in `copy`.
                match Transfer::to_ram(0, destination, copy.chunk, self.address_bits) {
                    Ok(transfer) => {
                        self.phase.set(Phase::Writing(copy));
                        self.start(&transfer);
                    }
                    Err(error) => self.finish(copy.done, Err(error)),
                }
            }
            Phase::Writing(copy) => {
                let done = copy.done + copy.chunk;
                if done == copy.len {
                    self.finish(done, Ok(()));
                } else {
                    self.start_chunk(Copy { done, ..copy });
                }
            }
        }
    }

    /// Starts the RAM -> buffer half of the chunk at `copy.done`.
    fn start_chunk(&self, copy: Copy) {
        let chunk = (copy.len - copy.done).min(USABLE_BUFFER);
        let source = copy.source + copy.done as u64;
        match Transfer::to_device(source, 0, chunk, self.address_bits) {
            Ok(transfer) => {
                self.phase.set(Phase::Reading(Copy { chunk, ..copy }));
                self.start(&transfer);
            }
            Err(error) => self.finish(copy.done, Err(error)),
        }
    }

    fn finish(&self, len: usize, result: Result<(), ErrorCode>) {
        self.phase.set(Phase::Idle);
        if let Some(client) = self.client.get() {
            client.transfer_done(len, result);
        }
    }
}

impl<'a, R: EduRegisters> DmaEngine<'a> for Edu<'a, R> {
    fn set_client(&self, client: &'a dyn DmaClient) {
        self.client.set(Some(client));
    }

    fn dma_address_bits(&self) -> u8 {
        self.address_bits
    }

    fn max_transfer(&self) -> usize {
        MAX_COPY
    }

    fn copy(&self, src: u64, dst: u64, len: usize) -> Result<(), ErrorCode> {
        if len == 0 || len > MAX_COPY {
            return Err(ErrorCode::Size);
        }
        check_ram(src, len, self.address_bits)?;
        check_ram(dst, len, self.address_bits)?;
        if self.phase.get() != Phase::Idle || self.is_busy() {
            return Err(ErrorCode::Busy);
        }
        self.start_chunk(Copy {
            source: src,
            destination: dst,
            len,
            done: 0,
            chunk: 0,
        });
        Ok(())
    }

    fn cancel(&self) -> Result<(), ErrorCode> {
        // The device cannot abort a running transfer: stop issuing new ones
        // and wait for the current one to end.
        let phase = self.phase.replace(Phase::Idle);
        self.wait_idle()?;
        if let Phase::Reading(copy) | Phase::Writing(copy) = phase
            && let Some(client) = self.client.get()
        {
            client.transfer_done(copy.done, Err(ErrorCode::Cancel));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use core::cell::RefCell;
    use std::vec::Vec;

    /// Records writes; the engine stays busy for `busy_reads` reads of the
    /// command register after a start.
    #[derive(Default)]
    struct FakeEdu {
        writes: RefCell<Vec<(usize, u64)>>,
        busy_reads: Cell<u32>,
        busy_after_start: u32,
        liveness: Cell<u32>,
        /// The interrupt status register (set by the test, cleared by
        /// acknowledgements).
        status: Cell<u32>,
    }

    impl EduRegisters for &FakeEdu {
        fn read32(&self, offset: usize) -> u32 {
            match offset {
                reg::IDENTIFICATION => 0x0100_00ed,
                reg::LIVENESS => !self.liveness.get(),
                reg::INTERRUPT_STATUS => self.status.get(),
                _ => 0,
            }
        }
        fn write32(&self, offset: usize, value: u32) {
            match offset {
                reg::LIVENESS => self.liveness.set(value),
                reg::INTERRUPT_ACK => self.status.set(self.status.get() & !value),
                _ => {}
            }
        }
        fn read64(&self, offset: usize) -> u64 {
            if offset == reg::DMA_COMMAND && self.busy_reads.get() > 0 {
                self.busy_reads.set(self.busy_reads.get() - 1);
                return COMMAND_START;
            }
            0
        }
        fn write64(&self, offset: usize, value: u64) {
            self.writes.borrow_mut().push((offset, value));
            if offset == reg::DMA_COMMAND {
                self.busy_reads.set(self.busy_after_start);
            }
        }
    }

    struct Client(Cell<Option<(usize, Result<(), ErrorCode>)>>);
    impl DmaClient for Client {
        fn transfer_done(&self, len: usize, result: Result<(), ErrorCode>) {
            self.0.set(Some((len, result)));
        }
    }

    #[test]
    fn refuses_bad_requests_without_touching_the_device() {
        let fake = FakeEdu::default();
        let edu = Edu::new(&fake, 10, DEFAULT_DMA_ADDRESS_BITS);
        let top = 1u64 << 28;
        let refused = [
            (0x1000, 0x2000, 0, ErrorCode::Size),
            (0x1000, 0x2000, MAX_COPY + 1, ErrorCode::Size),
            (top - 0x800, 0x2000, 0xfff, ErrorCode::Inval),
            (0x1000, top - 0x800, 0xfff, ErrorCode::Inval),
            (0x1000, top, 1, ErrorCode::Inval),
            (u64::MAX - 2, 0x2000, 16, ErrorCode::Inval),
            (1 << 40, 0x2000, 16, ErrorCode::Inval),
        ];
        for (src, dst, len, error) in refused {
            assert_eq!(
                edu.copy(src, dst, len),
                Err(error),
                "{src:#x} {dst:#x} {len}"
            );
        }
        assert!(fake.writes.borrow().is_empty());
        // Buffer-side windows: offset + len past the usable 4095 bytes.
        assert_eq!(
            Transfer::to_device(0x1000, 4000, 100, 28),
            Err(ErrorCode::Inval)
        );
        assert_eq!(
            Transfer::to_ram(usize::MAX, 0x1000, 2, 28),
            Err(ErrorCode::Inval)
        );
        // The largest legal request ends exactly at both limits.
        assert!(Transfer::to_ram(0, top - 4095, 4095, 28).is_ok());
        assert_eq!(
            Transfer::to_ram(1, top - 4095, 4095, 28),
            Err(ErrorCode::Inval)
        );
        // A wider mask moves the limit, and only that.
        assert!(Transfer::to_ram(0, top, 16, 32).is_ok());
        assert_eq!(
            Transfer::to_ram(0, (1 << 32) - 8, 16, 32),
            Err(ErrorCode::Inval)
        );
        assert!(Transfer::to_device(u64::MAX - 16, 0, 16, 64).is_ok());
    }

    #[test]
    fn copy_runs_both_halves_then_reports() {
        let fake = FakeEdu {
            busy_after_start: 2,
            ..FakeEdu::default()
        };
        let edu = Edu::new(&fake, 10, DEFAULT_DMA_ADDRESS_BITS);
        let client = Client(Cell::new(None));
        edu.set_client(&client);
        assert!(edu.is_alive(0x1234_5678));
        edu.copy(0x10_0000, 0x20_0000, 256).unwrap();
        assert_eq!(edu.copy(0, 0, 1), Err(ErrorCode::Busy));
        for _ in 0..10 {
            edu.poll();
        }
        assert_eq!(client.0.get(), Some((256, Ok(()))));
        assert_eq!(
            *fake.writes.borrow(),
            [
                (reg::DMA_SOURCE, 0x10_0000),
                (reg::DMA_DESTINATION, BUFFER_BASE),
                (reg::DMA_COUNT, 256),
                (reg::DMA_COMMAND, 1),
                (reg::DMA_SOURCE, BUFFER_BASE),
                (reg::DMA_DESTINATION, 0x20_0000),
                (reg::DMA_COUNT, 256),
                (reg::DMA_COMMAND, 3),
            ]
        );
    }

    #[test]
    fn cancel_waits_and_reports_or_fails_when_stuck() {
        let fake = FakeEdu {
            busy_after_start: 3,
            ..FakeEdu::default()
        };
        let edu = Edu::new(&fake, 10, DEFAULT_DMA_ADDRESS_BITS);
        let client = Client(Cell::new(None));
        edu.set_client(&client);
        edu.copy(0x1000, 0x2000, 64).unwrap();
        assert_eq!(edu.cancel(), Ok(()));
        assert_eq!(client.0.get(), Some((0, Err(ErrorCode::Cancel))));
        // The second half never starts.
        edu.poll();
        assert_eq!(fake.writes.borrow().len(), 4);

        let stuck = FakeEdu {
            busy_after_start: 1000,
            ..FakeEdu::default()
        };
        let edu = Edu::new(&stuck, 10, DEFAULT_DMA_ADDRESS_BITS);
        edu.copy(0x1000, 0x2000, 64).unwrap();
        assert_eq!(edu.cancel(), Err(ErrorCode::Fail));
    }

    #[test]
    fn interrupt_completion_acknowledges_and_advances() {
        let fake = FakeEdu::default();
        let edu = Edu::new(&fake, 10, 32);
        let client = Client(Cell::new(None));
        edu.set_client(&client);
        edu.enable_completion_interrupt();
        edu.copy(0x9000_0000, 0x9000_1000, 4095).unwrap();
        // An interrupt that is not the DMA's (or spurious) changes nothing.
        fake.status.set(0x1);
        edu.handle_interrupt();
        assert_eq!(fake.status.get(), 0);
        assert_eq!(fake.writes.borrow().len(), 4);
        fake.status.set(INTERRUPT_DMA);
        edu.handle_interrupt();
        assert_eq!(fake.status.get(), 0, "the interrupt was not acknowledged");
        assert_eq!(client.0.get(), None);
        fake.status.set(INTERRUPT_DMA);
        edu.handle_interrupt();
        assert_eq!(client.0.get(), Some((4095, Ok(()))));
        let commands: Vec<u64> = fake
            .writes
            .borrow()
            .iter()
            .filter(|(offset, _)| *offset == reg::DMA_COMMAND)
            .map(|(_, value)| *value)
            .collect();
        // Both halves ask for the completion interrupt (bit 2).
        assert_eq!(commands, [0b101, 0b111]);
    }

    #[test]
    fn a_long_copy_goes_through_the_buffer_in_chunks() {
        let fake = FakeEdu {
            busy_after_start: 1,
            ..FakeEdu::default()
        };
        let edu = Edu::new(&fake, 10, 32);
        let client = Client(Cell::new(None));
        edu.set_client(&client);
        // Validated as a whole: a tail past the mask refuses the copy.
        assert_eq!(
            edu.copy(0x1000, (1 << 32) - 10_000, 10_001),
            Err(ErrorCode::Inval)
        );
        assert!(fake.writes.borrow().is_empty());
        edu.copy(0x10_0000, 0x20_0000, 10_000).unwrap();
        for _ in 0..20 {
            edu.poll();
        }
        assert_eq!(client.0.get(), Some((10_000, Ok(()))));
        let transfers: Vec<(u64, u64, u64)> = fake
            .writes
            .borrow()
            .chunks(4)
            .map(|w| (w[0].1, w[1].1, w[2].1))
            .collect();
        let b = BUFFER_BASE;
        assert_eq!(
            transfers,
            [
                (0x10_0000, b, 4095),
                (b, 0x20_0000, 4095),
                (0x10_0000 + 4095, b, 4095),
                (b, 0x20_0000 + 4095, 4095),
                (0x10_0000 + 8190, b, 1810),
                (b, 0x20_0000 + 8190, 1810),
            ]
        );
    }

    #[test]
    fn cancel_between_chunks_reports_what_arrived() {
        let fake = FakeEdu::default();
        let edu = Edu::new(&fake, 10, 32);
        let client = Client(Cell::new(None));
        edu.set_client(&client);
        edu.copy(0x10_0000, 0x20_0000, 9000).unwrap();
        edu.poll(); // first chunk's second half
        edu.poll(); // second chunk's first half
        assert_eq!(edu.cancel(), Ok(()));
        assert_eq!(client.0.get(), Some((4095, Err(ErrorCode::Cancel))));
        edu.poll();
        assert_eq!(fake.writes.borrow().len(), 12, "nothing after the cancel");
    }
}
