// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! DESIGN §4 invariants 4 and 5: a process run that ends (exit, restart)
//! loses its domain, its masters and its mappings before the kernel reuses
//! its memory; a teardown that cannot complete is reported so the kernel
//! quarantines; contexts are never shared, and running out of them is
//! `NOMEM`.

mod common;

use capsules_iommu_dma::abi::{self, MAP_READ_WRITE};
use common::*;
use kernel::ErrorCode;
use kernel::kernel::EndOutcome;
use kernel::memory::layout::APP_RAM_BASE;
use kernel::process::State;
use smmu_sim::SyncTarget;

const BUF: u64 = APP_RAM_BASE + PAGE;

#[test]
fn exit_tears_the_domain_down_before_the_memory_is_released() {
    let w = World::new(2);
    let a = w.spawn("app-a");
    w.attach(a, M_ZDMA0).unwrap();
    w.attach(a, M_SHARED).unwrap();
    w.map_rw(a, 0, BUF, 2 * PAGE).unwrap();
    w.dev_read(ZDMA0, BUF, 4).unwrap();
    w.dev_read(SHARED, BUF + PAGE, 4).unwrap();
    assert_eq!(w.free_contexts(), usize::from(BANKS) - 1);
    assert!(w.tables.live.get() > 0);

    assert_eq!(w.terminate(a), EndOutcome::Terminated);
    // Both masters fault, even at addresses that were cached.
    assert!(w.dev_read(ZDMA0, BUF, 4).is_err());
    assert!(w.dev_read(SHARED, BUF + PAGE, 4).is_err());
    // The context and every table page are back.
    assert_eq!(w.free_contexts(), usize::from(BANKS));
    assert_eq!(w.tables.live.get(), 0);
    // The masters are free for the next app the policy grants them to.
    let b = w.spawn("app-b");
    w.attach(b, M_SHARED).unwrap();
    w.map_rw(b, 0, BUF, PAGE).unwrap();
    w.fill(b, BUF, b"BBBB");
    assert_eq!(w.dev_read(SHARED, BUF, 4).unwrap(), b"BBBB");
}

#[test]
fn a_restarted_app_starts_with_an_empty_domain() {
    let w = World::new(1);
    let old = w.spawn("app-a");
    w.attach(old, M_ZDMA0).unwrap();
    let (handle, _) = w.map_rw(old, 0, BUF, PAGE).unwrap();
    let new = w.restart(old);
    assert_ne!(new.pid, old.pid);
    // DMA after the restart faults: the old run's mapping is gone.
    assert!(w.dev_read(ZDMA0, BUF, 4).is_err());
    assert_eq!(w.free_contexts(), usize::from(BANKS));
    // The new run has no domain, no mapping, no master; the old handle
    // names nothing.
    assert_eq!(w.usage(new), [0, u64::from(QUOTA.mappings), 0, 0]);
    assert_eq!(w.unmap(new, handle.into()), Err(ErrorCode::Inval));
    assert_eq!(w.detach(new, M_ZDMA0), Err(ErrorCode::Inval));
    w.attach(new, M_ZDMA0).unwrap();
    w.map_rw(new, 0, BUF, PAGE).unwrap();
    w.dev_read(ZDMA0, BUF, 4).unwrap();
}

#[test]
fn a_teardown_whose_sync_never_completes_quarantines() {
    let w = World::new(2);
    let a = w.spawn("app-a");
    w.attach(a, M_ZDMA0).unwrap();
    w.map_rw(a, 0, BUF, PAGE).unwrap();
    let pages = w.tables.live.get();
    w.model.borrow_mut().inject_stuck_sync(SyncTarget::Global);
    w.model.borrow_mut().inject_stuck_sync(SyncTarget::Bank(0));
    assert_eq!(w.terminate(a), EndOutcome::Quarantined);
    assert_eq!(
        w.kernel.processes()[a.pid.index()].state(),
        State::Quarantined
    );
    w.model.borrow_mut().clear_injections();
    // Nothing of the domain is reused: its context stays retired and its
    // table pages stay allocated, even once the hardware recovers.
    assert_eq!(w.free_contexts(), usize::from(BANKS) - 1);
    assert_eq!(w.tables.live.get(), pages);
    // The master was detached first, so it faults and can serve another app.
    assert!(w.dev_read(ZDMA0, BUF, 4).is_err());
    let b = w.spawn("app-b");
    w.map_rw(b, 0, BUF, PAGE).unwrap();
    assert_eq!(w.free_contexts(), usize::from(BANKS) - 2);
}

#[test]
fn a_sync_timeout_breaks_the_domain_and_its_end_quarantines() {
    let w = World::new(1);
    let a = w.spawn("app-a");
    w.attach(a, M_ZDMA0).unwrap();
    let (first, _) = w.map_rw(a, 0, BUF, PAGE).unwrap();
    let (second, _) = w.map_rw(a, 1, BUF + 2 * PAGE, PAGE).unwrap();
    w.model.borrow_mut().inject_stuck_sync(SyncTarget::Bank(0));
    assert_eq!(w.unmap(a, first.into()), Err(ErrorCode::Fail));
    w.model.borrow_mut().clear_injections();
    // The app is told (FAIL, then the state) and everything else refuses.
    assert_eq!(w.info(a, abi::INFO_DOMAIN_STATE), Ok(3));
    assert_eq!(w.unmap(a, second.into()), Err(ErrorCode::Fail));
    assert_eq!(w.map_rw(a, 2, BUF + 4 * PAGE, PAGE), Err(ErrorCode::Fail));
    assert_eq!(w.attach(a, M_SHARED), Err(ErrorCode::Fail));
    // Its mappings stay counted: the hardware may still reach them.
    assert_eq!(w.info(a, abi::INFO_BYTES_MAPPED), Ok(2 * PAGE));
    assert_eq!(w.terminate(a), EndOutcome::Quarantined);
}

#[test]
fn more_dma_apps_than_contexts_get_nomem_never_a_shared_context() {
    let w = World::new(6);
    let apps: Vec<App> = ["app-a", "app-b", "app-c", "app-d"]
        .into_iter()
        .map(|name| w.spawn(name))
        .collect();
    for (i, app) in apps.iter().enumerate() {
        w.map_rw(*app, 0, BUF, PAGE).unwrap();
        w.fill(*app, BUF, &[i as u8; 4]);
    }
    assert_eq!(w.free_contexts(), 0);
    let late = w.spawn("app-e");
    assert_eq!(w.map_rw(late, 0, BUF, PAGE), Err(ErrorCode::NoMem));
    assert_eq!(w.usage(late), [0, u64::from(QUOTA.mappings), 0, 0]);
    // The table pages of the refused domain went back.
    let live = w.tables.live.get();
    assert_eq!(w.map(late, 0, MAP_READ_WRITE), Err(ErrorCode::NoMem));
    assert_eq!(w.tables.live.get(), live);
    // A board pool that cannot back a domain: NOMEM as well.
    w.tables.refuse.set(true);
    assert_eq!(w.map(late, 0, MAP_READ_WRITE), Err(ErrorCode::NoMem));
    w.tables.refuse.set(false);

    // When one app ends, its context serves the late one.
    assert_eq!(w.terminate(apps[3]), EndOutcome::Terminated);
    w.map(late, 0, MAP_READ_WRITE).unwrap();
    w.attach(apps[0], M_ZDMA0).unwrap();
    assert_eq!(w.dev_read(ZDMA0, BUF, 4).unwrap(), [0; 4]);
    w.attach(apps[1], M_ZDMA1).unwrap();
    assert_eq!(w.dev_read(ZDMA1, BUF, 4).unwrap(), [1; 4]);
}

#[test]
fn apps_that_never_used_dma_end_without_touching_the_iommu() {
    let w = World::new(1);
    let a = w.spawn("app-a");
    assert_eq!(w.info(a, abi::INFO_PAGE_SIZE), Ok(PAGE));
    w.model.borrow_mut().inject_stuck_sync(SyncTarget::Global);
    assert_eq!(w.terminate(a), EndOutcome::Terminated);
}

/// Records each stop request and, at that moment, whether the master could
/// still reach the app's buffer (it must: the stop comes before the cut).
struct Stopper<'w> {
    world: &'w World,
    calls: std::cell::RefCell<Vec<(usize, bool)>>,
    fail: bool,
}

impl capsules_iommu_dma::Quiesce for Stopper<'_> {
    fn quiesce(&self, master: usize) -> Result<(), ErrorCode> {
        let stream = [ZDMA0, ZDMA1, SHARED][master];
        let reachable = self.world.dev_read(stream, BUF, 4).is_ok();
        self.calls.borrow_mut().push((master, reachable));
        if self.fail {
            Err(ErrorCode::Busy)
        } else {
            Ok(())
        }
    }
}

/// A world of `slots` processes whose capsule asks `Stopper` (failing or
/// not) to stop masters.
fn world_with_stopper(slots: usize, fail: bool) -> (&'static World, &'static Stopper<'static>) {
    let w: &'static World = Box::leak(Box::new(World::new(slots)));
    let stopper: &'static Stopper<'static> = Box::leak(Box::new(Stopper {
        world: w,
        calls: Default::default(),
        fail,
    }));
    w.dma.set_quiesce(stopper);
    (w, stopper)
}

fn end_with_stopper(fail: bool) {
    let (w, stopper) = world_with_stopper(1, fail);
    let a = w.spawn("app-a");
    w.attach(a, M_ZDMA0).unwrap();
    w.attach(a, M_SHARED).unwrap();
    w.map_rw(a, 0, BUF, PAGE).unwrap();
    assert_eq!(w.terminate(a), EndOutcome::Terminated);
    assert_eq!(
        stopper.calls.borrow().as_slice(),
        &[(M_ZDMA0 as usize, true), (M_SHARED as usize, true)]
    );
    assert!(w.dev_read(ZDMA0, BUF, 4).is_err());
    assert!(w.dev_read(SHARED, BUF, 4).is_err());
    assert_eq!(w.free_contexts(), usize::from(BANKS));
}

#[test]
fn masters_are_asked_to_stop_before_they_are_cut_off() {
    end_with_stopper(false);
}

#[test]
fn a_master_that_does_not_stop_is_cut_off_anyway() {
    end_with_stopper(true);
}

#[test]
fn detach_stops_the_master_first_and_keeps_it_when_it_cannot() {
    for fail in [false, true] {
        let (w, stopper) = world_with_stopper(2, fail);
        let a = w.spawn("app-a");
        let b = w.spawn("app-b");
        w.attach(a, M_SHARED).unwrap();
        w.map_rw(a, 0, BUF, PAGE).unwrap();
        let answer = w.detach(a, M_SHARED);
        // Asked while the master could still reach a's buffer.
        assert_eq!(
            stopper.calls.borrow().as_slice(),
            &[(M_SHARED as usize, true)]
        );
        if fail {
            assert_eq!(answer, Err(ErrorCode::Fail));
            // Still a's: reachable by a's mapping, not attachable by b.
            assert!(w.dev_read(SHARED, BUF, 4).is_ok());
            assert_eq!(w.attach(b, M_SHARED), Err(ErrorCode::Busy));
        } else {
            assert_eq!(answer, Ok(()));
            assert!(w.dev_read(SHARED, BUF, 4).is_err());
            assert_eq!(w.attach(b, M_SHARED), Ok(()));
        }
    }
}
