// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The case generator: random and hostile arguments for every class, each
//! paired with the answer doc/reference/aarch64-abi.md requires. Every case
//! has at most one fault whose error code the ABI fixes, so the expected
//! code is exact; cases with two faults accept either code.
//!
//! Nothing generated may block, end the process or start real I/O: no
//! yield-wait, no valid yield-wait-for, no exit 0/1, no console command
//! other than 0 ("exists") or unknown numbers, and allowed buffers only in
//! the fuzzer's own scratch buffer or the read-only image (never the
//! stack). `tests::generated_cases_are_harmless` checks this.

use libportcullis::abi::{ErrorCode, class, memop_op, yield_kind};
use libportcullis::drivers;

use crate::case::{Call, Case, Effect, Expect, Tracked, Wrong, judge};
use crate::memory::Memory;
use crate::prng::XorShift64;

/// Drivers every board with apps installs (the apps themselves use them).
const KNOWN: [u32; 2] = [drivers::CONSOLE, drivers::ALARM];
/// Subscribe/allow numbers at or above this exist on no driver.
const NO_SUCH_SLOT: u64 = 64;
/// Command numbers at or above this exist on no driver.
const NO_SUCH_COMMAND: u64 = 1000;
/// Class immediates that are not system calls (ABI §2).
pub const BAD_CLASSES: [u16; 11] = [8, 9, 10, 11, 12, 13, 14, 15, 16, 255, 0xFFFF];

/// Generator and bookkeeping for one fuzz run.
#[derive(Clone, Debug)]
pub struct Fuzzer {
    rng: XorShift64,
    memory: Memory,
    held: [Option<(u64, u64)>; Tracked::ALL.len()],
    brk: u64,
    calls: u64,
}

impl Fuzzer {
    /// A fuzzer for a process with `memory`, seeded with `seed`. Tracked
    /// slots start unknown (the runtime may have used them already).
    pub fn new(seed: u64, memory: Memory) -> Self {
        Self {
            rng: XorShift64::new(seed),
            memory,
            held: [None; Tracked::ALL.len()],
            brk: memory.initial_break,
            calls: 0,
        }
    }

    /// Calls judged so far.
    pub const fn calls(&self) -> u64 {
        self.calls
    }

    /// The break as the fuzzer believes it is.
    pub const fn current_break(&self) -> u64 {
        self.brk
    }

    /// The next case.
    pub fn next_case(&mut self) -> Case {
        match self.rng.below(12) {
            0 => self.command(),
            1 => self.subscribe(),
            2 | 3 => self.allow(class::ALLOW_RO),
            4 | 5 => self.allow(class::ALLOW_RW),
            6 => self.allow(class::ALLOW_USERSPACE_READABLE),
            7 | 8 => self.memop(),
            9 => self.yield_(),
            10 => self.exit(),
            _ => self.bad_class(),
        }
    }

    /// Judges the answer to `case` and, if right, applies its effects.
    /// A wrong answer about a tracked slot makes the slot unknown again,
    /// so one error is reported once.
    pub fn record(
        &mut self,
        case: &Case,
        got: [u64; 4],
        result_byte: Option<u8>,
    ) -> Result<(), Wrong> {
        self.calls += 1;
        let held = match case.expect {
            Expect::Swap { slot, .. } => self.held[slot.index()],
            _ => None,
        };
        let verdict = judge(case, got, held, result_byte);
        if let Expect::Swap { slot, now } = case.expect {
            self.held[slot.index()] = verdict.is_ok().then_some(now);
        }
        if verdict.is_ok()
            && let Effect::Break(b) = case.effect
        {
            self.brk = b;
        }
        verdict
    }

    // ----- argument builders -----

    fn unknown_driver(&mut self) -> u64 {
        loop {
            let d = self.rng.next_u32();
            if !drivers::ALL.contains(&d) {
                return d.into();
            }
        }
    }

    /// A value that does not fit a 32-bit field.
    fn wide(&mut self) -> u64 {
        self.rng.next_u64() | (1 << 32)
    }

    fn known_driver(&mut self) -> u32 {
        self.rng.pick(&KNOWN)
    }

    fn no_such_slot(&mut self) -> u64 {
        self.rng.between(NO_SUCH_SLOT, u32::MAX.into())
    }

    /// A buffer inside the scratch area: any alignment, any length >= 1,
    /// overlapping earlier ones at random.
    fn scratch_buffer(&mut self) -> (u64, u64) {
        let s = self.memory.scratch;
        let address = s.start + self.rng.below(s.len());
        let len = 1 + self.rng.below(s.end - address);
        (address, len)
    }

    /// A buffer inside the image (readable, never writable).
    fn image_buffer(&mut self) -> (u64, u64) {
        let i = self.memory.image;
        let address = i.start + self.rng.below(i.len());
        let len = 1 + self.rng.below((i.end - address).min(256));
        (address, len)
    }

    /// A non-empty buffer that is certainly not (wholly) readable.
    fn unreadable_buffer(&mut self) -> (u64, u64) {
        let m = self.memory;
        loop {
            let (address, len) = match self.rng.below(8) {
                // Null page and everything below the image.
                0 => (self.rng.below(m.image.start), 1 + self.rng.below(4096)),
                // Kernel (TTBR1) addresses.
                1 => (
                    0xFFFF_0000_0000_0000 | self.rng.next_u64(),
                    1 + self.rng.below(64),
                ),
                // Wraps around the top of the address space.
                2 => (u64::MAX - self.rng.below(64), 1 + self.rng.below(4096)),
                // Starts in RAM, runs past its end (huge lengths included).
                3 => {
                    let start = m.ram.start + self.rng.below(m.ram.len());
                    (start, (m.ram.end - start) + 1 + self.rng.below(1 << 20))
                }
                4 => (
                    m.ram.start + self.rng.below(m.ram.len()),
                    u64::MAX - self.rng.below(8),
                ),
                // The guard between image and RAM.
                5 => {
                    let guard = m.image_mapped().end;
                    (
                        guard + self.rng.below(m.ram.start - guard),
                        1 + self.rng.below(64),
                    )
                }
                // The grant region and above: never process memory.
                6 => (
                    m.ram.end + self.rng.below(1 << 24),
                    1 + self.rng.below(4096),
                ),
                _ => (self.rng.next_u64(), self.rng.next_u64()),
            };
            if m.surely_unreadable(address, len) {
                return (address, len);
            }
        }
    }

    /// A non-empty buffer that is certainly not (wholly) writable: an
    /// unreadable one, or one in the read-only image.
    fn unwritable_buffer(&mut self) -> (u64, u64) {
        if self.rng.one_in(3) {
            self.image_buffer()
        } else {
            self.unreadable_buffer()
        }
    }

    /// An address whose byte the process certainly cannot write.
    fn unwritable_address(&mut self) -> u64 {
        loop {
            let (address, _) = self.unwritable_buffer();
            if self.memory.surely_unwritable(address, 1) {
                return address;
            }
        }
    }

    /// A good buffer for `allow_class`: scratch, or (read-only) the image,
    /// or a zero-length buffer at any address.
    fn good_buffer(&mut self, allow_class: u16) -> (u64, u64) {
        match self.rng.below(5) {
            0 => (self.rng.next_u64(), 0),
            1 if allow_class == class::ALLOW_RO => self.image_buffer(),
            _ => self.scratch_buffer(),
        }
    }

    fn bad_upcall(&mut self) -> u64 {
        let m = self.memory;
        loop {
            let address = match self.rng.below(6) {
                0 => m.upcall + self.rng.between(1, 3),
                1 => m.ram.start + self.rng.below(m.ram.len()),
                2 => 0xFFFF_0000_0000_0000 | self.rng.next_u64(),
                3 => self.rng.between(1, m.image.start - 1),
                4 => m.image_mapped().end + 4 * self.rng.below(1 << 20),
                _ => self.rng.next_u64(),
            };
            if m.surely_bad_upcall(address) {
                return address;
            }
        }
    }

    fn case(&self, class: u16, args: [u64; 4], expect: Expect) -> Case {
        Case {
            call: Call { class, args },
            expect,
            effect: Effect::None,
            result_byte: None,
        }
    }

    // ----- per-class generators -----

    fn command(&mut self) -> Case {
        let (a0, a1) = (self.rng.next_u64(), self.rng.next_u64());
        let c = class::COMMAND;
        match self.rng.below(6) {
            0 => {
                let d = self.unknown_driver();
                let n = self.rng.next_u32().into();
                self.case(c, [d, n, a0, a1], Expect::Failure(ErrorCode::NoDevice))
            }
            1 => {
                let d = self.wide();
                self.case(c, [d, 0, a0, a1], Expect::Failure(ErrorCode::Invalid))
            }
            2 => {
                let (d, n) = (self.known_driver().into(), self.wide());
                self.case(c, [d, n, a0, a1], Expect::Failure(ErrorCode::Invalid))
            }
            3 => {
                let d = self.known_driver().into();
                self.case(c, [d, 0, a0, a1], Expect::Success)
            }
            4 => {
                // TRD104 4.3: an unknown command number is NOSUPPORT.
                let d = self.known_driver().into();
                let n = self.rng.between(NO_SUCH_COMMAND, u32::MAX.into());
                self.case(c, [d, n, a0, a1], Expect::Failure(ErrorCode::NoSupport))
            }
            _ => {
                // The alarm's real commands with random arguments: the
                // driver chooses the variant, the kernel must encode it
                // legally. (The console's would start real I/O.)
                let n = self.rng.between(1, 6);
                self.case(c, [drivers::ALARM.into(), n, a0, a1], Expect::AnyLegal)
            }
        }
    }

    fn subscribe(&mut self) -> Case {
        let c = class::SUBSCRIBE;
        let data = self.rng.next_u64();
        let good_fn = if self.rng.one_in(3) {
            0
        } else {
            self.memory.upcall
        };
        match self.rng.below(6) {
            0 => {
                let d = self.unknown_driver();
                let n = self.rng.below(4);
                self.case(
                    c,
                    [d, n, good_fn, data],
                    Expect::FailureEcho(ErrorCode::NoDevice),
                )
            }
            1 => {
                let (d, n) = if self.rng.one_in(2) {
                    (self.wide(), 0)
                } else {
                    (self.known_driver().into(), self.wide())
                };
                self.case(
                    c,
                    [d, n, good_fn, data],
                    Expect::FailureEcho(ErrorCode::Invalid),
                )
            }
            2 => {
                let d = self.known_driver().into();
                let n = self.no_such_slot();
                self.case(
                    c,
                    [d, n, good_fn, data],
                    Expect::FailureEcho(ErrorCode::Invalid),
                )
            }
            3 => {
                let d = self.known_driver().into();
                let f = self.bad_upcall();
                self.case(c, [d, 0, f, data], Expect::FailureEcho(ErrorCode::Invalid))
            }
            4 => {
                // Bad pointer on a missing driver: either check may come first.
                let d = self.unknown_driver();
                let f = self.bad_upcall();
                let either = Expect::FailureEchoEither(ErrorCode::Invalid, ErrorCode::NoDevice);
                self.case(c, [d, 0, f, data], either)
            }
            _ => {
                let (slot, d, n) = if self.rng.one_in(2) {
                    (Tracked::ConsoleUpcall, drivers::CONSOLE, 1)
                } else {
                    (Tracked::AlarmUpcall, drivers::ALARM, 0)
                };
                let swap = Expect::Swap {
                    slot,
                    now: (good_fn, data),
                };
                self.case(c, [d.into(), n, good_fn, data], swap)
            }
        }
    }

    fn allow(&mut self, c: u16) -> Case {
        let ro = c == class::ALLOW_RO;
        let (good_a, good_l) = self.good_buffer(c);
        let console: u64 = drivers::CONSOLE.into();
        match self.rng.below(6) {
            0 => {
                let d = self.unknown_driver();
                let n = self.rng.below(4);
                self.case(
                    c,
                    [d, n, good_a, good_l],
                    Expect::FailureEcho(ErrorCode::NoDevice),
                )
            }
            1 => {
                let (d, n) = if self.rng.one_in(2) {
                    (self.wide(), 1)
                } else {
                    (console, self.wide())
                };
                self.case(
                    c,
                    [d, n, good_a, good_l],
                    Expect::FailureEcho(ErrorCode::Invalid),
                )
            }
            _ if c == class::ALLOW_USERSPACE_READABLE => {
                // No driver supports it (ABI §4.4); a bad buffer may be
                // noticed first.
                let (a, l) = if self.rng.one_in(2) {
                    (good_a, good_l)
                } else {
                    self.unwritable_buffer()
                };
                let either = Expect::FailureEchoEither(ErrorCode::NoSupport, ErrorCode::Invalid);
                self.case(c, [console, 1, a, l], either)
            }
            2 => {
                let n = self.no_such_slot();
                self.case(
                    c,
                    [console, n, good_a, good_l],
                    Expect::FailureEcho(ErrorCode::Invalid),
                )
            }
            3 | 4 => {
                let (a, l) = if ro {
                    self.unreadable_buffer()
                } else {
                    self.unwritable_buffer()
                };
                self.case(
                    c,
                    [console, 1, a, l],
                    Expect::FailureEcho(ErrorCode::Invalid),
                )
            }
            _ => {
                let slot = if ro {
                    Tracked::ConsoleRo
                } else {
                    Tracked::ConsoleRw
                };
                // A zero-length buffer is stored as the null buffer.
                let now = if good_l == 0 {
                    (0, 0)
                } else {
                    (good_a, good_l)
                };
                self.case(c, [console, 1, good_a, good_l], Expect::Swap { slot, now })
            }
        }
    }

    fn memop(&mut self) -> Case {
        let m = self.memory;
        let c = class::MEMOP;
        let arg = self.rng.next_u64();
        let value = |v| Expect::Value(v);
        match self.rng.below(12) {
            0 => {
                let op = self.rng.between(12, u64::MAX);
                self.case(c, [op, arg, 0, 0], Expect::Failure(ErrorCode::NoSupport))
            }
            1 => {
                // brk outside [RAM start, RAM end]: below or above.
                let target = if self.rng.one_in(2) {
                    self.rng.below(m.ram.start)
                } else {
                    self.rng.between(m.ram.end + 1, u64::MAX)
                };
                self.case(
                    c,
                    [memop_op::BRK, target, 0, 0],
                    Expect::Failure(ErrorCode::NoMem),
                )
            }
            2 => {
                let target = self.rng.between(m.ram.start, m.ram.end);
                let mut case = self.case(c, [memop_op::BRK, target, 0, 0], Expect::Success);
                case.effect = Effect::Break(target);
                case
            }
            3 => {
                // sbrk past either end (as a signed delta).
                let delta = if self.rng.one_in(2) {
                    (m.ram.end - self.brk + 1 + self.rng.below(1 << 30)) as i64
                } else {
                    -((self.brk - m.ram.start + 1 + self.rng.below(1 << 30)) as i64)
                };
                let delta = if self.rng.one_in(8) { i64::MIN } else { delta };
                self.case(
                    c,
                    [memop_op::SBRK, delta as u64, 0, 0],
                    Expect::Failure(ErrorCode::NoMem),
                )
            }
            4 => {
                let target = self.rng.between(m.ram.start, m.ram.end);
                let delta = target.wrapping_sub(self.brk);
                let mut case = self.case(c, [memop_op::SBRK, delta, 0, 0], value(self.brk));
                case.effect = Effect::Break(target);
                case
            }
            5 => self.case(c, [memop_op::RAM_START, arg, 0, 0], value(m.ram.start)),
            6 => self.case(c, [memop_op::RAM_END, arg, 0, 0], value(m.ram.end)),
            7 => self.case(c, [memop_op::IMAGE_START, arg, 0, 0], value(m.image.start)),
            8 => self.case(c, [memop_op::IMAGE_END, arg, 0, 0], value(m.image.end)),
            9 => self.case(c, [memop_op::GRANT_START, arg, 0, 0], value(m.ram.end)),
            10 => {
                let op = self
                    .rng
                    .pick(&[memop_op::FLASH_REGION_START, memop_op::FLASH_REGION_END]);
                self.case(c, [op, arg, 0, 0], Expect::Failure(ErrorCode::Invalid))
            }
            _ => match self.rng.below(3) {
                0 => self.case(c, [memop_op::FLASH_REGION_COUNT, arg, 0, 0], value(0)),
                _ => {
                    let op = self.rng.pick(&[memop_op::STACK_HINT, memop_op::HEAP_HINT]);
                    self.case(c, [op, arg, 0, 0], Expect::Success)
                }
            },
        }
    }

    fn yield_(&mut self) -> Case {
        let c = class::YIELD;
        let r = [
            self.rng.next_u64(),
            self.rng.next_u64(),
            self.rng.next_u64(),
        ];
        match self.rng.below(4) {
            0 => {
                let n = self.rng.between(3, u64::MAX);
                self.case(c, [n, r[0], r[1], r[2]], Expect::Unchanged)
            }
            1 => {
                // Wait-for with a field too wide: returns at once.
                let (d, s) = if self.rng.one_in(2) {
                    (self.wide(), r[0] & 0xFFFF_FFFF)
                } else {
                    (r[0] & 0xFFFF_FFFF, self.wide())
                };
                self.case(c, [yield_kind::WAIT_FOR, d, s, r[2]], Expect::Unchanged)
            }
            2 => {
                // The result byte somewhere the process cannot write.
                let a = self.unwritable_address();
                self.case(c, [yield_kind::NO_WAIT, a, r[1], r[2]], Expect::YieldNoWait)
            }
            _ => {
                let (a, _) = self.scratch_buffer();
                let mut case =
                    self.case(c, [yield_kind::NO_WAIT, a, r[1], r[2]], Expect::YieldNoWait);
                case.result_byte = Some(a);
                case
            }
        }
    }

    fn exit(&mut self) -> Case {
        let n = self.rng.between(2, u64::MAX);
        let code = self.rng.next_u64();
        self.case(
            class::EXIT,
            [n, code, 0, 0],
            Expect::Failure(ErrorCode::NoSupport),
        )
    }

    fn bad_class(&mut self) -> Case {
        let c = self.rng.pick(&BAD_CLASSES);
        let args = [
            self.rng.next_u64(),
            self.rng.next_u64(),
            self.rng.next_u64(),
            self.rng.next_u64(),
        ];
        self.case(c, args, Expect::Failure(ErrorCode::NoSupport))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::tests::sample;

    const CASES: usize = 200_000;

    fn cases(seed: u64) -> impl Iterator<Item = (Fuzzer, Case)> {
        let mut f = Fuzzer::new(seed, sample());
        core::iter::from_fn(move || {
            let case = f.next_case();
            Some((f.clone(), case))
        })
        .take(CASES)
    }

    #[test]
    fn generated_cases_are_harmless() {
        let m = sample();
        for (_, case) in cases(1) {
            let [x0, x1, x2, x3] = case.call.args;
            match case.call.class {
                class::YIELD => {
                    assert_ne!(x0, yield_kind::WAIT, "would block");
                    if x0 == yield_kind::WAIT_FOR {
                        assert!(x1 > u32::MAX.into() || x2 > u32::MAX.into(), "would block");
                    }
                    if x0 == yield_kind::NO_WAIT && m.writable(x1, 1) {
                        assert!(m.scratch.holds(x1, 1), "writes outside scratch");
                    }
                }
                class::EXIT => assert!(x0 > 1, "would exit"),
                class::COMMAND if x0 == drivers::CONSOLE.into() => {
                    assert!(x1 == 0 || x1 >= NO_SUCH_COMMAND, "console I/O")
                }
                class::ALLOW_RW | class::ALLOW_USERSPACE_READABLE if m.writable(x2, x3) => {
                    assert!(m.scratch.holds(x2, x3), "rw allow outside scratch")
                }
                class::ALLOW_RO if m.ram.holds(x2, x3) => {
                    assert!(m.scratch.holds(x2, x3), "ro allow of the stack")
                }
                _ => {}
            }
        }
    }

    #[test]
    fn expected_failures_really_are_faults_in_the_memory_model() {
        let m = sample();
        for (_, case) in cases(2) {
            let [x0, x1, x2, x3] = case.call.args;
            let c = case.call.class;
            let inval = case.expect == Expect::FailureEcho(ErrorCode::Invalid);
            let fields_fit = x0 <= u32::MAX.into() && x1 < NO_SUCH_SLOT;
            if c == class::SUBSCRIBE && inval && fields_fit {
                assert!(m.surely_bad_upcall(x2), "{case:?}");
            }
            if c == class::ALLOW_RO && inval && fields_fit {
                assert!(m.surely_unreadable(x2, x3), "{case:?}");
            }
            if c == class::ALLOW_RW && inval && fields_fit {
                assert!(m.surely_unwritable(x2, x3), "{case:?}");
            }
            if let Expect::Swap { .. } = case.expect {
                let ok = match c {
                    class::SUBSCRIBE => m.valid_upcall(x2),
                    class::ALLOW_RO => x3 == 0 || m.readable(x2, x3),
                    _ => x3 == 0 || m.writable(x2, x3),
                };
                assert!(ok, "{case:?}");
            }
            if c == class::COMMAND && case.expect == Expect::Failure(ErrorCode::NoDevice) {
                assert!(!drivers::ALL.iter().any(|&d| u64::from(d) == x0));
            }
        }
    }

    #[test]
    fn every_class_and_every_expectation_is_exercised() {
        let mut classes = [0usize; 8];
        let mut bad = 0;
        let (mut swaps, mut unchanged, mut values) = (0, 0, 0);
        for (_, case) in cases(3) {
            match case.call.class {
                c @ 0..=7 => classes[c as usize] += 1,
                _ => bad += 1,
            }
            match case.expect {
                Expect::Swap { .. } => swaps += 1,
                Expect::Unchanged => unchanged += 1,
                Expect::Value(_) => values += 1,
                _ => {}
            }
        }
        assert!(classes.iter().all(|&n| n > 1000), "{classes:?}");
        assert!(bad > 1000 && swaps > 1000 && unchanged > 1000 && values > 1000);
    }

    #[test]
    fn same_seed_same_cases() {
        let a: std::vec::Vec<Case> = cases(9).take(1000).map(|(_, c)| c).collect();
        let b: std::vec::Vec<Case> = cases(9).take(1000).map(|(_, c)| c).collect();
        assert_eq!(a, b);
    }

    /// Answers a case as a correct kernel would (from the fuzzer's model).
    fn ideal_answer(f: &Fuzzer, case: &Case, held: &mut [(u64, u64); 4]) -> [u64; 4] {
        let [_, _, x2, x3] = case.call.args;
        match case.expect {
            Expect::Failure(code) => [0, code as u64, 0, 0],
            Expect::FailureEcho(code) | Expect::FailureEchoEither(code, _) => {
                [2, code as u64, x2, x3]
            }
            Expect::Swap { slot, now } => {
                let old = core::mem::replace(&mut held[slot.index()], now);
                [130, old.0, old.1, 0]
            }
            Expect::Success => [128, 0, 0, 0],
            Expect::Value(v) => [129, v, 0, 0],
            Expect::AnyLegal => [0, ErrorCode::Busy as u64, 0, 0],
            Expect::Unchanged => case.call.args,
            Expect::YieldNoWait => {
                let _ = f;
                [0; 4]
            }
        }
    }

    #[test]
    fn a_correct_kernel_passes_and_a_stale_previous_is_caught() {
        let mut f = Fuzzer::new(4, sample());
        let mut held = [(0, 0); 4];
        let mut caught = false;
        for i in 0..20_000 {
            let case = f.next_case();
            let mut got = ideal_answer(&f, &case, &mut held);
            let byte = case.result_byte.map(|_| 0);
            // Once, pretend the kernel forgot a swap (returns a stale pair).
            if !caught && i > 100 && matches!(case.expect, Expect::Swap { .. }) {
                got[1] ^= 4;
                assert!(matches!(
                    f.record(&case, got, byte),
                    Err(Wrong::WrongPrevious { .. })
                ));
                caught = true;
                // Resynchronise the model: the kernel did store the new value.
                continue;
            }
            assert_eq!(f.record(&case, got, byte), Ok(()), "case {i}: {case:?}");
        }
        assert!(caught);
        assert_eq!(f.calls(), 20_000);
    }

    #[test]
    fn the_break_follows_successful_brk_and_sbrk() {
        let mut f = Fuzzer::new(5, sample());
        let mut held = [(0, 0); 4];
        for _ in 0..5000 {
            let case = f.next_case();
            let got = ideal_answer(&f, &case, &mut held);
            f.record(&case, got, case.result_byte.map(|_| 1)).unwrap();
            let b = f.current_break();
            assert!(sample().ram.start <= b && b <= sample().ram.end);
        }
    }
}
