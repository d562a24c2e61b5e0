// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! `static_init!` and the [`Component`] trait: how boards build their
//! `'static` kernel objects without a heap.

/// Places `$value` (of type `$T`) in a static reserved at this expansion and
/// returns `&'static mut $T`.
///
/// Each expansion owns one static; running the same expansion twice (e.g.
/// in a loop) would alias it, so a second run panics (board set-up only,
/// never reachable from a process).
#[macro_export]
macro_rules! static_init {
    ($T:ty, $value:expr $(,)?) => {{
        static TAKEN: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);
        static mut BUF: core::mem::MaybeUninit<$T> = core::mem::MaybeUninit::uninit();
        if TAKEN.swap(true, core::sync::atomic::Ordering::AcqRel) {
            panic!("static_init! expansion used twice");
        }
        // Evaluated outside the `unsafe` block so the caller's expression is
        // checked as ordinary safe code.
        let value: $T = $value;
        // SAFETY: `TAKEN` proves this is the only time this expansion runs,
        // so no other reference to `BUF` exists; `write` initialises it.
        unsafe { (*(&raw mut BUF)).write(value) }
    }};
}

/// A reusable recipe for building one subsystem of a board.
///
/// `StaticInput` is the statically allocated memory the component needs
/// (usually made with `static_init!` by a helper macro next to it);
/// `finalize` wires everything and returns the finished object.
pub trait Component {
    /// Memory the component builds into.
    type StaticInput;
    /// What it produces.
    type Output;
    /// Builds the subsystem. Called once, from the board's set-up code.
    fn finalize(self, static_memory: Self::StaticInput) -> Self::Output;
}

#[cfg(test)]
mod tests {
    use super::Component;

    struct Doubler(u32);
    impl Component for Doubler {
        type StaticInput = &'static mut u32;
        type Output = &'static u32;
        fn finalize(self, slot: &'static mut u32) -> &'static u32 {
            *slot = self.0 * 2;
            slot
        }
    }

    fn make() -> &'static mut u32 {
        crate::static_init!(u32, 7)
    }

    #[test]
    fn static_init_then_component() {
        let slot = make();
        assert_eq!(*slot, 7);
        assert_eq!(*Doubler(21).finalize(slot), 42);
    }

    #[test]
    #[should_panic(expected = "static_init! expansion used twice")]
    fn reuse_of_one_expansion_panics() {
        fn again() -> &'static mut u8 {
            crate::static_init!(u8, 1)
        }
        let _first = again();
        let _second = again();
    }
}
