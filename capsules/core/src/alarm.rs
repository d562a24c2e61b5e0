// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Alarm driver (`0x0`): one alarm per process, multiplexed onto one
//! hardware alarm.
//!
//! Each process's expiration lives in its grant. The hardware alarm is
//! always set to the earliest expiration of any process; when it fires,
//! every process whose expiration has passed gets its upcall and the
//! hardware is re-armed for the next. ABI: `doc/syscalls/alarm.md`.

use kernel::ErrorCode;
use kernel::grant::Grant;
use kernel::hil::time::{Alarm, AlarmClient};
use kernel::process::ProcessId;
use kernel::syscall::{CommandReturn, SyscallDriver};

/// Driver number (`kernel::driver_number::ALARM`).
pub const DRIVER_NUM: u32 = kernel::driver_number::ALARM;

/// Subscribe number of the expiry upcall.
const UPCALL_EXPIRED: usize = 0;

/// Per-process alarm state.
#[derive(Default)]
pub struct App {
    /// When this process's alarm fires, if set.
    expiration: Option<u64>,
}

/// The grant shape: one upcall, no allows.
pub type AlarmGrant = Grant<App, 1, 0, 0>;

/// The alarm capsule.
pub struct AlarmDriver<'a, A: Alarm<'a>> {
    alarm: &'a A,
    apps: AlarmGrant,
}

/// The earliest of the expirations, if any is set.
pub fn earliest(expirations: impl IntoIterator<Item = Option<u64>>) -> Option<u64> {
    expirations.into_iter().flatten().min()
}

impl<'a, A: Alarm<'a>> AlarmDriver<'a, A> {
    /// An alarm driver over `alarm`; the board must make it the alarm's
    /// client.
    pub fn new(alarm: &'a A, apps: AlarmGrant) -> Self {
        Self { alarm, apps }
    }

    /// Programs the hardware for the earliest pending expiration.
    fn rearm(&self) {
        let mut next = None;
        self.apps
            .each(|_, app, _| next = earliest([next, app.expiration]));
        match next {
            Some(at) => self.alarm.set_alarm(at),
            None => self.alarm.disarm(),
        }
    }

    fn set(&self, process: ProcessId, reference: u64, ticks: u64) -> CommandReturn {
        let Some(expiration) = reference.checked_add(ticks) else {
            return CommandReturn::failure(ErrorCode::Inval);
        };
        match self
            .apps
            .enter(process, |app, _| app.expiration = Some(expiration))
        {
            Ok(()) => {
                self.rearm();
                CommandReturn::success_u64(expiration)
            }
            Err(error) => CommandReturn::failure(error.into()),
        }
    }

    fn stop(&self, process: ProcessId) -> CommandReturn {
        match self.apps.enter(process, |app, _| app.expiration.take()) {
            Ok(Some(_)) => {
                self.rearm();
                CommandReturn::success()
            }
            Ok(None) => CommandReturn::failure(ErrorCode::Already),
            Err(error) => CommandReturn::failure(error.into()),
        }
    }
}

impl<'a, A: Alarm<'a>> AlarmClient for AlarmDriver<'a, A> {
    fn alarm(&self) {
        let now = self.alarm.now();
        self.apps.each(|_, app, kernel_data| {
            if let Some(expiration) = app.expiration.filter(|&at| at <= now) {
                app.expiration = None;
                if kernel_data
                    .schedule_upcall(UPCALL_EXPIRED, [now, expiration, 0])
                    .is_err()
                {
                    // The app may be waiting for it: say why it never comes.
                    defmt::warn!("alarm: expiry upcall dropped (upcall queue full)");
                }
            }
        });
        self.rearm();
    }
}

impl<'a, A: Alarm<'a>> SyscallDriver for AlarmDriver<'a, A> {
    fn command(&self, command: u32, arg0: u64, arg1: u64, process: ProcessId) -> CommandReturn {
        match command {
            0 => CommandReturn::success(),
            1 => CommandReturn::success_u32(self.alarm.frequency()),
            2 => CommandReturn::success_u64(self.alarm.now()),
            3 => self.stop(process),
            5 => self.set(process, self.alarm.now(), arg0),
            6 => self.set(process, arg0, arg1),
            _ => CommandReturn::failure(ErrorCode::NoSupport),
        }
    }

    fn allocate_grant(&self, process: ProcessId) -> Result<(), ErrorCode> {
        self.apps.enter(process, |_, _| ()).map_err(ErrorCode::from)
    }
}

#[cfg(test)]
mod tests {
    use super::earliest;

    #[test]
    fn earliest_ignores_unset_alarms() {
        assert_eq!(earliest([None, Some(30), Some(10), None]), Some(10));
        assert_eq!(earliest([None, None]), None);
        assert_eq!(earliest(core::iter::empty()), None);
        assert_eq!(earliest([Some(u64::MAX)]), Some(u64::MAX));
    }
}
