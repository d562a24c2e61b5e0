// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Typed wrappers for every system-call class (ABI §4), each returning a
//! `Result` with a TRD104 [`ErrorCode`]. An answer that does not decode
//! (wrong variant for the class, stray register values) becomes
//! [`ErrorCode::BadRVal`].
//!
//! Safe where the call cannot hand the kernel memory it may outlive:
//! Command, Memop, Yield, Exit, Subscribe (of a safe `extern "C" fn`), and
//! scoped allows ([`with_allow_ro`], [`with_allow_rw`]) that un-allow
//! before the borrow ends. The raw allows are `unsafe`.

use crate::abi::{ErrorCode, Return, class, exit_kind, memop_op, yield_kind};
use crate::raw;

/// An upcall: an AAPCS64 function taking the driver's three values and the
/// application data given at Subscribe (ABI §6).
pub type Upcall = extern "C" fn(u64, u64, u64, u64);

/// A buffer the kernel held before an allow or subscribe replaced it:
/// (address, size) for allows, (upcall address, application data) for
/// subscribe. (0, 0) is the null buffer / Null Upcall.
pub type Previous = (u64, u64);

/// Decodes the return of a call whose success is Success-with-2-values and
/// whose failure echoes the arguments (Subscribe, the allows: ABI §4.2,
/// §4.4): Ok(previous pair) or the error code.
fn pair_result(regs: [u64; 4]) -> Result<Previous, ErrorCode> {
    match Return::decode(regs) {
        Ok(Return::Success2U32(a, b)) => Ok((a, b)),
        Ok(Return::Failure2U32(code, ..)) => Err(code),
        _ => Err(ErrorCode::BadRVal),
    }
}

/// Decodes any return: Ok for a success variant, the error code for a
/// failure, BADRVAL for registers that are not a legal return.
fn any_result(regs: [u64; 4]) -> Result<Return, ErrorCode> {
    match Return::decode(regs) {
        Ok(r) => match r.error() {
            Some(code) => Err(code),
            None => Ok(r),
        },
        Err(_) => Err(ErrorCode::BadRVal),
    }
}

/// A Command (`svc #2`) under construction:
/// `Command::new(driver, number).args(a, b).call()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use = "a Command does nothing until it is called"]
pub struct Command {
    driver: u32,
    number: u32,
    arg0: u64,
    arg1: u64,
}

impl Command {
    /// Command `number` of `driver`, with both arguments 0.
    pub const fn new(driver: u32, number: u32) -> Self {
        Self {
            driver,
            number,
            arg0: 0,
            arg1: 0,
        }
    }

    /// Sets the two arguments (full 64-bit values, ABI §4.3).
    pub const fn args(self, arg0: u64, arg1: u64) -> Self {
        Self { arg0, arg1, ..self }
    }

    /// The registers this command passes in `x0`–`x3`.
    pub const fn registers(&self) -> [u64; 4] {
        [self.driver as u64, self.number as u64, self.arg0, self.arg1]
    }

    /// Issues the command: Ok with the success variant the driver chose,
    /// or the failure's error code.
    pub fn call(self) -> Result<Return, ErrorCode> {
        // SAFETY: Command passes only values; the kernel reads no process
        // memory for it beyond what earlier allows granted.
        any_result(unsafe { raw::syscall::<{ class::COMMAND }>(self.registers()) })
    }

    /// Issues a command whose success is plain Success.
    pub fn call_success(self) -> Result<(), ErrorCode> {
        self.call()?.expect_success()
    }

    /// Issues a command whose success is Success-with-u32.
    pub fn call_u32(self) -> Result<u32, ErrorCode> {
        self.call()?.expect_u32()
    }

    /// Issues a command whose success is Success-with-u64.
    pub fn call_u64(self) -> Result<u64, ErrorCode> {
        self.call()?.expect_u64()
    }
}

/// Subscribe (`svc #1`): registers `upcall` (or the Null Upcall for
/// `None`) with `data` for (driver, number). Returns the previous pair.
pub fn subscribe(
    driver: u32,
    number: u32,
    upcall: Option<Upcall>,
    data: u64,
) -> Result<Previous, ErrorCode> {
    let address = upcall.map_or(0, |f| f as *const () as u64);
    // SAFETY: `upcall` is a safe function of the upcall signature, so the
    // kernel invoking it with any values is sound.
    pair_result(unsafe {
        raw::syscall::<{ class::SUBSCRIBE }>([driver.into(), number.into(), address, data])
    })
}

/// Read-only Allow (`svc #4`) of `len` bytes at `address`.
///
/// # Safety
///
/// The memory must stay valid and unmodified by Rust code that assumes
/// exclusive access until it is un-allowed; the kernel may read it.
pub unsafe fn allow_ro_raw(
    driver: u32,
    number: u32,
    address: u64,
    len: u64,
) -> Result<Previous, ErrorCode> {
    // SAFETY: the caller upholds the contract above.
    pair_result(unsafe {
        raw::syscall::<{ class::ALLOW_RO }>([driver.into(), number.into(), address, len])
    })
}

/// Read-write Allow (`svc #3`) of `len` bytes at `address`.
///
/// # Safety
///
/// The memory must stay valid and not be accessed by Rust code until it is
/// un-allowed; the kernel may read and write it.
pub unsafe fn allow_rw_raw(
    driver: u32,
    number: u32,
    address: u64,
    len: u64,
) -> Result<Previous, ErrorCode> {
    // SAFETY: the caller upholds the contract above.
    pair_result(unsafe {
        raw::syscall::<{ class::ALLOW_RW }>([driver.into(), number.into(), address, len])
    })
}

/// Userspace-readable Allow (`svc #7`). No driver supports it yet (ABI
/// §4.4), so this is for completeness and for tests.
///
/// # Safety
///
/// As [`allow_rw_raw`].
pub unsafe fn allow_userspace_readable_raw(
    driver: u32,
    number: u32,
    address: u64,
    len: u64,
) -> Result<Previous, ErrorCode> {
    // SAFETY: the caller upholds the contract above.
    pair_result(unsafe {
        raw::syscall::<{ class::ALLOW_USERSPACE_READABLE }>([
            driver.into(),
            number.into(),
            address,
            len,
        ])
    })
}

/// Read-only allows `buf` for the duration of `f`, then un-allows it.
/// The buffer is borrowed throughout, so nothing can free or change it
/// while the kernel may read it.
pub fn with_allow_ro<R>(
    driver: u32,
    number: u32,
    buf: &[u8],
    f: impl FnOnce() -> R,
) -> Result<R, ErrorCode> {
    // SAFETY: `buf` is borrowed (shared) until the un-allow below; a failed
    // un-allow ends the process before the borrow ends.
    unsafe { allow_ro_raw(driver, number, buf.as_ptr() as u64, buf.len() as u64)? };
    let result = f();
    // SAFETY: the null buffer hands the kernel no memory.
    let undone = unsafe { allow_ro_raw(driver, number, 0, 0) };
    if undone.is_err() {
        crate::exit::fatal(crate::exit::code::UNALLOW_FAILED);
    }
    Ok(result)
}

/// Read-write allows `buf` for the duration of `f`, then un-allows it.
/// `buf` is mutably borrowed throughout, so Rust code cannot touch it
/// while the kernel may write it.
pub fn with_allow_rw<R>(
    driver: u32,
    number: u32,
    buf: &mut [u8],
    f: impl FnOnce() -> R,
) -> Result<R, ErrorCode> {
    // SAFETY: `buf` is exclusively borrowed until the un-allow below; a
    // failed un-allow ends the process before the borrow ends.
    unsafe { allow_rw_raw(driver, number, buf.as_mut_ptr() as u64, buf.len() as u64)? };
    let result = f();
    // SAFETY: the null buffer hands the kernel no memory.
    let undone = unsafe { allow_rw_raw(driver, number, 0, 0) };
    if undone.is_err() {
        crate::exit::fatal(crate::exit::code::UNALLOW_FAILED);
    }
    Ok(result)
}

/// Memop (`svc #5`) operation `op` with argument `arg`, decoded.
pub fn memop(op: u64, arg: u64) -> Result<Return, ErrorCode> {
    // SAFETY: Memop changes only the kernel's bookkeeping (RAM is mapped
    // whole, ABI §4.5); it touches no process memory.
    any_result(unsafe { raw::syscall::<{ class::MEMOP }>([op, arg, 0, 0]) })
}

/// Typed Memop operations (ABI §4.5).
pub mod memop {
    use super::{ErrorCode, memop as call, memop_op};

    /// Sets the break to `address`.
    pub fn brk(address: u64) -> Result<(), ErrorCode> {
        call(memop_op::BRK, address)?.expect_success()
    }
    /// Moves the break by `delta`; returns the old break.
    pub fn sbrk(delta: i64) -> Result<u64, ErrorCode> {
        call(memop_op::SBRK, delta as u64)?.expect_u32_register()
    }
    /// Start of process RAM.
    pub fn ram_start() -> Result<u64, ErrorCode> {
        call(memop_op::RAM_START, 0)?.expect_u32_register()
    }
    /// End of process-accessible RAM (exclusive).
    pub fn ram_end() -> Result<u64, ErrorCode> {
        call(memop_op::RAM_END, 0)?.expect_u32_register()
    }
    /// Start of the process image.
    pub fn image_start() -> Result<u64, ErrorCode> {
        call(memop_op::IMAGE_START, 0)?.expect_u32_register()
    }
    /// End of the process image (exclusive).
    pub fn image_end() -> Result<u64, ErrorCode> {
        call(memop_op::IMAGE_END, 0)?.expect_u32_register()
    }
    /// Lowest address of the (unmapped) grant region.
    pub fn grant_start() -> Result<u64, ErrorCode> {
        call(memop_op::GRANT_START, 0)?.expect_u32_register()
    }
    /// Tells the kernel where the stack starts (for debugging).
    pub fn stack_hint(address: u64) -> Result<(), ErrorCode> {
        call(memop_op::STACK_HINT, address)?.expect_success()
    }
    /// Tells the kernel where the heap starts (for debugging).
    pub fn heap_hint(address: u64) -> Result<(), ErrorCode> {
        call(memop_op::HEAP_HINT, address)?.expect_success()
    }
}

/// Yield-no-wait: runs one pending upcall if there is one. Returns whether
/// an upcall ran (the kernel reports it through a result byte, ABI §4.1).
pub fn yield_no_wait() -> bool {
    let mut ran: u8 = 0xFF;
    let address = &raw mut ran as u64;
    // SAFETY: the kernel writes at most the one byte at `address`, which is
    // ours; upcalls that run are safe functions registered by Subscribe.
    unsafe { raw::yield_syscall([yield_kind::NO_WAIT, address, 0, 0]) };
    // SAFETY: `ran` is a live local that the kernel may have written
    // behind the compiler's back; read it volatile.
    unsafe { core::ptr::read_volatile(&raw const ran) == 1 }
}

/// Yield-wait: blocks until one upcall has run.
pub fn yield_wait() {
    // SAFETY: only upcalls registered by Subscribe (safe functions) run.
    unsafe { raw::yield_syscall([yield_kind::WAIT, 0, 0, 0]) };
}

/// What yield-wait-for returns: the upcall's three values and the
/// application data of its subscription (ABI §4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UpcallValues {
    /// The driver's three values.
    pub args: [u64; 3],
    /// The application data registered with Subscribe (0 if none).
    pub data: u64,
}

/// Yield-wait-for: blocks until an upcall for (driver, number) is queued
/// and returns its values without running any function (ABI §4.1).
pub fn yield_wait_for(driver: u32, number: u32) -> UpcallValues {
    // SAFETY: wait-for invokes no userspace function.
    let [a, b, c, data] =
        unsafe { raw::yield_syscall([yield_kind::WAIT_FOR, driver.into(), number.into(), 0]) };
    UpcallValues {
        args: [a, b, c],
        data,
    }
}

/// Exit-terminate (`svc #6`, exit number 0) with `code`. Does not return.
pub fn exit_terminate(code: u32) -> ! {
    exit(exit_kind::TERMINATE, code)
}

/// Exit-restart (`svc #6`, exit number 1) with `code`. Does not return.
pub fn exit_restart(code: u32) -> ! {
    exit(exit_kind::RESTART, code)
}

fn exit(kind: u64, code: u32) -> ! {
    // SAFETY: Exit passes only values.
    unsafe { raw::syscall::<{ class::EXIT }>([kind, code.into(), 0, 0]) };
    // Exit MUST succeed (TRD104 4.7); if a kernel ever returns, wait for
    // upcalls forever rather than run on in an undefined state.
    loop {
        yield_wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raw::fake;

    const INVAL: u64 = ErrorCode::Invalid as u64;

    #[test]
    fn command_passes_arguments_and_decodes_successes() {
        fake::install(|class, args| {
            assert_eq!(class, class::COMMAND);
            match args[1] {
                1 => [128, 0, 0, 0],
                2 => [129, args[2] + 1, 0, 0],
                3 => [131, u64::MAX, 0, 0],
                _ => [0, 10, 0, 0],
            }
        });
        assert_eq!(Command::new(7, 1).call_success(), Ok(()));
        assert_eq!(Command::new(7, 2).args(41, 0).call_u32(), Ok(42));
        assert_eq!(Command::new(7, 3).call_u64(), Ok(u64::MAX));
        assert_eq!(Command::new(7, 9).call(), Err(ErrorCode::NoSupport));
        // The right class of answer but the wrong variant is BADRVAL.
        assert_eq!(Command::new(7, 1).call_u32(), Err(ErrorCode::BadRVal));
        assert_eq!(
            fake::log()[1],
            (class::COMMAND, [7, 2, 41, 0]),
            "driver, command, arg0, arg1 in x0-x3"
        );
    }

    #[test]
    fn undecodable_answers_are_badrval() {
        fake::install(|_, _| [200, 0, 0, 0]);
        assert_eq!(Command::new(1, 1).call(), Err(ErrorCode::BadRVal));
        assert_eq!(subscribe(1, 1, None, 0), Err(ErrorCode::BadRVal));
        fake::install(|_, _| [128, 0, 0, 9]);
        assert_eq!(Command::new(1, 1).call(), Err(ErrorCode::BadRVal));
    }

    extern "C" fn upcall(_: u64, _: u64, _: u64, _: u64) {}

    #[test]
    fn subscribe_passes_the_function_and_returns_the_previous_pair() {
        fake::install(|_, args| [130, 0x8000_1234, args[3] + 100, 0]);
        assert_eq!(subscribe(1, 2, Some(upcall), 5), Ok((0x8000_1234, 105)));
        let (class_, args) = fake::log()[0];
        assert_eq!(class_, class::SUBSCRIBE);
        assert_eq!(args, [1, 2, upcall as *const () as u64, 5]);
        fake::install(|_, args| [2, INVAL, args[2], args[3]]);
        assert_eq!(subscribe(1, 2, None, 5), Err(ErrorCode::Invalid));
        assert_eq!(fake::log()[0].1[2], 0, "None is the Null Upcall");
    }

    #[test]
    fn scoped_allows_always_unallow() {
        fake::install(|_, _| [130, 0, 0, 0]);
        let buf = [1u8, 2, 3];
        let r = with_allow_ro(1, 1, &buf, || 17);
        assert_eq!(r, Ok(17));
        let log = fake::log();
        assert_eq!(log.len(), 2);
        assert_eq!(log[0], (class::ALLOW_RO, [1, 1, buf.as_ptr() as u64, 3]));
        assert_eq!(log[1], (class::ALLOW_RO, [1, 1, 0, 0]));

        fake::install(|_, _| [130, 0, 0, 0]);
        let mut rw = [0u8; 8];
        let address = rw.as_ptr() as u64;
        assert_eq!(with_allow_rw(2, 0, &mut rw, || ()), Ok(()));
        let log = fake::log();
        assert_eq!(log[0], (class::ALLOW_RW, [2, 0, address, 8]));
        assert_eq!(log[1], (class::ALLOW_RW, [2, 0, 0, 0]));
    }

    #[test]
    fn a_refused_allow_runs_nothing_and_reports_the_code() {
        fake::install(|_, args| [2, ErrorCode::NoDevice as u64, args[2], args[3]]);
        let mut ran = false;
        let r = with_allow_ro(99, 0, b"x", || ran = true);
        assert_eq!(r, Err(ErrorCode::NoDevice));
        assert!(!ran);
        assert_eq!(fake::log().len(), 1, "nothing to un-allow");
    }

    #[test]
    fn memops_decode_register_width_values() {
        fake::install(|class, args| {
            assert_eq!(class, class::MEMOP);
            match args[0] {
                memop_op::RAM_START => [129, 0x9000_0000, 0, 0],
                memop_op::SBRK => [129, 0x1_0000_0000, 0, 0],
                memop_op::BRK => [0, ErrorCode::NoMem as u64, 0, 0],
                _ => [128, 0, 0, 0],
            }
        });
        assert_eq!(memop::ram_start(), Ok(0x9000_0000));
        // Register-width: a value above 32 bits is not BADRVAL here.
        assert_eq!(memop::sbrk(-16), Ok(0x1_0000_0000));
        assert_eq!(fake::log()[1].1[1], (-16i64) as u64);
        assert_eq!(memop::brk(0), Err(ErrorCode::NoMem));
        assert_eq!(memop::stack_hint(0x9000_4000), Ok(()));
    }

    #[test]
    fn yields_pass_their_numbers() {
        fake::install(|_, args| match args[0] {
            yield_kind::WAIT_FOR => [1, 2, 3, 4],
            _ => args,
        });
        assert_eq!(
            yield_wait_for(1, 2),
            UpcallValues {
                args: [1, 2, 3],
                data: 4
            }
        );
        assert_eq!(fake::log()[0], (class::YIELD, [2, 1, 2, 0]));
        yield_wait();
        assert_eq!(fake::log()[1], (class::YIELD, [1, 0, 0, 0]));
    }

    #[test]
    fn yield_no_wait_reads_the_result_byte() {
        for written in [0u8, 1] {
            fake::install(move |_, args| {
                // SAFETY: the wrapper passed the address of its live local.
                unsafe { (args[1] as *mut u8).write(written) };
                [0; 4]
            });
            assert_eq!(yield_no_wait(), written == 1);
        }
    }
}
