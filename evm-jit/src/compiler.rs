//! EVM bytecode to machine code: the target, the settings, and the driver that runs the
//! translation ([`crate::translate`]) and Cranelift on one contract.

use crate::abi::EntryFn;
use crate::code::Compiled;
use crate::layout::Layout;
use crate::translate::Translator;
use cranelift_codegen::ir::{types, AbiParam};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, Linkage, Module};
use std::time::Instant;
use zkos_os::evm::analysis::AnalyzedCode;
use zkos_os::evm::opcodes::OpTable;

/// Why code was not compiled (it then runs in the interpreter).
#[derive(Debug)]
pub enum CompileError {
    /// Above the engine's size limit.
    TooLarge(usize),
    /// Cranelift refused the function (a compiler bug or limit; never the user's problem).
    Backend(String),
    /// The translator met a stack shape the analysis should have excluded.
    Internal(&'static str),
}

impl core::fmt::Display for CompileError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CompileError::TooLarge(n) => write!(f, "code of {n} bytes is above the JIT's limit"),
            CompileError::Backend(e) => write!(f, "cranelift: {e}"),
            CompileError::Internal(e) => write!(f, "translator: {e}"),
        }
    }
}

/// The target compiled code runs on (the host's, from [`host_isa`]).
pub type HostIsa = OwnedTargetIsa;

/// The host's instruction set, made once and shared by every compilation.
pub fn host_isa() -> Result<OwnedTargetIsa, CompileError> {
    let mut flags = settings::builder();
    let set = |f: &mut settings::Builder, k: &str, v: &str| {
        f.set(k, v)
            .map_err(|e| CompileError::Backend(format!("{k}={v}: {e}")))
    };
    // Cranelift's optimiser and its backtracking allocator cost more than linear time on
    // large functions (minutes on 64 KiB of JUMPDESTs); the translator folds constants
    // itself and keeps no value live across blocks, so the single-pass allocator suffices.
    set(&mut flags, "opt_level", "none")?;
    set(&mut flags, "regalloc_algorithm", "single_pass")?;
    set(&mut flags, "use_colocated_libcalls", "false")?;
    set(&mut flags, "is_pic", "false")?;
    set(
        &mut flags,
        "enable_verifier",
        if cfg!(debug_assertions) {
            "true"
        } else {
            "false"
        },
    )?;
    let isa = cranelift_native::builder().map_err(|e| CompileError::Backend(e.to_string()))?;
    isa.finish(settings::Flags::new(flags))
        .map_err(|e| CompileError::Backend(e.to_string()))
}

/// Compiles analysed code. `entries` are the pcs compiled code can be entered at: 0 and
/// the instruction after every call and create (where a suspended frame resumes).
pub fn compile(
    isa: &OwnedTargetIsa,
    code: &AnalyzedCode,
    table: &OpTable,
) -> Result<Compiled, CompileError> {
    let started = Instant::now();
    let layout = Layout::of(code);
    let mut module = JITModule::new(JITBuilder::with_isa(isa.clone(), default_libcall_names()));
    let mut ctx = module.make_context();
    let ptr = module.target_config().pointer_type();
    let mut sig = module.make_signature();
    sig.params.push(AbiParam::new(ptr));
    sig.params.push(AbiParam::new(types::I32));
    sig.returns.push(AbiParam::new(types::I32));
    ctx.func.signature = sig.clone();
    let id = module
        .declare_function("evm", Linkage::Local, &sig)
        .map_err(|e| CompileError::Backend(e.to_string()))?;
    let mut fcx = FunctionBuilderContext::new();
    {
        let b = FunctionBuilder::new(&mut ctx.func, &mut fcx);
        let mut t = Translator::new(b, code, table, &layout, ptr);
        let result = t.translate();
        t.b.seal_all_blocks();
        let config = module.target_config();
        t.b.finalize(config);
        result?;
    }
    module
        .define_function(id, &mut ctx)
        .map_err(|e| CompileError::Backend(format!("{e:?}")))?;
    let code_size = ctx
        .compiled_code()
        .map(|c| c.code_buffer().len())
        .unwrap_or(0);
    module.clear_context(&mut ctx);
    module
        .finalize_definitions()
        .map_err(|e| CompileError::Backend(e.to_string()))?;
    let f = module.get_finalized_function(id);
    // SAFETY: the function was defined with exactly `EntryFn`'s signature.
    let entry: EntryFn = unsafe { core::mem::transmute::<*const u8, EntryFn>(f) };
    Ok(Compiled::new(
        module,
        entry,
        layout.entries,
        layout.jump_index,
        code_size,
        started.elapsed(),
    ))
}
