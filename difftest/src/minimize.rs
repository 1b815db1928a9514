//! Shrinks a mismatching case while it keeps mismatching: fewer transactions, fewer
//! authorizations, fewer accounts, shorter code, fewer slots, shorter calldata. A smaller case
//! is one a person can read instruction by instruction.

use crate::case::Case;
use alloy_primitives::Bytes;

/// Shrinks `case` as long as `fails` holds for the smaller one; `fails(case)` must hold at
/// the start. `budget` bounds the number of `fails` calls.
pub fn minimize(case: &Case, mut fails: impl FnMut(&Case) -> bool, budget: usize) -> Case {
    let mut best = case.clone();
    let calls = std::cell::Cell::new(0usize);
    let mut try_it = |candidate: Case, best: &mut Case| -> bool {
        if calls.get() >= budget || candidate == *best {
            return false;
        }
        calls.set(calls.get() + 1);
        if fails(&candidate) {
            *best = candidate;
            true
        } else {
            false
        }
    };
    loop {
        let mut progress = false;
        // Transactions, one at a time.
        let mut i = 0;
        while i < best.txs.len() && best.txs.len() > 1 {
            let mut c = best.clone();
            c.txs.remove(i);
            if try_it(c, &mut best) {
                progress = true;
            } else {
                i += 1;
            }
        }
        // EIP-7702 authorizations, one at a time (a list keeps one: an empty list is a
        // rejection of its own).
        for t in 0..best.txs.len() {
            let mut j = 0;
            while j < best.txs[t].authorization_list.len()
                && best.txs[t].authorization_list.len() > 1
            {
                let mut c = best.clone();
                c.txs[t].authorization_list.remove(j);
                if try_it(c, &mut best) {
                    progress = true;
                } else {
                    j += 1;
                }
            }
        }
        // Accounts that no transaction sends from.
        let addresses: Vec<_> = best.pre.keys().copied().collect();
        for a in addresses {
            if best.txs.iter().any(|t| t.from == a) {
                continue;
            }
            let mut c = best.clone();
            c.pre.remove(&a);
            progress |= try_it(c, &mut best);
        }
        // Storage slots.
        let slots: Vec<_> = best
            .pre
            .iter()
            .flat_map(|(a, acc)| acc.storage.keys().map(move |k| (*a, *k)))
            .collect();
        for (a, k) in slots {
            let mut c = best.clone();
            if let Some(acc) = c.pre.get_mut(&a) {
                acc.storage.remove(&k);
            }
            progress |= try_it(c, &mut best);
        }
        // Code: remove chunks, halving the chunk size down to one byte.
        let addresses: Vec<_> = best.pre.keys().copied().collect();
        for a in addresses {
            progress |= shrink_bytes(
                &mut best,
                &mut try_it,
                |c| c.pre.get(&a).map(|acc| acc.code.clone()),
                |c, b| {
                    if let Some(acc) = c.pre.get_mut(&a) {
                        acc.code = b;
                    }
                },
            );
        }
        // Calldata.
        for t in 0..best.txs.len() {
            progress |= shrink_bytes(
                &mut best,
                &mut try_it,
                |c| c.txs.get(t).map(|tx| tx.data.clone()),
                |c, b| {
                    if let Some(tx) = c.txs.get_mut(t) {
                        tx.data = b;
                    }
                },
            );
        }
        if !progress || calls.get() >= budget {
            return best;
        }
    }
}

/// Removes chunks of one byte string of the case (delta debugging over chunk sizes).
fn shrink_bytes(
    best: &mut Case,
    try_it: &mut impl FnMut(Case, &mut Case) -> bool,
    get: impl Fn(&Case) -> Option<Bytes>,
    set: impl Fn(&mut Case, Bytes),
) -> bool {
    let mut progress = false;
    let Some(bytes) = get(best) else {
        return false;
    };
    let mut chunk = bytes.len().div_ceil(2).max(1);
    while chunk >= 1 {
        let mut start = 0;
        while let Some(current) = get(best) {
            if start >= current.len() {
                break;
            }
            let end = (start + chunk).min(current.len());
            let mut smaller = current[..start].to_vec();
            smaller.extend_from_slice(&current[end..]);
            let mut c = best.clone();
            set(&mut c, Bytes::from(smaller));
            if try_it(c, best) {
                progress = true;
            } else {
                start += chunk;
            }
        }
        if chunk == 1 {
            break;
        }
        chunk /= 2;
    }
    progress
}
