// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! Property tests: hostile inputs never panic the parser or the decoder,
//! and whatever they accept satisfies the invariants the loader relies on.

use kernel::memory::layout::{APP_IMAGE_BASE, APP_RAM_BASE};
use kernel::memory::{Access, Backing, MemoryPlan, ProcessLayout};
use kernel::syscall::Syscall;
use kernel::tbf::{self, TbfWalker};
use proptest::prelude::*;

const HELLO: &[u8] = include_bytes!("fixtures/hello.tbf");
const FLASH: &[u8] = include_bytes!("fixtures/apps.bin");

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Random bytes: no panic; an accepted header is self-consistent.
    #[test]
    fn tbf_parse_is_total(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(h) = tbf::parse(&bytes) {
            prop_assert!(h.total_size as usize <= bytes.len());
            prop_assert!(u32::from(h.header_size) <= h.total_size);
            if let Some(p) = h.program {
                prop_assert!(h.protected_end() <= p.binary_end_offset);
                prop_assert!(p.binary_end_offset <= h.total_size);
                let entry = h.entry_offset().unwrap();
                prop_assert!(entry >= h.protected_end() && entry < p.binary_end_offset);
            }
        }
    }

    /// Corrupting one byte of a real header is either caught or harmless,
    /// and the walker over a corrupted flash image always terminates.
    #[test]
    fn corrupted_fixtures(at in 0usize..128, value in any::<u8>()) {
        let mut obj = HELLO.to_vec();
        obj[at] = value;
        let _ = tbf::parse(&obj);
        let mut flash = FLASH.to_vec();
        flash[at] = value;
        let n = TbfWalker::new(&flash).count();
        prop_assert!(n <= flash.len() / 16);
    }

    /// Any register contents decode or fail cleanly, and every failure
    /// carries a well-formed return.
    #[test]
    fn decode_is_total(imm in any::<u16>(), args in any::<[u64; 4]>()) {
        match Syscall::decode(imm, args) {
            Ok(_) => {}
            Err(e) => {
                if let Some(ret) = e.to_return() {
                    prop_assert!(ret.is_failure());
                }
            }
        }
    }

    /// A buffer that passes validation lies wholly inside the image or RAM,
    /// and its kernel address is inside the matching backing.
    #[test]
    fn accepted_buffers_are_inside_process_memory(addr in any::<u64>(), len in any::<u64>(), near in any::<bool>(), rw in any::<bool>()) {
        let plan = MemoryPlan::new(8204, 16384, 8192).unwrap();
        let image = Backing { pa: 0x4100_0000, kva: 0xFFFF_0000_4100_0000 };
        let ram = Backing { pa: 0x4200_0000, kva: 0xFFFF_0000_4200_0000 };
        let l = ProcessLayout::new(plan, image, ram).unwrap();
        // Half the cases start near the process's memory to hit the edges.
        let addr = if near { APP_IMAGE_BASE.wrapping_add(addr % 0x1000_8000) } else { addr };
        let len = if near { len % 0x8000 } else { len };
        let access = if rw { Access::ReadWrite } else { Access::Read };
        if let Some(b) = l.check_buffer(addr, len, access)
            && len > 0
        {
            let in_ram = l.ram().contains_range(addr, len);
            let in_image = !rw && l.image().contains_range(addr, len);
            prop_assert!(in_ram || in_image);
            let (region, backing) = if in_ram { (l.ram(), ram) } else { (l.image(), image) };
            prop_assert_eq!(b.kva, backing.kva + (addr - region.start));
            prop_assert!(addr >= APP_IMAGE_BASE && addr.checked_add(len).unwrap() <= APP_RAM_BASE + 16384);
        }
    }
}
