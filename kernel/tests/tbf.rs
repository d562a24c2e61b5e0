// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.

//! TBF parser tests: real elf2tab and tockloader output (fixtures made by
//! tools/fixtures/make-tbf-fixtures.sh) and hand-built malformed headers.

use kernel::tbf::{self, DriverPermission, TbfError, TbfWalker};

const HELLO: &[u8] = include_bytes!("fixtures/hello.tbf");
const SECOND: &[u8] = include_bytes!("fixtures/second.tbf");
const FLASH: &[u8] = include_bytes!("fixtures/apps.bin");

#[test]
fn accepts_elf2tab_output_with_every_tlv() {
    let h = tbf::parse(HELLO).expect("elf2tab output parses");
    assert_eq!(h.header_size, 108);
    assert_eq!(h.total_size as usize, HELLO.len());
    assert!(h.is_enabled() && h.is_app());
    assert_eq!(h.package_name, Some("hello"));
    let p = h.program.unwrap();
    assert_eq!(p.version, 3);
    assert_eq!(p.binary_end_offset, h.total_size);
    // Protected region = 4096 bytes as requested; code starts right after.
    assert_eq!(h.protected_end(), 4096);
    assert_eq!(h.entry_offset(), Some(4096));
    // The entry really is the fixture's first instruction (mov x0, #0).
    assert_eq!(&HELLO[4096..4100], &[0x00, 0x00, 0x80, 0xd2]);
    assert_eq!(p.minimum_ram_size, 4096 + 4096 + 8192);
    assert_eq!(h.kernel_version, Some((2, 0)));
    assert_eq!(h.short_id.map(|id| id.get()), Some(0x1234));
    // `_flash_origin = 0x80000000`: no fixed addresses (Tock's convention).
    assert_eq!(h.fixed_addresses, None);
    let perms = h.permissions.unwrap();
    assert_eq!(
        perms.iter().collect::<Vec<_>>(),
        [DriverPermission {
            driver: 1,
            offset: 0,
            allowed: 0b111
        }]
    );
    assert!(perms.allows_command(1, 2));
    assert!(!perms.allows_command(1, 3));
    assert!(!perms.allows_command(2, 0));
    assert_eq!(h.unknown_tlvs, 0);
}

#[test]
fn accepts_elf2tab_defaults() {
    let h = tbf::parse(SECOND).unwrap();
    assert_eq!(h.package_name, Some("second"));
    assert_eq!(h.permissions, None);
    assert_eq!(h.short_id, None);
    assert_eq!(h.entry_offset(), Some(4096));
}

#[test]
fn walks_a_tockloader_flash_image() {
    let found: Vec<_> = TbfWalker::new(FLASH).collect();
    assert_eq!(found.len(), 2);
    let names: Vec<_> = found
        .iter()
        .map(|f| f.header.unwrap().package_name.unwrap())
        .collect();
    assert_eq!(names, ["hello", "second"]);
    // Back to back: the second starts where the first ends.
    assert_eq!(found[0].offset, 0);
    assert_eq!(found[1].offset, found[0].bytes.len());
}

// ---- hand-built headers ---------------------------------------------------

/// Builds a TBF object: base header, the given TLVs (padded), a fixed
/// checksum, and `body` bytes of binary.
fn build(tlvs: &[(u16, Vec<u8>)], body: usize) -> Vec<u8> {
    let mut h = vec![0u8; 16];
    for (ty, value) in tlvs {
        h.extend_from_slice(&ty.to_le_bytes());
        h.extend_from_slice(&(value.len() as u16).to_le_bytes());
        h.extend_from_slice(value);
        while !h.len().is_multiple_of(4) {
            h.push(0);
        }
    }
    let header_size = h.len() as u16;
    let total = h.len() + body;
    h[0..2].copy_from_slice(&2u16.to_le_bytes());
    h[2..4].copy_from_slice(&header_size.to_le_bytes());
    h[4..8].copy_from_slice(&(total as u32).to_le_bytes());
    h[8..12].copy_from_slice(&1u32.to_le_bytes());
    fix_checksum(&mut h, header_size as usize);
    h.resize(total, 0xAA);
    h
}

fn fix_checksum(bytes: &mut [u8], header_size: usize) {
    let mut sum = 0u32;
    for (i, w) in bytes[..header_size].chunks_exact(4).enumerate() {
        if i != 3 {
            sum ^= u32::from_le_bytes(w.try_into().unwrap());
        }
    }
    bytes[12..16].copy_from_slice(&sum.to_le_bytes());
}

fn words(ws: &[u32]) -> Vec<u8> {
    ws.iter().flat_map(|w| w.to_le_bytes()).collect()
}

/// Program TLV with the binary starting right after a header of `header`
/// bytes and `trailer` protected bytes.
fn program(init: u32, trailer: u32, ram: u32, end: u32) -> (u16, Vec<u8>) {
    (9, words(&[init, trailer, ram, end, 0]))
}

#[test]
fn minimal_main_only_app() {
    let obj = build(&[(1, words(&[0, 0, 1024]))], 64);
    let h = tbf::parse(&obj).unwrap();
    let p = h.program.unwrap();
    assert_eq!((p.binary_end_offset, p.version), (h.total_size, 0));
    assert_eq!(h.entry_offset(), Some(u32::from(h.header_size)));
}

#[test]
fn padding_object_without_main_or_program() {
    let obj = build(&[], 32);
    let h = tbf::parse(&obj).unwrap();
    assert!(!h.is_app());
}

#[test]
fn truncated_inputs() {
    let obj = build(&[(1, words(&[0, 0, 0]))], 64);
    for cut in [0, 1, 15] {
        assert!(
            matches!(tbf::parse(&obj[..cut]), Err(TbfError::Truncated { .. })),
            "cut {cut}"
        );
    }
    // Whole header present but not the whole object.
    assert_eq!(
        tbf::parse(&obj[..obj.len() - 1]),
        Err(TbfError::Truncated {
            needed: obj.len() as u64,
            available: obj.len() as u64 - 1
        })
    );
    // A TLV that claims more bytes than the header holds.
    let mut bad = build(&[(3, b"abcd".to_vec())], 8);
    bad[18..20].copy_from_slice(&200u16.to_le_bytes());
    fix_checksum(&mut bad, 24);
    assert_eq!(tbf::parse(&bad), Err(TbfError::TlvOverflow { offset: 16 }));
}

#[test]
fn bad_checksum_is_refused() {
    let mut obj = HELLO.to_vec();
    obj[40] ^= 0x01; // inside the Program TLV
    assert!(matches!(
        tbf::parse(&obj),
        Err(TbfError::BadChecksum { .. })
    ));
    let mut obj = HELLO.to_vec();
    obj[12] ^= 0x80;
    assert!(matches!(
        tbf::parse(&obj),
        Err(TbfError::BadChecksum { .. })
    ));
}

#[test]
fn bad_versions_and_header_sizes() {
    let mut obj = build(&[], 16);
    obj[0] = 1;
    assert_eq!(tbf::parse(&obj), Err(TbfError::UnsupportedVersion(1)));
    for size in [0u16, 12, 18, 0xFFFF] {
        let mut obj = build(&[], 16);
        obj[2..4].copy_from_slice(&size.to_le_bytes());
        assert_eq!(
            tbf::parse(&obj),
            Err(TbfError::BadHeaderSize(size)),
            "size {size}"
        );
    }
}

#[test]
fn huge_sizes_never_overflow() {
    // total_size far beyond the data.
    let mut obj = build(&[], 16);
    obj[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
    fix_checksum(&mut obj, 16);
    assert!(matches!(
        tbf::parse(&obj),
        Err(TbfError::Truncated {
            needed: 0xFFFF_FFFF,
            ..
        })
    ));
    // Protected trailer and init offset that would wrap a u32.
    let obj = build(&[program(0, u32::MAX, 0, 64)], 32);
    assert_eq!(tbf::parse(&obj), Err(TbfError::InconsistentSizes));
    let obj = build(&[program(u32::MAX - 3, 0, 0, 68)], 32);
    assert_eq!(tbf::parse(&obj), Err(TbfError::BadEntryPoint));
}

#[test]
fn overlapping_or_inconsistent_regions() {
    // Header 16 + Program TLV 24 = 40 bytes; object 40 + 64 = 104.
    // Protected region beyond the object.
    assert_eq!(
        tbf::parse(&build(&[program(0, 100, 0, 104)], 64)),
        Err(TbfError::InconsistentSizes)
    );
    // Binary end inside the protected region.
    assert_eq!(
        tbf::parse(&build(&[program(8, 8, 0, 44)], 64)),
        Err(TbfError::InconsistentSizes)
    );
    // Binary end past the object.
    assert_eq!(
        tbf::parse(&build(&[program(0, 0, 0, 105)], 64)),
        Err(TbfError::InconsistentSizes)
    );
    // Entry inside the protected region, at/after the binary end, unaligned.
    assert_eq!(
        tbf::parse(&build(&[program(0, 8, 0, 104)], 64)),
        Err(TbfError::BadEntryPoint)
    );
    assert_eq!(
        tbf::parse(&build(&[program(64, 0, 0, 104)], 64)),
        Err(TbfError::BadEntryPoint)
    );
    assert_eq!(
        tbf::parse(&build(&[program(2, 0, 0, 104)], 64)),
        Err(TbfError::BadEntryPoint)
    );
    // Valid edge: entry at the first binary byte, binary to the very end.
    assert!(tbf::parse(&build(&[program(8, 8, 0, 104)], 64)).is_ok());
    // Main and Program that disagree.
    let obj = build(&[(1, words(&[0, 0, 512])), program(0, 0, 1024, 116)], 64);
    assert_eq!(tbf::parse(&obj), Err(TbfError::MainProgramMismatch));
}

#[test]
fn tlv_length_and_duplicate_checks() {
    assert_eq!(
        tbf::parse(&build(&[(1, words(&[0, 0]))], 8)),
        Err(TbfError::BadTlvLength { tlv: 1, length: 8 })
    );
    assert_eq!(
        tbf::parse(&build(&[(5, words(&[0]))], 8)),
        Err(TbfError::BadTlvLength { tlv: 5, length: 4 })
    );
    assert_eq!(
        tbf::parse(&build(&[(10, words(&[0, 0]))], 8)),
        Err(TbfError::BadTlvLength { tlv: 10, length: 8 })
    );
    // Permissions: count says 2 entries, data holds 1.
    let mut perms = 2u16.to_le_bytes().to_vec();
    perms.extend(words(&[1, 0, 1, 0]));
    assert_eq!(
        tbf::parse(&build(&[(6, perms)], 8)),
        Err(TbfError::BadTlvLength { tlv: 6, length: 18 })
    );
    assert_eq!(
        tbf::parse(&build(&[(3, b"a".to_vec()), (3, b"b".to_vec())], 8)),
        Err(TbfError::DuplicateTlv(3))
    );
    assert_eq!(
        tbf::parse(&build(&[(3, vec![0xFF, 0xFE])], 8)),
        Err(TbfError::BadPackageName)
    );
}

#[test]
fn unknown_tlvs_are_skipped_and_fixed_addresses_read() {
    let obj = build(
        &[
            (0x8123, vec![1, 2, 3]), // out-of-tree TLV, odd length (padded)
            (42, words(&[7, 7])),
            (5, words(&[u32::MAX, 0x8000_1000])),
            (3, b"app".to_vec()),
        ],
        16,
    );
    let h = tbf::parse(&obj).unwrap();
    assert_eq!(h.unknown_tlvs, 2);
    assert_eq!(h.package_name, Some("app"));
    let fixed = h.fixed_addresses.unwrap();
    assert_eq!((fixed.ram, fixed.flash), (None, Some(0x8000_1000)));
}

#[test]
fn walker_logs_a_bad_app_and_loads_the_next() {
    let mut region = HELLO.to_vec();
    region[40] ^= 1; // corrupt the first app's header, sizes intact
    region.extend_from_slice(SECOND);
    region.extend_from_slice(&[0xFF; 64]); // erased flash ends the list
    let found: Vec<_> = TbfWalker::new(&region).collect();
    assert_eq!(found.len(), 2);
    assert!(matches!(found[0].header, Err(TbfError::BadChecksum { .. })));
    assert_eq!(found[1].header.unwrap().package_name, Some("second"));
}

#[test]
fn walker_stops_on_untrustworthy_sizes_and_on_empty_space() {
    // Sizes that cannot locate the next object end the walk after one error.
    let mut region = build(&[], 16);
    region[4..8].copy_from_slice(&1_000_000u32.to_le_bytes());
    region.extend_from_slice(SECOND);
    let found: Vec<_> = TbfWalker::new(&region).collect();
    assert_eq!(found.len(), 1);
    assert!(matches!(found[0].header, Err(TbfError::Truncated { .. })));
    // Zeroed, erased, short and empty regions hold no apps.
    for region in [vec![0u8; 64], vec![0xFF; 64], vec![2, 0, 16], vec![]] {
        assert_eq!(TbfWalker::new(&region).count(), 0);
    }
}
