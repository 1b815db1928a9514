//! The engines a case runs on. The harness compares any two of them; the engine under test is
//! a parameter, so the JIT plugs in as one more [`ZkosEngine`] over its own execution
//! environment and is compared with the interpreter and revm by the same code.

pub mod revm;
pub mod zkos;

use crate::case::Case;
use crate::outcome::Outcome;
use crate::trace::Step;

pub use self::revm::RevmEngine;
pub use self::zkos::ZkosEngine;

/// Something that runs a case and reports every observable.
pub trait Engine {
    /// A short name for reports (`zkos`, `revm`, `zkos-jit`).
    fn name(&self) -> &str;
    /// Runs every transaction of the case from its pre-state. `Err` only for a case the
    /// engine cannot take at all (an unsupported fork); a rejected transaction is an outcome.
    fn run(&mut self, case: &Case) -> Result<Outcome, String>;
    /// The EIP-3155 trace of the run, for locating where two engines part. The default: this
    /// engine cannot trace.
    fn trace(&mut self, _case: &Case) -> Result<Vec<Step>, String> {
        Err(format!("{} cannot trace", self.name()))
    }
}
