//! The minimal execution witness of a block, built on the host from its full pre-state, and
//! the stateless run that checks it: the path a prover's input takes, tried on data whose
//! answer is known (the state tests, `zkos run`).
//!
//! Building ([`build_witness`]): the whole pre-state goes into empty tries in `os`
//! ([`PreState`], every node exported), the block runs once over a [`WitnessOracle`] on
//! those nodes with node tracking on, and the diff is applied and the root computed, so the
//! nodes that deletions and branch collapses fold in are recorded too. The nodes resolved,
//! the bytecodes the block asked for and the keys it touched are the witness.
//!
//! Checking ([`run_stateless`]): a fresh [`MptState`] over only those nodes, a fresh oracle
//! over only those codes, the block run again, the diff applied and the root computed in
//! `os`. Nothing of the full state is left to lean on: a node the builder failed to record
//! is a [`WitnessError`].

use crate::blockdir::WitnessFile;
use crate::state::State;
use alloy_primitives::{Address, Bytes, B256, U256};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::hash::Hash;
use zkos_os::bootloader::Bootloader;
use zkos_os::commitment::mpt::{MptError, MptState};
use zkos_os::commitment::StateCommitment;
use zkos_os::ee::ExecutionEnvironment;
use zkos_os::oracle::{GenesisAccount, Oracle};
use zkos_os::stateless::env_block;
use zkos_os::stateless::{StatelessError, WitnessError, WitnessOracle};
use zkos_os::types::{
    AccountDiff, AccountInfo, BlockEnv, BlockResult, StateDiff, TxEnv, KECCAK_EMPTY,
};

/// Something that runs a block over an oracle: a bootloader, or a caller's wrapper that
/// guards against panics or traces.
pub trait BlockRunner {
    /// Executes the oracle's block; `Err` says why it could not run (a panic, say).
    fn run<O: Oracle>(&mut self, oracle: &O) -> Result<BlockResult, String>;
}

impl<E: ExecutionEnvironment> BlockRunner for Bootloader<E> {
    fn run<O: Oracle>(&mut self, oracle: &O) -> Result<BlockResult, String> {
        Ok(self.run_block(oracle))
    }
}

/// The block besides its witness: `os`'s env block (environment, transactions with senders,
/// trusted ancestors, coinbase touch, pre-state root), what both runs feed the oracle.
pub use zkos_os::stateless::EnvBlock;
pub use zkos_os::stateless::EnvOutput;

/// Why a witness could not be built or a stateless run failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatelessRunError {
    /// The witness cannot serve the block (for the builder: a bug, its witness is full).
    Witness(WitnessError),
    /// The block could not be executed (the runner's message).
    Run(String),
}

impl fmt::Display for StatelessRunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatelessRunError::Witness(e) => write!(f, "witness: {e}"),
            StatelessRunError::Run(message) => f.write_str(message),
        }
    }
}

impl From<WitnessError> for StatelessRunError {
    fn from(e: WitnessError) -> Self {
        StatelessRunError::Witness(e)
    }
}

impl From<StatelessError> for StatelessRunError {
    fn from(e: StatelessError) -> Self {
        match e {
            StatelessError::Witness(e) => StatelessRunError::Witness(e),
            other => StatelessRunError::Run(other.to_string()),
        }
    }
}

impl From<MptError> for StatelessRunError {
    fn from(e: MptError) -> Self {
        StatelessRunError::Witness(WitnessError::State(e))
    }
}

/// A whole pre-state as a witness: its root, every trie node, every bytecode.
#[derive(Clone, Debug)]
pub struct PreState {
    /// The state root, computed in `os`.
    pub root: B256,
    /// Every node of the account trie and the storage tries.
    pub nodes: Vec<Vec<u8>>,
    /// Every bytecode, by hash.
    pub codes: HashMap<B256, Bytes>,
}

impl PreState {
    /// Puts every account and non-zero slot of `state` into empty tries (one
    /// [`StateCommitment::apply`] on [`MptState::empty`]) and exports their nodes.
    pub fn from_state(state: &State) -> Result<PreState, MptError> {
        let mut codes = HashMap::new();
        let accounts = state
            .accounts
            .iter()
            .map(|(address, account)| {
                if !account.code.is_empty() {
                    codes.insert(account.info.code_hash, account.code.clone());
                }
                AccountDiff {
                    address: *address,
                    info: Some(account.info),
                    code: None,
                    storage_cleared: false,
                    storage: account
                        .storage
                        .iter()
                        .filter(|(_, v)| !v.is_zero())
                        .map(|(k, v)| (*k, *v))
                        .collect(),
                }
            })
            .collect();
        let mut trie = MptState::empty();
        trie.apply(&StateDiff { accounts })?;
        let root = trie.root()?;
        Ok(PreState {
            root,
            nodes: trie.export_nodes(),
            codes,
        })
    }

    /// The same from accounts in genesis form (a later account replaces an earlier one with
    /// the same address).
    pub fn from_genesis<'a>(
        accounts: impl IntoIterator<Item = (Address, &'a GenesisAccount)>,
    ) -> Result<PreState, MptError> {
        let mut state = State::default();
        for (address, account) in accounts {
            state.insert_genesis(address, account);
        }
        PreState::from_state(&state)
    }
}

/// What the recording run produced.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// The minimal witness: the nodes and codes the block needed, the keys it touched, no
    /// headers (the ancestors are given).
    pub witness: WitnessFile,
    /// The block's result over the full witness.
    pub result: BlockResult,
    /// The post-state root computed in `os`.
    pub post_root: B256,
}

/// What a stateless run produced.
#[derive(Clone, Debug)]
pub struct StatelessRun {
    /// The block's result.
    pub result: BlockResult,
    /// The output computed in `os` from the witness alone (its post-state root included):
    /// what the guest commits to for the same input.
    pub output: EnvOutput,
}

/// Builds the minimal witness of `block` over the full `pre`-state: one run over all of it
/// with node tracking on, the diff applied and the root computed, then what was used.
pub fn build_witness<R: BlockRunner>(
    pre: &PreState,
    block: &EnvBlock,
    runner: &mut R,
) -> Result<Recorded, StatelessRunError> {
    if block.pre_state_root != pre.root {
        return Err(StatelessRunError::Run(format!(
            "the block's pre-state root {} is not the pre-state's {}",
            block.pre_state_root, pre.root
        )));
    }
    let mut state = MptState::from_witness(pre.root, pre.nodes.iter().map(Vec::as_slice))?;
    state.set_tracking(true);
    let codes: Vec<&[u8]> = pre.codes.values().map(|c| c.as_ref()).collect();
    let oracle = oracle_over(state, &codes, block);
    let recording = Recording::new(&oracle);
    let result = runner.run(&recording).map_err(StatelessRunError::Run)?;
    let Records {
        accounts,
        slots,
        codes: code_hashes,
    } = recording.into_records();
    if let Some(e) = oracle.error() {
        return Err(e.into());
    }
    let mut state = oracle.into_state();
    let post_root = env_block::post_state(block, &mut state, &result.state_diff)?;

    let mut touched: BTreeMap<Address, BTreeSet<U256>> = BTreeMap::new();
    for address in accounts.list {
        touched.entry(address).or_default();
    }
    for (address, slot) in slots.list {
        touched.entry(address).or_default().insert(slot);
    }
    for change in &result.state_diff.accounts {
        let slots = touched.entry(change.address).or_default();
        slots.extend(change.storage.iter().map(|(k, _)| *k));
    }
    if block.touch_coinbase {
        touched.entry(block.env.coinbase).or_default();
    }
    let mut keys = Vec::new();
    for (address, slots) in touched {
        keys.push(address.to_vec());
        keys.extend(slots.into_iter().map(|s| s.to_be_bytes::<32>().to_vec()));
    }
    let witness = WitnessFile {
        state: state.used_witness_nodes().map(<[u8]>::to_vec).collect(),
        codes: code_hashes
            .list
            .iter()
            .filter_map(|hash| pre.codes.get(hash))
            .map(|code| code.to_vec())
            .collect(),
        keys,
        headers: Vec::new(),
    };
    Ok(Recorded {
        witness,
        result,
        post_root,
    })
}

/// A `zkos run` block as an env block (no coinbase touch, the state tests' ancestors) with
/// its minimal witness: what `zkos run --witness` writes and `zkos guest run BLOCK.json`
/// hands the guest.
pub fn witness_of_json_block<R: BlockRunner>(
    block: &crate::blockjson::Block,
    runner: &mut R,
) -> Result<(EnvBlock, Recorded), String> {
    let pre = PreState::from_state(&block.pre).map_err(|e| format!("pre-state tries: {e}"))?;
    let input = EnvBlock {
        env: block.env.clone(),
        txs: block.txs.clone(),
        ancestors: crate::envjson::test_ancestors(block.env.number),
        touch_coinbase: false,
        pre_state_root: pre.root,
    };
    let built = build_witness(&pre, &input, runner).map_err(|e| format!("witness builder: {e}"))?;
    Ok((input, built))
}

/// Runs `block` statelessly with `os`'s two steps around the runner: a fresh state over
/// `witness.state` against the block's pre-state root and an oracle over `witness.codes`
/// ([`env_block::load_env_witness`]), then the diff applied, the root and the output
/// computed ([`env_block::finish_env_block`]).
pub fn run_stateless<R: BlockRunner>(
    witness: &WitnessFile,
    block: &EnvBlock,
    runner: &mut R,
) -> Result<StatelessRun, StatelessRunError> {
    let slices = witness.lend();
    let oracle = env_block::load_env_witness(block, &slices.witness())?;
    let result = runner.run(&oracle).map_err(StatelessRunError::Run)?;
    let output = env_block::finish_env_block(block, oracle, &result)?;
    Ok(StatelessRun { result, output })
}

fn oracle_over<'a>(state: MptState, codes: &[&'a [u8]], block: &EnvBlock) -> WitnessOracle<'a> {
    WitnessOracle::new(
        block.env.clone(),
        block.txs.clone(),
        state,
        codes,
        block.ancestors.clone(),
    )
}

/// Items in the order first seen, each once.
struct Ordered<T> {
    seen: HashSet<T>,
    list: Vec<T>,
}

impl<T: Copy + Eq + Hash> Ordered<T> {
    fn new() -> Self {
        Ordered {
            seen: HashSet::new(),
            list: Vec::new(),
        }
    }

    fn add(&mut self, item: T) {
        if self.seen.insert(item) {
            self.list.push(item);
        }
    }
}

/// What the block read: accounts, slots and the code hashes it asked for.
struct Records {
    accounts: Ordered<Address>,
    slots: Ordered<(Address, U256)>,
    codes: Ordered<B256>,
}

/// An oracle that answers as `inner` and notes every account, slot and code read.
struct Recording<'o, O> {
    inner: &'o O,
    records: RefCell<Records>,
}

impl<'o, O: Oracle> Recording<'o, O> {
    fn new(inner: &'o O) -> Self {
        Recording {
            inner,
            records: RefCell::new(Records {
                accounts: Ordered::new(),
                slots: Ordered::new(),
                codes: Ordered::new(),
            }),
        }
    }

    fn into_records(self) -> Records {
        self.records.into_inner()
    }
}

impl<O: Oracle> Oracle for Recording<'_, O> {
    fn block_env(&self) -> BlockEnv {
        self.inner.block_env()
    }

    fn tx_count(&self) -> usize {
        self.inner.tx_count()
    }

    fn tx(&self, index: usize) -> TxEnv {
        self.inner.tx(index)
    }

    fn account(&self, address: Address) -> Option<AccountInfo> {
        self.records.borrow_mut().accounts.add(address);
        self.inner.account(address)
    }

    fn storage(&self, address: Address, key: U256) -> U256 {
        self.records.borrow_mut().slots.add((address, key));
        self.inner.storage(address, key)
    }

    fn storage_is_empty(&self, address: Address) -> bool {
        self.records.borrow_mut().accounts.add(address);
        self.inner.storage_is_empty(address)
    }

    fn code(&self, code_hash: B256) -> Bytes {
        if code_hash != KECCAK_EMPTY {
            self.records.borrow_mut().codes.add(code_hash);
        }
        self.inner.code(code_hash)
    }

    fn block_hash(&self, number: u64) -> B256 {
        self.inner.block_hash(number)
    }

    fn failed(&self) -> bool {
        self.inner.failed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envjson;
    use alloy_primitives::{address, keccak256};
    use zkos_os::types::{SpecId, TxStatus};

    /// Caller, a contract that reads slot 1, writes slot 2 and clears slot 3, an empty
    /// coinbase, and a bystander the block never touches.
    fn pre() -> State {
        let mut state = State::default();
        let caller = address!("a94f5374fce5edbc8e2a8697c15331677e6ebf0b");
        state.insert_genesis(
            caller,
            &GenesisAccount {
                balance: U256::from(10u64.pow(18)),
                ..Default::default()
            },
        );
        // SLOAD(1) SSTORE(2, that+1) SSTORE(3, 0) STOP
        let code = Bytes::from_static(&[
            0x60, 0x01, 0x54, 0x60, 0x01, 0x01, 0x60, 0x02, 0x55, 0x60, 0x00, 0x60, 0x03, 0x55,
            0x00,
        ]);
        state.insert_genesis(
            address!("095e7baea6a6c7c4c2dfeb977efac326af552d87"),
            &GenesisAccount {
                code,
                storage: vec![
                    (U256::from(1), U256::from(41)),
                    (U256::from(3), U256::from(7)),
                    (U256::from(9), U256::from(9)),
                ],
                ..Default::default()
            },
        );
        state.insert_genesis(
            address!("2adc25665018aa1fe0e6bc666dac8fc2697ff9ba"),
            &GenesisAccount::default(),
        );
        for i in 0..40u8 {
            state.insert_genesis(
                Address::repeat_byte(i.wrapping_mul(37).wrapping_add(1)),
                &GenesisAccount {
                    balance: U256::from(i) + U256::from(1),
                    code: Bytes::from(vec![0x60, i, 0x00]),
                    ..Default::default()
                },
            );
        }
        state
    }

    fn block(spec: SpecId, pre_state_root: B256) -> EnvBlock {
        let env = BlockEnv {
            spec,
            chain_id: 1,
            number: 1,
            coinbase: address!("2adc25665018aa1fe0e6bc666dac8fc2697ff9ba"),
            timestamp: 1000,
            gas_limit: 30_000_000,
            base_fee: U256::from(0),
            ..Default::default()
        };
        let tx = TxEnv {
            caller: address!("a94f5374fce5edbc8e2a8697c15331677e6ebf0b"),
            to: Some(address!("095e7baea6a6c7c4c2dfeb977efac326af552d87")),
            gas_limit: 100_000,
            gas_price: U256::ZERO,
            ..Default::default()
        };
        EnvBlock {
            ancestors: envjson::test_ancestors(env.number),
            env,
            txs: vec![tx],
            touch_coinbase: true,
            pre_state_root,
        }
    }

    #[test]
    fn minimal_witness_runs_statelessly() {
        let pre = pre();
        let full = PreState::from_state(&pre).unwrap();
        assert_eq!(
            full.root,
            pre.root(),
            "os and alloy-trie agree on the pre-state"
        );
        for spec in [SpecId::Homestead, SpecId::Cancun] {
            let block = block(spec, full.root);
            let mut boot = Bootloader::new();
            let built = build_witness(&full, &block, &mut boot).unwrap();
            let receipt = &built.result.receipts[0];
            assert_eq!(receipt.result, Ok(TxStatus::Success), "{spec:?}");

            let mut post = pre.clone();
            post.apply_diff(&built.result.state_diff);
            post.touch_coinbase(block.env.coinbase, spec);
            assert_eq!(built.post_root, post.root(), "{spec:?}");
            assert!(built.witness.state.len() < full.nodes.len());
            assert_eq!(
                built.witness.codes.len(),
                1,
                "only the called contract's code"
            );
            // Keys: the caller, the contract and its slots, the coinbase.
            assert!(built.witness.keys.iter().any(|k| k.len() == 32));
            assert!(built.witness.keys.len() >= 6, "{:?}", built.witness.keys);

            let fresh = run_stateless(&built.witness, &block, &mut boot).unwrap();
            assert_eq!(fresh.output.post_state_root, built.post_root);
            assert_eq!(fresh.result, built.result);
        }
    }

    #[test]
    fn a_missing_node_or_code_is_a_witness_error() {
        let pre = pre();
        let full = PreState::from_state(&pre).unwrap();
        let block = block(SpecId::Cancun, full.root);
        let mut boot = Bootloader::new();
        let built = build_witness(&full, &block, &mut boot).unwrap();
        let mut without_code = built.witness.clone();
        without_code.codes.clear();
        let r = run_stateless(&without_code, &block, &mut boot);
        assert!(
            matches!(
                r,
                Err(StatelessRunError::Witness(WitnessError::MissingCode { .. }))
            ),
            "{r:?}"
        );
        // Dropping any node but the root's fails the run, reading or updating.
        for i in 0..built.witness.state.len() {
            let mut short = built.witness.clone();
            let dropped = short.state.remove(i);
            if keccak256(&dropped) == full.root {
                continue;
            }
            let err = run_stateless(&short, &block, &mut boot).unwrap_err();
            assert!(err.to_string().contains("missing"), "{err}");
        }
    }

    #[test]
    fn coinbase_touch_on_the_commitment() {
        let coinbase = address!("2adc25665018aa1fe0e6bc666dac8fc2697ff9ba");
        let pre = pre();
        let full = PreState::from_state(&pre).unwrap();
        for (spec, deleted) in [(SpecId::Homestead, false), (SpecId::SpuriousDragon, true)] {
            let mut state =
                MptState::from_witness(full.root, full.nodes.iter().map(Vec::as_slice)).unwrap();
            env_block::touch_coinbase(&mut state, coinbase, spec).unwrap();
            let mut host = pre.clone();
            host.touch_coinbase(coinbase, spec);
            assert_eq!(state.root().unwrap(), host.root());
            assert_eq!(state.account(coinbase).unwrap().is_none(), deleted);
        }
    }

    /// The example block (a deployment, token calls, a revert) through the witness path:
    /// the same root as the host's, and a witness file that survives its JSON form.
    #[test]
    fn example_block_statelessly() {
        let root = crate::shared::workspace_root().unwrap();
        let text = std::fs::read_to_string(root.join("examples").join("block.json")).unwrap();
        let block = crate::blockjson::Block::from_json_str(&text).unwrap();
        let mut boot = Bootloader::new();
        let expected = {
            let result = boot.run_block(&block.oracle());
            let mut post = block.pre.clone();
            post.apply_diff(&result.state_diff);
            post.root()
        };
        let pre = PreState::from_state(&block.pre).unwrap();
        let input = EnvBlock {
            env: block.env.clone(),
            txs: block.txs.clone(),
            ancestors: envjson::test_ancestors(block.env.number),
            touch_coinbase: false,
            pre_state_root: pre.root,
        };
        let built = build_witness(&pre, &input, &mut boot).unwrap();
        assert_eq!(built.post_root, expected);
        let file = WitnessFile::from_json(&built.witness.to_json()).unwrap();
        let run = run_stateless(&file, &input, &mut boot).unwrap();
        assert_eq!(run.output.post_state_root, expected);
        assert!(file.keys.iter().all(|k| k.len() == 20 || k.len() == 32));
    }
}
