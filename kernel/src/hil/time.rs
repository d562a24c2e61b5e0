// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Time: a free-running 64-bit counter with one compare alarm.
//!
//! Counts are full 64-bit ticks (the Arm generic timer is 64 bits wide and
//! never wraps in a board's lifetime), so neither the HIL nor its users do
//! wrap-around arithmetic.

/// Receives alarm expiry, in the kernel loop (bottom half).
pub trait AlarmClient {
    /// The alarm set with [`Alarm::set_alarm`] has expired; it is disarmed.
    fn alarm(&self);
}

/// A counter with one alarm.
pub trait Alarm<'a> {
    /// Ticks per second.
    fn frequency(&self) -> u32;
    /// The current count.
    fn now(&self) -> u64;
    /// Fires [`AlarmClient::alarm`] once the count reaches `at` (at once if
    /// it already has). Replaces any earlier setting.
    fn set_alarm(&self, at: u64);
    /// Cancels the alarm; no callback follows.
    fn disarm(&self);
    /// Whether an alarm is set and has not fired.
    fn is_armed(&self) -> bool;
    /// Installs the client.
    fn set_client(&self, client: &'a dyn AlarmClient);
}
