//! `zkos-diff`: differential testing of zkos against revm from the command line.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use zkos_difftest::case::Case;
use zkos_difftest::engines::{Engine, RevmEngine, ZkosEngine};
use zkos_difftest::gen::Kind;
use zkos_difftest::minimize::minimize;
use zkos_difftest::runner::{self, Config};
use zkos_difftest::{deviations, outcome};
use zkos_evm_jit::Mode;

const HELP: &str = "\
zkos-diff: run generated programs through zkos and revm and compare every observable

USAGE:
  zkos-diff run [--seed S] [--count N] [--kinds K,K..] [--boundary B] [--out DIR] [--all] [--engine E]
      Generates N cases (default 10000) from seed S (default 1; decimal or 0x-hex), kinds
      cycled from raw,soup,structured,multi (the default: all), every B-th single-transaction
      case (default 4; 0: none) also at its exact gas and one below. Mismatches are printed
      and saved as JSON into DIR (default difftest-mismatches); those a known revm deviation
      explains are only counted (--all prints and saves them too). Ends with
      `N passed, M failed, K skipped` (skipped: known revm deviations); exits 1 on a failure.
  zkos-diff replay FILE... [--engine E]
      Runs saved cases (or saved mismatches) again and prints what differs, with the first
      step where the EIP-3155 traces part; exits 1 unless every difference is a known deviation.
  zkos-diff minimize FILE [--out FILE] [--budget N] [--engine E]
      Shrinks a saved mismatch while it still mismatches (default out: FILE.min.json).
  zkos-diff case --seed S --index I [--kinds K,K..]
      Prints case I of the run seeded S (as `run` generates it) as JSON, to replay or trace.
  zkos-diff trace FILE [--revm]
      Prints zkos's (or revm's) EIP-3155 trace of a saved case.
  zkos-diff deviations
      Lists revm's known deviations and why the specification is on zkos's side.

  --engine E   the zkos engine under test: `interpreter` (the default), `jit` (every
               contract and init code compiled) or `tiered` (compiled from a contract's
               second frame)
  --against E  the reference for run, replay and minimize: `revm` (the default; its known
               deviations excuse differences) or `interpreter` (for the JIT: nothing is
               excused)
";

fn engine(name: &str) -> Result<Box<dyn Engine>, String> {
    match name {
        "interpreter" | "zkos" => Ok(Box::new(ZkosEngine::interpreter())),
        "revm" => Ok(Box::new(RevmEngine::new())),
        "jit" => Ok(Box::new(ZkosEngine::jit(Mode::Jit))),
        // Threshold 2: the second frame of a contract already runs compiled.
        "tiered" => Ok(Box::new(ZkosEngine::jit(Mode::Tiered { gas_per_byte: 1 }))),
        other => Err(format!(
            "unknown engine `{other}` (known: interpreter, jit, tiered, revm)"
        )),
    }
}

/// The reference of `--against` (revm unless named).
fn reference(args: &Args) -> Result<(String, Box<dyn Engine>), String> {
    let name = args.flags.get("against").map_or("revm", |s| s).to_string();
    let e = engine(&name)?;
    Ok((name, e))
}

fn parse_u64(s: &str) -> Result<u64, String> {
    let r = match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16),
        None => s.parse(),
    };
    r.map_err(|_| format!("not a number: `{s}`"))
}

struct Args {
    positional: Vec<String>,
    flags: std::collections::BTreeMap<String, String>,
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut positional = Vec::new();
    let mut flags = std::collections::BTreeMap::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if let Some(name) = a.strip_prefix("--") {
            if name == "revm" || name == "help" || name == "all" {
                flags.insert(name.to_string(), String::new());
            } else {
                let v = args
                    .get(i + 1)
                    .ok_or_else(|| format!("--{name} needs a value"))?;
                flags.insert(name.to_string(), v.clone());
                i += 1;
            }
        } else {
            positional.push(a.clone());
        }
        i += 1;
    }
    Ok(Args { positional, flags })
}

fn read_case(path: &str) -> Result<Case, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    Case::from_json(&text).map_err(|e| format!("{path}: {e}"))
}

fn cmd_run(args: &Args) -> Result<bool, String> {
    let seed = args.flags.get("seed").map_or(Ok(1), |s| parse_u64(s))?;
    let count = args
        .flags
        .get("count")
        .map_or(Ok(10_000), |s| parse_u64(s))?;
    let boundary = args.flags.get("boundary").map_or(Ok(4), |s| parse_u64(s))?;
    let kinds = match args.flags.get("kinds") {
        None => Kind::ALL.to_vec(),
        Some(list) => list
            .split(',')
            .map(|k| Kind::from_name(k).ok_or_else(|| format!("unknown kind `{k}`")))
            .collect::<Result<_, _>>()?,
    };
    let engine_name = args
        .flags
        .get("engine")
        .cloned()
        .unwrap_or_else(|| "interpreter".into());
    engine(&engine_name)?;
    let out = PathBuf::from(
        args.flags
            .get("out")
            .cloned()
            .unwrap_or_else(|| "difftest-mismatches".into()),
    );
    let config = Config {
        seed,
        count,
        kinds,
        boundary,
    };
    let (against, _) = reference(args)?;
    let start = Instant::now();
    let summary = runner::run(
        &config,
        || engine(&engine_name).expect("checked above"),
        || engine(&against).expect("checked above"),
    );
    // Mismatches a known deviation explains are counted, not printed or saved (`--all` does).
    let all = args.flags.contains_key("all");
    let shown: Vec<_> = summary
        .mismatches
        .iter()
        .filter(|m| all || m.deviation.is_none())
        .cloned()
        .collect();
    for m in &shown {
        println!("{m}");
    }
    for e in &summary.errors {
        println!("error: {e}");
    }
    if !shown.is_empty() {
        let paths = runner::save(&shown, &out).map_err(|e| e.to_string())?;
        println!("saved {} mismatches into {}", paths.len(), out.display());
    }
    for (name, n) in summary.deviations() {
        println!("known revm deviation `{name}`: {n} cases");
    }
    println!(
        "{} cases from seed {seed:#x} in {:.1} s; transactions on {engine_name}:",
        summary.cases,
        start.elapsed().as_secs_f64()
    );
    for (status, n) in &summary.statuses {
        println!("  {status}: {n}");
    }
    println!("cases per fork:");
    for (fork, n) in &summary.forks {
        println!("  {fork}: {n}");
    }
    println!("newer rules reached (transactions or accounts):");
    for (feature, n) in &summary.features {
        println!("  {feature}: {n}");
    }
    println!("{}", summary.closing_line());
    Ok(summary.unexplained() == 0 && summary.errors.is_empty())
}

fn cmd_replay(args: &Args) -> Result<bool, String> {
    let name = args.flags.get("engine").map_or("interpreter", |s| s);
    let mut left = engine(name)?;
    let (_, mut right) = reference(args)?;
    let mut all_same = true;
    for path in &args.positional {
        let case = read_case(path)?;
        match runner::check(&case, left.as_mut(), right.as_mut())? {
            None => println!("{path}: the engines agree"),
            Some(m) => {
                all_same &= m.deviation.is_some();
                println!("{path}:\n{m}");
            }
        }
    }
    Ok(all_same)
}

fn cmd_minimize(args: &Args) -> Result<bool, String> {
    let path = args.positional.first().ok_or("minimize needs a FILE")?;
    let budget = args
        .flags
        .get("budget")
        .map_or(Ok(5_000), |s| parse_u64(s))? as usize;
    let name = args.flags.get("engine").map_or("interpreter", |s| s);
    let case = read_case(path)?;
    let mut left = engine(name)?;
    let (_, mut right) = reference(args)?;
    let mut fails = |c: &Case| {
        let (Ok(l), Ok(r)) = (left.run(c), right.run(c)) else {
            return false;
        };
        !outcome::compare(&l, &r).is_empty()
    };
    if !fails(&case) {
        return Err(format!(
            "{path}: the engines agree on it; nothing to minimise"
        ));
    }
    let small = minimize(&case, fails, budget);
    let out = args
        .flags
        .get("out")
        .cloned()
        .unwrap_or_else(|| format!("{}.min.json", path.trim_end_matches(".json")));
    let json = serde_json::to_string_pretty(&small).map_err(|e| e.to_string())?;
    std::fs::write(&out, json).map_err(|e| format!("{out}: {e}"))?;
    let code: usize = small.pre.values().map(|a| a.code.len()).sum();
    println!(
        "minimised to {} transactions, {} accounts, {} code bytes: {out}",
        small.txs.len(),
        small.pre.len(),
        code
    );
    let mut left = engine(name)?;
    if let Some(m) = runner::check(&small, left.as_mut(), right.as_mut())? {
        println!("{m}");
    }
    Ok(true)
}

fn cmd_case(args: &Args) -> Result<bool, String> {
    let seed = args.flags.get("seed").map_or(Ok(1), |s| parse_u64(s))?;
    let index = args
        .flags
        .get("index")
        .ok_or_else(|| "case needs --index".to_string())
        .and_then(|s| parse_u64(s))?;
    let kinds = match args.flags.get("kinds") {
        None => Kind::ALL.to_vec(),
        Some(list) => list
            .split(',')
            .map(|k| Kind::from_name(k).ok_or_else(|| format!("unknown kind `{k}`")))
            .collect::<Result<_, _>>()?,
    };
    let config = Config {
        seed,
        count: index + 1,
        kinds,
        boundary: 0,
    };
    let case = runner::generated(&config, index);
    println!(
        "{}",
        serde_json::to_string_pretty(&case).map_err(|e| e.to_string())?
    );
    Ok(true)
}

fn cmd_trace(args: &Args) -> Result<bool, String> {
    let path = args.positional.first().ok_or("trace needs a FILE")?;
    let case = read_case(path)?;
    if args.flags.contains_key("revm") {
        for text in zkos_difftest::trace::revm_json(&case)? {
            print!("{text}");
        }
    } else {
        zkos_difftest::trace::zkos_json(&case, std::io::stdout().lock())?;
    }
    Ok(true)
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = argv.first() else {
        print!("{HELP}");
        return ExitCode::from(2);
    };
    let result = parse_args(&argv[1..]).and_then(|args| {
        if args.flags.contains_key("help") {
            print!("{HELP}");
            return Ok(true);
        }
        match command.as_str() {
            "run" => cmd_run(&args),
            "replay" => cmd_replay(&args),
            "minimize" | "minimise" => cmd_minimize(&args),
            "trace" => cmd_trace(&args),
            "case" => cmd_case(&args),
            "deviations" => {
                for d in deviations::ALL {
                    println!("{}: {}", d.name, d.reason);
                }
                Ok(true)
            }
            "help" | "--help" | "-h" => {
                print!("{HELP}");
                Ok(true)
            }
            other => Err(format!("unknown command `{other}`; see zkos-diff --help")),
        }
    });
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("zkos-diff: {e}");
            ExitCode::from(2)
        }
    }
}
