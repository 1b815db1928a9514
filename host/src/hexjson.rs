//! Parsing of the JSON scalars of the Ethereum test formats ("0x.." hex, decimal strings,
//! JSON numbers) into the core's types.
//!
//! Every function takes the field's path (e.g. `transaction.gasLimit[2]`) so that an error in
//! a 10,000-line test file points at the exact value. Overflow is a separate error kind
//! because the state-test runner treats an unrepresentable transaction value as "the
//! transaction is rejected", while a malformed value is a broken file.

use alloy_primitives::{Address, Bytes, B256, U256};
use serde_json::Value;
use std::fmt;

/// Why a field could not be parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The field is required but absent.
    Missing,
    /// The value is not valid for its type (bad hex, wrong JSON type, wrong length).
    Invalid,
    /// The value is well-formed but too large for the type it must fit.
    Overflow,
}

/// A parse error that names the offending field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the field, e.g. `transaction.gasLimit[2]`.
    pub field: String,
    /// What kind of problem, so callers can treat overflow specially.
    pub kind: ErrorKind,
    /// Human-readable detail, e.g. `invalid hex "0xzz"`.
    pub message: String,
}

impl FieldError {
    /// Builds an error for `field`.
    pub fn new(field: &str, kind: ErrorKind, message: impl Into<String>) -> Self {
        FieldError {
            field: field.to_string(),
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

/// Result of parsing one field.
pub type FieldResult<T> = Result<T, FieldError>;

/// A short rendering of a JSON value for error messages (long strings are cut).
fn show(value: &Value) -> String {
    let text = value.to_string();
    if text.len() > 80 {
        let cut: String = text.chars().take(77).collect();
        format!("{cut}...")
    } else {
        text
    }
}

/// The required member `key` of object `obj`, whose own path is `path`.
pub fn get<'a>(obj: &'a Value, key: &str, path: &str) -> FieldResult<&'a Value> {
    let field = join(path, key);
    match obj {
        Value::Object(map) => map
            .get(key)
            .ok_or_else(|| FieldError::new(&field, ErrorKind::Missing, "missing")),
        other => Err(FieldError::new(
            path,
            ErrorKind::Invalid,
            format!("expected an object, got {}", show(other)),
        )),
    }
}

/// The optional member `key` of object `obj` (JSON `null` counts as absent).
pub fn opt<'a>(obj: &'a Value, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null())
}

/// `path.key`, or `key` alone at the top level.
pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The elements of a JSON array.
pub fn array<'a>(value: &'a Value, field: &str) -> FieldResult<&'a Vec<Value>> {
    value.as_array().ok_or_else(|| {
        FieldError::new(
            field,
            ErrorKind::Invalid,
            format!("expected an array, got {}", show(value)),
        )
    })
}

/// The members of a JSON object.
pub fn object<'a>(
    value: &'a Value,
    field: &str,
) -> FieldResult<&'a serde_json::Map<String, Value>> {
    value.as_object().ok_or_else(|| {
        FieldError::new(
            field,
            ErrorKind::Invalid,
            format!("expected an object, got {}", show(value)),
        )
    })
}

/// A JSON string.
pub fn string<'a>(value: &'a Value, field: &str) -> FieldResult<&'a str> {
    value.as_str().ok_or_else(|| {
        FieldError::new(
            field,
            ErrorKind::Invalid,
            format!("expected a string, got {}", show(value)),
        )
    })
}

/// Parses a number into 256 bits: `"0x.."` hex (`"0x"` is zero, odd length is fine), a
/// decimal string, or a non-negative JSON integer. The test fillers' `"0x:bigint 0x.."`
/// spelling (used for values deliberately out of range) is accepted and usually overflows.
pub fn u256(value: &Value, field: &str) -> FieldResult<U256> {
    match value {
        Value::String(s) => u256_str(s, field),
        Value::Number(n) => n.as_u64().map(U256::from).ok_or_else(|| {
            FieldError::new(field, ErrorKind::Invalid, format!("invalid number {n}"))
        }),
        other => Err(FieldError::new(
            field,
            ErrorKind::Invalid,
            format!("expected a number or string, got {}", show(other)),
        )),
    }
}

/// [`u256`] on a string.
pub fn u256_str(text: &str, field: &str) -> FieldResult<U256> {
    let s = text.trim();
    let s = s.strip_prefix("0x:bigint ").unwrap_or(s);
    let invalid =
        |what: &str| FieldError::new(field, ErrorKind::Invalid, format!("{what} {text:?}"));
    if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(invalid("invalid hex"));
        }
        let digits = hex.trim_start_matches('0');
        if digits.is_empty() {
            return Ok(U256::ZERO);
        }
        if digits.len() > 64 {
            return Err(FieldError::new(
                field,
                ErrorKind::Overflow,
                format!("{text:?} does not fit in 256 bits"),
            ));
        }
        U256::from_str_radix(digits, 16).map_err(|_| invalid("invalid hex"))
    } else {
        if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit()) {
            return Err(invalid("invalid number"));
        }
        U256::from_str_radix(s, 10).map_err(|_| {
            FieldError::new(
                field,
                ErrorKind::Overflow,
                format!("{text:?} does not fit in 256 bits"),
            )
        })
    }
}

/// Parses a number that must fit in 64 bits (gas, nonce, block number, ...).
pub fn u64(value: &Value, field: &str) -> FieldResult<u64> {
    let wide = u256(value, field)?;
    u64::try_from(wide).map_err(|_| {
        FieldError::new(
            field,
            ErrorKind::Overflow,
            format!("{} does not fit in 64 bits", show(value)),
        )
    })
}

/// Decodes `"0x.."` into bytes; `"0x"` and `""` are empty.
pub fn bytes(value: &Value, field: &str) -> FieldResult<Bytes> {
    let text = string(value, field)?;
    decode_hex(text, field).map(Bytes::from)
}

/// Hex-decodes a byte string, with or without the `0x` prefix.
pub fn decode_hex(text: &str, field: &str) -> FieldResult<Vec<u8>> {
    let hex = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    let invalid = || FieldError::new(field, ErrorKind::Invalid, format!("invalid hex {text:?}"));
    if !hex.len().is_multiple_of(2) || !hex.is_ascii() {
        return Err(invalid());
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| invalid()))
        .collect()
}

/// Parses a 20-byte address (exactly 40 hex digits after `0x`).
pub fn address(value: &Value, field: &str) -> FieldResult<Address> {
    let text = string(value, field)?;
    address_str(text, field)
}

/// [`address`] on a string, e.g. a map key of `pre`.
pub fn address_str(text: &str, field: &str) -> FieldResult<Address> {
    let raw = decode_hex(text, field)?;
    if raw.len() != 20 {
        return Err(FieldError::new(
            field,
            ErrorKind::Invalid,
            format!("address {text:?} is {} bytes, expected 20", raw.len()),
        ));
    }
    Ok(Address::from_slice(&raw))
}

/// Parses a 32-byte word. Short hex is read as a number and left-padded, since the test
/// files write hashes both ways (`currentRandom`, storage keys).
pub fn b256(value: &Value, field: &str) -> FieldResult<B256> {
    u256(value, field).map(B256::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers() {
        assert_eq!(u64(&json!("0x"), "f").unwrap(), 0);
        assert_eq!(u64(&json!("0x0"), "f").unwrap(), 0);
        assert_eq!(u64(&json!("0xabc"), "f").unwrap(), 0xabc);
        assert_eq!(u64(&json!("0x00ff"), "f").unwrap(), 255);
        assert_eq!(u64(&json!("1234"), "f").unwrap(), 1234);
        assert_eq!(u64(&json!(77), "f").unwrap(), 77);
        assert_eq!(u64(&json!("0xffffffffffffffff"), "f").unwrap(), u64::MAX);
        assert_eq!(
            u256(&json!(format!("0x{}", "f".repeat(64))), "f").unwrap(),
            U256::MAX
        );
        assert_eq!(
            u256(&json!(format!("0x0000{}", "f".repeat(64))), "f").unwrap(),
            U256::MAX,
            "leading zeros do not count towards the width"
        );
    }

    #[test]
    fn errors_name_the_field() {
        let err = u64(&json!("0xzz"), "transaction.gasLimit[2]").unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"transaction.gasLimit[2]: invalid hex "0xzz""#
        );
        assert_eq!(err.kind, ErrorKind::Invalid);

        let err = u64(&json!("0x10000000000000000"), "transaction.gasLimit[0]").unwrap_err();
        assert_eq!(err.kind, ErrorKind::Overflow);
        assert!(
            err.to_string().starts_with("transaction.gasLimit[0]: "),
            "{err}"
        );

        let err = u256(&json!(format!("0x1{}", "0".repeat(64))), "v").unwrap_err();
        assert_eq!(err.kind, ErrorKind::Overflow);
        let err = u256(
            &json!("0x:bigint 0x10000000000000000000000000000000000000000000000000000000000000001"),
            "v",
        )
        .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Overflow);

        assert_eq!(
            u64(&json!("12a"), "n").unwrap_err().kind,
            ErrorKind::Invalid
        );
        assert_eq!(u64(&json!(-1), "n").unwrap_err().kind, ErrorKind::Invalid);
        assert_eq!(u64(&json!(true), "n").unwrap_err().kind, ErrorKind::Invalid);
        assert_eq!(u64(&json!(""), "n").unwrap_err().kind, ErrorKind::Invalid);
    }

    #[test]
    fn byte_strings() {
        assert_eq!(bytes(&json!("0x"), "d").unwrap(), Bytes::new());
        assert_eq!(bytes(&json!("0x0102"), "d").unwrap().as_ref(), &[1, 2]);
        let err = bytes(&json!("0x012"), "transaction.data[0]").unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"transaction.data[0]: invalid hex "0x012""#
        );
        assert!(bytes(&json!("0xgg"), "d").is_err());
        assert!(
            bytes(&json!("0xé1"), "d").is_err(),
            "non-ASCII must not panic"
        );
    }

    #[test]
    fn addresses_and_words() {
        let a = address(&json!("0x095e7baea6a6c7c4c2dfeb977efac326af552d87"), "to").unwrap();
        assert_eq!(a.0[0], 0x09);
        let err = address(&json!("0x1234"), "pre").unwrap_err();
        assert!(err.message.contains("expected 20"), "{err}");
        assert_eq!(b256(&json!("0x01"), "k").unwrap(), B256::with_last_byte(1));
    }

    #[test]
    fn object_access() {
        let v = json!({"a": {"b": "0x1"}});
        let a = get(&v, "a", "").unwrap();
        assert_eq!(u64(get(a, "b", "a").unwrap(), "a.b").unwrap(), 1);
        let err = get(a, "c", "a").unwrap_err();
        assert_eq!(err.to_string(), "a.c: missing");
        assert_eq!(err.kind, ErrorKind::Missing);
        let err = get(&json!([1]), "x", "env").unwrap_err();
        assert!(
            err.to_string().starts_with("env: expected an object"),
            "{err}"
        );
    }
}
