//! The bootloader: the entry point. It reads the block from the oracle, validates and runs
//! each transaction (fees, nonce, access lists, the message call through [`frames`]), pays
//! the coinbase and returns receipts and the state diff.

pub mod authorization;
pub mod ethereum;
pub mod frames;
pub mod system_contracts;
pub mod validate;

use crate::arena::Arena;
use crate::ee::{ExecContext, ExecutionEnvironment, TxContext};
use crate::evm::tracer::Tracer;
use crate::evm::EvmInterpreter;
use crate::oracle::Oracle;
use crate::precompiles;
use crate::system::{StateBuffers, System};
use crate::types::{BlockEnv, BlockResult, SpecId, TxEnv, TxReceipt, TxStatus};
use alloc::vec::Vec;
use alloy_primitives::{Address, Bytes, U256};
use frames::{FrameRecord, TopRequest};

/// Runs blocks; keeps its arena, frame stack and code caches between them so that running a
/// transaction does not allocate for memory, stacks or frames.
pub struct Bootloader<E: ExecutionEnvironment = EvmInterpreter> {
    arena: Arena,
    ee: E,
    frames: Vec<FrameRecord<E::Frame>>,
    precompile_out: Vec<u8>,
    buffers: Option<StateBuffers>,
}

#[cfg(feature = "std")]
impl Default for Bootloader<EvmInterpreter> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "std")]
impl Bootloader<EvmInterpreter> {
    /// A bootloader with the EVM interpreter and a freshly reserved arena.
    pub fn new() -> Self {
        Bootloader::with_parts(Arena::new(), EvmInterpreter::new(SpecId::Cancun))
    }
}

#[cfg(feature = "std")]
impl<T: Tracer> Bootloader<EvmInterpreter<T>> {
    /// A bootloader whose EVM interpreter reports to `tracer` (see [`crate::evm::tracer`]);
    /// get the tracer back with [`Self::tracer_mut`] or through [`Self::ee_mut`].
    pub fn with_tracer(tracer: T) -> Self {
        Bootloader::with_parts(
            Arena::new(),
            EvmInterpreter::with_tracer(SpecId::Cancun, tracer),
        )
    }
}

impl<T: Tracer> Bootloader<EvmInterpreter<T>> {
    /// The interpreter's tracer, e.g. to take its records after a block.
    pub fn tracer_mut(&mut self) -> &mut T {
        self.ee.tracer_mut()
    }
}

impl<E: ExecutionEnvironment> Bootloader<E> {
    /// A bootloader over a given arena and execution environment (the guest passes a static
    /// arena; the sequencer may pass the JIT).
    pub fn with_parts(arena: Arena, ee: E) -> Self {
        Bootloader {
            arena,
            ee,
            frames: Vec::with_capacity(crate::arena::MAX_FRAMES),
            precompile_out: Vec::new(),
            buffers: Some(StateBuffers::default()),
        }
    }

    /// The execution environment, e.g. to read what its tracer recorded.
    pub fn ee(&self) -> &E {
        &self.ee
    }

    /// The execution environment, mutably: to take a tracer's records between blocks, or to
    /// reconfigure it. Its code caches stay valid.
    pub fn ee_mut(&mut self) -> &mut E {
        &mut self.ee
    }

    /// Executes every transaction of the oracle's block and returns the receipts and the
    /// state diff against the oracle's initial state.
    pub fn run_block<O: Oracle>(&mut self, oracle: &O) -> BlockResult {
        let mut session = self.begin_block(oracle, oracle.block_env());
        for index in 0..oracle.tx_count() {
            session.transaction(&oracle.tx(index));
        }
        session.finish()
    }

    /// Opens a block over `oracle`'s initial state: the caller runs its system calls,
    /// transactions and withdrawals in block order, then [`BlockSession::finish`] yields the
    /// result. [`Self::run_block`] is the plain case (transactions only); Ethereum block
    /// processing ([`ethereum`]) adds the rest around them.
    pub fn begin_block<'b, 'o>(
        &'b mut self,
        oracle: &'o dyn Oracle,
        block: BlockEnv,
    ) -> BlockSession<'b, 'o, E> {
        self.ee.set_spec(block.spec);
        // A refusal belongs to the block it happened in.
        self.arena.take_exhausted();
        let buffers = self.buffers.take().unwrap_or_default();
        let system = System::with_buffers(oracle, block.spec, buffers);
        BlockSession {
            boot: self,
            system,
            block,
            result: BlockResult::default(),
        }
    }

    /// Runs the outermost frame of a transaction or system call on a fresh arena.
    fn execute_top(
        &mut self,
        system: &mut System<'_>,
        block: &BlockEnv,
        txcx: &TxContext,
        request: TopRequest,
        data: &[u8],
    ) -> frames::TopOutcome {
        self.arena.reset();
        let mut cx = ExecContext {
            system,
            arena: &mut self.arena,
            block,
            tx: txcx,
        };
        frames::execute(
            &mut self.ee,
            &mut self.frames,
            &mut cx,
            &mut self.precompile_out,
            request,
            data,
        )
    }

    /// Runs a system call: `caller` calls `to` with `data` outside any transaction, with
    /// `gas_limit` gas that no one pays for and the block does not count (EIP-4788, EIP-2935,
    /// EIP-7002, EIP-7251). Its changes are committed like a transaction's; its logs dropped.
    fn run_system_call(
        &mut self,
        system: &mut System<'_>,
        block: &BlockEnv,
        call: &SystemCall<'_>,
    ) -> SystemCallOutcome {
        let txcx = TxContext {
            origin: call.caller,
            gas_price: block.base_fee,
            blob_hashes: Vec::new(),
            blob_base_fee: U256::ZERO,
        };
        let request = TopRequest::System {
            caller: call.caller,
            to: call.to,
            gas_limit: call.gas_limit,
        };
        let top = self.execute_top(system, block, &txcx, request, call.data);
        system.take_logs();
        system.finish_tx();
        SystemCallOutcome {
            status: top.status,
            output: top.output,
        }
    }

    fn run_tx(
        &mut self,
        system: &mut System<'_>,
        block: &BlockEnv,
        tx: &TxEnv,
        block_gas_used: u64,
        blob_gas_used: &mut u64,
    ) -> TxReceipt {
        let rejected = |err| TxReceipt {
            result: Err(err),
            gas_used: 0,
            gas_refunded: 0,
            cumulative_gas_used: 0,
            logs: Vec::new(),
            output: Bytes::new(),
            created_address: None,
        };
        if block_gas_used.saturating_add(tx.gas_limit) > block.gas_limit {
            let err = crate::types::InvalidTx::GasLimitAboveBlock {
                tx: tx.gas_limit,
                block: block.gas_limit - block_gas_used,
            };
            return rejected(err);
        }
        let v = match validate::validate(tx, block, system, *blob_gas_used) {
            Ok(v) => v,
            Err(e) => {
                system.discard_tx();
                return rejected(e);
            }
        };
        let spec = block.spec;
        *blob_gas_used += v.blob_gas;

        // Buy the gas (at the effective price) and the blob gas; bump the nonce.
        let caller = tx.caller;
        let gas_cost = U256::from(tx.gas_limit) * v.effective_gas_price;
        let blob_cost = U256::from(v.blob_gas) * v.blob_base_fee;
        system.sub_balance(caller, gas_cost + blob_cost);
        let nonce = tx.nonce;
        system.set_nonce(caller, nonce + 1);

        // Warm what the transaction names (EIP-2929, EIP-2930, EIP-3651).
        let created_address = match tx.to {
            None => Some(frames::create_address(caller, nonce)),
            Some(_) => None,
        };
        if spec >= SpecId::Berlin {
            system.prewarm_account(caller);
            if let Some(to) = tx.to {
                system.prewarm_account(to);
            }
            for p in precompiles::addresses(spec) {
                system.prewarm_account(p);
            }
            for item in &tx.access_list {
                system.prewarm_account(item.address);
                for key in &item.storage_keys {
                    system.prewarm_slot(item.address, U256::from_be_bytes(key.0));
                }
            }
            if spec >= SpecId::Shanghai {
                system.prewarm_account(block.coinbase);
            }
        }
        // EIP-7702: install the delegations before the call; they stay even if it reverts,
        // and so does their refund.
        let auth_refund = if tx.tx_type == 4 {
            authorization::apply(system, block.chain_id, &tx.authorization_list)
        } else {
            0
        };

        // Run the message call.
        let gas_limit = tx.gas_limit - v.intrinsic_gas;
        let request = match (tx.to, created_address) {
            (Some(to), _) => TopRequest::Call {
                caller,
                to,
                value: tx.value,
                gas_limit,
            },
            (None, Some(address)) => TopRequest::Create {
                caller,
                value: tx.value,
                gas_limit,
                address,
            },
            (None, None) => unreachable!("a create has an address"),
        };
        let txcx = TxContext {
            origin: caller,
            gas_price: v.effective_gas_price,
            blob_hashes: tx.blob_hashes.clone(),
            blob_base_fee: v.blob_base_fee,
        };
        let top = self.execute_top(system, block, &txcx, request, &tx.data);

        // Refund (EIP-3529 caps it at a fifth of the gas used, a half before London), then
        // the EIP-7623 calldata floor.
        let mut gas_used = tx.gas_limit.saturating_sub(top.gas_left);
        let quotient = if spec >= SpecId::London { 5 } else { 2 };
        let execution_refund = if top.status == TxStatus::Success {
            system.refund().max(0) as u64
        } else {
            0
        };
        let mut refund = (execution_refund + auth_refund).min(gas_used / quotient);
        gas_used -= refund;
        if gas_used < v.floor_gas {
            // The floor replaces the refunded figure: the sender pays the floor and the
            // receipt reports no refund (what was subtracted is moot).
            gas_used = v.floor_gas;
            refund = 0;
        }
        let gas_back = U256::from(tx.gas_limit - gas_used) * v.effective_gas_price;
        system.add_balance(caller, gas_back);

        // Pay the coinbase its tip (the base fee is burned from London on).
        let tip_per_gas = if spec >= SpecId::London {
            v.effective_gas_price.saturating_sub(block.base_fee)
        } else {
            v.effective_gas_price
        };
        system.add_balance(block.coinbase, U256::from(gas_used) * tip_per_gas);

        let logs = system.take_logs();
        system.finish_tx();
        TxReceipt {
            result: Ok(top.status),
            gas_used,
            gas_refunded: refund,
            cumulative_gas_used: 0,
            logs,
            output: top.output,
            created_address: if top.status == TxStatus::Success {
                top.created
            } else {
                None
            },
        }
    }
}

/// A system call of block processing: who calls what, with which input and gas.
#[derive(Clone, Copy, Debug)]
pub struct SystemCall<'a> {
    pub caller: Address,
    pub to: Address,
    pub data: &'a [u8],
    pub gas_limit: u64,
}

/// How a system call ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SystemCallOutcome {
    pub status: TxStatus,
    pub output: Bytes,
}

/// One block being executed: the system over the oracle's state and the receipts so far.
/// Everything a block does (system calls, transactions, withdrawals) goes through it, in
/// block order, over one journaled state.
pub struct BlockSession<'b, 'o, E: ExecutionEnvironment> {
    boot: &'b mut Bootloader<E>,
    system: System<'o>,
    block: BlockEnv,
    result: BlockResult,
}

impl<E: ExecutionEnvironment> BlockSession<'_, '_, E> {
    /// The block's environment.
    pub fn block(&self) -> &BlockEnv {
        &self.block
    }

    /// The receipts of the transactions run so far.
    pub fn receipts(&self) -> &[TxReceipt] {
        &self.result.receipts
    }

    /// Runs the next transaction and returns its receipt (an `Err` result when it is
    /// invalid: it then changed nothing and used no block gas).
    pub fn transaction(&mut self, tx: &TxEnv) -> &TxReceipt {
        let index = self.result.receipts.len();
        self.boot.ee.tx_start(index);
        let receipt = self.boot.run_tx(
            &mut self.system,
            &self.block,
            tx,
            self.result.gas_used,
            &mut self.result.blob_gas_used,
        );
        self.result.gas_used += receipt.gas_used;
        let receipt = TxReceipt {
            cumulative_gas_used: self.result.gas_used,
            ..receipt
        };
        self.boot.ee.tx_end(index, &receipt);
        self.result.receipts.push(receipt);
        &self.result.receipts[index]
    }

    /// An account as the block has it now (for checks between steps, such as whether a system
    /// contract has code).
    pub fn account_info(&mut self, address: Address) -> crate::types::AccountInfo {
        self.system.info(address)
    }

    /// Runs a system call (see [`SystemCall`]).
    pub fn system_call(&mut self, call: &SystemCall<'_>) -> SystemCallOutcome {
        self.boot
            .run_system_call(&mut self.system, &self.block, call)
    }

    /// Credits `amount` wei to `address` outside any transaction (an EIP-4895 withdrawal):
    /// the account is touched, so a zero credit to an absent account leaves it absent.
    pub fn credit(&mut self, address: Address, amount: U256) {
        // A balance cannot overflow with a real supply; saturate rather than fail.
        if !self.system.add_balance(address, amount) {
            self.system.set_balance(address, U256::MAX);
        }
        self.system.finish_tx();
    }

    /// Ends the block: the receipts, the gas used and the state diff against the oracle's
    /// initial state. The bootloader keeps the allocations for its next block.
    pub fn finish(self) -> BlockResult {
        let (diff, buffers) = self.system.finish_block();
        self.boot.buffers = Some(buffers);
        BlockResult {
            state_diff: diff,
            memory_limit_hit: self.boot.arena.take_exhausted(),
            ..self.result
        }
    }
}

/// Runs one block with a one-off bootloader.
#[cfg(feature = "std")]
pub fn run_block<O: Oracle>(oracle: &O) -> BlockResult {
    Bootloader::new().run_block(oracle)
}
