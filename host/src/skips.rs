//! The state-test skip list: which cases are known not to pass, and why.
//!
//! There is one such file, `tests/statetest-skips.txt`, so every skip is visible and has a
//! reason in one place. Format, one entry per line:
//!
//! ```text
//! # comment
//! <pattern> | <reason>
//! ```
//!
//! where `<pattern>` is `relative/path/from/GeneralStateTests.json`, optionally followed by
//! `::case name`, then `::Fork`, then `::d{N}g{N}v{N}` (each level narrows the previous one).
//! `*` in the case or fork position matches anything; a path ending in `/` matches a whole
//! folder. The reason must not be empty: a skip nobody can explain is a bug report waiting.

use std::path::Path;

/// One parsed line of the skip file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkipEntry {
    /// Path relative to GeneralStateTests, `/`-separated; a trailing `/` means a folder.
    pub path: String,
    /// Case name, or `None` for every case (also for `*`).
    pub case: Option<String>,
    /// Fork name as spelled in the file, or `None` for every fork.
    pub fork: Option<String>,
    /// `d{N}g{N}v{N}` index, or `None` for every index.
    pub index: Option<String>,
    /// Why the case is skipped.
    pub reason: String,
    /// Line number in the skip file, for messages.
    pub line: usize,
    /// A `[guest]` entry: skipped only where the entry also runs in the guest.
    pub guest_only: bool,
}

impl SkipEntry {
    /// Whether this entry covers the given test (`fork`/`index` `None` ask about the whole
    /// case or fork).
    fn matches(&self, rel_path: &str, case: &str, fork: &str, index: &str) -> bool {
        let path_ok = if self.path.ends_with('/') {
            rel_path.starts_with(&self.path)
        } else {
            rel_path == self.path
        };
        path_ok
            && self.case.as_deref().is_none_or(|c| c == case)
            && self.fork.as_deref().is_none_or(|f| f == fork)
            && self.index.as_deref().is_none_or(|i| i == index)
    }
}

/// The parsed skip file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SkipList {
    /// The entries, in file order.
    pub entries: Vec<SkipEntry>,
}

/// Whether `text` is `d{N}g{N}v{N}`.
fn is_index(text: &str) -> bool {
    let parse = |s: &str, tag: char| -> Option<String> {
        let rest = s.strip_prefix(tag)?;
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() {
            return None;
        }
        Some(rest[digits.len()..].to_string())
    };
    parse(text, 'd')
        .and_then(|r| parse(&r, 'g'))
        .and_then(|r| parse(&r, 'v'))
        .is_some_and(|r| r.is_empty())
}

impl SkipList {
    /// Parses the skip-file format; `source` names the file in error messages.
    pub fn parse(text: &str, source: &str) -> Result<SkipList, String> {
        let mut entries = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let err = |msg: &str| format!("{source}:{line}: {msg}");
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let (pattern, reason) = trimmed
                .split_once('|')
                .ok_or_else(|| err("expected `<pattern> | <reason>`"))?;
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(err("the reason is empty; every skip needs one"));
            }
            // `[debug] pattern`: skipped only by an unoptimised build of the runner (cases
            // that pass but take an optimised build to finish in minutes).
            let pattern = pattern.trim();
            let (pattern, debug_only) = match pattern.strip_prefix("[debug]") {
                Some(rest) => (rest.trim(), true),
                None => (pattern, false),
            };
            if debug_only && !cfg!(debug_assertions) {
                continue;
            }
            // `[guest] pattern`: skipped only by runs that also take the entry through the
            // guest (a limit of the guest machine, not a failure of the EVM).
            let (pattern, guest_only) = match pattern.strip_prefix("[guest]") {
                Some(rest) => (rest.trim(), true),
                None => (pattern, false),
            };
            let mut parts = pattern.split("::").map(str::trim);
            let path = parts.next().unwrap_or("").to_string();
            if path.is_empty() {
                return Err(err("the path is empty"));
            }
            if !(path.ends_with(".json") || path.ends_with('/')) {
                return Err(err(
                    "the path must name a .json file or end with / for a folder",
                ));
            }
            let wildcard = |s: Option<&str>| s.filter(|s| *s != "*").map(str::to_string);
            let case = parts.next();
            let fork = parts.next();
            let index = parts.next();
            if parts.next().is_some() {
                return Err(err("too many `::` parts (path::case::fork::index at most)"));
            }
            if [case, fork, index]
                .iter()
                .any(|p| p.is_some_and(str::is_empty))
            {
                return Err(err("empty part between `::`"));
            }
            if let Some(ix) = index {
                if !is_index(ix) {
                    return Err(err(&format!("index {ix:?} is not d{{N}}g{{N}}v{{N}}")));
                }
            }
            entries.push(SkipEntry {
                path,
                case: wildcard(case),
                fork: wildcard(fork),
                index: index.map(str::to_string),
                reason: reason.to_string(),
                line,
                guest_only,
            });
        }
        Ok(SkipList { entries })
    }

    /// The project's one skip file, `tests/statetest-skips.txt` of the workspace.
    pub fn project_file() -> Result<std::path::PathBuf, String> {
        Ok(crate::shared::workspace_root()?
            .join("tests")
            .join("statetest-skips.txt"))
    }

    /// Reads and parses the project's skip file ([`Self::project_file`]).
    pub fn load_project() -> Result<SkipList, String> {
        SkipList::load(&SkipList::project_file()?)
    }

    /// Reads and parses a skip file.
    pub fn load(path: &Path) -> Result<SkipList, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read skip file {}: {e}", path.display()))?;
        SkipList::parse(&text, &path.display().to_string())
    }

    /// The reason a test is skipped, if some entry covers it (`[guest]` entries left out).
    pub fn reason(&self, rel_path: &str, case: &str, fork: &str, index: &str) -> Option<&str> {
        self.reason_in(false, rel_path, case, fork, index)
    }

    /// [`Self::reason`] for a run that, with `in_guest`, also takes the test through the
    /// guest, where the `[guest]` entries apply too.
    pub fn reason_in(
        &self,
        in_guest: bool,
        rel_path: &str,
        case: &str,
        fork: &str,
        index: &str,
    ) -> Option<&str> {
        self.entries
            .iter()
            .filter(|e| in_guest || !e.guest_only)
            .find(|e| e.matches(rel_path, case, fork, index))
            .map(|e| e.reason.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "
# comment
stExample/add11.json | whole file
stFoo/bar.json::case one | one case
stFoo/bar.json::*::Cancun | one fork, all cases
stFoo/baz.json::c::Cancun::d1g0v2 | one index
stSlow/ | a folder
";

    #[test]
    fn parses_and_matches() {
        let list = SkipList::parse(SAMPLE, "skips.txt").unwrap();
        assert_eq!(list.entries.len(), 5);
        assert_eq!(
            list.reason("stExample/add11.json", "add11", "Cancun", "d0g0v0"),
            Some("whole file")
        );
        assert_eq!(
            list.reason("stFoo/bar.json", "case one", "Berlin", "d0g0v0"),
            Some("one case")
        );
        assert_eq!(
            list.reason("stFoo/bar.json", "other", "Cancun", "d0g0v0"),
            Some("one fork, all cases")
        );
        assert_eq!(
            list.reason("stFoo/bar.json", "other", "Berlin", "d0g0v0"),
            None
        );
        assert_eq!(
            list.reason("stFoo/baz.json", "c", "Cancun", "d1g0v2"),
            Some("one index")
        );
        assert_eq!(list.reason("stFoo/baz.json", "c", "Cancun", "d1g0v1"), None);
        assert_eq!(
            list.reason("stSlow/x/y.json", "c", "Cancun", "d0g0v0"),
            Some("a folder")
        );
        assert_eq!(
            list.reason("stExample/add11_yml.json", "c", "Cancun", "d0g0v0"),
            None
        );
    }

    #[test]
    fn guest_entries_apply_to_guest_runs_only() {
        let list = SkipList::parse(
            "[guest] a/b.json::*::Prague | needs more memory than the guest has\nc/d.json | other\n",
            "skips.txt",
        )
        .unwrap();
        assert_eq!(list.reason("a/b.json", "c", "Prague", "d0g0v0"), None);
        assert_eq!(
            list.reason_in(true, "a/b.json", "c", "Prague", "d0g0v0"),
            Some("needs more memory than the guest has")
        );
        assert_eq!(
            list.reason_in(true, "a/b.json", "c", "Osaka", "d0g0v0"),
            None
        );
        assert_eq!(
            list.reason_in(true, "c/d.json", "c", "Osaka", "d0g0v0"),
            Some("other")
        );
    }

    #[test]
    fn rejects_bad_lines() {
        let cases = [
            ("a.json |", "skips.txt:1: the reason is empty"),
            ("a.json |   ", "skips.txt:1: the reason is empty"),
            ("a.json", "skips.txt:1: expected"),
            ("\n | why", "skips.txt:2: the path is empty"),
            ("a.txt | why", "skips.txt:1: the path must"),
            ("a.json::c::F::x1 | why", "skips.txt:1: index"),
            ("a.json::c::F::d0g0v0::more | why", "skips.txt:1: too many"),
            ("a.json::::F | why", "skips.txt:1: empty part"),
        ];
        for (text, expected) in cases {
            let err = SkipList::parse(text, "skips.txt").unwrap_err();
            assert!(err.starts_with(expected), "{text:?}: {err}");
        }
    }

    #[test]
    fn index_syntax() {
        assert!(is_index("d0g0v0"));
        assert!(is_index("d12g3v45"));
        assert!(!is_index("d0g0"));
        assert!(!is_index("dg0v0"));
        assert!(!is_index("d0g0v0x"));
    }

    #[test]
    fn debug_only_entries_apply_to_debug_builds_only() {
        let list = SkipList::parse(
            "[debug] a/b.json | slow unoptimised\nc/d.json | other\n",
            "t",
        )
        .unwrap();
        let expected = if cfg!(debug_assertions) { 2 } else { 1 };
        assert_eq!(list.entries.len(), expected);
        assert_eq!(list.entries.last().unwrap().path, "c/d.json");
    }

    #[test]
    fn the_project_skip_file_parses() {
        SkipList::load_project().unwrap();
    }
}
