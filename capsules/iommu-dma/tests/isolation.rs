// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! DESIGN §4 invariants 1 and 3 through the system-call interface: a device
//! attached to an app's domain reaches exactly the pages that app mapped,
//! with the permissions its allows gave, and nothing once they are
//! unmapped; two apps using the same device addresses stay apart; an
//! un-allow neither fails nor widens what the device reaches.

mod common;

use common::*;
use kernel::ErrorCode;
use kernel::memory::layout::APP_RAM_BASE;

const BUF: u64 = APP_RAM_BASE + 2 * PAGE;

#[test]
fn a_device_reaches_only_its_apps_mapped_pages_with_their_permissions() {
    let w = World::new(2);
    let a = w.spawn("app-a");
    w.attach(a, M_ZDMA0).unwrap();
    let (rw, rw_iova) = w.map_rw(a, 0, BUF, 2 * PAGE).unwrap();
    let ro_va = BUF + 4 * PAGE;
    w.fill(a, ro_va, b"read me");
    let (ro, ro_iova) = w.map_ro(a, 1, ro_va, PAGE).unwrap();
    // Default addressing: the device address is the process address.
    assert_eq!((rw_iova, ro_iova), (BUF, ro_va));
    assert_ne!(rw, ro);

    // Read-write mapping: the device's write lands in the app's RAM.
    w.dev_write(ZDMA0, BUF + PAGE + 8, b"hello").unwrap();
    assert_eq!(w.ram(a, BUF + PAGE + 8, 5), b"hello");
    // Read-only mapping: readable, and a write faults and changes nothing.
    assert_eq!(w.dev_read(ZDMA0, ro_va, 7).unwrap(), b"read me");
    assert!(w.dev_write(ZDMA0, ro_va, b"XXXX").is_err());
    assert_eq!(w.ram(a, ro_va, 7), b"read me");
    // The page between the two buffers, the page before the first and the
    // page after the last are the app's RAM, but not mapped: unreachable.
    for va in [BUF - PAGE, BUF + 2 * PAGE, BUF + 3 * PAGE, ro_va + PAGE] {
        assert!(w.dev_read(ZDMA0, va, 4).is_err(), "{va:#x} reachable");
        assert!(w.dev_write(ZDMA0, va, b"XXXX").is_err(), "{va:#x} writable");
    }
    // Another master, not attached to the app's domain, reaches nothing.
    assert!(w.dev_read(ZDMA1, BUF, 4).is_err());
    assert!(w.dev_read(SHARED, BUF, 4).is_err());
}

#[test]
fn two_apps_with_the_same_device_addresses_stay_isolated() {
    let w = World::new(2);
    let a = w.spawn("app-a");
    let b = w.spawn("app-b");
    w.attach(a, M_ZDMA0).unwrap();
    w.attach(b, M_ZDMA1).unwrap();
    assert_eq!(w.map_rw(a, 0, BUF, PAGE).unwrap().1, BUF);
    assert_eq!(w.map_rw(b, 0, BUF, PAGE).unwrap().1, BUF);
    w.fill(a, BUF, b"AAAA");
    w.fill(b, BUF, b"BBBB");

    assert_eq!(w.dev_read(ZDMA0, BUF, 4).unwrap(), b"AAAA");
    assert_eq!(w.dev_read(ZDMA1, BUF, 4).unwrap(), b"BBBB");
    w.dev_write(ZDMA0, BUF, b"aaaa").unwrap();
    assert_eq!(w.ram(b, BUF, 4), b"BBBB");
    assert_eq!(w.ram(a, BUF, 4), b"aaaa");

    // A's unmap leaves B's mapping (same IOVA, other domain) untouched.
    let (handle, _) = w.map_rw(a, 1, BUF + PAGE, PAGE).unwrap();
    w.unmap(a, handle.into()).unwrap();
    assert!(w.dev_read(ZDMA0, BUF + PAGE, 4).is_err());
    assert_eq!(w.dev_read(ZDMA1, BUF, 4).unwrap(), b"BBBB");
}

#[test]
fn unmap_cuts_the_device_off_and_consumes_the_handle() {
    let w = World::new(2);
    let a = w.spawn("app-a");
    let b = w.spawn("app-b");
    w.attach(a, M_ZDMA0).unwrap();
    let (handle, iova) = w.map_rw(a, 0, BUF, PAGE).unwrap();
    let (b_handle, _) = w.map_rw(b, 0, BUF, PAGE).unwrap();
    // Cached in the IOTLB by a first access: the unmap must invalidate it.
    w.dev_read(ZDMA0, iova, 4).unwrap();

    // A foreign handle names nothing of A's: refused, nothing changes.
    let before = w.usage(a);
    assert_eq!(w.unmap(a, b_handle.into()), Err(ErrorCode::Inval));
    assert_eq!(w.usage(a), before);
    w.dev_read(ZDMA0, iova, 4).unwrap();

    w.unmap(a, handle.into()).unwrap();
    assert!(w.dev_read(ZDMA0, iova, 4).is_err());
    assert!(w.dev_write(ZDMA0, iova, b"late").is_err());
    assert_eq!(w.ram(a, BUF, 4), [0; 4]);
    // Second unmap: the handle was consumed.
    assert_eq!(w.unmap(a, handle.into()), Err(ErrorCode::Inval));
    // B's mapping is still there.
    assert_eq!(w.usage(b)[0], PAGE);
    // The same buffer can be mapped again, under a new handle.
    let (again, _) = w
        .map(a, 0, capsules_iommu_dma::abi::MAP_READ_WRITE)
        .unwrap();
    assert_ne!(again, handle);
    w.dev_read(ZDMA0, iova, 4).unwrap();
}

#[test]
fn un_allow_is_infallible_and_the_mapping_stays_bounded() {
    let w = World::new(1);
    let a = w.spawn("app-a");
    w.attach(a, M_ZDMA0).unwrap();
    let (handle, iova) = w.map_rw(a, 0, BUF, PAGE).unwrap();
    // Un-allow (a null buffer) succeeds while the buffer is mapped.
    assert_eq!(w.allow_rw(a, 0, 0, 0)[0], ALLOW_OK);
    // The mapping, not the allow, bounds the device: still this page, no
    // other.
    w.dev_write(ZDMA0, iova, b"kept").unwrap();
    assert_eq!(w.ram(a, BUF, 4), b"kept");
    assert!(w.dev_read(ZDMA0, iova + PAGE, 4).is_err());
    // Mapping the now-empty slot is refused; unmapping by handle works.
    assert_eq!(
        w.map(a, 0, capsules_iommu_dma::abi::MAP_READ_WRITE),
        Err(ErrorCode::Reserve)
    );
    w.unmap(a, handle.into()).unwrap();
    assert!(w.dev_read(ZDMA0, iova, 4).is_err());
}

#[test]
fn the_owner_of_a_master_is_the_app_it_is_attached_to_until_its_run_ends() {
    let w = World::new(2);
    let a = w.spawn("app-a");
    let b = w.spawn("app-b");
    let shared = M_SHARED as usize;
    assert_eq!(w.dma.owner_of(shared), None);
    w.attach(a, M_SHARED).unwrap();
    w.attach(b, M_ZDMA1).unwrap();
    assert_eq!(w.dma.owner_of(shared), Some(a.pid));
    assert_eq!(w.dma.owner_of(M_ZDMA1 as usize), Some(b.pid));
    assert_eq!(w.dma.owner_of(M_ZDMA0 as usize), None);
    w.detach(a, M_SHARED).unwrap();
    assert_eq!(w.dma.owner_of(shared), None);
    w.attach(b, M_SHARED).unwrap();
    assert_eq!(w.dma.owner_of(shared), Some(b.pid));
    // The restarted run is a new process: it owns nothing.
    let b2 = w.restart(b);
    assert_ne!(b2.pid, b.pid);
    assert_eq!(w.dma.owner_of(shared), None);
    assert_eq!(w.dma.owner_of(M_ZDMA1 as usize), None);
    // Nor does a name with no policy entry, or an index past the masters.
    assert_eq!(w.dma.owner_of(64), None);
    assert_eq!(w.dma.owner_of(usize::MAX), None);
}
