//! HMAC-SHA256 as RFC 2104 defines it, over the `sha2` crate's SHA-256:
//! small enough to write here rather than add a dependency, and checked
//! against the RFC 4231 test vectors in `tests/signature.rs`.

use sha2::{Digest, Sha256};

/// SHA-256's block size in bytes.
const BLOCK: usize = 64;

/// `HMAC(key, message) = H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ message))`, where
/// `K` is the key padded with zeros to a block, or hashed first when it is
/// longer than a block.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner_key = block.map(|b| b ^ 0x36);
    let outer_key = block.map(|b| b ^ 0x5c);
    let inner = Sha256::new()
        .chain_update(inner_key)
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(outer_key)
        .chain_update(inner)
        .finalize()
        .into()
}

/// Whether two byte strings are equal, in time that depends only on their
/// lengths (which are public: the length of a hex HMAC), so an attacker
/// cannot find a valid signature byte by byte from response times.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Lower-case hexadecimal, two digits a byte.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}
