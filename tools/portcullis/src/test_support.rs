// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Test fixtures: a small ELF carrying a defmt table, and frames for it.
//!
//! A real kernel ELF needs the cross toolchain, so the decoding tests build
//! the same metadata a defmt-using link produces: a `.defmt` section whose
//! symbols are named by JSON descriptors and whose addresses are the message
//! indices, plus the `_defmt_version_` and `_defmt_encoding_` marker symbols.

use object::{
    Architecture, BinaryFormat, Endianness, SectionKind, SymbolFlags, SymbolKind, SymbolScope,
    write::{Object, Symbol, SymbolSection},
};

/// `info!("booted {=str} at EL{=u8}")`.
pub(crate) const INDEX_BOOT: u16 = 1;
/// `warn!("fault at {=u32:#x}")`.
pub(crate) const INDEX_WARN: u16 = 2;
/// `println!("plain line")`.
pub(crate) const INDEX_PRINTLN: u16 = 3;

/// The defmt wire-format version the fixture claims (defmt 1.x writes 4).
const DEFMT_WIRE_VERSION: &str = "4";

fn defmt_symbol(tag: &str, data: &str) -> Vec<u8> {
    format!(
        r#"{{"package":"fixture","tag":"{tag}","data":"{data}","disambiguator":"{tag}-{data}","crate_name":"fixture"}}"#
    )
    .into_bytes()
}

fn add_symbol(object: &mut Object<'_>, name: Vec<u8>, value: u64, section: SymbolSection) {
    object.add_symbol(Symbol {
        name,
        value,
        size: 1,
        kind: SymbolKind::Data,
        scope: SymbolScope::Linkage,
        weak: false,
        section,
        flags: SymbolFlags::None,
    });
}

pub(crate) fn new_object() -> Object<'static> {
    Object::new(BinaryFormat::Elf, Architecture::Aarch64, Endianness::Little)
}

/// An ELF whose defmt table uses `encoding` (`rzcobs` or `raw`), with a
/// `{=u64:us}` timestamp when `timestamp` is set.
fn build_defmt_elf(encoding: &str, timestamp: bool) -> Vec<u8> {
    let mut object = new_object();
    add_defmt_metadata(&mut object, encoding, timestamp);
    object.write().expect("the fixture ELF serialises")
}

/// Adds the fixture's `.defmt` section and marker symbols to `object`.
pub(crate) fn add_defmt_metadata(object: &mut Object<'_>, encoding: &str, timestamp: bool) {
    let defmt = object.add_section(Vec::new(), b".defmt".to_vec(), SectionKind::ReadOnlyData);
    object.append_section_data(defmt, &[0u8; 8], 1);
    let messages = [
        (INDEX_BOOT, "defmt_info", "booted {=str} at EL{=u8}"),
        (INDEX_WARN, "defmt_warn", "fault at {=u32:#x}"),
        (INDEX_PRINTLN, "defmt_println", "plain line"),
    ];
    for (index, tag, format) in messages {
        let name = defmt_symbol(tag, format);
        add_symbol(object, name, index.into(), SymbolSection::Section(defmt));
    }
    if timestamp {
        let name = defmt_symbol("defmt_timestamp", "{=u64:us}");
        add_symbol(object, name, 4, SymbolSection::Section(defmt));
    }
    let version = format!("_defmt_version_ = {DEFMT_WIRE_VERSION}").into_bytes();
    add_symbol(object, version, 0, SymbolSection::Absolute);
    let encoding = format!("_defmt_encoding_ = {encoding}").into_bytes();
    add_symbol(object, encoding, 0, SymbolSection::Absolute);
}

/// The standard fixture: rzCOBS, optionally timestamped.
pub(crate) fn defmt_elf(timestamp: bool) -> Vec<u8> {
    build_defmt_elf("rzcobs", timestamp)
}

/// The fixture with another encoding.
pub(crate) fn defmt_elf_with_encoding(encoding: &str) -> Vec<u8> {
    build_defmt_elf(encoding, true)
}

/// A valid ELF that does not use defmt.
pub(crate) fn elf_without_defmt() -> Vec<u8> {
    let mut object = new_object();
    let text = object.add_section(Vec::new(), b".text".to_vec(), SectionKind::Text);
    object.append_section_data(text, &[0u8; 4], 4);
    object.write().expect("the fixture ELF serialises")
}

/// The `{=str}` and `{=u8}` arguments of [`INDEX_BOOT`]: "qemu-virt", 1.
pub(crate) fn boot_args() -> Vec<u8> {
    let board = b"qemu-virt";
    let mut args = u32::try_from(board.len())
        .expect("short string")
        .to_le_bytes()
        .to_vec();
    args.extend_from_slice(board);
    args.push(1);
    args
}

/// A timestamped message as the target's logger sends it, without the
/// 0x00 terminator: rzCOBS of (index, timestamp, arguments).
pub(crate) fn frame(index: u16, timestamp_us: u64, args: &[u8]) -> Vec<u8> {
    let mut raw = index.to_le_bytes().to_vec();
    raw.extend_from_slice(&timestamp_us.to_le_bytes());
    raw.extend_from_slice(args);
    rzcobs::encode(&raw)
}

/// [`frame`] followed by its terminator, ready to put on the wire.
pub(crate) fn wire_frame(index: u16, timestamp_us: u64, args: &[u8]) -> Vec<u8> {
    let mut bytes = frame(index, timestamp_us, args);
    bytes.push(0);
    bytes
}
