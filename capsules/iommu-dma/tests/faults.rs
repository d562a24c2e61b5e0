// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! DESIGN §4 invariant 7: device faults reach the app that owns the domain
//! (and only it) as upcalls; a fault storm disables the domain, is reported
//! once, and leaves the domain refusing work until the run ends.

mod common;

use capsules_iommu_dma::abi;
use common::*;
use kernel::ErrorCode;
use kernel::kernel::EndOutcome;
use kernel::memory::layout::APP_RAM_BASE;

const BUF: u64 = APP_RAM_BASE + PAGE;

#[test]
fn a_fault_upcall_reaches_the_owner_only() {
    let w = World::new(2);
    let a = w.spawn("app-a");
    let b = w.spawn("app-b");
    for app in [a, b] {
        w.subscribe(app, abi::UPCALL_FAULT as u64);
    }
    w.attach(a, M_SHARED).unwrap();
    w.map_ro(a, 0, BUF, PAGE).unwrap();
    w.map_rw(b, 0, BUF, PAGE).unwrap();

    // A write into A's read-only mapping: a permission fault.
    assert!(w.dev_write(SHARED, BUF + 0x40, b"no").is_err());
    assert_eq!(w.service_faults(), 1);
    assert_eq!(
        w.next_upcall(a),
        Some([M_SHARED, BUF + 0x40, 0x301, 0]),
        "master, device address, kind << 8 | write"
    );
    // A read of an unmapped address: a translation fault.
    assert!(w.dev_read(SHARED, BUF + PAGE, 4).is_err());
    w.service_faults();
    assert_eq!(w.next_upcall(a), Some([M_SHARED, BUF + PAGE, 0x100, 0]));
    assert_eq!(w.pending(b), 0);
}

#[test]
fn after_a_restart_faults_reach_the_new_run() {
    let w = World::new(1);
    let old = w.spawn("app-a");
    w.subscribe(old, abi::UPCALL_FAULT as u64);
    w.attach(old, M_ZDMA0).unwrap();
    w.map_rw(old, 0, BUF, PAGE).unwrap();
    let new = w.restart(old);
    // The new run gets a fresh domain (the same context bank, most likely)
    // with nothing mapped; the old mapping's address now faults there.
    w.subscribe(new, abi::UPCALL_FAULT as u64);
    w.attach(new, M_ZDMA0).unwrap();
    assert!(w.dev_read(ZDMA0, BUF, 4).is_err());
    assert_eq!(w.service_faults(), 1);
    assert_eq!(w.next_upcall(new), Some([M_ZDMA0, BUF, 0x100, 0]));
}

#[test]
fn a_fault_storm_disables_the_domain_and_is_reported_once() {
    let w = World::new(1);
    let a = w.spawn("app-a");
    w.subscribe(a, abi::UPCALL_FAULT as u64);
    w.subscribe(a, abi::UPCALL_DISABLED as u64);
    w.attach(a, M_ZDMA0).unwrap();
    let (handle, _) = w.map_rw(a, 0, BUF, PAGE).unwrap();
    w.model.borrow_mut().inject_interrupt_storm(0);
    assert!(w.dev_read(ZDMA0, BUF + PAGE, 4).is_err());
    let mut rounds = 0;
    while w.model.borrow().context_irq(0) {
        rounds += 1;
        assert!(rounds < 1000, "the storm never stopped");
        w.service_faults();
    }
    w.model.borrow_mut().clear_injections();

    // The app did not run meanwhile: one fault upcall (the burst's
    // first, the rest coalesced and counted), then the disable notice, then
    // nothing: the storm is reported, not looped on.
    let mut upcalls = Vec::new();
    while let Some(args) = w.next_upcall(a) {
        upcalls.push(args);
    }
    let fault = [M_ZDMA0, BUF + PAGE, 0x100, 0];
    assert_eq!(upcalls, [fault, [1, 0, 0, 0]]);
    assert_eq!(w.info(a, abi::INFO_FAULTS), Ok(u64::from(FAULT_LIMIT)));
    assert_eq!(w.info(a, abi::INFO_DOMAIN_STATE), Ok(2));
    // Cut off, and refusing work with OFF.
    assert!(w.dev_read(ZDMA0, BUF, 4).is_err());
    assert_eq!(w.unmap(a, handle.into()), Err(ErrorCode::Off));
    assert_eq!(w.map_rw(a, 1, BUF + 2 * PAGE, PAGE), Err(ErrorCode::Off));
    // Its master is cut off: the engine's driver refuses work for it.
    assert!(w.dma.master_cut_off(M_ZDMA0 as usize));
    assert!(!w.dma.master_cut_off(M_ZDMA1 as usize));
    w.detach(a, M_ZDMA0).unwrap();
    assert!(!w.dma.master_cut_off(M_ZDMA0 as usize));
    // The end of the run still frees everything.
    assert_eq!(w.terminate(a), EndOutcome::Terminated);
    assert_eq!(w.free_contexts(), usize::from(BANKS));
    assert_eq!(w.tables.live.get(), 0);
}

#[test]
fn fault_upcalls_coalesce_until_delivered_and_leave_room_for_others() {
    let w = World::new(1);
    let a = w.spawn("app-a");
    w.subscribe(a, abi::UPCALL_FAULT as u64);
    w.attach(a, M_ZDMA0).unwrap();
    w.map_ro(a, 0, BUF, PAGE).unwrap();
    // A burst far longer than the upcall queue (kept under the driver's
    // storm limit by new rate windows).
    for n in 0..40u64 {
        if n % 4 == 0 {
            w.smmu.start_fault_window();
        }
        assert!(w.dev_read(ZDMA0, BUF + PAGE + 8 * n, 4).is_err());
        w.service_faults();
    }
    assert_eq!(w.pending(a), 1, "one queue slot for the whole burst");
    assert_eq!(w.info(a, abi::INFO_FAULTS), Ok(40));
    assert_eq!(w.next_upcall(a), Some([M_ZDMA0, BUF + PAGE, 0x100, 0]));
    // Delivered: the next fault gets an upcall of its own.
    assert!(w.dev_write(ZDMA0, BUF + 8, b"x").is_err());
    w.service_faults();
    assert_eq!(w.next_upcall(a), Some([M_ZDMA0, BUF + 8, 0x301, 0]));
    assert_eq!(w.info(a, abi::INFO_FAULTS), Ok(41));
    assert_eq!(w.next_upcall(a), None);
}
