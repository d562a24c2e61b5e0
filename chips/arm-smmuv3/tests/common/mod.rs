// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! A small register model of an SMMUv3 for host tests: CR0ACK follows CR0
//! and IRQ_CTRLACK follows IRQ_CTRL (unless told not to),
//! GBPA updates complete at once, the command queue is consumed on every
//! CMDQ_PROD write (commands are recorded), and failure modes can be
//! injected (a queue that never consumes, an illegal-command error). Host
//! memory stands in for the SMMU's memory (bus address = host address).

#![allow(dead_code, unreachable_pub)]

use std::cell::RefCell;
use std::ptr::NonNull;

use arm_smmuv3::{DmaRegion, RegisterIo, SmmuMemory, SmmuV3};

/// QEMU 7.2's identification values (see capabilities.rs).
pub const IDR0: u32 = 0b10 | 0b10 << 2 | 1 << 4 | 1 << 12 | 2 << 21 | 1 << 24 | 1 << 26 | 1 << 27;
pub const IDR1: u32 = 16 | 19 << 16 | 19 << 21;
pub const IDR5: u32 = 4 | 1 << 4 | 1 << 6;

#[derive(Default)]
pub struct State {
    pub regs: std::collections::BTreeMap<usize, u64>,
    pub consumed: Vec<[u64; 2]>,
    /// Do not consume commands (a wedged SMMU).
    pub stall: bool,
    /// Reject the next command with this CMDQ_CONS.ERR code.
    pub reject: Option<u32>,
    /// Never acknowledge IRQ_CTRL writes.
    pub irq_ack_stuck: bool,
}

#[derive(Default)]
pub struct Model(pub RefCell<State>);

impl Model {
    pub fn reg(&self, offset: usize) -> u64 {
        *self.0.borrow().regs.get(&offset).unwrap_or(&0)
    }

    pub fn opcodes(&self) -> Vec<u8> {
        self.0
            .borrow()
            .consumed
            .iter()
            .map(|c| c[0] as u8)
            .collect()
    }

    fn consume(&self) {
        let mut s = self.0.borrow_mut();
        if s.stall || s.regs.get(&0x20).copied().unwrap_or(0) & 0b1000 == 0 {
            return;
        }
        let base_reg = s.regs[&0x90];
        let log2 = (base_reg & 0x1f) as u32;
        let base = (base_reg & 0x000f_ffff_ffff_ffe0) as usize;
        let mask = (1u64 << (log2 + 1)) - 1;
        let prod = s.regs[&0x98] & mask;
        let mut cons = s.regs.get(&0x9c).copied().unwrap_or(0) & mask;
        let gerror_pending =
            (s.regs.get(&0x60).copied().unwrap_or(0) ^ s.regs.get(&0x64).copied().unwrap_or(0)) & 1
                != 0;
        while cons != prod && !gerror_pending {
            let slot = (cons & ((1 << log2) - 1)) as usize;
            // SAFETY: the driver's command queue is host memory whose
            // "bus address" is its host address, alive for the test.
            let words = unsafe {
                let ptr = (base + slot * 16) as *const u64;
                [ptr.read_volatile(), ptr.add(1).read_volatile()]
            };
            if let Some(code) = s.reject.take() {
                s.regs.insert(0x9c, cons | u64::from(code) << 24);
                let g = s.regs.get(&0x60).copied().unwrap_or(0) ^ 1;
                s.regs.insert(0x60, g);
                return;
            }
            s.consumed.push(words);
            cons = (cons + 1) & mask;
        }
        s.regs.insert(0x9c, cons);
    }
}

impl RegisterIo for &Model {
    fn read32(&self, offset: usize) -> u32 {
        match offset {
            0x00 => IDR0,
            0x04 => IDR1,
            0x14 => IDR5,
            0x44 => (self.reg(0x44) as u32) & !(1 << 31), // GBPA.UPDATE completes at once
            _ => self.reg(offset) as u32,
        }
    }
    fn write32(&self, offset: usize, value: u32) {
        self.0.borrow_mut().regs.insert(offset, value.into());
        match offset {
            0x20 => {
                self.0.borrow_mut().regs.insert(0x24, value.into());
                self.consume();
            }
            0x50 if !self.0.borrow().irq_ack_stuck => {
                self.0.borrow_mut().regs.insert(0x54, value.into());
            }
            0x98 => self.consume(),
            0x64 => self.consume(),
            _ => {}
        }
    }
    fn read64(&self, offset: usize) -> u64 {
        self.reg(offset)
    }
    fn write64(&self, offset: usize, value: u64) {
        self.0.borrow_mut().regs.insert(offset, value);
    }
}

/// Naturally aligned host memory for the SMMU's structures.
#[repr(C, align(16384))]
pub struct Memory {
    pub stream_table: [u64; 256 * 8],
    pub contexts: [u64; 256 * 8],
    pub cmdq: [u64; 64],
    pub pad: [u64; 448],
    pub evtq: [u64; 128],
}

fn region(words: &mut [u64]) -> DmaRegion {
    let ptr = NonNull::new(words.as_mut_ptr()).unwrap();
    // SAFETY: test memory owned by a leaked box: lives for the process,
    // used only by this driver and the model; bus address = host address.
    unsafe { DmaRegion::new(ptr, ptr.as_ptr() as u64, words.len() * 8) }
}

pub fn smmu(model: &Model) -> (SmmuV3<&Model>, &'static mut Memory) {
    let memory: &'static mut Memory = Box::leak(Box::new(Memory {
        stream_table: [0; 2048],
        contexts: [0; 2048],
        cmdq: [0; 64],
        pad: [0; 448],
        evtq: [0; 128],
    }));
    let raw: *mut Memory = memory;
    // SAFETY: the regions are disjoint fields; the returned reference is
    // only used to inspect memory between driver calls.
    let regions = unsafe {
        SmmuMemory {
            stream_table: region(&mut (*raw).stream_table),
            contexts: region(&mut (*raw).contexts),
            command_queue: region(&mut (*raw).cmdq),
            event_queue: region(&mut (*raw).evtq),
        }
    };
    let smmu = SmmuV3::probe(model, regions, 1000).unwrap();
    // SAFETY: see above.
    (smmu, unsafe { &mut *raw })
}
