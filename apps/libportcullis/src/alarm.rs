// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The alarm (driver 0x0), as `doc/syscalls/alarm.md` defines it: command 1
//! frequency (Hz), 2 now, 3 stop, 5 set relative (`arg0` ticks from now), 6
//! set absolute (`arg0` reference, `arg1` ticks after it); 5 and 6 return
//! the expiration; subscribe slot 0 gets the expiry upcall. Times are full
//! 64-bit counter values (one register each on AArch64), so nothing wraps
//! and a long sleep is one alarm.

use crate::abi::ErrorCode;
use crate::console::ignore_upcall;
use crate::drivers::ALARM;
use crate::syscall::{Command, subscribe, yield_wait_for};

const CMD_FREQUENCY: u32 = 1;
const CMD_NOW: u32 = 2;
const CMD_STOP: u32 = 3;
const CMD_SET_RELATIVE: u32 = 5;
const CMD_SET_ABSOLUTE: u32 = 6;
const UPCALL_EXPIRED: u32 = 0;

/// The alarm's tick frequency in Hz (never 0).
pub fn frequency() -> Result<u32, ErrorCode> {
    match Command::new(ALARM, CMD_FREQUENCY).call_u32()? {
        0 => Err(ErrorCode::BadRVal),
        hz => Ok(hz),
    }
}

/// The current count.
pub fn now() -> Result<u64, ErrorCode> {
    Command::new(ALARM, CMD_NOW).call_u64()
}

/// Cancels the alarm (`ALREADY` if none was set).
pub fn stop() -> Result<(), ErrorCode> {
    Command::new(ALARM, CMD_STOP).call_success()
}

/// Arms the alarm `ticks` from now; returns the expiration.
pub fn set_relative(ticks: u64) -> Result<u64, ErrorCode> {
    Command::new(ALARM, CMD_SET_RELATIVE)
        .args(ticks, 0)
        .call_u64()
}

/// Arms the alarm at `reference + ticks`; returns the expiration.
pub fn set_absolute(reference: u64, ticks: u64) -> Result<u64, ErrorCode> {
    Command::new(ALARM, CMD_SET_ABSOLUTE)
        .args(reference, ticks)
        .call_u64()
}

/// Ticks in `ms` milliseconds at `hz`, rounded up (a sleep is never short).
pub const fn ms_to_ticks(ms: u32, hz: u32) -> u64 {
    (ms as u64 * hz as u64).div_ceil(1000)
}

/// Sleeps for `ticks` of the alarm clock.
pub fn sleep_ticks(ticks: u64) -> Result<(), ErrorCode> {
    subscribe(ALARM, UPCALL_EXPIRED, Some(ignore_upcall), 0)?;
    set_relative(ticks)?;
    yield_wait_for(ALARM, UPCALL_EXPIRED);
    Ok(())
}

/// Sleeps for `ms` milliseconds.
pub fn sleep_ms(ms: u32) -> Result<(), ErrorCode> {
    sleep_ticks(ms_to_ticks(ms, frequency()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::class;
    use crate::raw::fake;

    #[test]
    fn ms_to_ticks_rounds_up_and_never_overflows() {
        assert_eq!(ms_to_ticks(1, 1000), 1);
        assert_eq!(ms_to_ticks(1, 32768), 33);
        assert_eq!(ms_to_ticks(0, 62_500_000), 0);
        assert_eq!(ms_to_ticks(100, 62_500_000), 6_250_000);
        assert_eq!(
            ms_to_ticks(u32::MAX, u32::MAX),
            (u32::MAX as u64 * u32::MAX as u64).div_ceil(1000)
        );
    }

    #[test]
    fn times_are_64_bit_both_ways() {
        let late = 0x1_2345_6789_abcd_u64;
        fake::install(move |_, a| match a[1] {
            2 => [131, late, 0, 0],
            5 => [131, late + a[2], 0, 0],
            _ => [131, a[2] + a[3], 0, 0],
        });
        assert_eq!(now(), Ok(late));
        assert_eq!(set_relative(1 << 40), Ok(late + (1 << 40)));
        assert_eq!(set_absolute(late, 5), Ok(late + 5));
        assert_eq!(fake::log()[2], (class::COMMAND, [0, 6, late, 5]));
    }

    #[test]
    fn sleep_ms_sets_a_relative_alarm_and_waits_for_its_upcall() {
        fake::install(|class_, a| match (class_, a[1]) {
            (class::COMMAND, 1) => [129, 1000, 0, 0],
            (class::COMMAND, 5) => [131, a[2] + 77, 0, 0],
            (class::SUBSCRIBE, _) => [130, 0, 0, 0],
            (class::YIELD, _) => [5, 6, 0, 0],
            _ => [0, 10, 0, 0],
        });
        sleep_ms(250).unwrap();
        let log = fake::log();
        assert_eq!(log[0], (class::COMMAND, [0, 1, 0, 0]));
        assert_eq!(log[1].0, class::SUBSCRIBE);
        assert_eq!(log[1].1[..2], [0, 0]);
        assert_eq!(log[2], (class::COMMAND, [0, 5, 250, 0]));
        assert_eq!(log[3], (class::YIELD, [2, 0, 0, 0]));
        assert_eq!(log.len(), 4);
    }

    #[test]
    fn a_zero_frequency_or_a_refused_alarm_is_an_error() {
        fake::install(|_, _| [129, 0, 0, 0]);
        assert_eq!(sleep_ms(1), Err(ErrorCode::BadRVal));
        fake::install(|class_, a| match (class_, a[1]) {
            (class::COMMAND, 1) => [129, 1000, 0, 0],
            (class::COMMAND, _) => [0, ErrorCode::NoDevice as u64, 0, 0],
            _ => [130, 0, 0, 0],
        });
        assert_eq!(sleep_ms(1), Err(ErrorCode::NoDevice));
        assert!(
            fake::log().iter().all(|(c, _)| *c != class::YIELD),
            "never waits for an alarm that was not set"
        );
    }
}
