// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Simulated memory: host pointers and physical addresses agree, writes
//! through host pointers are what the walker reads, the page allocator
//! honours size, alignment and limit; device-level DMA goes page by page.

mod common;

use common::lpae::*;
use common::*;
use smmu_sim::{Access, DmaError, MemoryError, SimMemory};

#[test]
fn host_pointers_and_physical_addresses_round_trip() {
    let mem = SimMemory::new();
    let p = mem.host_ptr(0x8000_1008).unwrap();
    assert_eq!(mem.pa_of(p), Some(0x8000_1008));
    assert_eq!(p as usize % 8, 0, "arenas are 64 KiB aligned");
    // SAFETY: `p` points at 8 aligned bytes inside the live arena.
    unsafe { p.cast::<u64>().write(0x1122_3344_5566_7788u64.to_le()) };
    assert_eq!(mem.read_u64(0x8000_1008), Ok(0x1122_3344_5566_7788));
    assert_eq!(mem.read_u32(0x8000_100c), Ok(0x1122_3344));
    assert_eq!(mem.host_ptr(0x7fff_ffff), None);
    assert_eq!(mem.pa_of(std::ptr::null()), None);
}

#[test]
fn bad_accesses_are_errors() {
    let mem = SimMemory::new();
    assert_eq!(
        mem.read_u64(0x1000),
        Err(MemoryError::Unbacked { pa: 0x1000, len: 8 })
    );
    assert_eq!(
        mem.read_u64(0x8000_0004),
        Err(MemoryError::Misaligned { pa: 0x8000_0004 })
    );
    // The last 8 bytes of a region work; one past them does not.
    assert!(mem.read_u64(0x8000_0000 + (16 << 20) - 8).is_ok());
    assert!(mem.read_u64(0x8000_0000 + (16 << 20)).is_err());
    assert_eq!(
        mem.add_region(0x8080_0000, 1 << 16),
        Err(MemoryError::BadRegion)
    );
    assert_eq!(mem.add_region(0x1000, 1 << 16), Err(MemoryError::BadRegion));
}

#[test]
fn allocator_honours_alignment_limit_and_reuse() {
    let mem = SimMemory::new();
    let a = mem.alloc(1024, 1024, 1 << 32).unwrap();
    let b = mem.alloc(16384, 16384, 1 << 32).unwrap();
    assert_eq!(b % 16384, 0);
    assert!(b >= a + 1024);
    let high = mem.alloc_page(65536).unwrap();
    assert_eq!(high % 65536, 0);
    // Below 4 GiB only the first region qualifies.
    assert!(mem.alloc(4096, 4096, 1 << 32).unwrap() < 1 << 32);
    mem.write_u64(a, 7).unwrap();
    mem.free(a, 1024).unwrap();
    let again = mem.alloc(1024, 1024, 1 << 32).unwrap();
    assert_eq!(again, a);
    assert_eq!(mem.read_u64(again), Ok(0), "allocations are zeroed");
    assert_eq!(
        mem.alloc(32 << 20, 4096, u64::MAX),
        Err(MemoryError::OutOfMemory)
    );
}

#[test]
fn dma_goes_through_the_smmu_page_by_page() {
    let mut s = mmu500();
    enable(&mut s);
    let (l1, l2, l3) = (
        new_table(&s, 4096),
        new_table(&s, 4096),
        new_table(&s, 4096),
    );
    s1_aarch64(&mut s, 0, 0, 25 | 1 << 23, 5, l1 | 1 << 48, 0);
    attach(&mut s, 0, SID, 0);
    set64(&s, l1, 0, table(l2));
    set64(&s, l2, 0, table(l3));
    // Two device pages backed by physically distant pages.
    set64(&s, l3, 1, page(0x8_8000_5000));
    set64(&s, l3, 2, page(0x8000_9000));
    let data: Vec<u8> = (0..64).collect();
    s.dma_write(SID, 0x1fe0, &data).unwrap();
    assert_eq!(s.memory().read_u32(0x8_8000_5fe0), Ok(0x0302_0100));
    assert_eq!(s.memory().read_u32(0x8000_9000), Ok(0x2322_2120));
    let mut back = [0u8; 64];
    s.dma_read(SID, 0x1fe0, &mut back).unwrap();
    assert_eq!(&back[..], &data[..]);
    // Running off the mapping faults at the first unmapped page.
    let err = s.dma_write(SID, 0x2ff0, &data).unwrap_err();
    assert!(matches!(err, DmaError::Fault { iova: 0x3000, .. }));
    assert_eq!(
        s.transaction(SID, 0x2ff0, Access::Read, false),
        Ok(0x8000_9ff0)
    );
}
