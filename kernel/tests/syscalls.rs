// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! System-call handling against a process loaded from the elf2tab fixture:
//! argument validation, allow/subscribe storage in grants, process buffers,
//! upcalls and yields, memop.

mod common;

use common::*;
use kernel::kernel::SyscallOutcome;
use kernel::memory::layout::{APP_IMAGE_BASE, APP_RAM_BASE};
use kernel::process::{FaultPolicy, ProcessId, State};
use kernel::syscall::{Syscall, SyscallReturn};
use kernel::upcall::UPCALL_QUEUE_LEN;
use kernel::{ErrorCode, Kernel};

const UPCALL_FN: u64 = APP_IMAGE_BASE + 0x1000;

struct World {
    kernel: &'static Kernel,
    drivers: Drivers,
    pid: ProcessId,
    ram_kva: u64,
}

fn world(grant_size: u64) -> World {
    let kernel = kernel(2);
    let drivers = drivers(kernel);
    let (pid, ram_kva) = load(kernel, grant_size, FaultPolicy::Stop);
    World {
        kernel,
        drivers,
        pid,
        ram_kva,
    }
}

impl World {
    fn call(&self, class: u16, args: [u64; 4]) -> SyscallOutcome {
        match Syscall::decode(class, args) {
            Ok(call) => self.kernel.handle_syscall(self.pid, call, &self.drivers),
            Err(e) => e.to_return().map_or(SyscallOutcome::Resume, |r| {
                SyscallOutcome::Return(r.encode())
            }),
        }
    }

    fn ret(&self, class: u16, args: [u64; 4]) -> [u64; 4] {
        match self.call(class, args) {
            SyscallOutcome::Return(regs) => regs,
            other => panic!("expected a return, got {other:?}"),
        }
    }

    fn ram(&self, offset: u64) -> *mut u8 {
        (self.ram_kva + offset) as *mut u8
    }
}

fn r(ret: SyscallReturn) -> [u64; 4] {
    ret.encode()
}

#[test]
fn command_reaches_driver_or_nodevice() {
    let w = world(8192);
    assert_eq!(
        w.ret(2, [TEST_DRIVER.into(), 0, 0, 0]),
        r(SyscallReturn::Success)
    );
    assert_eq!(
        w.ret(2, [0x1234, 0, 0, 0]),
        r(SyscallReturn::Failure(ErrorCode::NoDevice))
    );
    assert_eq!(
        w.ret(2, [TEST_DRIVER.into(), 99, 0, 0]),
        r(SyscallReturn::Failure(ErrorCode::NoSupport))
    );
    // A driver number above 32 bits is refused before any lookup.
    assert_eq!(
        w.ret(2, [u64::from(TEST_DRIVER) | 1 << 32, 0, 0, 0]),
        r(SyscallReturn::Failure(ErrorCode::Inval))
    );
    assert_eq!(w.kernel.process(w.pid).unwrap().syscall_count(), 3);
}

#[test]
fn subscribe_validates_and_swaps() {
    let w = world(8192);
    let d = u64::from(TEST_DRIVER);
    // Entry outside the image, unaligned, or in RAM: INVAL, nothing stored.
    for bad in [APP_RAM_BASE, UPCALL_FN + 2, 0x10, u64::MAX - 3] {
        assert_eq!(
            w.ret(1, [d, 0, bad, 5]),
            r(SyscallReturn::SubscribeFailure(ErrorCode::Inval, bad, 5))
        );
    }
    assert_eq!(
        w.ret(1, [0x1234, 0, UPCALL_FN, 5]),
        r(SyscallReturn::SubscribeFailure(
            ErrorCode::NoDevice,
            UPCALL_FN,
            5
        ))
    );
    // Subscribe number past the grant's two slots.
    assert_eq!(
        w.ret(1, [d, 2, UPCALL_FN, 5]),
        r(SyscallReturn::SubscribeFailure(
            ErrorCode::Inval,
            UPCALL_FN,
            5
        ))
    );
    // First success returns the Null Upcall, then the previous one.
    assert_eq!(
        w.ret(1, [d, 0, UPCALL_FN, 5]),
        r(SyscallReturn::SubscribeSuccess(0, 0))
    );
    assert_eq!(
        w.ret(1, [d, 0, 0, 6]),
        r(SyscallReturn::SubscribeSuccess(UPCALL_FN, 5))
    );
    assert_eq!(
        w.ret(1, [d, 0, UPCALL_FN, 7]),
        r(SyscallReturn::SubscribeSuccess(0, 6))
    );
}

#[test]
fn allow_validates_ranges_with_checked_arithmetic() {
    let w = world(8192);
    let d = u64::from(TEST_DRIVER);
    let ram_len = w.kernel.process(w.pid).unwrap().layout().unwrap().ram().len;
    let inval = |a, s| r(SyscallReturn::AllowFailure(ErrorCode::Inval, a, s));
    // Read-write allow of code: INVAL; read-only allow of code: fine.
    assert_eq!(
        w.ret(3, [d, 0, APP_IMAGE_BASE + 0x1000, 6]),
        inval(APP_IMAGE_BASE + 0x1000, 6)
    );
    assert_eq!(
        w.ret(4, [d, 0, APP_IMAGE_BASE + 0x1000, 6]),
        r(SyscallReturn::AllowSuccess(0, 0))
    );
    // Reaching into the grant region (one byte past RAM): INVAL.
    assert_eq!(
        w.ret(3, [d, 0, APP_RAM_BASE, ram_len + 1]),
        inval(APP_RAM_BASE, ram_len + 1)
    );
    // Wrapping address + size: INVAL.
    assert_eq!(w.ret(3, [d, 0, u64::MAX - 1, 4]), inval(u64::MAX - 1, 4));
    assert_eq!(
        w.ret(4, [d, 0, APP_RAM_BASE, u64::MAX]),
        inval(APP_RAM_BASE, u64::MAX)
    );
    // Allow number past the grant's one slot.
    assert_eq!(w.ret(3, [d, 1, APP_RAM_BASE, 4]), inval(APP_RAM_BASE, 4));
    // Unknown driver.
    assert_eq!(
        w.ret(3, [7, 0, APP_RAM_BASE, 4]),
        r(SyscallReturn::AllowFailure(
            ErrorCode::NoDevice,
            APP_RAM_BASE,
            4
        ))
    );
    // The whole of RAM is fine; the next allow returns it.
    assert_eq!(
        w.ret(3, [d, 0, APP_RAM_BASE, ram_len]),
        r(SyscallReturn::AllowSuccess(0, 0))
    );
    // Zero length: valid at any address, stored as the null buffer.
    assert_eq!(
        w.ret(3, [d, 0, 0xDEAD_0000, 0]),
        r(SyscallReturn::AllowSuccess(APP_RAM_BASE, ram_len))
    );
    assert_eq!(
        w.ret(3, [d, 0, APP_RAM_BASE, 8]),
        r(SyscallReturn::AllowSuccess(0, 0))
    );
    // Userspace-readable allows are not supported yet.
    assert_eq!(
        w.ret(7, [d, 0, APP_RAM_BASE, 8]),
        r(SyscallReturn::AllowFailure(
            ErrorCode::NoSupport,
            APP_RAM_BASE,
            8
        ))
    );
}

#[test]
fn overlapping_allows_are_accepted_and_sound() {
    let w = world(8192);
    let d = u64::from(TEST_DRIVER);
    // RO and RW views of the same bytes (TRD104 permits overlap).
    assert!(!SyscallReturn::AllowSuccess(0, 0).is_failure());
    assert_eq!(
        w.ret(3, [d, 0, APP_RAM_BASE + 16, 4]),
        r(SyscallReturn::AllowSuccess(0, 0))
    );
    assert_eq!(
        w.ret(4, [d, 0, APP_RAM_BASE + 14, 8]),
        r(SyscallReturn::AllowSuccess(0, 0))
    );
    // Fill the RW buffer with 5 through the capsule, read the sum through RO.
    assert_eq!(w.ret(2, [d, 3, 5, 0]), r(SyscallReturn::Success));
    assert_eq!(w.ret(2, [d, 2, 0, 0]), r(SyscallReturn::SuccessU64(4 * 5)));
    // SAFETY: the test owns the process RAM backing.
    assert_eq!(unsafe { *w.ram(16) }, 5);
}

#[test]
fn grant_exhaustion_is_nomem_not_a_panic() {
    let w = world(4096);
    let d = u64::from(HUGE_DRIVER);
    assert_eq!(
        w.ret(2, [d, 0, 0, 0]),
        r(SyscallReturn::Failure(ErrorCode::NoMem))
    );
    assert_eq!(
        w.ret(1, [d, 0, UPCALL_FN, 0]),
        r(SyscallReturn::SubscribeFailure(
            ErrorCode::NoMem,
            UPCALL_FN,
            0
        ))
    );
    // The small grant still fits next to the failed attempts.
    assert_eq!(
        w.ret(2, [TEST_DRIVER.into(), 0, 0, 0]),
        r(SyscallReturn::Success)
    );
    let used = w.kernel.process(w.pid).unwrap().grant_bytes_used();
    assert!(used > 0 && used <= 4096);
}

#[test]
fn yield_wait_delivers_upcalls_in_order() {
    let w = world(8192);
    let d = u64::from(TEST_DRIVER);
    w.ret(1, [d, 0, UPCALL_FN, 0xAB]);
    // Nothing pending: the process blocks.
    assert_eq!(w.call(0, [1, 0, 0, 0]), SyscallOutcome::Blocked);
    assert_eq!(w.kernel.process(w.pid).unwrap().state(), State::Yielded);
    assert!(!w.kernel.is_ready(w.pid.index()));
    // Two upcalls scheduled by the capsule make it ready.
    w.ret(2, [d, 1, 0, 10]);
    w.ret(2, [d, 1, 0, 11]);
    assert!(w.kernel.is_ready(w.pid.index()));
    // Upcalls on the Null Upcall (slot 1) are dropped, not queued.
    w.ret(2, [d, 1, 1, 99]);
    assert_eq!(w.kernel.process(w.pid).unwrap().pending_upcalls(), 2);
    assert_eq!(
        w.call(0, [1, 0, 0, 0]),
        SyscallOutcome::Upcall {
            entry: UPCALL_FN,
            args: [10, 2, 3, 0xAB]
        }
    );
    assert_eq!(
        w.call(0, [1, 0, 0, 0]),
        SyscallOutcome::Upcall {
            entry: UPCALL_FN,
            args: [11, 2, 3, 0xAB]
        }
    );
}

#[test]
fn yield_no_wait_reports_through_the_result_byte() {
    let w = world(8192);
    let d = u64::from(TEST_DRIVER);
    let flag = APP_RAM_BASE + 100;
    // SAFETY: the test owns the process RAM backing.
    unsafe { *w.ram(100) = 0x55 };
    assert_eq!(w.call(0, [0, flag, 0, 0]), SyscallOutcome::Resume);
    // SAFETY: as above.
    assert_eq!(unsafe { *w.ram(100) }, 0);
    w.ret(1, [d, 0, UPCALL_FN, 1]);
    w.ret(2, [d, 1, 0, 42]);
    assert_eq!(
        w.call(0, [0, flag, 0, 0]),
        SyscallOutcome::Upcall {
            entry: UPCALL_FN,
            args: [42, 2, 3, 1]
        }
    );
    // SAFETY: as above.
    assert_eq!(unsafe { *w.ram(100) }, 1);
    // A result address outside writable memory is ignored, not a fault.
    assert_eq!(w.call(0, [0, APP_IMAGE_BASE, 0, 0]), SyscallOutcome::Resume);
    assert_eq!(w.call(0, [0, u64::MAX, 0, 0]), SyscallOutcome::Resume);
    // Invalid yields return at once with no register written.
    assert_eq!(w.call(0, [3, 0, 0, 0]), SyscallOutcome::Resume);
}

#[test]
fn yield_wait_for_takes_only_its_upcall() {
    let w = world(8192);
    let d = u64::from(TEST_DRIVER);
    w.ret(1, [d, 0, UPCALL_FN, 7]);
    w.ret(2, [d, 1, 0, 1]); // upcall 0 queued
    // Waiting for subscribe 1 (Null Upcall): blocks although 0 is pending.
    assert_eq!(w.call(0, [2, d, 1, 0]), SyscallOutcome::Blocked);
    assert!(!w.kernel.is_ready(w.pid.index()));
    // Upcall 1 on a Null subscription is still delivered to a wait-for.
    w.ret(2, [d, 1, 1, 77]);
    assert!(w.kernel.is_ready(w.pid.index()));
    assert_eq!(w.kernel.process(w.pid).unwrap().pending_upcalls(), 2);
    // Wait-for satisfied at once: values in x0-x2, appdata in x3.
    assert_eq!(
        w.call(0, [2, d, 0, 0]),
        SyscallOutcome::Return([1, 2, 3, 7])
    );
}

#[test]
fn resubscribe_cancels_pending_upcalls() {
    let w = world(8192);
    let d = u64::from(TEST_DRIVER);
    w.ret(1, [d, 0, UPCALL_FN, 0]);
    w.ret(2, [d, 1, 0, 1]);
    w.ret(1, [d, 0, UPCALL_FN + 4, 0]);
    assert_eq!(w.kernel.process(w.pid).unwrap().pending_upcalls(), 0);
    assert_eq!(w.call(0, [0, 0, 0, 0]), SyscallOutcome::Resume);
}

#[test]
fn a_driver_sees_whether_its_upcall_is_still_pending() {
    let w = world(8192);
    let d = u64::from(TEST_DRIVER);
    let pending = |n: u64| w.ret(2, [d, 5, n, 0]);
    w.ret(1, [d, 0, UPCALL_FN, 0]);
    assert_eq!(pending(0), r(SyscallReturn::SuccessU32(0)));
    w.ret(2, [d, 1, 0, 1]);
    assert_eq!(pending(0), r(SyscallReturn::SuccessU32(1)));
    // Only that subscribe number: 1 is not pending; out of range is not.
    assert_eq!(pending(1), r(SyscallReturn::SuccessU32(0)));
    assert_eq!(pending(99), r(SyscallReturn::SuccessU32(0)));
    // Delivered: no longer pending.
    assert!(matches!(
        w.call(0, [1, 0, 0, 0]),
        SyscallOutcome::Upcall { .. }
    ));
    assert_eq!(pending(0), r(SyscallReturn::SuccessU32(0)));
}

#[test]
fn upcall_queue_is_bounded() {
    let w = world(8192);
    let d = u64::from(TEST_DRIVER);
    w.ret(1, [d, 0, UPCALL_FN, 0]);
    for _ in 0..UPCALL_QUEUE_LEN {
        assert_eq!(w.ret(2, [d, 1, 0, 0]), r(SyscallReturn::Success));
    }
    assert_eq!(
        w.ret(2, [d, 1, 0, 0]),
        r(SyscallReturn::Failure(ErrorCode::NoMem))
    );
    assert_eq!(
        w.ret(2, [d, 1, 5, 0]),
        r(SyscallReturn::Failure(ErrorCode::Inval))
    );
}

#[test]
fn memop_reports_layout_and_bounds_brk() {
    let w = world(8192);
    let layout = w.kernel.process(w.pid).unwrap().layout().unwrap();
    let ram_end = layout.ram().end();
    assert_eq!(
        w.ret(5, [2, 0, 0, 0]),
        r(SyscallReturn::SuccessAddress(APP_RAM_BASE))
    );
    assert_eq!(
        w.ret(5, [3, 0, 0, 0]),
        r(SyscallReturn::SuccessAddress(ram_end))
    );
    assert_eq!(
        w.ret(5, [4, 0, 0, 0]),
        r(SyscallReturn::SuccessAddress(APP_IMAGE_BASE))
    );
    assert_eq!(
        w.ret(5, [5, 0, 0, 0]),
        r(SyscallReturn::SuccessAddress(layout.image().end()))
    );
    assert_eq!(
        w.ret(5, [6, 0, 0, 0]),
        r(SyscallReturn::SuccessAddress(ram_end))
    );
    assert_eq!(w.ret(5, [7, 0, 0, 0]), r(SyscallReturn::SuccessU32(0)));
    assert_eq!(
        w.ret(5, [8, 0, 0, 0]),
        r(SyscallReturn::Failure(ErrorCode::Inval))
    );
    assert_eq!(
        w.ret(5, [1, 64, 0, 0]),
        r(SyscallReturn::SuccessAddress(APP_RAM_BASE))
    );
    assert_eq!(
        w.ret(5, [1, 0, 0, 0]),
        r(SyscallReturn::SuccessAddress(APP_RAM_BASE + 64))
    );
    assert_eq!(
        w.ret(5, [1, (-128i64) as u64, 0, 0]),
        r(SyscallReturn::Failure(ErrorCode::NoMem))
    );
    assert_eq!(
        w.ret(5, [1, i64::MAX as u64, 0, 0]),
        r(SyscallReturn::Failure(ErrorCode::NoMem))
    );
    assert_eq!(
        w.ret(5, [0, ram_end + 1, 0, 0]),
        r(SyscallReturn::Failure(ErrorCode::NoMem))
    );
    assert_eq!(w.ret(5, [0, ram_end, 0, 0]), r(SyscallReturn::Success));
    assert_eq!(
        w.ret(5, [12, 0, 0, 0]),
        r(SyscallReturn::Failure(ErrorCode::NoSupport))
    );
    assert_eq!(
        w.ret(9, [0, 0, 0, 0]),
        r(SyscallReturn::Failure(ErrorCode::NoSupport))
    );
}

#[test]
fn grant_reentry_is_refused() {
    let w = world(8192);
    let outer = w
        .drivers
        .test
        .grant
        .enter(w.pid, |_, _| w.drivers.test.grant.enter(w.pid, |_, _| ()));
    assert_eq!(outer, Ok(Err(kernel::grant::GrantError::AlreadyEntered)));
    // And the flag is cleared afterwards.
    assert_eq!(w.drivers.test.grant.enter(w.pid, |s, _| s.commands), Ok(0));
}

#[test]
fn tbf_permissions_restrict_drivers_and_commands() {
    let k = kernel(1);
    let d = drivers(k);
    // TEST_DRIVER commands 0 and 2 only; HUGE_DRIVER not listed.
    let mut entries = Vec::new();
    for w in [TEST_DRIVER, 0, 0b101, 0] {
        entries.extend_from_slice(&w.to_le_bytes());
    }
    let perms = kernel::tbf::Permissions::new(Box::leak(entries.into_boxed_slice())).unwrap();
    let h = kernel::tbf::parse(HELLO).unwrap();
    let plan = kernel::memory::MemoryPlan::new(h.total_size.into(), 16384, 8192).unwrap();
    let (image, ram) = (pages(plan.image_bytes), pages(plan.ram_block_bytes()));
    let layout = kernel::memory::ProcessLayout::new(
        plan,
        kernel::memory::Backing {
            pa: image,
            kva: image,
        },
        kernel::memory::Backing { pa: ram, kva: ram },
    )
    .unwrap();
    let app = kernel::kernel::AppInfo {
        entry: APP_IMAGE_BASE + 4096,
        name: "p",
        fault_policy: FaultPolicy::Stop,
        permissions: Some(perms),
    };
    // SAFETY: fresh leaked allocations, used by nothing else.
    let pid = unsafe { k.load_process(layout, app, &Caps) }.unwrap();
    let w = World {
        kernel: k,
        drivers: d,
        pid,
        ram_kva: ram,
    };
    let t = u64::from(TEST_DRIVER);
    let h = u64::from(HUGE_DRIVER);
    assert_eq!(w.ret(2, [t, 0, 0, 0]), r(SyscallReturn::Success));
    assert_eq!(
        w.ret(2, [t, 1, 0, 0]),
        r(SyscallReturn::Failure(ErrorCode::NoSupport))
    );
    assert_eq!(
        w.ret(2, [h, 0, 0, 0]),
        r(SyscallReturn::Failure(ErrorCode::NoDevice))
    );
    assert_eq!(
        w.ret(1, [h, 0, UPCALL_FN, 3]),
        r(SyscallReturn::SubscribeFailure(
            ErrorCode::NoDevice,
            UPCALL_FN,
            3
        ))
    );
    assert_eq!(
        w.ret(3, [h, 0, APP_RAM_BASE, 4]),
        r(SyscallReturn::AllowFailure(
            ErrorCode::NoDevice,
            APP_RAM_BASE,
            4
        ))
    );
    // Allow and subscribe on a listed driver are always permitted.
    assert_eq!(
        w.ret(3, [t, 0, APP_RAM_BASE, 4]),
        r(SyscallReturn::AllowSuccess(0, 0))
    );
    assert_eq!(
        w.ret(1, [t, 0, UPCALL_FN, 3]),
        r(SyscallReturn::SubscribeSuccess(0, 0))
    );
}
