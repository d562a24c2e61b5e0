// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The driver against the register model in `common` (see there).

mod common;

use std::ptr::NonNull;

use arm_smmuv3::{
    DmaRegion, EventType, ProbeError, SmmuError, SmmuMemory, SmmuV3, Stage1Domain, StreamConfig,
    ste_config,
};
use common::{Model, smmu};
use io_pgtable::test_support::ArenaAllocator;
use io_pgtable::{CoherentWalk, Config, Format, Granule, Prot, Stage};

fn domain() -> Stage1Domain<ArenaAllocator, CoherentWalk> {
    let config = Config::new(
        Format::Lpae64 {
            stage: Stage::S1,
            granule: Granule::K4,
        },
        28,
        44,
    );
    Stage1Domain::new(config, ArenaAllocator::lpae(), CoherentWalk, 3).unwrap()
}

#[test]
fn reset_aborts_every_stream_and_enables_last() {
    let model = Model::default();
    let (mut smmu, memory) = smmu(&model);
    memory.stream_table[8 * 5] = 0xdead; // garbage from before the reset
    smmu.reset().unwrap();
    assert!(smmu.is_enabled());
    assert_eq!(model.reg(0x24), 0b1101); // SMMUEN | EVENTQEN | CMDQEN
    assert_eq!(model.reg(0x44) & (1 << 20), 1 << 20, "GBPA.ABORT");
    for sid in 0..smmu.streams() as usize {
        assert_eq!(
            ste_config(memory.stream_table[sid * 8]),
            Some(StreamConfig::Abort)
        );
    }
    // Linear format, 256 entries.
    assert_eq!(model.reg(0x88), 8);
    // CFGI_ALL, TLBI_NSNH_ALL, SYNC.
    assert_eq!(model.opcodes(), vec![0x04, 0x30, 0x46]);
}

#[test]
fn attach_writes_cd_then_ste_with_invalidations() {
    let model = Model::default();
    let (mut smmu, memory) = smmu(&model);
    smmu.reset().unwrap();
    let domain = domain();
    model.0.borrow_mut().consumed.clear();
    smmu.attach_stage1(0x10, &domain.hw_config(), domain.asid())
        .unwrap();
    assert_eq!(model.opcodes(), vec![0x05, 0x11, 0x46, 0x03, 0x46]);
    let ste0 = memory.stream_table[0x10 * 8];
    assert_eq!(ste_config(ste0), Some(StreamConfig::Stage1));
    let cd_addr = memory.contexts.as_ptr() as u64 + 0x10 * 64;
    assert_eq!(ste0 & !0x3f, cd_addr);
    let cd0 = memory.contexts[0x10 * 8];
    assert_eq!(cd0 >> 48, 3, "ASID");
    assert_eq!(cd0 & 0x3f, 64 - 28, "T0SZ");
    assert_ne!(memory.contexts[0x10 * 8 + 1], 0, "TTB0");
    // Twice is refused; so are streams outside the table.
    assert_eq!(
        smmu.attach_stage1(0x10, &domain.hw_config(), 3),
        Err(SmmuError::StreamBusy)
    );
    assert_eq!(
        smmu.attach_stage1(256, &domain.hw_config(), 3),
        Err(SmmuError::BadStream)
    );
    smmu.detach(0x10, 3).unwrap();
    assert_eq!(
        ste_config(memory.stream_table[0x10 * 8]),
        Some(StreamConfig::Abort)
    );
    assert_eq!(smmu.detach(0x10, 3), Err(SmmuError::NotAttached));
}

#[test]
fn unmap_invalidates_each_page_before_returning() {
    let model = Model::default();
    let (mut smmu, _memory) = smmu(&model);
    smmu.reset().unwrap();
    let mut domain = domain();
    smmu.attach_stage1(1, &domain.hw_config(), domain.asid())
        .unwrap();
    domain
        .map(&mut smmu, 0x10_0000, 0x8000_0000, 0x2000, Prot::READ_WRITE)
        .unwrap();
    assert_eq!(domain.iova_to_phys(0x10_1008), Some(0x8000_1008));
    model.0.borrow_mut().consumed.clear();
    assert_eq!(domain.unmap(&mut smmu, 0x10_0000, 0x2000), Ok(0x2000));
    let consumed = model.0.borrow().consumed.clone();
    let vas: Vec<(u8, u64, u64)> = consumed
        .iter()
        .map(|c| (c[0] as u8, c[0] >> 48, c[1] & !0xfff))
        .collect();
    assert_eq!(
        vas,
        vec![(0x12, 3, 0x10_0000), (0x12, 3, 0x10_1000), (0x46, 0, 0)]
    );
    assert_eq!(domain.iova_to_phys(0x10_1008), None);
}

#[test]
fn a_sync_that_never_completes_is_a_typed_timeout_and_sticks() {
    let model = Model::default();
    let (mut smmu, _memory) = smmu(&model);
    smmu.reset().unwrap();
    let mut domain = domain();
    smmu.attach_stage1(1, &domain.hw_config(), domain.asid())
        .unwrap();
    domain
        .map(&mut smmu, 0x4000, 0x8000_0000, 0x1000, Prot::READ_WRITE)
        .unwrap();
    model.0.borrow_mut().stall = true;
    assert_eq!(
        domain.unmap(&mut smmu, 0x4000, 0x1000),
        Err(SmmuError::SyncTimeout)
    );
    // The domain and the SMMU stay failed even once the queue moves again.
    model.0.borrow_mut().stall = false;
    assert_eq!(
        domain.map(&mut smmu, 0x8000, 0x8000_0000, 0x1000, Prot::READ_WRITE),
        Err(SmmuError::SyncTimeout)
    );
    assert_eq!(smmu.invalidate_asid(1), Err(SmmuError::SyncTimeout));
}

#[test]
fn an_illegal_command_is_reported_and_skipped() {
    let model = Model::default();
    let (mut smmu, _memory) = smmu(&model);
    smmu.reset().unwrap();
    model.0.borrow_mut().reject = Some(1);
    assert_eq!(smmu.invalidate_asid(9), Err(SmmuError::CommandError(1)));
    // The bad command was replaced by a sync; the queue works again.
    smmu.invalidate_asid(9).unwrap();
    assert_eq!(model.opcodes().last(), Some(&0x46));
}

#[test]
fn events_are_drained_in_order_and_acknowledged() {
    let model = Model::default();
    let (mut smmu, memory) = smmu(&model);
    smmu.reset().unwrap();
    // The "SMMU" writes two records: a write translation fault and a
    // bad STE, then advances PROD to 2.
    memory.evtq[0..4].copy_from_slice(&[0x10_0000_0010, 0, 0x0bad_0000, 0]);
    memory.evtq[4..8].copy_from_slice(&[0x11_0000_0004, 0, 0, 0]);
    model.0.borrow_mut().regs.insert(0x1_00a8, 2);
    let mut seen = Vec::new();
    let drained = smmu.drain_events(|event| seen.push(event));
    assert_eq!(drained.events, 2);
    assert!(!drained.overflowed);
    assert_eq!(seen[0].kind, EventType::Translation);
    assert_eq!((seen[0].stream, seen[0].iova), (0x10, 0x0bad_0000));
    assert_eq!(seen[1].kind, EventType::BadSte);
    assert_eq!(model.reg(0x1_00ac), 2, "EVENTQ_CONS acknowledged");
    // Nothing new: nothing handed out.
    assert_eq!(smmu.drain_events(|_| panic!("no event pending")).events, 0);
    // Overflow flag toggled by the SMMU is reported once and acknowledged.
    model.0.borrow_mut().regs.insert(0x1_00a8, 2 | 1 << 31);
    assert!(smmu.drain_events(|_| {}).overflowed);
    assert!(!smmu.drain_events(|_| {}).overflowed);
}

#[test]
fn probe_refuses_misaligned_or_oversized_memory() {
    let model = Model::default();
    let mut words = vec![0u64; 4096];
    let aligned = words.as_mut_ptr() as usize;
    let misaligned = NonNull::new((aligned + 8) as *mut u64).unwrap();
    // SAFETY: host memory owned by `words`, alive for the test.
    let bad = unsafe {
        SmmuMemory {
            stream_table: DmaRegion::new(misaligned, misaligned.as_ptr() as u64, 4096),
            contexts: DmaRegion::new(misaligned, misaligned.as_ptr() as u64, 4096),
            command_queue: DmaRegion::new(misaligned, misaligned.as_ptr() as u64, 512),
            event_queue: DmaRegion::new(misaligned, misaligned.as_ptr() as u64, 1024),
        }
    };
    assert_eq!(
        SmmuV3::probe(&model, bad, 10).err(),
        Some(ProbeError::BadMemory)
    );
}

#[test]
fn interrupts_are_off_after_reset_and_enabled_only_when_acknowledged() {
    let model = Model::default();
    let (mut smmu, _memory) = smmu(&model);
    smmu.reset().unwrap();
    assert_eq!(model.reg(0x50), 0, "IRQ_CTRL: the kernel polls until told");
    smmu.enable_interrupts().unwrap();
    // EVENTQ_IRQEN | GERROR_IRQEN, acknowledged.
    assert_eq!(model.reg(0x50), 0b101);
    assert_eq!(model.reg(0x54), 0b101);

    let stuck = Model::default();
    let (mut smmu, _memory) = common::smmu(&stuck);
    smmu.reset().unwrap();
    stuck.0.borrow_mut().irq_ack_stuck = true;
    assert_eq!(smmu.enable_interrupts(), Err(SmmuError::AckTimeout));
}
