// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! Emulated system tests: the manifest a board keeps in
//! `boards/<board>/system-tests.toml` and the verdict on one run.
//!
//! A system test boots one kernel variant and passes when the runner's exit
//! status is the expected one and the decoded log holds every `expect`
//! substring, in order, every `contains` substring, anywhere, and none of
//! the `forbid` substrings. The manifest is
//! data so that adding a test to a board never touches the runner.

use std::{fmt, path::Path};

use anyhow::{Context as _, bail};
use serde::Deserialize;

/// The manifest's file name inside a board directory.
pub(crate) const MANIFEST: &str = "system-tests.toml";

/// Seconds a system test may run when its entry does not say.
const DEFAULT_TIMEOUT_SECS: u64 = 60;

/// Every test of one board.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    test: Vec<SystemTest>,
}

/// One emulated system test.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct SystemTest {
    /// Unique name, printed in the report.
    pub(crate) name: String,
    /// Kernel build variant.
    pub(crate) variant: String,
    /// Extra QEMU arguments, after the board's own.
    #[serde(default)]
    pub(crate) qemu_args: Vec<String>,
    /// The runner exit status that counts as a pass.
    pub(crate) exit_code: u8,
    /// Substrings the log must contain, in this order.
    #[serde(default)]
    pub(crate) expect: Vec<String>,
    /// Substrings the log must contain, in any order (for lines of
    /// concurrent processes, whose interleaving is not fixed).
    #[serde(default)]
    pub(crate) contains: Vec<String>,
    /// Substrings the log must not contain.
    #[serde(default)]
    pub(crate) forbid: Vec<String>,
    /// Text sent to the console input once the board runs.
    #[serde(default)]
    pub(crate) input: Option<String>,
    /// Console replies, each sent once its trigger appears in the log.
    #[serde(default)]
    pub(crate) reply: Vec<Reply>,
    /// Seconds before the run is stopped.
    #[serde(default = "default_timeout")]
    pub(crate) timeout: u64,
}

/// One scripted console reply.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub(crate) struct Reply {
    /// Decoded-log text to wait for (after the previous reply's).
    pub(crate) after: String,
    /// What to type then.
    pub(crate) send: String,
}

fn default_timeout() -> u64 {
    DEFAULT_TIMEOUT_SECS
}

/// Reads and checks `boards/<board>/system-tests.toml`.
pub(crate) fn load(board_dir: &Path) -> anyhow::Result<Vec<SystemTest>> {
    let path = board_dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    parse(&text).with_context(|| format!("in {}", path.display()))
}

/// Parses a manifest; names must be unique and timeouts non-zero.
pub(crate) fn parse(text: &str) -> anyhow::Result<Vec<SystemTest>> {
    let manifest: Manifest = toml::from_str(text)?;
    for (index, test) in manifest.test.iter().enumerate() {
        if manifest.test[..index]
            .iter()
            .any(|earlier| earlier.name == test.name)
        {
            bail!("system test `{}` is defined twice", test.name);
        }
        if test.timeout == 0 {
            bail!("system test `{}` has a zero timeout", test.name);
        }
    }
    Ok(manifest.test)
}

/// Why a run did not pass.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Mismatch {
    /// The runner's exit status differed.
    ExitCode { expected: u8, actual: u8 },
    /// An `expect` substring was not found after the previous one.
    Missing(String),
    /// A `contains` substring was not found anywhere.
    Absent(String),
    /// A `forbid` substring was found.
    Forbidden(String),
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ExitCode { expected, actual } => {
                write!(f, "exit status {actual}, expected {expected}")
            }
            Self::Missing(text) => write!(f, "log lacks (in order) `{text}`"),
            Self::Absent(text) => write!(f, "log lacks `{text}`"),
            Self::Forbidden(text) => write!(f, "log contains forbidden `{text}`"),
        }
    }
}

impl SystemTest {
    /// Every way the run with `status` and decoded `log` misses the test.
    pub(crate) fn judge(&self, status: u8, log: &str) -> Vec<Mismatch> {
        let mut mismatches = Vec::new();
        if status != self.exit_code {
            mismatches.push(Mismatch::ExitCode {
                expected: self.exit_code,
                actual: status,
            });
        }
        let mut rest = log;
        for wanted in &self.expect {
            match rest.find(wanted.as_str()) {
                Some(at) => rest = &rest[at + wanted.len()..],
                None => mismatches.push(Mismatch::Missing(wanted.clone())),
            }
        }
        for wanted in &self.contains {
            if !log.contains(wanted.as_str()) {
                mismatches.push(Mismatch::Absent(wanted.clone()));
            }
        }
        for unwanted in &self.forbid {
            if log.contains(unwanted.as_str()) {
                mismatches.push(Mismatch::Forbidden(unwanted.clone()));
            }
        }
        mismatches
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST_TEXT: &str = r#"
        [[test]]
        name = "boots"
        variant = "default"
        exit-code = 0
        expect = ["banner", "done"]
        contains = ["tick"]
        forbid = ["ERROR"]

        [[test]]
        name = "faults"
        variant = "fault"
        qemu-args = ["-M", "virtualization=on"]
        exit-code = 2
        timeout = 5
    "#;

    fn tests() -> Vec<SystemTest> {
        parse(MANIFEST_TEXT).expect("valid manifest")
    }

    #[test]
    fn parses_fields_and_defaults() {
        let tests = tests();
        assert_eq!(tests.len(), 2);
        assert_eq!(tests[0].timeout, DEFAULT_TIMEOUT_SECS);
        assert!(tests[0].qemu_args.is_empty());
        assert_eq!(tests[1].qemu_args, ["-M", "virtualization=on"]);
        assert_eq!(tests[1].exit_code, 2);
        assert!(tests[1].expect.is_empty());
    }

    #[test]
    fn rejects_duplicates_unknown_fields_and_zero_timeouts() {
        let twice = "[[test]]\nname='a'\nvariant='v'\nexit-code=0\n[[test]]\nname='a'\nvariant='w'\nexit-code=0\n";
        assert!(
            parse(twice)
                .unwrap_err()
                .to_string()
                .contains("defined twice")
        );
        assert!(parse("[[test]]\nname='a'\nvariant='v'\nexit-code=0\nexpected=[]\n").is_err());
        assert!(parse("[[test]]\nname='a'\nvariant='v'\nexit-code=0\ntimeout=0\n").is_err());
        assert!(parse("[[test]]\nname='a'\nvariant='v'\nexit-code=300\n").is_err());
    }

    #[test]
    fn passes_only_with_status_and_ordered_log() {
        let boots = &tests()[0];
        assert_eq!(boots.judge(0, "banner\ntick\ndone\n"), []);
        assert_eq!(
            boots.judge(0, "tick banner done"),
            [],
            "contains is unordered"
        );
        assert_eq!(
            boots.judge(0, "banner done"),
            [Mismatch::Absent("tick".into())]
        );
        assert_eq!(
            boots.judge(0, "done\nbanner tick\n"),
            [Mismatch::Missing("done".into())],
            "expectations are ordered"
        );
        assert_eq!(
            boots.judge(124, "banner done tick ERROR"),
            [
                Mismatch::ExitCode {
                    expected: 0,
                    actual: 124
                },
                Mismatch::Forbidden("ERROR".into())
            ]
        );
    }

    #[test]
    fn the_board_manifests_in_the_repository_parse() {
        let boards = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../boards");
        let mut found = 0;
        for entry in std::fs::read_dir(&boards).expect("boards/ exists") {
            let dir = entry.expect("readable entry").path();
            if dir.join(MANIFEST).is_file() {
                let tests = load(&dir).expect("manifest parses");
                assert!(!tests.is_empty(), "{} lists no tests", dir.display());
                found += 1;
            }
        }
        assert!(found > 0, "no board has a system-test manifest");
    }
}
