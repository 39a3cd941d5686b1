//! Hash maps keyed by node identities (addresses) or by hashes already computed: one
//! multiplication per word instead of SipHash, which cost a small evaluation (`a * s +
//! 1` on a few thousand elements) about a tenth of its time in lowering and lookups.
//! Not for keys an adversary chooses.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A hash map with [`IdHasher`].
pub type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// An empty [`IdMap`] with room for `n` entries.
pub fn id_map<K, V>(n: usize) -> IdMap<K, V> {
    IdMap::with_capacity_and_hasher(n, BuildHasherDefault::default())
}

/// Mixes each word in by a multiplication (FxHash's step); the result is rotated so
/// that the well-mixed high bits pick the bucket (aligned addresses have zero low
/// bits, which a multiplication keeps low).
#[derive(Default, Clone, Copy)]
pub struct IdHasher(u64);

const K: u64 = 0xf135_7aea_2e62_a9c5;

impl IdHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0 ^ word).wrapping_mul(K);
    }
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn write_u128(&mut self, n: u128) {
        self.add(n as u64);
        self.add((n >> 64) as u64);
    }

    fn finish(&self) -> u64 {
        self.0.rotate_left(26)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_addresses_spread_over_buckets() {
        // 4,096 addresses 64 bytes apart land in at least 3,000 of 8,192 buckets' low
        // bits (a multiplication alone would leave the low 6 bits zero: 128 buckets).
        let buckets: std::collections::HashSet<u64> = (0..4096u64)
            .map(|i| {
                let mut h = IdHasher::default();
                h.write_usize((0x7f00_0000_0000 + i * 64) as usize);
                h.finish() & 8191
            })
            .collect();
        assert!(buckets.len() > 3000, "{}", buckets.len());
    }

    #[test]
    fn maps_keyed_by_identities_and_pairs_work() {
        let mut m: IdMap<(usize, usize), usize> = id_map(4);
        for i in 0..1000 {
            m.insert((i * 16, i), i);
        }
        assert!((0..1000).all(|i| m[&(i * 16, i)] == i));
    }
}
