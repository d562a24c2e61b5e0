// Licensed under the Apache License, Version 2.0 or the MIT License.
// SPDX-License-Identifier: Apache-2.0 OR MIT
// Copyright Portcullis Contributors 2026.
//! What the runner types at the board's console, and when.
//!
//! A script is an optional first input, sent as soon as the target has
//! produced any output (its UART is initialised by then), followed by
//! replies, each sent once its trigger text has appeared in the decoded log
//! after the previous reply's trigger. Replies make dialogues possible: wait
//! for an app to say it is ready, then act on it from the console.

/// One scripted input.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Step {
    /// Decoded-log text that must appear first; `None` means "any output".
    after: Option<String>,
    /// Bytes to send.
    send: String,
}

/// Console input for one run.
#[derive(Clone, Debug, Default)]
pub(crate) struct ConsoleScript {
    steps: Vec<Step>,
    next: usize,
    /// Where in the log the next trigger is looked for.
    searched_from: usize,
}

impl ConsoleScript {
    /// `input` after the first output, then each `(after, send)` reply.
    pub(crate) fn new(input: Option<&str>, replies: &[(String, String)]) -> Self {
        let first = input.map(|send| Step {
            after: None,
            send: send.to_owned(),
        });
        let replies = replies.iter().map(|(after, send)| Step {
            after: Some(after.clone()),
            send: send.clone(),
        });
        Self {
            steps: first.into_iter().chain(replies).collect(),
            next: 0,
            searched_from: 0,
        }
    }

    /// Whether the run needs a console input at all.
    pub(crate) fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The next input that is due, given the whole decoded log so far (its
    /// length is the output seen). Call until it returns `None`.
    pub(crate) fn due(&mut self, log: &str, output_seen: bool) -> Option<String> {
        let step = self.steps.get(self.next)?;
        match &step.after {
            None if output_seen => {}
            None => return None,
            Some(trigger) => {
                let found = log.get(self.searched_from..)?.find(trigger.as_str())?;
                self.searched_from += found + trigger.len();
            }
        }
        self.next += 1;
        Some(step.send.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_input_waits_for_any_output() {
        let mut script = ConsoleScript::new(Some("list\n"), &[]);
        assert!(!script.is_empty());
        assert_eq!(script.due("", false), None);
        assert_eq!(script.due("", true).as_deref(), Some("list\n"));
        assert_eq!(script.due("anything", true), None, "sent once");
    }

    #[test]
    fn replies_follow_their_triggers_in_order() {
        let replies = [
            ("ready".to_owned(), "restart 0\n".to_owned()),
            ("ready".to_owned(), "kill 0\n".to_owned()),
        ];
        let mut script = ConsoleScript::new(None, &replies);
        assert_eq!(script.due("booting", true), None);
        assert_eq!(
            script.due("booting ready", true).as_deref(),
            Some("restart 0\n")
        );
        // The same trigger must appear again, after the first one.
        assert_eq!(script.due("booting ready", true), None);
        assert_eq!(
            script.due("booting ready ... ready", true).as_deref(),
            Some("kill 0\n")
        );
        assert_eq!(script.due("booting ready ... ready ready", true), None);
    }

    #[test]
    fn an_empty_script_never_sends() {
        let mut script = ConsoleScript::new(None, &[]);
        assert!(script.is_empty());
        assert_eq!(script.due("ready", true), None);
    }
}
