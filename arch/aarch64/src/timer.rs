// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The EL1 physical timer of the Arm generic timer.
//!
//! Registers from the Arm ARM (DDI 0487K.a) chapter D12 "The Generic Timer in
//! AArch64 state" and the register descriptions "CNTFRQ_EL0", "CNTPCT_EL0",
//! "CNTP_TVAL_EL0" (a signed 32-bit down-counter view of the compare value)
//! and "CNTP_CTL_EL0" (ENABLE bit 0, IMASK bit 1, ISTATUS bit 2). The timer
//! asserts its interrupt, a level-sensitive PPI, while ENABLE is set, IMASK
//! is clear and the count has reached the compare value; the board says which
//! interrupt ID that is (INTID 30 for the non-secure EL1 physical timer on
//! SBSA-style platforms and QEMU `virt`).
//!
//! The kernel uses it for scheduler timeslices and for log timestamps; under
//! QEMU's `-icount shift=0,sleep=off` the count advances with executed instructions,
//! which makes in-guest measurements reproducible.

/// Converts a duration in microseconds to counter ticks at `frequency` Hz,
/// rounding up so that an alarm never fires early. Saturates.
pub const fn us_to_ticks(us: u64, frequency: u64) -> u64 {
    let ticks = (us as u128 * frequency as u128).div_ceil(1_000_000);
    if ticks > u64::MAX as u128 {
        u64::MAX
    } else {
        ticks as u64
    }
}

/// Converts counter ticks at `frequency` Hz to whole microseconds.
pub const fn ticks_to_us(ticks: u64, frequency: u64) -> u64 {
    if frequency == 0 {
        return 0;
    }
    (ticks as u128 * 1_000_000 / frequency as u128) as u64
}

/// The largest interval one `CNTP_TVAL_EL0` write can arm (it is a signed
/// 32-bit value).
pub const MAX_INTERVAL_TICKS: u64 = i32::MAX as u64;

/// The EL1 physical timer.
#[cfg(target_arch = "aarch64")]
pub struct PhysicalTimer;

#[cfg(target_arch = "aarch64")]
impl PhysicalTimer {
    /// Counter frequency in Hz.
    pub fn frequency(&self) -> u64 {
        use aarch64_cpu::registers::{CNTFRQ_EL0, Readable};
        CNTFRQ_EL0.get()
    }

    /// The current count.
    pub fn now(&self) -> u64 {
        use aarch64_cpu::asm::barrier;
        use aarch64_cpu::registers::{CNTPCT_EL0, Readable};
        // Without the ISB the read may be taken early, out of program order
        // (DDI 0487K.a D12.2.2, "Reading the physical counter").
        barrier::isb(barrier::SY);
        CNTPCT_EL0.get()
    }

    /// Arms the timer to fire `ticks` from now (clamped to what one write
    /// can express; callers re-arm for longer intervals).
    pub fn arm(&self, ticks: u64) {
        use aarch64_cpu::registers::{CNTP_CTL_EL0, CNTP_TVAL_EL0, Writeable};
        CNTP_TVAL_EL0.set(ticks.clamp(1, MAX_INTERVAL_TICKS));
        CNTP_CTL_EL0.write(CNTP_CTL_EL0::ENABLE::SET + CNTP_CTL_EL0::IMASK::CLEAR);
    }

    /// Whether the armed interval has elapsed (`ISTATUS`).
    pub fn has_fired(&self) -> bool {
        use aarch64_cpu::registers::{CNTP_CTL_EL0, Readable};
        CNTP_CTL_EL0.is_set(CNTP_CTL_EL0::ISTATUS)
    }

    /// Stops the timer and deasserts its interrupt.
    pub fn disarm(&self) {
        use aarch64_cpu::registers::{CNTP_CTL_EL0, Writeable};
        CNTP_CTL_EL0.write(CNTP_CTL_EL0::ENABLE::CLEAR + CNTP_CTL_EL0::IMASK::SET);
    }
}

#[cfg(target_arch = "aarch64")]
impl kernel::platform::SchedulerTimer for PhysicalTimer {
    fn start(&self, us: u32) {
        self.arm(us_to_ticks(u64::from(us), self.frequency()));
    }

    fn expired(&self) -> bool {
        self.has_fired()
    }

    fn stop(&self) {
        self.disarm();
    }
}

/// The EL1 virtual timer as the kernel's [`Alarm`](kernel::hil::time::Alarm)
/// (the physical timer is the scheduler's). Its interrupt (INTID 27 on
/// QEMU `virt`, PPI 11) is serviced by [`VirtualAlarm::handle_interrupt`]
/// from the chip's bottom half. Registers: DDI 0487K.a "CNTV_CTL_EL0",
/// "CNTV_CVAL_EL0" (absolute compare value) and "CNTVCT_EL0".
#[cfg(target_arch = "aarch64")]
pub struct VirtualAlarm<'a> {
    armed: core::cell::Cell<bool>,
    client: core::cell::Cell<Option<&'a dyn kernel::hil::time::AlarmClient>>,
}

#[cfg(target_arch = "aarch64")]
impl VirtualAlarm<'_> {
    /// An idle alarm.
    pub const fn new() -> Self {
        Self {
            armed: core::cell::Cell::new(false),
            client: core::cell::Cell::new(None),
        }
    }

    fn quiet(&self) {
        use aarch64_cpu::registers::{CNTV_CTL_EL0, Writeable};
        CNTV_CTL_EL0.write(CNTV_CTL_EL0::ENABLE::CLEAR + CNTV_CTL_EL0::IMASK::SET);
    }

    /// Bottom half of the timer interrupt: quiets the (level) interrupt and
    /// tells the client if the alarm was armed.
    pub fn handle_interrupt(&self) {
        self.quiet();
        if self.armed.replace(false)
            && let Some(client) = self.client.get()
        {
            client.alarm();
        }
    }
}

#[cfg(target_arch = "aarch64")]
impl<'a> kernel::hil::time::Alarm<'a> for VirtualAlarm<'a> {
    fn frequency(&self) -> u32 {
        PhysicalTimer.frequency() as u32
    }

    fn now(&self) -> u64 {
        use aarch64_cpu::asm::barrier;
        use aarch64_cpu::registers::{CNTVCT_EL0, Readable};
        barrier::isb(barrier::SY);
        CNTVCT_EL0.get()
    }

    fn set_alarm(&self, at: u64) {
        use aarch64_cpu::registers::{CNTV_CTL_EL0, CNTV_CVAL_EL0, Writeable};
        self.armed.set(true);
        CNTV_CVAL_EL0.set(at);
        CNTV_CTL_EL0.write(CNTV_CTL_EL0::ENABLE::SET + CNTV_CTL_EL0::IMASK::CLEAR);
    }

    fn disarm(&self) {
        self.armed.set(false);
        self.quiet();
    }

    fn is_armed(&self) -> bool {
        self.armed.get()
    }

    fn set_client(&self, client: &'a dyn kernel::hil::time::AlarmClient) {
        self.client.set(Some(client));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_at_qemu_frequency() {
        // QEMU virt reports CNTFRQ_EL0 = 62.5 MHz.
        assert_eq!(us_to_ticks(1, 62_500_000), 63); // 62.5 rounds up
        assert_eq!(us_to_ticks(1_000, 62_500_000), 62_500);
        assert_eq!(ticks_to_us(62_500_000, 62_500_000), 1_000_000);
        assert_eq!(ticks_to_us(62, 62_500_000), 0);
    }

    #[test]
    fn conversions_saturate_and_survive_zero() {
        assert_eq!(us_to_ticks(u64::MAX, 1_000_000_000), u64::MAX);
        assert_eq!(ticks_to_us(12345, 0), 0);
        assert_eq!(us_to_ticks(0, 62_500_000), 0);
    }
}
