// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Loading a tockloader flash image into the process table: good apps load,
//! refused apps are reported with their reason, the next app still loads.

mod common;

use common::*;
use kernel::memory::Backing;
use kernel::memory::layout::APP_IMAGE_BASE;
use kernel::process::{FaultPolicy, State};
use kernel::process_loader::{
    LoadFailure, LoadSummary, LoaderConfig, PageAllocator, load_processes,
};
use kernel::tbf::TbfError;

const FLASH: &[u8] = include_bytes!("fixtures/apps.bin");

/// Hands out fresh leaked pages, up to a budget.
struct Pages {
    budget: u64,
}

// SAFETY: every block is a fresh, zeroed, page-aligned leaked allocation.
unsafe impl PageAllocator for Pages {
    fn allocate(&mut self, bytes: u64) -> Option<Backing> {
        self.budget = self.budget.checked_sub(bytes)?;
        let kva = pages(bytes);
        Some(Backing { pa: kva, kva })
    }
}

/// Every report: (offset in the region, what happened).
type Reports = Vec<(usize, Result<kernel::process::ProcessId, LoadFailure>)>;

const CONFIG: LoaderConfig = LoaderConfig {
    grant_size: 8192,
    fault_policy: FaultPolicy::Stop,
};

fn run(
    region: &'static [u8],
    slots: usize,
    budget: u64,
) -> (&'static kernel::Kernel, LoadSummary, Reports) {
    let k = kernel(slots);
    let mut reports = Vec::new();
    let summary = load_processes(k, region, &mut Pages { budget }, CONFIG, &Caps, |off, r| {
        reports.push((off, r))
    });
    (k, summary, reports)
}

#[test]
fn loads_both_apps_of_a_tockloader_image() {
    let (k, summary, reports) = run(FLASH, 4, u64::MAX);
    assert_eq!(
        summary,
        LoadSummary {
            loaded: 2,
            refused: 0
        }
    );
    assert_eq!(reports.len(), 2);
    let names: Vec<_> = k.processes().iter().take(2).map(|p| p.name()).collect();
    assert_eq!(names, ["hello", "second"]);
    for p in &k.processes()[..2] {
        assert_eq!(p.state(), State::Unstarted);
        assert_eq!(p.entry(), APP_IMAGE_BASE + 4096);
    }
    // The image was copied to page-aligned memory: the entry instruction is
    // where the kernel will map it.
    let layout = k.processes()[1].layout().unwrap();
    let kva = layout
        .check_buffer(APP_IMAGE_BASE + 4096, 4, kernel::memory::Access::Read)
        .unwrap()
        .kva;
    // SAFETY: the loader's image copy, leaked for the test.
    let insn = unsafe { std::slice::from_raw_parts(kva as *const u8, 4) };
    assert_eq!(insn, [0x00, 0x00, 0x80, 0xd2]);
}

#[test]
fn a_corrupt_app_is_reported_and_the_next_still_loads() {
    let mut image = FLASH.to_vec();
    image[40] ^= 0xFF;
    let (k, summary, reports) = run(Box::leak(image.into_boxed_slice()), 4, u64::MAX);
    assert_eq!(
        summary,
        LoadSummary {
            loaded: 1,
            refused: 1
        }
    );
    assert!(matches!(
        reports[0],
        (0, Err(LoadFailure::Tbf(TbfError::BadChecksum { .. })))
    ));
    assert_eq!(k.processes()[0].name(), "second");
}

#[test]
fn out_of_memory_and_full_tables_are_reported() {
    // Enough pages for one app (3 image + 4 RAM + 2 grant), not two.
    let (_, summary, reports) = run(FLASH, 4, 9 * 4096 + 4096);
    assert_eq!(
        summary,
        LoadSummary {
            loaded: 1,
            refused: 1
        }
    );
    assert_eq!(reports[1].1, Err(LoadFailure::OutOfMemory));
    let (_, summary, reports) = run(FLASH, 1, u64::MAX);
    assert_eq!(
        summary,
        LoadSummary {
            loaded: 1,
            refused: 1
        }
    );
    assert_eq!(
        reports[1].1,
        Err(LoadFailure::Table(kernel::kernel::LoadError::NoFreeSlot))
    );
}

/// Flips bits of byte `at` of the TBF object starting at `base`, and the
/// same bits of its checksum word so the header stays valid.
fn flip(img: &mut [u8], base: usize, at: usize, xor: u8) {
    img[base + at] ^= xor;
    img[base + 12 + at % 4] ^= xor;
}

#[test]
fn disabled_and_incompatible_apps_are_refused() {
    // Clear the enabled flag of both apps (the second starts at 8204).
    let mut image = FLASH.to_vec();
    flip(&mut image, 0, 8, 0x01);
    flip(&mut image, 8204, 8, 0x01);
    let (_, summary, reports) = run(Box::leak(image.into_boxed_slice()), 4, u64::MAX);
    assert_eq!(
        summary,
        LoadSummary {
            loaded: 0,
            refused: 2
        }
    );
    assert!(
        reports.iter().all(|r| r.1 == Err(LoadFailure::Disabled)),
        "{reports:?}"
    );

    // The first app asks for kernel ^2.0: make it ^3.0.
    let mut image = FLASH.to_vec();
    let kv = FLASH[..108]
        .windows(4)
        .position(|w| w == [8, 0, 4, 0])
        .unwrap()
        + 4;
    flip(&mut image, 0, kv, 0x01);
    let (_, _, reports) = run(Box::leak(image.into_boxed_slice()), 4, u64::MAX);
    assert_eq!(reports[0].1, Err(LoadFailure::IncompatibleKernel(3, 0)));
    assert!(reports[1].1.is_ok());
}
