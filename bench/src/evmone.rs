//! The evmone-format benchmarks of `../shared/bench-contracts` (`<bench>/evmone/` and
//! `micro/<bench>/evmone/`): runtime code as hex text (`.bin-runtime`, snailtracer's `.bin`)
//! and, where present, `.inputs` with (label, input, expected output) triples separated by
//! blank lines, `(NxHEX)` standing for N copies of the bytes HEX (`(2805x00)`: 2805 zeros). Each triple is a [`Workload`]: one call of
//! the code with the input, whose output must be the expected one (an empty expected output
//! is not checked: evmone's micro benchmarks return nothing); code without inputs runs once
//! with empty calldata.

use crate::workloads::{call_to, contract, CONTRACT};
use crate::{Expected, Workload};
use alloy_primitives::Bytes;
use std::path::{Path, PathBuf};

/// Every evmone-format workload under `root` (the bench-contracts folder), sorted by name
/// (`<bench>/<label>`, micro benchmarks as `micro/<bench>/<label>`).
pub fn workloads(root: &Path) -> Result<Vec<Workload>, String> {
    let mut out = Vec::new();
    for dir in evmone_dirs(root)? {
        let bench = dir
            .parent()
            .and_then(|p| p.strip_prefix(root).ok())
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .ok_or_else(|| format!("{}: not below {}", dir.display(), root.display()))?;
        out.extend(load_dir(&dir, &bench)?);
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The `evmone` folders one or two levels below `root`.
fn evmone_dirs(root: &Path) -> Result<Vec<PathBuf>, String> {
    let mut found = Vec::new();
    let mut todo = vec![(root.to_path_buf(), 0)];
    while let Some((dir, depth)) = todo.pop() {
        for entry in read_dir(&dir)? {
            if !entry.is_dir() {
                continue;
            }
            if entry.file_name().is_some_and(|n| n == "evmone") {
                found.push(entry);
            } else if depth < 2 {
                todo.push((entry, depth + 1));
            }
        }
    }
    found.sort();
    Ok(found)
}

fn read_dir(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut paths = Vec::new();
    for entry in entries {
        paths.push(
            entry
                .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
                .path(),
        );
    }
    Ok(paths)
}

/// The workloads of one `evmone` folder: its code file and its inputs, if any.
fn load_dir(dir: &Path, bench: &str) -> Result<Vec<Workload>, String> {
    let files = read_dir(dir)?;
    let with_ext = |ext: &str| {
        files
            .iter()
            .find(|p| p.extension().is_some_and(|e| e == ext))
            .cloned()
    };
    let code_path = with_ext("bin-runtime")
        .or_else(|| with_ext("bin"))
        .ok_or_else(|| format!("{}: no .bin-runtime or .bin", dir.display()))?;
    let read = |p: &Path| {
        std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))
    };
    let code = decode_hex(read(&code_path)?.trim())
        .map_err(|e| format!("{}: {e}", code_path.display()))?;
    let triples = match with_ext("inputs") {
        Some(p) => parse_inputs(&read(&p)?).map_err(|e| format!("{}: {e}", p.display()))?,
        None => vec![Triple {
            label: "empty".into(),
            input: Vec::new(),
            expected: Vec::new(),
        }],
    };
    Ok(triples
        .into_iter()
        .map(|t| {
            let mut w = call_to(vec![(CONTRACT, contract(code.clone().into(), Vec::new()))]);
            w.name = format!("{bench}/{}", t.label);
            w.summary = format!("evmone benchmark {bench}, input {}", t.label);
            w.tx.data = t.input.into();
            w.expected = Expected {
                output: (!t.expected.is_empty()).then(|| Bytes::from(t.expected)),
                storage: Vec::new(),
            };
            w
        })
        .collect())
}

/// One benchmark input of an `.inputs` file.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Triple {
    label: String,
    input: Vec<u8>,
    expected: Vec<u8>,
}

/// Parses an `.inputs` file: blank lines between triples; within one, the label line, then
/// the input and the expected output (either may be an empty line).
fn parse_inputs(text: &str) -> Result<Vec<Triple>, String> {
    let mut lines = text.lines().enumerate().peekable();
    let mut out = Vec::new();
    loop {
        while lines.next_if(|(_, l)| l.trim().is_empty()).is_some() {}
        let Some((n, label)) = lines.next() else {
            break;
        };
        let mut field = |what: &str| -> Result<Vec<u8>, String> {
            let (m, line) = lines
                .next()
                .ok_or_else(|| format!("line {}: {label:?} has no {what} line", n + 1))?;
            decode_hex(line.trim()).map_err(|e| format!("line {}: {e}", m + 1))
        };
        let input = field("input")?;
        let expected = field("expected output")?;
        out.push(Triple {
            label: label.trim().to_string(),
            input,
            expected,
        });
    }
    Ok(out)
}

/// Hex with evmone's runs, `(NxHEX)` for N copies of the bytes HEX, and an optional `0x`.
/// Whitespace between digits is ignored (some files space their code into groups).
fn decode_hex(text: &str) -> Result<Vec<u8>, String> {
    let spaced: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let text = spaced.strip_prefix("0x").unwrap_or(&spaced);
    let mut out = Vec::with_capacity(text.len() / 2);
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(run) = rest.strip_prefix('(') {
            let end = run
                .find(')')
                .ok_or_else(|| format!("unclosed run in {:?}", short(rest)))?;
            let (count, byte) = run[..end]
                .split_once('x')
                .ok_or_else(|| format!("run {:?} is not (NxBB)", &run[..end]))?;
            let count: usize = count
                .parse()
                .map_err(|_| format!("run count {count:?} is not a number"))?;
            let unit = decode_hex(byte).map_err(|e| format!("run {:?}: {e}", &run[..end]))?;
            if byte.contains('(') || unit.is_empty() {
                return Err(format!("run {:?} repeats no plain bytes", &run[..end]));
            }
            if count.saturating_mul(unit.len()) > 1 << 24 {
                return Err(format!(
                    "run of {count} x {} bytes is implausibly long",
                    unit.len()
                ));
            }
            for _ in 0..count {
                out.extend_from_slice(&unit);
            }
            rest = &run[end + 1..];
            continue;
        }
        let digits = rest.find('(').unwrap_or(rest.len());
        let (hex, tail) = rest.split_at(digits);
        if hex.len() % 2 != 0 {
            return Err(format!("odd number of hex digits in {:?}", short(hex)));
        }
        for pair in hex.as_bytes().chunks(2) {
            let s = std::str::from_utf8(pair).map_err(|_| "not ASCII".to_string())?;
            out.push(u8::from_str_radix(s, 16).map_err(|_| format!("{s:?} is not hex"))?);
        }
        rest = tail;
    }
    Ok(out)
}

fn short(s: &str) -> &str {
    &s[..s.len().min(40)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_with_runs() {
        assert_eq!(
            decode_hex("0x01(3x00)ff(2xab)").unwrap(),
            [1, 0, 0, 0, 0xff, 0xab, 0xab]
        );
        assert_eq!(decode_hex("").unwrap(), Vec::<u8>::new());
        for bad in [
            "0",
            "zz",
            "(3x00",
            "(3y00)",
            "(ax00)",
            "(3x0g)",
            "(99999999999x00)",
        ] {
            assert!(decode_hex(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn inputs_with_empty_fields_and_leading_blanks() {
        let text = "\nfirst\n0102\nff\n\nsecond\n\n\n\nthird\n(2x00)\n\n";
        let got = parse_inputs(text).unwrap();
        let t = |l: &str, i: &[u8], e: &[u8]| Triple {
            label: l.into(),
            input: i.to_vec(),
            expected: e.to_vec(),
        };
        assert_eq!(
            got,
            [
                t("first", &[1, 2], &[0xff]),
                t("second", &[], &[]),
                t("third", &[0, 0], &[])
            ]
        );
        assert!(parse_inputs("label\n00")
            .unwrap_err()
            .contains("no expected output"));
    }

    /// Every evmone benchmark of the shared folder: revm and zkos both return the expected
    /// output and agree on status, gas, output and storage (the lab's smoke run of them).
    #[test]
    fn every_evmone_benchmark_checks_out_on_both_engines() {
        let root = zkos_host::shared::bench_contracts_dir().unwrap_or_else(|e| panic!("{e}"));
        let all = workloads(&root).unwrap_or_else(|e| panic!("{e}"));
        assert!(all.len() > 30, "{} workloads", all.len());
        assert!(all.iter().any(|w| w.name == "snailtracer/benchmark"));
        let checked = all.iter().filter(|w| w.expected.output.is_some()).count();
        assert!(checked > 15, "{checked} workloads with an expected output");
        let mut failures = Vec::new();
        let mut gas = 0;
        for w in &all {
            match crate::verify(w) {
                Ok(a) => gas += a.revm.gas_used,
                Err(m) => failures.push(m.to_string()),
            }
        }
        println!(
            "{} evmone workloads ({checked} with an expected output), {gas} gas in all",
            all.len()
        );
        assert!(failures.is_empty(), "{}", failures.join(""));
    }
}
