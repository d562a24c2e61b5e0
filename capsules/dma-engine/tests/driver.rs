// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The DMA engine capsule on a real kernel with two processes and a
//! scripted engine (`common`): who may drive it, what reaches the engine,
//! completions as upcalls, and the quiesce hook.

mod common;

use common::{failure, rig, success};
use kernel::ErrorCode;
use kernel::process::{EndReason, ProcessLifecycle, QuiesceFailed};
use kernel::syscall::SyscallReturn;

#[test]
fn the_owner_copies_and_hears_completion() {
    let rig = rig();
    rig.subscribe(rig.a);
    assert_eq!(rig.command(rig.a, 0, 0, 0), success());
    assert_eq!(rig.command(rig.a, 1, 0x40_0000, 0), success());
    assert_eq!(rig.command(rig.a, 2, 0x40_2000, 256), success());
    assert_eq!(*rig.engine.started.borrow(), [(0x40_0000, 0x40_2000, 256)]);
    assert_eq!(
        rig.upcall(rig.a),
        None,
        "nothing before the engine finishes"
    );
    rig.engine.complete(256, Ok(()));
    assert_eq!(rig.upcall(rig.a), Some([256, 0, 0, 0xa5]));
}

#[test]
fn a_failed_transfer_reports_its_code() {
    let rig = rig();
    rig.subscribe(rig.a);
    rig.command(rig.a, 1, 0x1000, 0);
    rig.command(rig.a, 2, 0x2000, 16);
    rig.engine.complete(0, Err(ErrorCode::Fail));
    assert_eq!(
        rig.upcall(rig.a),
        Some([0, u64::from(ErrorCode::Fail.as_u32()), 0, 0xa5])
    );
}

#[test]
fn only_the_owner_may_drive_the_engine() {
    let rig = rig();
    rig.command(rig.b, 1, 0x1000, 0);
    assert_eq!(
        rig.command(rig.b, 2, 0x2000, 16),
        failure(ErrorCode::Reserve)
    );
    rig.owner.0.set(None);
    rig.command(rig.a, 1, 0x1000, 0);
    assert_eq!(
        rig.command(rig.a, 2, 0x2000, 16),
        failure(ErrorCode::Reserve)
    );
    assert!(
        rig.engine.started.borrow().is_empty(),
        "the engine was never touched"
    );
}

#[test]
fn refusals_leave_the_engine_untouched_or_report_its_reason() {
    let rig = rig();
    assert_eq!(
        rig.command(rig.a, 2, 0x2000, 16),
        failure(ErrorCode::Reserve),
        "no source yet"
    );
    rig.command(rig.a, 1, 0x1000, 0);
    rig.engine.refuse.set(Some(ErrorCode::Inval));
    assert_eq!(rig.command(rig.a, 2, 0x2000, 16), failure(ErrorCode::Inval));
    rig.engine.refuse.set(None);
    assert_eq!(rig.command(rig.a, 2, 0x2000, 16), success());
    assert_eq!(
        rig.command(rig.a, 2, 0x3000, 16),
        failure(ErrorCode::Busy),
        "one at a time"
    );
    assert_eq!(rig.engine.started.borrow().len(), 1);
    assert_eq!(rig.command(rig.a, 9, 0, 0), failure(ErrorCode::NoSupport));
    assert_eq!(
        rig.command(rig.a, 4, 0, 0),
        SyscallReturn::SuccessU32U32(4095, 28).encode()
    );
}

#[test]
fn cancel_is_for_the_transfer_in_flight_of_its_owner() {
    let rig = rig();
    assert_eq!(rig.command(rig.a, 3, 0, 0), failure(ErrorCode::Already));
    rig.command(rig.a, 1, 0x1000, 0);
    rig.command(rig.a, 2, 0x2000, 16);
    assert_eq!(
        rig.command(rig.b, 3, 0, 0),
        failure(ErrorCode::Already),
        "not b's transfer"
    );
    assert_eq!(rig.command(rig.a, 3, 0, 0), success());
    assert_eq!(rig.engine.cancels.get(), 1);
}

#[test]
fn an_ending_process_is_quiesced_or_reported() {
    let rig = rig();
    // No transfer of b's: nothing to stop.
    assert_eq!(rig.driver.process_ending(rig.b, EndReason::Faulted), Ok(()));
    rig.command(rig.a, 1, 0x1000, 0);
    rig.command(rig.a, 2, 0x2000, 16);
    rig.engine.cancel_fails.set(true);
    assert_eq!(
        rig.driver.process_ending(rig.a, EndReason::Faulted),
        Err(QuiesceFailed)
    );
    rig.engine.cancel_fails.set(false);
    assert_eq!(rig.driver.process_ending(rig.a, EndReason::Faulted), Ok(()));
    // Idle again: a late completion is dropped, a new transfer may start.
    rig.engine.complete(0, Err(ErrorCode::Cancel));
    rig.owner.0.set(Some(rig.b));
    rig.command(rig.b, 1, 0x1000, 0);
    assert_eq!(rig.command(rig.b, 2, 0x2000, 16), success());
}

#[test]
fn stop_cancels_whatever_runs_before_a_master_changes_hands() {
    let rig = rig();
    // Idle: nothing to cancel, the engine is not touched.
    assert_eq!(rig.driver.stop(), Ok(()));
    assert_eq!(rig.engine.cancels.get(), 0);
    rig.command(rig.a, 1, 0x1000, 0);
    rig.command(rig.a, 2, 0x2000, 16);
    rig.engine.cancel_fails.set(true);
    assert_eq!(rig.driver.stop(), Err(ErrorCode::Fail));
    // Still in flight: nobody else may start one.
    rig.owner.0.set(Some(rig.b));
    rig.command(rig.b, 1, 0x1000, 0);
    assert_eq!(rig.command(rig.b, 2, 0x2000, 16), failure(ErrorCode::Busy));
    rig.engine.cancel_fails.set(false);
    assert_eq!(rig.driver.stop(), Ok(()));
    assert_eq!(rig.engine.cancels.get(), 2);
    // The new owner may now use the engine.
    assert_eq!(rig.command(rig.b, 2, 0x2000, 16), success());
    assert_eq!(rig.engine.started.borrow().len(), 2);
}

#[test]
fn a_cut_off_master_refuses_work_before_the_engine_is_touched() {
    let rig = rig();
    rig.command(rig.a, 1, 0x1000, 0);
    rig.owner.1.set(true);
    assert_eq!(rig.command(rig.a, 2, 0x2000, 16), failure(ErrorCode::Off));
    // Not the owner: still RESERVE first (the owner check comes first).
    rig.command(rig.b, 1, 0x1000, 0);
    assert_eq!(
        rig.command(rig.b, 2, 0x2000, 16),
        failure(ErrorCode::Reserve)
    );
    assert!(rig.engine.started.borrow().is_empty());
    rig.owner.1.set(false);
    assert_eq!(rig.command(rig.a, 2, 0x2000, 16), success());
}

#[test]
fn fill_unpacks_length_and_byte_and_completes_like_a_copy() {
    let rig = rig();
    rig.subscribe(rig.a);
    // An engine without a fill says so; nothing starts.
    assert_eq!(
        rig.command(rig.a, 5, 0x9000_0000, 4096 | 0xab << 32),
        failure(ErrorCode::NoSupport)
    );
    rig.engine.can_fill.set(true);
    // Only the owner; bits above the byte are refused.
    assert_eq!(
        rig.command(rig.b, 5, 0x9000_0000, 16),
        failure(ErrorCode::Reserve)
    );
    assert_eq!(
        rig.command(rig.a, 5, 0x9000_0000, 1 << 40 | 16),
        failure(ErrorCode::Inval)
    );
    assert!(rig.engine.fills.borrow().is_empty());
    assert_eq!(
        rig.command(rig.a, 5, 0x9000_0000, 4096 | 0xab << 32),
        success()
    );
    assert_eq!(*rig.engine.fills.borrow(), [(0x9000_0000, 4096, 0xab)]);
    // One transfer at a time, fill or copy.
    rig.command(rig.a, 1, 0x1000, 0);
    assert_eq!(rig.command(rig.a, 2, 0x2000, 16), failure(ErrorCode::Busy));
    assert_eq!(rig.command(rig.a, 5, 0x2000, 16), failure(ErrorCode::Busy));
    rig.engine.complete(4096, Ok(()));
    assert_eq!(rig.upcall(rig.a), Some([4096, 0, 0, 0xa5]));
    // The engine's own refusal comes back unchanged.
    rig.engine.refuse.set(Some(ErrorCode::Size));
    assert_eq!(rig.command(rig.a, 5, 0x2000, 0), failure(ErrorCode::Size));
}
