// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Hostile and mistaken system calls: each gets its documented error code
//! (doc/syscalls/iommu_dma.md) and changes nothing — no domain created, no
//! mapping, no quota consumed, no master attached.

mod common;

use capsules_iommu_dma::abi::{self, MAP_READ_ONLY, MAP_READ_WRITE};
use common::*;
use kernel::ErrorCode;
use kernel::memory::layout::{APP_IMAGE_BASE, APP_RAM_BASE};
use kernel::syscall::SyscallReturn;

const BUF: u64 = APP_RAM_BASE + PAGE;

#[test]
fn bad_map_arguments_change_nothing() {
    let w = World::new(1);
    let a = w.spawn("app-a");
    let pristine = w.usage(a);
    assert_eq!(pristine, [0, u64::from(QUOTA.mappings), 0, 0]);
    let contexts = w.free_contexts();

    // Nothing allowed in the slot.
    assert_eq!(w.map(a, 0, MAP_READ_WRITE), Err(ErrorCode::Reserve));
    assert_eq!(w.map(a, 0, MAP_READ_ONLY), Err(ErrorCode::Reserve));
    // Slots past the grant's count, absurd slots, unknown kinds.
    assert_eq!(
        w.map(a, abi::ALLOW_SLOTS as u64, MAP_READ_WRITE),
        Err(ErrorCode::Inval)
    );
    assert_eq!(w.map(a, u64::MAX, MAP_READ_WRITE), Err(ErrorCode::Inval));
    assert_eq!(w.map(a, 0, 2), Err(ErrorCode::Inval));
    assert_eq!(w.map(a, 0, u64::MAX), Err(ErrorCode::Inval));
    // Buffers that do not start and end on a page boundary.
    assert_eq!(w.allow_rw(a, 0, BUF + 16, PAGE)[0], ALLOW_OK);
    assert_eq!(w.map(a, 0, MAP_READ_WRITE), Err(ErrorCode::Inval));
    assert_eq!(w.allow_rw(a, 0, BUF, PAGE + 1)[0], ALLOW_OK);
    assert_eq!(w.map(a, 0, MAP_READ_WRITE), Err(ErrorCode::Inval));
    assert_eq!(w.allow_rw(a, 0, BUF, PAGE - 1)[0], ALLOW_OK);
    assert_eq!(w.map(a, 0, MAP_READ_WRITE), Err(ErrorCode::Inval));
    // Overflowing or out-of-process ranges never even become allows.
    assert_ne!(w.allow_rw(a, 1, u64::MAX - PAGE + 1, 2 * PAGE)[0], ALLOW_OK);
    assert_ne!(w.allow_rw(a, 1, BUF, u64::MAX)[0], ALLOW_OK);
    assert_ne!(
        w.allow_rw(a, 1, APP_RAM_BASE, RAM_BYTES + PAGE)[0],
        ALLOW_OK
    );
    assert_eq!(w.map(a, 1, MAP_READ_WRITE), Err(ErrorCode::Reserve));
    // A read-only slot cannot be mapped as read-write: the slots differ.
    assert_eq!(w.allow_ro(a, 2, BUF, PAGE)[0], ALLOW_OK);
    assert_eq!(w.map(a, 2, MAP_READ_WRITE), Err(ErrorCode::Reserve));

    assert_eq!(w.usage(a), pristine);
    assert_eq!(w.free_contexts(), contexts, "a refused call took a context");
    assert_eq!(w.tables.live.get(), 0);
}

#[test]
fn bad_handles_fields_and_commands_are_refused() {
    let w = World::new(1);
    let a = w.spawn("app-a");
    let (handle, _) = w.map_rw(a, 0, BUF, PAGE).unwrap();
    let before = w.usage(a);
    for bad in [
        0,
        u64::from(handle) + 1,
        u64::from(u32::MAX),
        1 << 32 | u64::from(handle),
        u64::MAX,
    ] {
        assert_eq!(w.unmap(a, bad), Err(ErrorCode::Inval), "handle {bad:#x}");
    }
    assert_eq!(w.info(a, 8), Err(ErrorCode::Inval));
    assert_eq!(w.info(a, u64::MAX), Err(ErrorCode::Inval));
    assert_eq!(
        w.command(a, 6, 0, 0),
        SyscallReturn::Failure(ErrorCode::NoSupport)
    );
    assert_eq!(
        w.command(a, u32::MAX, 0, 0),
        SyscallReturn::Failure(ErrorCode::NoSupport)
    );
    assert_eq!(w.command(a, abi::CMD_EXISTS, 0, 0), SyscallReturn::Success);
    // Mapping a live range again: the IOMMU refuses to remap it.
    assert_eq!(w.map(a, 0, MAP_READ_WRITE), Err(ErrorCode::Already));
    // Overlapping it partially: refused too, and unwound.
    assert_eq!(w.allow_rw(a, 1, BUF - PAGE, 2 * PAGE)[0], ALLOW_OK);
    assert_eq!(w.map(a, 1, MAP_READ_WRITE), Err(ErrorCode::Already));
    assert_eq!(w.usage(a), before);
    assert!(w.dev_read(ZDMA0, BUF - PAGE, 4).is_err());
}

#[test]
fn masters_follow_the_board_policy_and_have_one_owner() {
    let w = World::new(3);
    let a = w.spawn("app-a");
    let b = w.spawn("app-b");
    let c = w.spawn("app-c");
    // Unknown masters, masters the policy does not grant.
    assert_eq!(w.attach(a, 3), Err(ErrorCode::Inval));
    assert_eq!(w.attach(a, u64::MAX), Err(ErrorCode::Inval));
    assert_eq!(w.attach(a, M_ZDMA1), Err(ErrorCode::Reserve));
    assert_eq!(w.attach(c, M_ZDMA0), Err(ErrorCode::Reserve));
    assert_eq!(w.usage(a)[3], 0, "a refused attach created a domain");

    w.attach(a, M_SHARED).unwrap();
    assert_eq!(w.attach(a, M_SHARED), Err(ErrorCode::Already));
    // B may use the shared master, but A holds it.
    assert_eq!(w.attach(b, M_SHARED), Err(ErrorCode::Busy));
    assert_eq!(w.usage(b)[3], 0);
    // Detaching what one does not hold.
    assert_eq!(w.detach(b, M_SHARED), Err(ErrorCode::Inval));
    assert_eq!(w.detach(a, M_ZDMA0), Err(ErrorCode::Inval));
    assert_eq!(w.detach(a, 99), Err(ErrorCode::Inval));

    w.map_rw(a, 0, BUF, PAGE).unwrap();
    w.dev_read(SHARED, BUF, 4).unwrap();
    // Once A lets go, the device is cut off from A and B may take it.
    w.detach(a, M_SHARED).unwrap();
    assert!(w.dev_read(SHARED, BUF, 4).is_err());
    w.attach(b, M_SHARED).unwrap();
    w.map_rw(b, 0, BUF, PAGE).unwrap();
    w.fill(b, BUF, b"BBBB");
    assert_eq!(w.dev_read(SHARED, BUF, 4).unwrap(), b"BBBB");
}

#[test]
fn apps_without_a_policy_entry_get_no_dma() {
    let w = World::new(1);
    let stranger = w.spawn("stranger");
    assert_eq!(
        w.command(stranger, abi::CMD_EXISTS, 0, 0),
        SyscallReturn::Success
    );
    assert_eq!(w.allow_rw(stranger, 0, BUF, PAGE)[0], ALLOW_OK);
    assert_eq!(
        w.map(stranger, 0, MAP_READ_WRITE),
        Err(ErrorCode::NoSupport)
    );
    assert_eq!(w.attach(stranger, M_ZDMA0), Err(ErrorCode::NoSupport));
    assert_eq!(w.unmap(stranger, 1), Err(ErrorCode::NoSupport));
    assert_eq!(
        w.info(stranger, abi::INFO_PAGE_SIZE),
        Err(ErrorCode::NoSupport)
    );
    assert_eq!(w.free_contexts(), usize::from(BANKS));
}

#[test]
fn quotas_bound_mappings_bytes_and_table_pages() {
    let w = World::new(3);
    let a = w.spawn("app-a");
    // Mapping count: QUOTA.mappings one-page buffers, then NOMEM.
    for i in 0..u64::from(QUOTA.mappings) {
        w.map_rw(a, i, APP_RAM_BASE + 2 * i * PAGE, PAGE).unwrap();
    }
    let full = w.usage(a);
    assert_eq!(full[1], 0);
    assert_eq!(
        w.allow_rw(a, 0, APP_RAM_BASE + 12 * PAGE, PAGE)[0],
        ALLOW_OK
    );
    assert_eq!(w.map(a, 0, MAP_READ_WRITE), Err(ErrorCode::NoMem));
    assert_eq!(w.usage(a), full);
    assert!(w.dev_read(ZDMA0, APP_RAM_BASE + 12 * PAGE, 4).is_err());

    // Bytes: QUOTA.bytes is 8 pages; 9 at once is refused, 8 fit.
    let b = w.spawn("app-b");
    assert_eq!(
        w.map_rw(b, 0, APP_RAM_BASE, 9 * PAGE),
        Err(ErrorCode::NoMem)
    );
    assert_eq!(w.usage(b)[3], 0);
    w.map_rw(b, 0, APP_RAM_BASE, 8 * PAGE).unwrap();
    assert_eq!(
        w.map_rw(b, 1, APP_RAM_BASE + 8 * PAGE, PAGE),
        Err(ErrorCode::NoMem)
    );
    assert_eq!(w.info(b, abi::INFO_BYTES_MAPPED), Ok(8 * PAGE));

    // Table pages: the domain's allocator refuses past the budget, the
    // IOMMU unwinds, and the app sees NOMEM with nothing mapped.
    let tight = w.spawn("tight");
    assert_eq!(w.map_rw(tight, 0, BUF, PAGE), Err(ErrorCode::NoMem));
    assert_eq!(w.usage(tight), [0, u64::from(QUOTA.mappings), 1, 1]);
    assert_eq!(w.info(tight, abi::INFO_TABLE_PAGES_LEFT), Ok(0));
}

#[test]
fn table_page_budget_is_reported_and_enforced_exactly() {
    let w = World::new(1);
    let app = w.spawn("three-pages");
    assert_eq!(w.info(app, abi::INFO_TABLE_PAGES_LEFT), Ok(3));
    w.map_rw(app, 0, BUF, PAGE).unwrap();
    assert_eq!(w.info(app, abi::INFO_TABLE_PAGES_USED), Ok(3));
    assert_eq!(w.info(app, abi::INFO_TABLE_PAGES_LEFT), Ok(0));
    // Same last-level table: no new page needed.
    w.map_rw(app, 1, BUF + PAGE, PAGE).unwrap();
    // The image is in another 2 MiB block: it needs a new last-level
    // table, which is over budget.
    let before = w.usage(app);
    assert_eq!(w.allow_ro(app, 0, APP_IMAGE_BASE, PAGE)[0], ALLOW_OK);
    assert_eq!(w.map(app, 0, MAP_READ_ONLY), Err(ErrorCode::NoMem));
    assert_eq!(w.usage(app), before);
}

#[test]
fn info_reports_the_window_and_page_size_without_creating_a_domain() {
    let w = World::new(1);
    let a = w.spawn("app-a");
    assert_eq!(w.info(a, abi::INFO_IOVA_BITS), Ok(32));
    assert_eq!(w.info(a, abi::INFO_PAGE_SIZE), Ok(PAGE));
    assert_eq!(
        w.info(a, abi::INFO_TABLE_PAGES_LEFT),
        Ok(u64::from(QUOTA.table_pages))
    );
    assert_eq!(w.info(a, abi::INFO_DOMAIN_STATE), Ok(0));
    assert_eq!(w.free_contexts(), usize::from(BANKS));
    w.map_rw(a, 0, BUF, 2 * PAGE).unwrap();
    assert_eq!(w.info(a, abi::INFO_DOMAIN_STATE), Ok(1));
    assert_eq!(w.info(a, abi::INFO_BYTES_MAPPED), Ok(2 * PAGE));
    assert_eq!(
        w.info(a, abi::INFO_MAPPINGS_LEFT),
        Ok(u64::from(QUOTA.mappings) - 1)
    );
}
