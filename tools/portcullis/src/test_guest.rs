// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Test fixture: a tiny AArch64 guest for end-to-end runs under real QEMU.
//!
//! The guest writes fixed bytes (defmt frames, or noise) to the `virt`
//! board's PL011 data register and then either ends through semihosting
//! `SYS_EXIT` with a chosen code or spins forever. It is linked with the
//! project's `ld.lld` into an ELF that also carries the fixture defmt table,
//! exactly as a kernel ELF does, so `portcullis run --elf` can boot it and
//! decode its output. The tests skip when QEMU or the linker is missing.

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use object::{
    SectionKind, SymbolFlags, SymbolKind, SymbolScope,
    write::{Symbol, SymbolSection},
};

use crate::test_support;

/// PL011 UART0 on QEMU `virt` (DESIGN.md §2; QEMU's DTB says the same).
const PL011_BASE: u64 = 0x0900_0000;
/// Where the guest is linked: RAM base 0x4000_0000 plus the usual offset.
const LOAD_ADDRESS: u64 = 0x4008_0000;

/// Semihosting operation number of SYS_EXIT (Arm "Semihosting for AArch32
/// and AArch64", SYS_EXIT 0x18).
const SYS_EXIT: u16 = 0x18;
/// SYS_EXIT reason `ADP_Stopped_ApplicationExit` (same document, 6.5.2).
const ADP_STOPPED_APPLICATION_EXIT: u64 = 0x2_0026;

// A64 encodings (Arm ARM, DDI 0487, C6.2: MOVZ, STRB (immediate), ADR,
// HLT, B).

/// `MOVZ Xd, #imm16, LSL #(16 * shift)`.
fn movz_x(rd: u32, imm16: u16, shift: u32) -> u32 {
    0xD280_0000 | (shift << 21) | (u32::from(imm16) << 5) | rd
}

/// `MOVZ Wd, #imm16`.
fn movz_w(rd: u32, imm16: u16) -> u32 {
    0x5280_0000 | (u32::from(imm16) << 5) | rd
}

/// `STRB Wt, [Xn]`.
fn strb(rt: u32, rn: u32) -> u32 {
    0x3900_0000 | (rn << 5) | rt
}

/// `ADR Xd, .+offset` (offset small and positive here).
fn adr(rd: u32, offset: u32) -> u32 {
    0x1000_0000 | ((offset & 3) << 29) | ((offset >> 2) << 5) | rd
}

/// `HLT #imm16`; `HLT #0xF000` is the A64 semihosting trap.
fn hlt(imm16: u16) -> u32 {
    0xD440_0000 | (u32::from(imm16) << 5)
}

/// `B .`: spin forever.
const BRANCH_TO_SELF: u32 = 0x1400_0000;

/// The guest's machine code: send `uart`, then exit with `exit_code`, or
/// spin when it is `None`.
fn guest_code(uart: &[u8], exit_code: Option<u64>) -> Vec<u8> {
    let base_high = u16::try_from(PL011_BASE >> 16).expect("PL011 base fits MOVZ #imm, LSL 16");
    let mut words = vec![movz_x(2, base_high, 1)];
    for &byte in uart {
        words.push(movz_w(3, byte.into()));
        words.push(strb(3, 2));
    }
    let Some(code) = exit_code else {
        words.push(BRANCH_TO_SELF);
        return words.iter().flat_map(|word| word.to_le_bytes()).collect();
    };
    words.push(movz_x(0, SYS_EXIT, 0));
    // The parameter block follows ADR, HLT and B, 8-byte aligned.
    let adr_index = words.len();
    let block_index = (adr_index + 3).next_multiple_of(2);
    let offset = u32::try_from((block_index - adr_index) * 4).expect("short program");
    words.push(adr(1, offset));
    words.push(hlt(0xF000));
    words.push(BRANCH_TO_SELF);
    words.resize(block_index, BRANCH_TO_SELF);
    let mut code_bytes: Vec<u8> = words.iter().flat_map(|word| word.to_le_bytes()).collect();
    code_bytes.extend_from_slice(&ADP_STOPPED_APPLICATION_EXIT.to_le_bytes());
    code_bytes.extend_from_slice(&code.to_le_bytes());
    code_bytes
}

/// The linker, if this machine has one (installed by `make setup`).
fn linker() -> Option<Vec<&'static str>> {
    let candidates: [&[&str]; 3] = [&["ld.lld"], &["ld.lld-22"], &["rust-lld", "-flavor", "gnu"]];
    candidates.into_iter().find_map(|candidate| {
        Command::new(candidate[0])
            .args(&candidate[1..])
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
            .then(|| candidate.to_vec())
    })
}

/// Whether QEMU for AArch64 is installed.
pub(crate) fn qemu_available() -> bool {
    Command::new("qemu-system-aarch64")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Links the guest into `dir/guest.elf`; `None` without a linker.
pub(crate) fn guest_elf(dir: &Path, uart: &[u8], exit_code: Option<u64>) -> Option<PathBuf> {
    let linker = linker()?;
    let mut object = test_support::new_object();
    test_support::add_defmt_metadata(&mut object, "rzcobs", true);
    let text = object.add_section(Vec::new(), b".text".to_vec(), SectionKind::Text);
    object.append_section_data(text, &guest_code(uart, exit_code), 8);
    object.add_symbol(Symbol {
        name: b"_start".to_vec(),
        value: 0,
        size: 0,
        kind: SymbolKind::Text,
        scope: SymbolScope::Linkage,
        weak: false,
        section: SymbolSection::Section(text),
        flags: SymbolFlags::None,
    });
    let object_path = dir.join("guest.o");
    fs::write(&object_path, object.write().expect("object serialises")).expect("object written");
    // `.defmt` is metadata at address 0, so symbol addresses are message
    // indices, as defmt's own linker script arranges.
    let script = format!(
        "ENTRY(_start)\nSECTIONS {{\n  . = {LOAD_ADDRESS:#x};\n  .text : {{ *(.text) }}\n  \
         .defmt 0 (INFO) : {{ *(.defmt) }}\n}}\n"
    );
    let script_path = dir.join("guest.ld");
    fs::write(&script_path, script).expect("linker script written");
    let elf = dir.join("guest.elf");
    let status = Command::new(linker[0])
        .args(&linker[1..])
        .arg("-T")
        .arg(&script_path)
        .arg(&object_path)
        .arg("-o")
        .arg(&elf)
        .status()
        .expect("the linker runs");
    assert!(status.success(), "linking the test guest failed: {status}");
    Some(elf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_match_the_architecture_reference() {
        // Cross-checked with `llvm-mc -triple=aarch64 -show-encoding`.
        assert_eq!(movz_x(2, 0x0900, 1), 0xD2A1_2002); // movz x2, #0x900, lsl #16
        assert_eq!(movz_w(3, 0x41), 0x5280_0823); // movz w3, #0x41
        assert_eq!(strb(3, 2), 0x3900_0043); // strb w3, [x2]
        assert_eq!(movz_x(0, 0x18, 0), 0xD280_0300); // movz x0, #0x18
        assert_eq!(adr(1, 12), 0x1000_0061); // adr x1, .+12
        assert_eq!(adr(1, 13), 0x3000_0061); // adr x1, .+13
        assert_eq!(hlt(0xF000), 0xD45E_0000); // hlt #0xf000
    }

    #[test]
    fn the_exit_block_is_aligned_and_addressed() {
        for uart_len in 0..4 {
            let code = guest_code(&vec![0x55; uart_len], Some(7));
            let block = code.len() - 16;
            assert_eq!(block % 8, 0);
            assert_eq!(
                code[block..block + 8],
                ADP_STOPPED_APPLICATION_EXIT.to_le_bytes()
            );
            assert_eq!(code[block + 8..], 7u64.to_le_bytes());
        }
    }
}
