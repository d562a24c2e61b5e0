// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Test harness: the driver running against the `smmu-sim` behavioural
//! model, table pages allocated from the model's simulated physical memory,
//! and a fault client that records what it is told.
//!
//! Every test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::cell::{Cell, RefCell};
use std::ptr::NonNull;
use std::rc::Rc;

use arm_smmu::{ArmSmmu, Implementation, RegisterIo, SmmuConfig, SmmuIommu};
use io_pgtable::{CoherentWalk, PageAllocator, TablePage};
use kernel::hil::iommu::{DisableReason, DomainId, Fault, FaultClient};
use smmu_sim::{SimMemory, Smmu};

/// Context banks and stream entries the driver under test manages.
pub(crate) const CONTEXTS: usize = 16;
pub(crate) const STREAMS: usize = 48;

/// The model seen through the driver's register interface.
#[derive(Clone)]
pub(crate) struct SimIo(pub(crate) Rc<RefCell<Smmu>>);

impl RegisterIo for SimIo {
    fn read32(&self, offset: usize) -> u32 {
        self.0.borrow_mut().read32(offset as u64)
    }
    fn write32(&self, offset: usize, value: u32) {
        self.0.borrow_mut().write32(offset as u64, value);
    }
    fn read64(&self, offset: usize) -> u64 {
        self.0.borrow_mut().read64(offset as u64)
    }
    fn write64(&self, offset: usize, value: u64) {
        self.0.borrow_mut().write64(offset as u64, value);
    }
}

/// Table pages from the model's memory, below `limit` (4 GiB for v7s),
/// counting live pages and optionally refusing beyond a budget.
pub(crate) struct SimTables {
    memory: SimMemory,
    limit: u64,
    pub(crate) live: Rc<Cell<usize>>,
    budget: usize,
}

impl SimTables {
    pub(crate) fn new(memory: &SimMemory) -> Self {
        Self::with_budget(memory, usize::MAX)
    }

    pub(crate) fn with_budget(memory: &SimMemory, budget: usize) -> Self {
        Self {
            memory: memory.clone(),
            limit: 1 << 32,
            live: Rc::new(Cell::new(0)),
            budget,
        }
    }
}

// SAFETY: blocks come from `SimMemory::alloc` with alignment = size, are
// zeroed here, are not handed out again until freed, and `host_ptr` is the
// model's own PA -> host mapping, so the walker (the model) reads exactly
// what the CPU (the test) wrote.
unsafe impl PageAllocator for SimTables {
    fn alloc(&mut self, size: usize) -> Option<TablePage> {
        if self.live.get() >= self.budget {
            return None;
        }
        let phys = self.memory.alloc(size, size, self.limit).ok()?;
        self.memory.write_bytes(phys, &vec![0u8; size]).ok()?;
        let virt = NonNull::new(self.memory.host_ptr(phys)?)?;
        self.live.set(self.live.get() + 1);
        Some(TablePage { virt, phys })
    }

    unsafe fn free(&mut self, page: TablePage, size: usize) {
        self.memory
            .free(page.phys, size)
            .expect("freeing a block the model handed out");
        self.live.set(self.live.get() - 1);
    }

    fn phys_to_virt(&self, phys: u64) -> NonNull<u8> {
        NonNull::new(
            self.memory
                .host_ptr(phys)
                .expect("table address inside the model's memory"),
        )
        .expect("host pointers are never null")
    }
}

/// Remembers every fault and disable event.
#[derive(Default)]
pub(crate) struct Recorder {
    pub(crate) faults: RefCell<Vec<Fault>>,
    pub(crate) disabled: RefCell<Vec<(DomainId, DisableReason)>>,
    pub(crate) global_suppressed: Cell<usize>,
}

impl FaultClient for Recorder {
    fn fault(&self, fault: &Fault) {
        self.faults.borrow_mut().push(*fault);
    }
    fn domain_disabled(&self, domain: DomainId, reason: DisableReason) {
        self.disabled.borrow_mut().push((domain, reason));
    }
    fn global_faults_suppressed(&self) {
        self.global_suppressed.set(self.global_suppressed.get() + 1);
    }
}

pub(crate) type Driver<'a> = ArmSmmu<'a, SimIo, CONTEXTS, STREAMS>;
pub(crate) type Iommu<'a> = SmmuIommu<'a, SimIo, SimTables, CoherentWalk, CONTEXTS, STREAMS>;

/// A model configured like the ZynqMP MMU-500, with its memory.
pub(crate) fn model_with(config: smmu_sim::SmmuConfig) -> (Rc<RefCell<Smmu>>, SimMemory) {
    let memory = SimMemory::new();
    let smmu = Smmu::new(config, memory.clone()).expect("valid model configuration");
    (Rc::new(RefCell::new(smmu)), memory)
}

pub(crate) fn mmu500_model() -> (Rc<RefCell<Smmu>>, SimMemory) {
    model_with(smmu_sim::SmmuConfig::mmu500())
}

/// Driver configuration for `model`: its whole frame, MMU-500 programming.
pub(crate) fn driver_config(model: &Rc<RefCell<Smmu>>) -> SmmuConfig {
    SmmuConfig::new(
        Implementation::Mmu500,
        model.borrow().config().frame_size() as usize,
    )
}

/// Probes and resets the driver on `model`.
pub(crate) fn driver<'a>(model: &Rc<RefCell<Smmu>>) -> Driver<'a> {
    let smmu = Driver::probe(SimIo(model.clone()), driver_config(model)).expect("probe");
    smmu.reset().expect("reset");
    smmu
}

/// A physical buffer of `size` bytes in the model's memory, for mappings to
/// point at, aligned to the largest power of two <= `size` (at most 64 KiB).
pub(crate) fn buffer(memory: &SimMemory, size: usize) -> u64 {
    let align = (1usize << size.ilog2()).min(64 << 10);
    memory
        .alloc(size, align, u64::MAX)
        .expect("simulated memory for a DMA buffer")
}

/// One device transaction.
pub(crate) fn dma(
    model: &Rc<RefCell<Smmu>>,
    stream: u16,
    iova: u64,
    access: smmu_sim::Access,
) -> Result<u64, smmu_sim::Fault> {
    model.borrow_mut().transaction(stream, iova, access, false)
}
