// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! `hil::iommu::Iommu` on the SMMUv3, against the register model in
//! `common`: capacity and refusals, attach rules, strict unmap, sticky
//! failure after a sync timeout, and fault delivery from the event queue.

mod common;

use std::cell::RefCell;

use arm_smmuv3::SmmuV3Iommu;
use common::{Memory, Model, smmu};
use io_pgtable::CoherentWalk;
use io_pgtable::test_support::ArenaAllocator;
use kernel::ErrorCode;
use kernel::hil::iommu::{
    Access, DisableReason, DomainConfig, DomainId, Fault, FaultClient, FaultKind, Granule, Iommu,
    Protection, Stage, StreamId, StreamMatch, TableFormat,
};

type Smmu = SmmuV3Iommu<'static, &'static Model, ArenaAllocator, CoherentWalk, 2>;

const CONFIG: DomainConfig = DomainConfig {
    format: TableFormat::Lpae64(Granule::Size4K),
    stage: Stage::One,
    iova_bits: 32,
};

#[derive(Default)]
struct Client {
    faults: RefCell<Vec<Fault>>,
    disabled: RefCell<Vec<(DomainId, DisableReason)>>,
    suppressed: RefCell<usize>,
}

impl FaultClient for Client {
    fn fault(&self, fault: &Fault) {
        self.faults.borrow_mut().push(*fault);
    }
    fn domain_disabled(&self, domain: DomainId, reason: DisableReason) {
        self.disabled.borrow_mut().push((domain, reason));
    }
    fn global_faults_suppressed(&self) {
        *self.suppressed.borrow_mut() += 1;
    }
}

fn iommu() -> (
    &'static Model,
    &'static mut Memory,
    &'static Smmu,
    &'static Client,
) {
    let model: &'static Model = Box::leak(Box::default());
    let (mut driver, memory) = smmu(model);
    driver.reset().unwrap();
    let iommu: &'static Smmu = Box::leak(Box::new(SmmuV3Iommu::new(driver, CoherentWalk)));
    let client: &'static Client = Box::leak(Box::default());
    iommu.set_fault_client(client);
    (model, memory, iommu, client)
}

fn stream(id: u32) -> StreamMatch {
    StreamMatch::exact(StreamId::new(id))
}

#[test]
fn capacity_and_refused_configurations() {
    let (_, _, iommu, _) = iommu();
    assert_eq!(iommu.capacity().free_domains, 2);
    assert_eq!(
        iommu
            .page_sizes(TableFormat::Lpae64(Granule::Size4K))
            .smallest(),
        Some(4096)
    );
    // QEMU's model offers no 16K granule and no 32-bit formats.
    assert_eq!(
        iommu
            .page_sizes(TableFormat::Lpae64(Granule::Size16K))
            .bits(),
        0
    );
    assert_eq!(iommu.page_sizes(TableFormat::ShortDescriptor).bits(), 0);
    let refused = [
        DomainConfig {
            stage: Stage::Two,
            ..CONFIG
        },
        DomainConfig {
            format: TableFormat::Lpae32,
            ..CONFIG
        },
        DomainConfig {
            format: TableFormat::Lpae64(Granule::Size16K),
            ..CONFIG
        },
        DomainConfig {
            iova_bits: 60,
            ..CONFIG
        },
    ];
    for config in refused {
        assert_eq!(
            iommu.domain_alloc(&config, ArenaAllocator::lpae()),
            Err(ErrorCode::NoSupport)
        );
    }
    let a = iommu.domain_alloc(&CONFIG, ArenaAllocator::lpae()).unwrap();
    let b = iommu.domain_alloc(&CONFIG, ArenaAllocator::lpae()).unwrap();
    assert_ne!(a, b);
    assert_eq!(iommu.capacity().free_domains, 0);
    assert_eq!(
        iommu.domain_alloc(&CONFIG, ArenaAllocator::lpae()),
        Err(ErrorCode::NoMem)
    );
    let (sizes, bits) = iommu.domain_geometry(a).unwrap();
    assert_eq!((sizes.smallest(), bits), (Some(4096), 32));
    iommu.domain_free(a).unwrap();
    assert_eq!(iommu.domain_free(a), Err(ErrorCode::Inval));
    assert_eq!(iommu.capacity().free_domains, 1);
    // Table pages went back: the root table was freed with the domain.
    assert!(iommu.with_tables(b, |tables| tables.live_blocks()).unwrap() >= 1);
}

#[test]
fn attach_rules() {
    let (_, memory, iommu, _) = iommu();
    let a = iommu.domain_alloc(&CONFIG, ArenaAllocator::lpae()).unwrap();
    let b = iommu.domain_alloc(&CONFIG, ArenaAllocator::lpae()).unwrap();
    iommu.attach(a, stream(8)).unwrap();
    assert_eq!(iommu.attach(a, stream(8)), Err(ErrorCode::Already));
    assert_eq!(iommu.attach(b, stream(8)), Err(ErrorCode::Busy));
    assert_eq!(
        iommu.attach(b, StreamMatch::masked(StreamId::new(16), 1)),
        Err(ErrorCode::NoSupport)
    );
    assert_eq!(iommu.attach(b, stream(4096)), Err(ErrorCode::Inval));
    assert_eq!(memory.stream_table[8 * 8] & 0xf, 0xb, "STE: valid, stage-1");
    assert_eq!(iommu.detach(b, stream(8)), Err(ErrorCode::Inval));
    iommu.detach(a, stream(8)).unwrap();
    assert_eq!(memory.stream_table[8 * 8] & 0xf, 0x1, "STE: valid, abort");
    iommu.attach(b, stream(8)).unwrap();
    // Four streams per domain; the fifth is refused, nothing half-done.
    for sid in 9..12 {
        iommu.attach(b, stream(sid)).unwrap();
    }
    assert_eq!(iommu.attach(b, stream(12)), Err(ErrorCode::NoMem));
    assert_eq!(
        memory.stream_table[12 * 8] & 0xf,
        0x1,
        "STE 12 still aborts"
    );
}

#[test]
fn map_and_strict_unmap() {
    let (model, _, iommu, _) = iommu();
    let d = iommu.domain_alloc(&CONFIG, ArenaAllocator::lpae()).unwrap();
    iommu.attach(d, stream(8)).unwrap();
    iommu
        .map(d, 0x10_0000, 0x8000_0000, 0x1000, Protection::READ_WRITE)
        .unwrap();
    assert_eq!(
        iommu.map(d, 0x10_0000, 0x9000_0000, 0x1000, Protection::READ_ONLY),
        Err(ErrorCode::Already)
    );
    let write_only = Protection {
        read: false,
        write: true,
        cacheable: false,
    };
    assert_eq!(
        iommu.map(d, 0x20_0000, 0x8000_0000, 0x1000, write_only),
        Err(ErrorCode::NoSupport)
    );
    let none = Protection {
        read: false,
        write: false,
        cacheable: false,
    };
    assert_eq!(
        iommu.map(d, 0x20_0000, 0x8000_0000, 0x1000, none),
        Err(ErrorCode::Inval)
    );
    assert_eq!(
        iommu.map(d, 1 << 32, 0x8000_0000, 0x1000, Protection::READ_ONLY),
        Err(ErrorCode::Size)
    );
    assert_eq!(iommu.iova_to_phys(d, 0x10_0123), Ok(0x8000_0123));
    model.0.borrow_mut().consumed.clear();
    assert_eq!(iommu.unmap(d, 0x10_0000, 0x1000), Ok(0x1000));
    // ASID is slot + 1; the sync follows the invalidation.
    let consumed = model.0.borrow().consumed.clone();
    assert_eq!(consumed.len(), 2);
    assert_eq!(
        (
            consumed[0][0] as u8,
            consumed[0][0] >> 48,
            consumed[0][1] & !0xfff
        ),
        (0x12, 1, 0x10_0000)
    );
    assert_eq!(consumed[1][0] as u8, 0x46);
    assert_eq!(iommu.iova_to_phys(d, 0x10_0123), Err(ErrorCode::Inval));
    assert_eq!(iommu.unmap(d, 0x10_0000, 0x1000), Err(ErrorCode::Inval));
    assert_eq!(
        iommu.translate_hw(d, 0x10_0000, Access::Read),
        Err(ErrorCode::NoSupport)
    );
    iommu.flush(d).unwrap();
}

#[test]
fn a_sync_timeout_makes_the_domain_unusable_and_retires_it() {
    let (model, _, iommu, client) = iommu();
    let d = iommu.domain_alloc(&CONFIG, ArenaAllocator::lpae()).unwrap();
    iommu.attach(d, stream(8)).unwrap();
    iommu
        .map(d, 0x10_0000, 0x8000_0000, 0x1000, Protection::READ_WRITE)
        .unwrap();
    model.0.borrow_mut().stall = true;
    assert_eq!(iommu.unmap(d, 0x10_0000, 0x1000), Err(ErrorCode::Fail));
    assert_eq!(
        *client.disabled.borrow(),
        vec![(d, DisableReason::SyncTimeout)]
    );
    model.0.borrow_mut().stall = false;
    assert_eq!(
        iommu.map(d, 0x30_0000, 0x8000_0000, 0x1000, Protection::READ_ONLY),
        Err(ErrorCode::Fail)
    );
    assert_eq!(iommu.domain_free(d), Err(ErrorCode::Fail));
    // The context stays retired: one slot fewer, for good.
    assert_eq!(iommu.capacity().free_domains, 1);
}

#[test]
fn events_become_faults_of_the_owning_domain() {
    let (model, memory, iommu, client) = iommu();
    let d = iommu.domain_alloc(&CONFIG, ArenaAllocator::lpae()).unwrap();
    iommu.attach(d, stream(8)).unwrap();
    // F_TRANSLATION, stream 8, write at 0x30_0000; then C_BAD_STREAMID
    // from stream 0x999 (attached nowhere).
    memory.evtq[0..4].copy_from_slice(&[0x8_0000_0010, 0, 0x30_0000, 0]);
    memory.evtq[4..8].copy_from_slice(&[0x999_0000_0002, 0, 0, 0]);
    model.0.borrow_mut().regs.insert(0x1_00a8, 2);
    assert_eq!(iommu.service_events(), 2);
    let faults = client.faults.borrow();
    assert_eq!(
        faults[0],
        Fault {
            domain: Some(d),
            stream: Some(StreamId::new(8)),
            iova: 0x30_0000,
            access: Access::Write,
            kind: FaultKind::Translation,
        }
    );
    assert_eq!(faults[1].domain, None);
    assert_eq!(faults[1].kind, FaultKind::UnidentifiedStream);
    assert_eq!(*client.suppressed.borrow(), 0);
    drop(faults);
    assert_eq!(iommu.service_events(), 0);
}

/// Queues `count` translation faults from stream 8 at successive IOVAs
/// after the `produced` records already in the queue; returns the new
/// producer index (the model's queue has 32 entries: count stays below).
fn queue_faults(model: &Model, memory: &mut Memory, produced: u32, count: u32) -> u32 {
    for n in 0..count {
        let slot = ((produced + n) % 32) as usize * 4;
        let iova = 0x40_0000 + u64::from(n) * 0x1000;
        memory.evtq[slot..slot + 4].copy_from_slice(&[0x8_0000_0010, 0, iova, 0]);
    }
    // PROD carries a wrap bit above the index (IHI 0070 §3.5).
    let prod = produced + count;
    let encoded = (prod % 32) | ((prod / 32) % 2) << 5;
    model
        .0
        .borrow_mut()
        .regs
        .insert(0x1_00a8, u64::from(encoded));
    prod
}

#[test]
fn a_fault_storm_disables_the_domain_once_and_blocks_its_streams() {
    let (model, memory, iommu, client) = iommu();
    iommu.set_fault_limit(10);
    let d = iommu.domain_alloc(&CONFIG, ArenaAllocator::lpae()).unwrap();
    let quiet = iommu.domain_alloc(&CONFIG, ArenaAllocator::lpae()).unwrap();
    iommu.attach(d, stream(8)).unwrap();
    iommu.attach(quiet, stream(9)).unwrap();
    iommu
        .map(quiet, 0x1000, 0x8000_0000, 0x1000, Protection::READ_WRITE)
        .unwrap();

    // Within the limit, across a window: every fault is delivered.
    assert!(!iommu.has_events());
    let mut prod = queue_faults(model, memory, 0, 8);
    assert!(iommu.has_events());
    assert_eq!(iommu.service_events(), 8);
    assert!(!iommu.has_events());
    iommu.start_fault_window();
    prod = queue_faults(model, memory, prod, 10);
    iommu.service_events();
    assert_eq!(client.faults.borrow().len(), 18);
    assert!(client.disabled.borrow().is_empty());

    // The eleventh fault of a window disables the domain, once; the rest
    // are dropped.
    prod = queue_faults(model, memory, prod, 5);
    iommu.service_events();
    assert_eq!(client.faults.borrow().len(), 18);
    assert_eq!(*client.disabled.borrow(), [(d, DisableReason::FaultStorm)]);
    // The stream's STE now aborts: a CFGI_STE was issued for stream 8.
    let ste = memory.stream_table[8 * 8];
    assert_eq!(ste & 1, 1, "STE stays valid");
    assert_eq!((ste >> 1) & 0b111, 0, "STE.Config = abort");
    let _ = queue_faults(model, memory, prod, 3);
    iommu.service_events();
    assert_eq!(client.disabled.borrow().len(), 1);
    assert_eq!(client.faults.borrow().len(), 18);

    // Everything but detach and free answers OFF; a new window does not
    // revive it; the master stays taken until the owner lets go.
    iommu.start_fault_window();
    let rw = Protection::READ_WRITE;
    assert_eq!(
        iommu.map(d, 0, 0x8000_0000, 0x1000, rw),
        Err(ErrorCode::Off)
    );
    assert_eq!(iommu.attach(d, stream(10)), Err(ErrorCode::Off));
    assert_eq!(iommu.flush(d), Err(ErrorCode::Off));
    assert_eq!(iommu.attach(quiet, stream(8)), Err(ErrorCode::Busy));
    // The other domain is untouched.
    assert_eq!(iommu.iova_to_phys(quiet, 0x1000), Ok(0x8000_0000));
    assert_eq!(iommu.unmap(quiet, 0x1000, 0x1000), Ok(0x1000));
    iommu.detach(d, stream(8)).unwrap();
    iommu.domain_free(d).unwrap();
    iommu.attach(quiet, stream(8)).unwrap();
}
