// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! The built binary's exit statuses for the cases that need no emulator.

use std::process::{Command, Output};

fn portcullis(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(args)
        .output()
        .expect("the binary runs")
}

#[test]
fn help_succeeds() {
    let output = portcullis(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("run"));
}

#[test]
fn usage_errors_are_125_not_clap_s_2() {
    // 2 would read as the guest's "unexpected CPU exception".
    assert_eq!(portcullis(&["run"]).status.code(), Some(125));
    assert_eq!(portcullis(&["frobnicate"]).status.code(), Some(125));
}

#[test]
fn unknown_board_is_125() {
    let output = portcullis(&["run", "--board", "nope", "--elf", "/nonexistent"]);
    assert_eq!(output.status.code(), Some(125));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown board `nope`"));
}

#[test]
fn unreadable_kernel_is_126() {
    let output = portcullis(&["run", "--board", "qemu-virt", "--elf", "/nonexistent/k.elf"]);
    assert_eq!(output.status.code(), Some(126));
    let output = portcullis(&["decode", "--elf", "/nonexistent/k.elf", "-"]);
    assert_eq!(output.status.code(), Some(126));
}

#[test]
fn a_build_outside_a_repository_is_126() {
    let outside = tempfile::tempdir().expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(["run", "--board", "qemu-virt"])
        .current_dir(outside.path())
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(126), "{output:?}");
}
