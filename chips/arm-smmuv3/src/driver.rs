// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The SMMUv3 itself: probe, reset and enable, stream attachment, command
//! submission with a bounded CMD_SYNC wait, TLB invalidation and event
//! queue draining.

use io_pgtable::{ContextRegs, Format, Granule, HwConfig, Stage, TlbGather};
use tock_registers::LocalRegisterCopy;

use crate::capabilities::Capabilities;
use crate::command::Command;
use crate::descriptors::{self, DESCRIPTOR_BYTES, StreamConfig};
use crate::error::{ProbeError, SmmuError};
use crate::event::{EVENT_BYTES, Event};
use crate::io::RegisterIo;
use crate::memory::{self, SmmuMemory};
use crate::queue::QueueIndex;
use crate::registers::*;

/// Size of a command queue entry (IHI 0070 §4.1).
const COMMAND_BYTES: usize = 16;

/// Above this many pages an unmap invalidates the whole ASID instead of
/// page by page (one command per page otherwise).
const MAX_PAGE_INVALIDATIONS: u64 = 16;

/// Attributes the SMMU uses for its own table, queue and CD accesses:
/// write-back read/write-allocate (1), inner shareable (3). The driver
/// requires a coherent SMMU (IDR0.COHACC), so cacheable is right.
const WRITE_BACK: u8 = 1;
const INNER_SHAREABLE: u8 = 3;

/// What an event-queue drain found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Drained {
    /// Records handed to the callback.
    pub events: usize,
    /// The SMMU dropped records because the queue was full
    /// (EVENTQ_PROD.OVFLG toggled, §6.3.29).
    pub overflowed: bool,
}

/// An SMMUv3 driven through `R`.
#[derive(Debug)]
pub struct SmmuV3<R: RegisterIo> {
    io: R,
    caps: Capabilities,
    memory: SmmuMemory,
    streams: u32,
    stream_log2: u32,
    cmdq: QueueIndex,
    cmdq_prod: u32,
    evtq: QueueIndex,
    evtq_cons: u32,
    poll_limit: u32,
    /// A CMD_SYNC timed out: the queue state is unknown, nothing more is
    /// submitted and every maintenance operation fails.
    wedged: bool,
}

impl<R: RegisterIo> SmmuV3<R> {
    /// Reads the identification registers and checks them and `memory`
    /// against what this driver needs. Touches no control register.
    /// `poll_limit` bounds every wait (register reads per wait).
    pub fn probe(io: R, memory: SmmuMemory, poll_limit: u32) -> Result<Self, ProbeError> {
        let caps = Capabilities::decode(io.read32(IDR0), io.read32(IDR1), io.read32(IDR5))?;
        let streams_bytes = memory.stream_table.bytes();
        let cmdq_bytes = memory.command_queue.bytes();
        let evtq_bytes = memory.event_queue.bytes();
        let aligned = memory.stream_table.is_naturally_aligned(DESCRIPTOR_BYTES)
            && memory.contexts.bytes() >= streams_bytes
            && memory.contexts.is_naturally_aligned(DESCRIPTOR_BYTES)
            && memory.command_queue.is_naturally_aligned(2 * COMMAND_BYTES)
            && memory.event_queue.is_naturally_aligned(2 * EVENT_BYTES);
        if !aligned {
            return Err(ProbeError::BadMemory);
        }
        let stream_log2 = (streams_bytes / DESCRIPTOR_BYTES).trailing_zeros();
        let cmdq_log2 = (cmdq_bytes / COMMAND_BYTES).trailing_zeros();
        let evtq_log2 = (evtq_bytes / EVENT_BYTES).trailing_zeros();
        if stream_log2 > u32::from(caps.sid_bits)
            || cmdq_log2 > u32::from(caps.cmdq_log2)
            || evtq_log2 > u32::from(caps.eventq_log2)
        {
            return Err(ProbeError::TooSmall);
        }
        Ok(Self {
            io,
            caps,
            memory,
            streams: 1 << stream_log2,
            stream_log2,
            cmdq: QueueIndex::new(cmdq_log2),
            cmdq_prod: 0,
            evtq: QueueIndex::new(evtq_log2),
            evtq_cons: 0,
            poll_limit,
            wedged: false,
        })
    }

    /// What the hardware offers.
    pub fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    /// Stream IDs `0..streams()` have a stream table entry.
    pub fn streams(&self) -> u32 {
        self.streams
    }

    /// Resets the SMMU to a known state and enables it, in the order of
    /// IHI 0070 §3.3 / §6.3.9: translation off, GBPA set to abort (so
    /// nothing bypasses while disabled), every STE "abort", CR1/CR2, stream
    /// table and queue bases, command queue on, every cached configuration
    /// and TLB entry invalidated, event queue on, and finally SMMUEN.
    pub fn reset(&mut self) -> Result<(), SmmuError> {
        self.wedged = false;
        self.write_cr0(0)?;
        self.io
            .write32(GBPA, (GBPA_REG::ABORT::SET + GBPA_REG::UPDATE::SET).value);
        self.poll(|io| {
            !LocalRegisterCopy::<u32, GBPA_REG::Register>::new(io.read32(GBPA))
                .is_set(GBPA_REG::UPDATE)
        })?;

        for sid in 0..self.streams {
            self.write_ste(sid, &descriptors::ste_abort());
        }
        for index in 0..self.memory.contexts.bytes() / 8 {
            self.memory.contexts.write(index, 0);
        }
        for index in 0..self.memory.event_queue.bytes() / 8 {
            self.memory.event_queue.write(index, 0);
        }

        let attrs = CR1_REG::QUEUE_IC.val(WRITE_BACK.into())
            + CR1_REG::QUEUE_OC.val(WRITE_BACK.into())
            + CR1_REG::QUEUE_SH.val(INNER_SHAREABLE.into())
            + CR1_REG::TABLE_IC.val(WRITE_BACK.into())
            + CR1_REG::TABLE_OC.val(WRITE_BACK.into())
            + CR1_REG::TABLE_SH.val(INNER_SHAREABLE.into());
        self.io.write32(CR1, attrs.value);
        self.io.write32(CR2, CR2_REG::RECINVSID::SET.value);
        // Interrupts stay off until the board has somewhere to route them
        // (`enable_interrupts`); until then it polls (`drain_events`,
        // `global_errors`).
        self.io.write32(IRQ_CTRL, 0);

        self.io.write64(
            STRTAB_BASE,
            BASE_ALLOCATE_HINT | (self.memory.stream_table.phys() & BASE_ADDRESS_MASK & !0x3f),
        );
        self.io.write32(
            STRTAB_BASE_CFG,
            (STRTAB_BASE_CFG_REG::FMT.val(0) + STRTAB_BASE_CFG_REG::LOG2SIZE.val(self.stream_log2))
                .value,
        );
        self.io.write64(
            CMDQ_BASE,
            BASE_ALLOCATE_HINT
                | (self.memory.command_queue.phys() & BASE_ADDRESS_MASK)
                | u64::from(self.cmdq.entries().trailing_zeros()),
        );
        self.io.write32(CMDQ_PROD, 0);
        self.io.write32(CMDQ_CONS, 0);
        self.cmdq_prod = 0;
        self.io.write64(
            EVENTQ_BASE,
            BASE_ALLOCATE_HINT
                | (self.memory.event_queue.phys() & BASE_ADDRESS_MASK)
                | u64::from(self.evtq.entries().trailing_zeros()),
        );
        self.io.write32(EVENTQ_PROD, 0);
        self.io.write32(EVENTQ_CONS, 0);
        self.evtq_cons = 0;
        memory::publish();

        self.write_cr0(CR0_REG::CMDQEN::SET.value)?;
        self.submit(&[Command::CfgiAll, Command::TlbiNsnhAll])?;
        self.write_cr0((CR0_REG::CMDQEN::SET + CR0_REG::EVENTQEN::SET).value)?;
        self.write_cr0((CR0_REG::CMDQEN::SET + CR0_REG::EVENTQEN::SET + CR0_REG::SMMUEN::SET).value)
    }

    /// Whether translation is on (CR0ACK.SMMUEN).
    pub fn is_enabled(&self) -> bool {
        LocalRegisterCopy::<u32, CR0_REG::Register>::new(self.io.read32(CR0ACK))
            .is_set(CR0_REG::SMMUEN)
    }

    /// Routes stream `sid` through a stage-1 context walking the table
    /// described by `hw` (from `io_pgtable::IoPageTable::hw_config`), tagged
    /// `asid`. The stream must currently be unattached (its STE aborts).
    ///
    /// Order (IHI 0070 §3.21, "configuration structure update"): the CD is
    /// written while no valid STE points at it, CMD_CFGI_CD; stale TLB
    /// entries of `asid` are invalidated; then the STE's upper dwords, a
    /// barrier, and dword 0 (V/Config) last, followed by CMD_CFGI_STE and
    /// CMD_SYNC: when this returns, the stream translates.
    pub fn attach_stage1(&mut self, sid: u32, hw: &HwConfig, asid: u16) -> Result<(), SmmuError> {
        let regs = self.check_table(hw)?;
        match self.stream_config(sid)? {
            StreamConfig::Abort => {}
            StreamConfig::Stage1 => return Err(SmmuError::StreamBusy),
        }
        let cd = descriptors::cd_stage1(&regs, asid);
        let base = sid as usize * DESCRIPTOR_BYTES / 8;
        for (index, word) in cd.iter().enumerate() {
            self.memory.contexts.write(base + index, *word);
        }
        memory::publish();
        self.submit(&[Command::CfgiCd { sid }, Command::TlbiNhAsid { asid }])?;
        let cd_phys = self.memory.contexts.phys() + (sid as usize * DESCRIPTOR_BYTES) as u64;
        self.write_ste(
            sid,
            &descriptors::ste_stage1(cd_phys, WRITE_BACK, INNER_SHAREABLE),
        );
        self.submit(&[Command::CfgiSte { sid }])
    }

    /// Stops translating `sid`: its STE aborts again, the cached STE and
    /// every TLB entry of `asid` are invalidated and synced before return.
    pub fn detach(&mut self, sid: u32, asid: u16) -> Result<(), SmmuError> {
        match self.stream_config(sid)? {
            StreamConfig::Stage1 => {}
            StreamConfig::Abort => return Err(SmmuError::NotAttached),
        }
        self.write_ste(sid, &descriptors::ste_abort());
        self.submit(&[
            Command::CfgiSte { sid },
            Command::CfgiCd { sid },
            Command::TlbiNhAsid { asid },
        ])
    }

    /// Invalidates what `gather` (filled by an `io-pgtable` unmap) asks for
    /// in `asid` and waits for completion: by page (CMD_TLBI_NH_VA, leaf
    /// only unless a table was unlinked) for small ranges, the whole ASID
    /// (CMD_TLBI_NH_ASID) otherwise.
    pub fn invalidate(&mut self, asid: u16, gather: &TlbGather) -> Result<(), SmmuError> {
        if gather.is_empty() {
            return Ok(());
        }
        let granule = gather.granule().unwrap_or(4096).max(4096);
        let pages: u64 = gather
            .ranges()
            .iter()
            .map(|range| range.size / granule)
            .sum();
        if gather.flush_all() || pages > MAX_PAGE_INVALIDATIONS {
            return self.invalidate_asid(asid);
        }
        let leaf = !gather.tables_unlinked();
        let mut commands = [Command::Sync; MAX_PAGE_INVALIDATIONS as usize];
        let mut count = 0;
        for range in gather.ranges() {
            let mut iova = range.iova;
            while iova < range.iova + range.size {
                commands[count] = Command::TlbiNhVa { asid, iova, leaf };
                count += 1;
                iova += granule;
            }
        }
        self.submit(&commands[..count])
    }

    /// Invalidates every TLB entry of `asid` and waits for completion.
    pub fn invalidate_asid(&mut self, asid: u16) -> Result<(), SmmuError> {
        self.submit(&[Command::TlbiNhAsid { asid }])
    }

    /// Turns on the event-queue and global-error interrupts (wired lines;
    /// the MSI configuration registers stay zero) and waits for
    /// IRQ_CTRLACK to confirm (IHI 0070 §6.3.16, §6.3.17). The interrupts
    /// report new records and errors; servicing them is still
    /// `drain_events` and `global_errors`.
    pub fn enable_interrupts(&mut self) -> Result<(), SmmuError> {
        let value = IRQ_EVENTQ | IRQ_GERROR;
        self.io.write32(IRQ_CTRL, value);
        self.poll(|io| io.read32(IRQ_CTRLACK) == value)
    }

    /// Whether an event record is waiting, records were lost, or a global
    /// error is active: EVENTQ_PROD differs from our consumer index
    /// (including its overflow flag), or GERROR from GERRORN (IHI 0070
    /// §6.3.18, §6.3.27).
    pub fn events_pending(&self) -> bool {
        self.io.read32(EVENTQ_PROD) != self.evtq_cons
            || self.io.read32(GERROR) != self.io.read32(GERRORN)
    }

    /// Hands every pending event record to `handle` (oldest first) and
    /// frees its slot. Bounded: at most one queue's worth per call.
    pub fn drain_events(&mut self, mut handle: impl FnMut(Event)) -> Drained {
        let mut drained = Drained::default();
        let prod = self.io.read32(EVENTQ_PROD);
        // OVFLG (bit 31) differs from our OVACKFLG when records were lost.
        let overflow_flag = prod & (1 << 31);
        drained.overflowed = overflow_flag != self.evtq_cons & (1 << 31);
        memory::consume();
        let mut cons = self.evtq_cons & !(1 << 31);
        while !self.evtq.is_empty(prod, cons) && drained.events < self.evtq.entries() as usize {
            let base = self.evtq.slot(cons) * EVENT_BYTES / 8;
            let mut record = [0u64; 4];
            for (index, word) in record.iter_mut().enumerate() {
                *word = self.memory.event_queue.read(base + index).unwrap_or(0);
            }
            handle(Event::decode(&record));
            drained.events += 1;
            cons = self.evtq.next(cons);
        }
        self.evtq_cons = cons | overflow_flag;
        self.io.write32(EVENTQ_CONS, self.evtq_cons);
        drained
    }

    /// Active global errors (SMMU_GERROR bits that differ from GERRORN),
    /// acknowledged on return. Command-queue errors are handled by the
    /// submission path and reported there.
    pub fn global_errors(&mut self) -> u32 {
        let gerror = self.io.read32(GERROR);
        let active = gerror ^ self.io.read32(GERRORN);
        if active != 0 {
            self.io.write32(GERRORN, gerror);
        }
        active
    }

    /// Checks that `hw` describes a table this SMMU can walk.
    fn check_table(&self, hw: &HwConfig) -> Result<io_pgtable::LpaeS1Regs, SmmuError> {
        let granule = match hw.format {
            Format::Lpae64 {
                stage: Stage::S1,
                granule,
            } => granule,
            _ => return Err(SmmuError::UnsupportedTable),
        };
        let shift = match granule {
            Granule::K4 => 12,
            Granule::K16 => 14,
            Granule::K64 => 16,
        };
        let ContextRegs::LpaeS1(regs) = hw.regs else {
            return Err(SmmuError::UnsupportedTable);
        };
        if self.caps.granules & (1 << shift) == 0 || hw.oas > u32::from(self.caps.oas_bits) {
            return Err(SmmuError::UnsupportedTable);
        }
        Ok(regs)
    }

    /// The configuration of `sid`'s STE as this driver wrote it.
    fn stream_config(&self, sid: u32) -> Result<StreamConfig, SmmuError> {
        if sid >= self.streams {
            return Err(SmmuError::BadStream);
        }
        let word0 = self
            .memory
            .stream_table
            .read(sid as usize * DESCRIPTOR_BYTES / 8)
            .ok_or(SmmuError::BadStream)?;
        descriptors::ste_config(word0).ok_or(SmmuError::BadStream)
    }

    /// Writes an STE with dword 0 last, so the SMMU never sees a valid
    /// dword 0 with stale upper dwords (§3.21.3).
    fn write_ste(&mut self, sid: u32, ste: &descriptors::SteWords) {
        let base = sid as usize * DESCRIPTOR_BYTES / 8;
        for (index, word) in ste.iter().enumerate().skip(1) {
            self.memory.stream_table.write(base + index, *word);
        }
        memory::publish();
        self.memory.stream_table.write(base, ste[0]);
        memory::publish();
    }

    /// Writes CR0 and waits for CR0ACK to match (§6.3.9: updates take
    /// effect when acknowledged).
    fn write_cr0(&mut self, value: u32) -> Result<(), SmmuError> {
        memory::publish();
        self.io.write32(CR0, value);
        self.poll(|io| io.read32(CR0ACK) == value)
    }

    /// Polls `done` at most `poll_limit` times.
    fn poll(&self, done: impl Fn(&R) -> bool) -> Result<(), SmmuError> {
        for _ in 0..self.poll_limit {
            if done(&self.io) {
                return Ok(());
            }
            core::hint::spin_loop();
        }
        Err(SmmuError::AckTimeout)
    }

    /// Queues `commands` and a CMD_SYNC, rings the doorbell and waits until
    /// the SMMU consumed the sync (CMDQ_CONS reaches CMDQ_PROD), which
    /// means every command before it completed (§4.7.3). The queue is empty
    /// on entry (every submission waits), so a batch shorter than the queue
    /// always fits.
    fn submit(&mut self, commands: &[Command]) -> Result<(), SmmuError> {
        if self.wedged {
            return Err(SmmuError::SyncTimeout);
        }
        if commands.len() + 1 >= self.cmdq.entries() as usize {
            // Split long batches: each part is synced on its own.
            let half = commands.len() / 2;
            self.submit(&commands[..half])?;
            return self.submit(&commands[half..]);
        }
        for command in commands.iter().chain(core::iter::once(&Command::Sync)) {
            let words = command.encode();
            let base = self.cmdq.slot(self.cmdq_prod) * COMMAND_BYTES / 8;
            self.memory.command_queue.write(base, words[0]);
            self.memory.command_queue.write(base + 1, words[1]);
            self.cmdq_prod = self.cmdq.next(self.cmdq_prod);
        }
        memory::publish();
        self.io.write32(CMDQ_PROD, self.cmdq_prod);
        let mut error = None;
        for _ in 0..self.poll_limit {
            let cons = self.io.read32(CMDQ_CONS);
            if self.cmdq.is_empty(self.cmdq_prod, cons) {
                return match error {
                    Some(code) => Err(SmmuError::CommandError(code)),
                    None => Ok(()),
                };
            }
            let gerror = self.io.read32(GERROR);
            let gerrorn = self.io.read32(GERRORN);
            if (gerror ^ gerrorn) & GERROR_REG::CMDQ_ERR::SET.value != 0 {
                // §7.1: the SMMU stopped at the bad command (CONS). Replace it
                // with a CMD_SYNC, acknowledge, and let the queue drain; the
                // caller learns the error code.
                let code = LocalRegisterCopy::<u32, CMDQ_CONS_REG::Register>::new(cons)
                    .read(CMDQ_CONS_REG::ERR) as u8;
                error = Some(code);
                let base = self.cmdq.slot(cons) * COMMAND_BYTES / 8;
                let sync = Command::Sync.encode();
                self.memory.command_queue.write(base, sync[0]);
                self.memory.command_queue.write(base + 1, sync[1]);
                memory::publish();
                self.io
                    .write32(GERRORN, gerrorn ^ GERROR_REG::CMDQ_ERR::SET.value);
            }
            core::hint::spin_loop();
        }
        self.wedged = true;
        Err(SmmuError::SyncTimeout)
    }
}
