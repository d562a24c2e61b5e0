// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! The per-app table of live mappings, kept in the app's grant (so its
//! memory is charged to the app) and the handles that name them.
//!
//! A handle names one mapping of one app. Handles come from one counter
//! shared by every app, skip 0 and are never reissued while the counter has
//! not wrapped (2^32 maps), so a consumed or foreign handle finds nothing.
//! Even after a wrap a handle can only ever name a mapping in the caller's
//! own table: nothing an app passes reaches another app's state.

use kernel::ErrorCode;

use crate::policy::Quota;

/// Live mappings one app can hold at most, whatever its quota says (the
/// size of the table in its grant).
pub const MAX_MAPPINGS: usize = 16;

/// One live mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Mapping {
    /// The handle the app got.
    pub(crate) handle: u32,
    /// Device address (= process address) of the first byte.
    pub(crate) iova: u64,
    /// Length in bytes.
    pub(crate) len: u64,
}

/// Room for a new mapping, found before the IOMMU is touched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Reservation {
    index: usize,
    handle: u32,
}

impl Reservation {
    /// The handle the mapping will get.
    pub(crate) fn handle(&self) -> u32 {
        self.handle
    }
}

/// Per-app state in the grant: the live mappings.
#[derive(Debug, Default)]
pub struct App {
    mappings: [Option<Mapping>; MAX_MAPPINGS],
}

impl App {
    /// Number of live mappings.
    pub(crate) fn count(&self) -> u32 {
        // At most MAX_MAPPINGS (16): the conversion cannot truncate.
        self.live().count() as u32
    }

    /// Bytes mapped (each mapping was checked against the byte quota, so
    /// the sum cannot overflow).
    pub(crate) fn bytes(&self) -> u64 {
        self.live().map(|m| m.len).sum()
    }

    /// Mappings the app may still create under `quota`.
    pub(crate) fn mappings_left(&self, quota: &Quota) -> u32 {
        let limit = quota.mappings.min(MAX_MAPPINGS as u32);
        limit.saturating_sub(self.count())
    }

    /// The mapping named `handle`.
    pub(crate) fn find(&self, handle: u32) -> Option<Mapping> {
        self.live().find(|m| m.handle == handle).copied()
    }

    /// Checks that one more mapping of `len` bytes fits `quota` and picks
    /// its slot and handle (drawn from `next_handle`, a counter shared by
    /// every app). `NOMEM` when a quota is exhausted. Changes nothing but
    /// the counter.
    pub(crate) fn reserve(
        &self,
        quota: &Quota,
        len: u64,
        next_handle: &core::cell::Cell<u32>,
    ) -> Result<Reservation, ErrorCode> {
        if self.mappings_left(quota) == 0 {
            return Err(ErrorCode::NoMem);
        }
        let bytes = self.bytes().checked_add(len).ok_or(ErrorCode::NoMem)?;
        if bytes > quota.bytes {
            return Err(ErrorCode::NoMem);
        }
        let index = self
            .mappings
            .iter()
            .position(Option::is_none)
            .ok_or(ErrorCode::NoMem)?;
        // After a wrap, skip 0 and any handle this app still holds; with at
        // most MAX_MAPPINGS live, MAX_MAPPINGS + 1 draws always find one.
        for _ in 0..=MAX_MAPPINGS {
            let handle = next_handle.get();
            next_handle.set(handle.wrapping_add(1));
            if handle != 0 && self.find(handle).is_none() {
                return Ok(Reservation { index, handle });
            }
        }
        Err(ErrorCode::NoMem)
    }

    /// Records a mapping the IOMMU now holds, in the reserved slot.
    pub(crate) fn commit(&mut self, reservation: Reservation, iova: u64, len: u64) {
        if let Some(slot) = self.mappings.get_mut(reservation.index) {
            *slot = Some(Mapping {
                handle: reservation.handle,
                iova,
                len,
            });
        }
    }

    /// Forgets the mapping named `handle` (it was unmapped).
    pub(crate) fn remove(&mut self, handle: u32) {
        for slot in &mut self.mappings {
            if slot.is_some_and(|m| m.handle == handle) {
                *slot = None;
            }
        }
    }

    fn live(&self) -> impl Iterator<Item = &Mapping> {
        self.mappings.iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::cell::Cell;

    const QUOTA: Quota = Quota {
        mappings: 3,
        bytes: 0x3000,
        table_pages: 4,
    };

    fn map(app: &mut App, len: u64, next: &Cell<u32>) -> Result<u32, ErrorCode> {
        let r = app.reserve(&QUOTA, len, next)?;
        app.commit(r, 0x9000_0000 + u64::from(r.handle()) * 0x1000, len);
        Ok(r.handle())
    }

    #[test]
    fn quotas_bound_count_and_bytes() {
        let next = Cell::new(1);
        let mut app = App::default();
        assert_eq!(map(&mut app, 0x2000, &next), Ok(1));
        assert_eq!(map(&mut app, 0x2000, &next), Err(ErrorCode::NoMem));
        // The refused attempt drew no handle.
        assert_eq!(map(&mut app, 0x1000, &next), Ok(2));
        assert_eq!(app.bytes(), 0x3000);
        assert_eq!(app.mappings_left(&QUOTA), 1);
        assert_eq!(map(&mut app, 0, &next), Ok(3));
        assert_eq!(map(&mut app, 0, &next), Err(ErrorCode::NoMem));
        assert_eq!(app.reserve(&QUOTA, u64::MAX, &next), Err(ErrorCode::NoMem));
        app.remove(1);
        assert_eq!(app.find(1), None);
        assert_eq!(app.count(), 2);
        assert_eq!(app.find(2).map(|m| m.len), Some(0x1000));
    }

    #[test]
    fn handles_skip_zero_and_live_ones_after_a_wrap() {
        let next = Cell::new(u32::MAX);
        let mut app = App::default();
        assert_eq!(map(&mut app, 0x1000, &next), Ok(u32::MAX));
        // 0 is never a handle.
        assert_eq!(map(&mut app, 0x1000, &next), Ok(1));
        next.set(1);
        // 1 is live: skipped.
        assert_eq!(map(&mut app, 0x1000, &next), Ok(2));
    }
}
