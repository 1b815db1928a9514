//! EIP-7702 delegation designators: the 23-byte code `0xef0100 || address` that makes an
//! account run another account's code. Parsed here, once, for the transaction's own call, the
//! CALL family of every execution environment, and the sender check of EIP-3607.

use alloy_primitives::Address;

/// The designator's prefix: 0xef (banned as a code start by EIP-3541, so no deployed contract
/// can look like one), then the version 0x0100.
pub const PREFIX: [u8; 3] = [0xef, 0x01, 0x00];
/// Length of a designator: the prefix and an address.
pub const LEN: usize = PREFIX.len() + 20;

/// Whether `code` is exactly a delegation designator.
#[inline]
pub fn is_designator(code: &[u8]) -> bool {
    code.len() == LEN && code[..3] == PREFIX
}

/// The address `code` delegates to, when it is a designator.
#[inline]
pub fn target(code: &[u8]) -> Option<Address> {
    is_designator(code).then(|| Address::from_slice(&code[3..]))
}

/// The designator that delegates to `address`.
pub fn designator(address: Address) -> [u8; LEN] {
    let mut code = [0u8; LEN];
    code[..3].copy_from_slice(&PREFIX);
    code[3..].copy_from_slice(address.as_slice());
    code
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::address;

    #[test]
    fn round_trip_and_near_misses() {
        let a = address!("1000000000000000000000000000000000000001");
        let d = designator(a);
        assert_eq!(target(&d), Some(a));
        assert!(is_designator(&d));
        assert_eq!(target(&d[..22]), None);
        let mut long = d.to_vec();
        long.push(0);
        assert_eq!(target(&long), None);
        let mut version = d;
        version[2] = 1;
        assert_eq!(target(&version), None);
        assert_eq!(target(&[]), None);
    }
}
