//! Compiled kernels kept on disk, so that a second process compiles nothing.
//!
//! An entry is a kernel's relocatable object file (or, for the GPU, its PTX:
//! `nvptx/ptx_cache.rs`), named by the BLAKE3 hash of its key:
//! the kernel's structure key, the CPU (name, features, vector width), LLVM's version
//! and a hash of the code generator's own source (`build.rs`), so that an entry written
//! by another version of lazyfuse or for another CPU is never found. The cache holds
//! executable code, so it is careful about what it loads:
//!
//! - the directory must be owned by this user and closed to everyone else (it is
//!   created with mode 0700; an existing one that is group- or world-writable, or owned
//!   by someone else, switches the cache off), and so must each entry;
//! - each entry records its full key and a BLAKE3 hash of its contents: a truncated,
//!   corrupt or foreign entry is compiled again (and replaced), never loaded;
//! - entries are written to a private temporary file and renamed into place, so
//!   processes sharing the directory see whole entries or none;
//! - the directory is kept under a size bound (least recently used entries removed).
//!
//! Entries live in 256 shards, `kernels/<first two hex digits of the name>/`, and the
//! bound is kept per shard (a 256th of it each): a store looks at its own shard's few
//! hundred files, not at the whole cache (when it was one directory, a cache of 79,000
//! entries made every new kernel's first call 420-480 ms instead of 60-80, listing and
//! stat'ing them all). Entries of that flat layout, which no key finds any more, are
//! removed [`FLAT_ENTRIES_PER_STORE`] per store.
//!
//! `LAZYFUSE_CACHE_DIR` chooses the directory (default `$XDG_CACHE_HOME/lazyfuse` or
//! `~/.cache/lazyfuse`), `LAZYFUSE_CACHE=0` switches the cache off, and
//! `LAZYFUSE_CACHE_MB` bounds its size (default 512).

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use inkwell::llvm_sys::blake3::{
    llvm_blake3_hasher, llvm_blake3_hasher_finalize, llvm_blake3_hasher_init,
    llvm_blake3_hasher_update, LLVM_BLAKE3_OUT_LEN,
};

/// The first bytes of every entry.
const MAGIC: &[u8; 16] = b"lazyfuse-kernel1";

/// Shard directories, by the first byte of an entry's name.
const SHARDS: u64 = 256;
/// Entries of the flat layout (before shards) removed per store (256 a store made a new
/// kernel's first call about 50 ms slower here).
const FLAT_ENTRIES_PER_STORE: usize = 64;

/// What changes the machine code for one structure key besides the key itself.
fn environment_key(cpu: &str, features: &str, vector_width: Option<u32>) -> String {
    let (major, minor, patch) = crate::target::llvm_version();
    format!(
        "cpu={cpu}|features={features}|width={vector_width:?}|llvm={major}.{minor}.{patch}|lazyfuse={}|codegen={}",
        env!("CARGO_PKG_VERSION"),
        env!("LAZYFUSE_CODEGEN_SOURCE_HASH"),
    )
}

/// BLAKE3 of the parts, in order.
fn blake3(parts: &[&[u8]]) -> [u8; LLVM_BLAKE3_OUT_LEN] {
    let mut out = [0u8; LLVM_BLAKE3_OUT_LEN];
    let mut hasher = std::mem::MaybeUninit::<llvm_blake3_hasher>::uninit();
    // SAFETY: init fills the hasher; update reads `len` bytes of each part; finalize
    // writes OUT_LEN bytes into `out`.
    unsafe {
        llvm_blake3_hasher_init(hasher.as_mut_ptr());
        for p in parts {
            llvm_blake3_hasher_update(hasher.as_mut_ptr(), p.as_ptr().cast(), p.len());
        }
        llvm_blake3_hasher_finalize(hasher.as_mut_ptr(), out.as_mut_ptr(), out.len());
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A directory of compiled kernels (see the module documentation).
#[derive(Debug)]
pub struct DiskCache {
    dir: PathBuf,
    environment: String,
    limit_bytes: u64,
    loads: AtomicU64,
    stores: AtomicU64,
    rejected: AtomicU64,
    /// Whether this process found no entries of the flat layout left.
    flat_drained: AtomicBool,
}

/// Whether this user alone may write `meta`'s file or directory.
fn private(meta: &fs::Metadata) -> bool {
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    meta.uid() == uid && meta.mode() & 0o022 == 0
}

impl DiskCache {
    /// The cache the environment asks for (see the module documentation), for this
    /// machine's CPU; None when it is switched off or its directory is unusable.
    pub fn from_environment() -> Option<DiskCache> {
        let host = super::compile::CpuModel::host();
        DiskCache::from_environment_for(environment_key(
            &host.cpu,
            &host.features,
            host.vector_width,
        ))
    }

    /// The cache the environment asks for, for code compiled in `environment` (what,
    /// besides an entry's structure key, changes the code: the target and the versions
    /// of what compiled it); None when it is switched off or its directory is unusable.
    pub(crate) fn from_environment_for(environment: String) -> Option<DiskCache> {
        if matches!(
            std::env::var("LAZYFUSE_CACHE").as_deref(),
            Ok("0") | Ok("off") | Ok("false")
        ) {
            return None;
        }
        let dir = match std::env::var_os("LAZYFUSE_CACHE_DIR") {
            Some(d) if !d.is_empty() => PathBuf::from(d),
            _ => {
                let base = std::env::var_os("XDG_CACHE_HOME")
                    .filter(|d| !d.is_empty())
                    .map(PathBuf::from)
                    .or_else(|| {
                        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache"))
                    })?;
                base.join("lazyfuse")
            }
        };
        let limit_mb = std::env::var("LAZYFUSE_CACHE_MB")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(512);
        DiskCache::open(&dir, environment, limit_mb << 20)
    }

    /// The cache in `dir` for this machine's CPU, bounded to `limit_bytes`; None if the
    /// directory cannot be made or is not private.
    pub fn in_dir(dir: &Path, limit_bytes: u64) -> Option<DiskCache> {
        let host = super::compile::CpuModel::host();
        DiskCache::open(
            dir,
            environment_key(&host.cpu, &host.features, host.vector_width),
            limit_bytes,
        )
    }

    /// The cache in `dir` (created with mode 0700 if missing) for kernels compiled in
    /// `environment`; None if the directory cannot be made or is not private.
    pub(crate) fn open(dir: &Path, environment: String, limit_bytes: u64) -> Option<DiskCache> {
        let dir = dir.join("kernels");
        if fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .is_err()
        {
            return None;
        }
        let meta = fs::symlink_metadata(&dir).ok()?;
        if !meta.is_dir() || !private(&meta) || meta.mode() & 0o077 != 0 {
            return None;
        }
        Some(DiskCache {
            dir,
            environment,
            limit_bytes,
            loads: AtomicU64::new(0),
            stores: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            flat_drained: AtomicBool::new(false),
        })
    }

    /// The directory entries live in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// (entries loaded, entries stored, entries rejected as corrupt or foreign).
    pub fn counters(&self) -> (u64, u64, u64) {
        (
            self.loads.load(Ordering::Relaxed),
            self.stores.load(Ordering::Relaxed),
            self.rejected.load(Ordering::Relaxed),
        )
    }

    fn full_key(&self, structure_key: &str) -> String {
        format!("{structure_key}|{}", self.environment)
    }

    /// Where the entry for `full_key` lives: its shard and its file in it.
    fn path(&self, full_key: &str) -> (PathBuf, PathBuf) {
        let name = hex(&blake3(&[full_key.as_bytes()])[..16]);
        let shard = self.dir.join(&name[..2]);
        let file = shard.join(format!("{}.kernel", &name[2..]));
        (shard, file)
    }

    /// The shard directory `shard`, created private if missing; false if it cannot be
    /// made or another user may write it.
    fn private_shard(shard: &Path) -> bool {
        if fs::DirBuilder::new().mode(0o700).create(shard).is_err() && !shard.is_dir() {
            return false;
        }
        fs::symlink_metadata(shard)
            .is_ok_and(|m| m.is_dir() && private(&m) && m.mode() & 0o077 == 0)
    }

    /// The object stored for `structure_key`, if a whole, private entry with exactly
    /// this key is there.
    pub(crate) fn load(&self, structure_key: &str) -> Option<Vec<u8>> {
        let key = self.full_key(structure_key);
        let (_, path) = self.path(&key);
        let mut file = fs::File::open(&path).ok()?;
        let meta = file.metadata().ok()?;
        if !meta.is_file() || !private(&meta) {
            self.rejected.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        // The bytes of the file whose owner and mode were just checked (not the path
        // again, which another process could have replaced in between).
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        std::io::Read::read_to_end(&mut file, &mut bytes).ok()?;
        match decode(&bytes, &key) {
            Some(object) => {
                // Recently used: the size bound removes the oldest entries first.
                let _ = file.set_modified(std::time::SystemTime::now());
                self.loads.fetch_add(1, Ordering::Relaxed);
                Some(object.to_vec())
            }
            None => {
                self.rejected.fetch_add(1, Ordering::Relaxed);
                let _ = fs::remove_file(&path);
                None
            }
        }
    }

    /// Keeps `object` for `structure_key` (best effort: a full disk or a race with
    /// another process only means the next process compiles again).
    pub(crate) fn store(&self, structure_key: &str, object: &[u8]) {
        let key = self.full_key(structure_key);
        let (shard, path) = self.path(&key);
        if !Self::private_shard(&shard) {
            return;
        }
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let tmp = shard.join(format!(
            ".tmp-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let written = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .and_then(|mut f| f.write_all(&encode(&key, object)))
            .and_then(|()| fs::rename(&tmp, &path));
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
            return;
        }
        self.stores.fetch_add(1, Ordering::Relaxed);
        self.trim(&shard);
        self.drain_flat_layout();
    }

    /// Removes up to [`FLAT_ENTRIES_PER_STORE`] entries of the flat layout (files
    /// directly in the cache directory; its listing is read only as far as needed, and
    /// not again by this process once it holds none).
    fn drain_flat_layout(&self) {
        if self.flat_drained.load(Ordering::Relaxed) {
            return;
        }
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        let mut removed = 0;
        for entry in entries.flatten() {
            if removed == FLAT_ENTRIES_PER_STORE {
                return;
            }
            let name = entry.file_name();
            let name = name.to_string_lossy();
            // Entries, and temporary files (written in shards now).
            if (name.ends_with(".kernel") || name.starts_with(".tmp-"))
                && fs::remove_file(entry.path()).is_ok()
            {
                removed += 1;
            }
        }
        self.flat_drained.store(true, Ordering::Relaxed);
    }

    /// Removes the least recently used entries of `shard` while it holds more than its
    /// share of the size bound (down to 90% of that), and temporary files older than an
    /// hour.
    fn trim(&self, shard: &Path) {
        let Ok(entries) = fs::read_dir(shard) else {
            return;
        };
        let limit = self.limit_bytes / SHARDS;
        let now = std::time::SystemTime::now();
        let mut files = Vec::new();
        let mut total = 0u64;
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            let modified = meta.modified().unwrap_or(now);
            let name = entry.file_name();
            if name.to_string_lossy().starts_with(".tmp-") {
                if now
                    .duration_since(modified)
                    .is_ok_and(|d| d.as_secs() > 3600)
                {
                    let _ = fs::remove_file(entry.path());
                }
                continue;
            }
            total += meta.len();
            files.push((modified, meta.len(), entry.path()));
        }
        if total <= limit {
            return;
        }
        files.sort();
        for (_, len, path) in files {
            if total <= limit / 10 * 9 {
                break;
            }
            if fs::remove_file(&path).is_ok() {
                total -= len;
            }
        }
    }
}

/// An entry: MAGIC, the BLAKE3 hash of what follows, the key's length (8 bytes, little
/// endian), the key, the object.
fn encode(key: &str, object: &[u8]) -> Vec<u8> {
    let len = (key.len() as u64).to_le_bytes();
    let hash = blake3(&[&len, key.as_bytes(), object]);
    let mut out = Vec::with_capacity(16 + 32 + 8 + key.len() + object.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&hash);
    out.extend_from_slice(&len);
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(object);
    out
}

/// The object of an entry whose hash checks out and whose key is `key`.
fn decode<'a>(bytes: &'a [u8], key: &str) -> Option<&'a [u8]> {
    let rest = bytes.strip_prefix(MAGIC)?;
    let (hash, body) = (rest.get(..32)?, rest.get(32..)?);
    if blake3(&[body]) != *hash {
        return None;
    }
    let len = u64::from_le_bytes(body.get(..8)?.try_into().ok()?) as usize;
    let stored_key = body.get(8..8usize.checked_add(len)?)?;
    if stored_key != key.as_bytes() {
        return None;
    }
    let object = &body[8 + len..];
    (!object.is_empty()).then_some(object)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_refuse_damage() {
        let entry = encode("k1", b"object bytes");
        assert_eq!(decode(&entry, "k1"), Some(&b"object bytes"[..]));
        assert_eq!(decode(&entry, "k2"), None, "another key");
        for cut in [0, 10, 47, 56, entry.len() - 1] {
            assert_eq!(decode(&entry[..cut], "k1"), None, "truncated at {cut}");
        }
        for i in [0, 20, 50, 57, entry.len() - 1] {
            let mut bad = entry.clone();
            bad[i] ^= 1;
            assert_eq!(decode(&bad, "k1"), None, "byte {i} flipped");
        }
    }
}
