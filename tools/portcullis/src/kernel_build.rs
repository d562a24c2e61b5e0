// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Builds a board's kernel through the board Makefile and finds its ELF.
//!
//! The contract with `boards/<board>/Makefile`: `make -s print-elf
//! VARIANT=<variant>` builds the kernel and prints the ELF's absolute path as
//! the last line of stdout. Anything printed before it is build chatter and
//! is passed through.

use std::{
    fmt, io,
    path::{Path, PathBuf},
    process::{Command, ExitStatus, Stdio},
};

/// Why no kernel ELF came out of the build step.
#[derive(Debug)]
pub(crate) enum BuildError {
    /// The current directory, where the search starts, is unavailable.
    NoCurrentDir(io::Error),
    /// No directory from the start upwards holds `boards/`.
    RepoNotFound(PathBuf),
    /// The repository has no directory for this board.
    NoBoardDir(PathBuf),
    /// `make` could not be run.
    Spawn(io::Error),
    /// `make` ran and failed.
    MakeFailed(ExitStatus),
    /// `make` succeeded but printed nothing.
    NoElfPath,
    /// The printed path is not an existing file.
    ElfMissing(PathBuf),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoCurrentDir(error) => write!(f, "no current directory: {error}"),
            Self::RepoNotFound(start) => write!(
                f,
                "no Portcullis repository (a directory with `boards/`) at or above {}; \
                 pass --repo",
                start.display()
            ),
            Self::NoBoardDir(dir) => write!(f, "no board directory {}", dir.display()),
            Self::Spawn(error) => write!(f, "cannot run make: {error}"),
            Self::MakeFailed(status) => write!(f, "the kernel build failed ({status})"),
            Self::NoElfPath => f.write_str("`make print-elf` printed no ELF path"),
            Self::ElfMissing(path) => write!(
                f,
                "`make print-elf` named {}, which is not a file",
                path.display()
            ),
        }
    }
}

impl std::error::Error for BuildError {}

/// The nearest directory at or above `start` that holds `boards/`.
pub(crate) fn find_repo(start: &Path) -> Result<PathBuf, BuildError> {
    start
        .ancestors()
        .find(|dir| dir.join("boards").is_dir())
        .map(Path::to_path_buf)
        .ok_or_else(|| BuildError::RepoNotFound(start.to_path_buf()))
}

/// Builds `variant` of `board`'s kernel and returns the ELF's path.
pub(crate) fn build_kernel(repo: &Path, board: &str, variant: &str) -> Result<PathBuf, BuildError> {
    let board_dir = repo.join("boards").join(board);
    if !board_dir.is_dir() {
        return Err(BuildError::NoBoardDir(board_dir));
    }
    let output = Command::new("make")
        .arg("-s")
        .arg("-C")
        .arg(&board_dir)
        .arg("print-elf")
        .arg(format!("VARIANT={variant}"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .output()
        .map_err(BuildError::Spawn)?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut lines: Vec<&str> = stdout
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    let last = lines.pop();
    for line in lines {
        eprintln!("{line}");
    }
    if !output.status.success() {
        return Err(BuildError::MakeFailed(output.status));
    }
    let elf = board_dir.join(last.ok_or(BuildError::NoElfPath)?.trim());
    if elf.is_file() {
        Ok(elf)
    } else {
        Err(BuildError::ElfMissing(elf))
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    /// A scratch repository with one board whose Makefile runs `recipe`.
    fn fake_repo(recipe: &str) -> tempfile::TempDir {
        let repo = tempfile::tempdir().expect("temp dir");
        let board = repo.path().join("boards/fake");
        fs::create_dir_all(&board).expect("board dir");
        fs::write(board.join("Makefile"), format!("print-elf:\n\t{recipe}\n")).expect("Makefile");
        repo
    }

    #[test]
    fn repo_is_found_from_below() {
        let repo = fake_repo("true");
        let deep = repo.path().join("boards/fake/src/deeper");
        fs::create_dir_all(&deep).expect("dirs");
        assert_eq!(find_repo(&deep).expect("found"), repo.path());
    }

    #[test]
    fn no_repo_is_an_error() {
        let empty = tempfile::tempdir().expect("temp dir");
        // The temp dir's ancestors (e.g. /tmp, /) do not hold `boards/`.
        assert!(matches!(
            find_repo(empty.path()),
            Err(BuildError::RepoNotFound(_))
        ));
    }

    #[test]
    fn the_last_line_names_the_elf() {
        let repo = fake_repo("@echo building; touch k.elf; echo \"$$(pwd)/k.elf\"");
        let elf = build_kernel(repo.path(), "fake", "default").expect("build works");
        assert_eq!(elf, repo.path().join("boards/fake/k.elf"));
    }

    #[test]
    fn the_variant_reaches_make() {
        let repo = fake_repo("@touch $(VARIANT).elf; echo $(VARIANT).elf");
        let elf = build_kernel(repo.path(), "fake", "fault-data-abort").expect("build works");
        assert_eq!(elf, repo.path().join("boards/fake/fault-data-abort.elf"));
    }

    #[test]
    fn a_failing_build_is_reported() {
        let repo = fake_repo("@exit 2");
        assert!(matches!(
            build_kernel(repo.path(), "fake", "default"),
            Err(BuildError::MakeFailed(_))
        ));
    }

    #[test]
    fn silence_is_an_error() {
        let repo = fake_repo("@true");
        assert!(matches!(
            build_kernel(repo.path(), "fake", "default"),
            Err(BuildError::NoElfPath)
        ));
    }

    #[test]
    fn a_missing_elf_is_an_error() {
        let repo = fake_repo("@echo /nonexistent/kernel.elf");
        assert!(matches!(
            build_kernel(repo.path(), "fake", "default"),
            Err(BuildError::ElfMissing(path)) if path == Path::new("/nonexistent/kernel.elf")
        ));
    }

    #[test]
    fn an_unknown_board_dir_is_an_error() {
        let repo = fake_repo("true");
        assert!(matches!(
            build_kernel(repo.path(), "other", "default"),
            Err(BuildError::NoBoardDir(_))
        ));
    }
}
