// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! The boards `portcullis run` knows, and the QEMU command line for each.

use std::{
    ffi::OsString,
    fmt,
    path::Path,
    process::{Command, Stdio},
};

/// A board the runner can boot.
#[derive(Debug)]
pub(crate) struct Board {
    /// Name used on the command line and as the directory under `boards/`.
    pub(crate) name: &'static str,
    /// How to emulate it.
    pub(crate) qemu: QemuMachine,
}

/// A QEMU system emulator and the arguments that model the board.
#[derive(Debug)]
pub(crate) struct QemuMachine {
    /// The emulator binary, looked up in `PATH`.
    pub(crate) program: &'static str,
    /// Every argument except the kernel, the instruction counter and extras.
    pub(crate) args: &'static [&'static str],
}

/// Every board the runner supports.
pub(crate) const BOARDS: &[Board] = &[Board {
    name: "qemu-virt",
    qemu: QemuMachine {
        program: "qemu-system-aarch64",
        args: &[
            // GICv3 and an SMMUv3 in front of the PCI bus (DESIGN.md §2, §6).
            "-M",
            "virt,gic-version=3,iommu=smmuv3",
            "-cpu",
            "cortex-a53",
            "-m",
            "1G",
            // Only what is asked for below: no default NIC, serial or monitor.
            "-nodefaults",
            "-display",
            "none",
            "-monitor",
            "none",
            // The PCI DMA engine apps drive through the SMMUv3, with a
            // 32-bit DMA mask (QEMU's default is 28 bits) so that process
            // addresses, which start at 0x8000_0000, are device addresses
            // it can emit (doc/boards/qemu-virt.md, "DMA").
            "-device",
            "edu,dma_mask=0xffffffff",
            // Semihosting SYS_EXIT becomes QEMU's exit status.
            "-semihosting-config",
            "enable=on,target=native",
            // The PL011 carries binary defmt frames: a plain stdio chardev (no
            // mux, no monitor escape, no Ctrl-C handling) passes every byte
            // through untouched.
            "-chardev",
            "stdio,id=uart0,signal=off",
            "-serial",
            "chardev:uart0",
        ],
    },
}];

/// The requested board is not in [`BOARDS`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct UnknownBoard(pub(crate) String);

impl fmt::Display for UnknownBoard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let known: Vec<&str> = BOARDS.iter().map(|board| board.name).collect();
        write!(
            f,
            "unknown board `{}` (known: {})",
            self.0,
            known.join(", ")
        )
    }
}

impl std::error::Error for UnknownBoard {}

/// Looks a board up by name.
pub(crate) fn find(name: &str) -> Result<&'static Board, UnknownBoard> {
    BOARDS
        .iter()
        .find(|board| board.name == name)
        .ok_or_else(|| UnknownBoard(name.to_owned()))
}

/// Run-time choices that change the emulator command line.
#[derive(Debug, Default)]
pub(crate) struct QemuOptions {
    /// Add `-icount shift=0,sleep=off`: one instruction per virtual
    /// nanosecond, and an idle guest's clock jumps to the next timer
    /// deadline instead of following the host's, so the guest's counter is
    /// deterministic even across waits for a device.
    pub(crate) icount: bool,
    /// Appended last, so they can add devices or override earlier choices.
    pub(crate) extra_args: Vec<String>,
}

/// A fully built emulator invocation.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct QemuInvocation {
    /// The emulator binary.
    pub(crate) program: &'static str,
    /// Its arguments, in order.
    pub(crate) args: Vec<OsString>,
}

impl QemuMachine {
    /// The command line that boots `kernel` on this machine.
    pub(crate) fn invocation(&self, kernel: &Path, options: &QemuOptions) -> QemuInvocation {
        let mut args: Vec<OsString> = self.args.iter().map(OsString::from).collect();
        if options.icount {
            args.extend(["-icount", "shift=0,sleep=off"].map(OsString::from));
        }
        args.push("-kernel".into());
        args.push(kernel.into());
        args.extend(options.extra_args.iter().map(OsString::from));
        QemuInvocation {
            program: self.program,
            args,
        }
    }
}

impl QemuInvocation {
    /// A process ready to spawn: the UART arrives on stdout, QEMU's own
    /// messages on the inherited stderr. Stdin is a pipe when the runner
    /// feeds the UART's input (`console_input`), else closed, so QEMU never
    /// touches the user's terminal.
    pub(crate) fn command(&self, console_input: bool) -> Command {
        let mut command = Command::new(self.program);
        command
            .args(&self.args)
            .stdin(if console_input {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        command
    }
}

impl fmt::Display for QemuInvocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.program)?;
        for arg in &self.args {
            write!(f, " {}", arg.to_string_lossy())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VIRT_ARGS: &[&str] = &[
        "-M",
        "virt,gic-version=3,iommu=smmuv3",
        "-cpu",
        "cortex-a53",
        "-m",
        "1G",
        "-nodefaults",
        "-display",
        "none",
        "-monitor",
        "none",
        "-device",
        "edu,dma_mask=0xffffffff",
        "-semihosting-config",
        "enable=on,target=native",
        "-chardev",
        "stdio,id=uart0,signal=off",
        "-serial",
        "chardev:uart0",
    ];

    fn args_of(invocation: &QemuInvocation) -> Vec<&str> {
        invocation
            .args
            .iter()
            .map(|arg| arg.to_str().expect("test arguments are UTF-8"))
            .collect()
    }

    fn expected(tail: &[&'static str]) -> Vec<&'static str> {
        VIRT_ARGS.iter().chain(tail).copied().collect()
    }

    #[test]
    fn qemu_virt_plain() {
        let board = find("qemu-virt").expect("qemu-virt is a board");
        let invocation = board
            .qemu
            .invocation(Path::new("/k/kernel.elf"), &QemuOptions::default());
        assert_eq!(invocation.program, "qemu-system-aarch64");
        assert_eq!(
            args_of(&invocation),
            expected(&["-kernel", "/k/kernel.elf"])
        );
    }

    #[test]
    fn qemu_virt_with_icount() {
        let options = QemuOptions {
            icount: true,
            ..QemuOptions::default()
        };
        let invocation = find("qemu-virt")
            .expect("qemu-virt is a board")
            .qemu
            .invocation(Path::new("k.elf"), &options);
        assert_eq!(
            args_of(&invocation),
            expected(&["-icount", "shift=0,sleep=off", "-kernel", "k.elf"])
        );
    }

    #[test]
    fn extra_args_come_last_in_order() {
        let options = QemuOptions {
            icount: true,
            extra_args: vec!["-d".into(), "guest_errors,unimp".into()],
        };
        let invocation = find("qemu-virt")
            .expect("qemu-virt is a board")
            .qemu
            .invocation(Path::new("k.elf"), &options);
        assert_eq!(
            args_of(&invocation),
            expected(&[
                "-icount",
                "shift=0,sleep=off",
                "-kernel",
                "k.elf",
                "-d",
                "guest_errors,unimp"
            ])
        );
    }

    #[test]
    fn display_is_a_pasteable_command_line() {
        let invocation = find("qemu-virt")
            .expect("qemu-virt is a board")
            .qemu
            .invocation(Path::new("k.elf"), &QemuOptions::default());
        let shown = invocation.to_string();
        assert!(shown.starts_with("qemu-system-aarch64 -M virt,gic-version=3,iommu=smmuv3 "));
        assert!(shown.ends_with(" -kernel k.elf"));
    }

    #[test]
    fn unknown_board_lists_the_known_ones() {
        let error = find("zcu999").expect_err("no such board");
        assert_eq!(error, UnknownBoard("zcu999".into()));
        assert_eq!(
            error.to_string(),
            "unknown board `zcu999` (known: qemu-virt)"
        );
    }
}
