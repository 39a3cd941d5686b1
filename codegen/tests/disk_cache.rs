//! The on-disk kernel cache: a second executor loads what the first compiled; corrupt,
//! truncated, foreign and non-private entries are compiled again, never loaded; a
//! directory others may write is refused; the size bound holds.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use lazyfuse_codegen::{CpuExecutor, DiskCache};
use lazyfuse_ir::{interpret, Program, Value};
use lazyfuse_optimizer::{plan, FusionOptions};

const SOFTMAX: &str = "program(x: f64[37,19]) {
  m: f64[37,1]  = reduce_max[axes=(1), keepdims] x
  d: f64[37,19] = sub x m
  e: f64[37,19] = exp d
  s: f64[37,1]  = reduce_sum[axes=(1), keepdims] e
  y: f64[37,19] = div e s
  return y
}";

fn fresh_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("lazyfuse-disk-cache-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Every file in the cache's shards.
fn entries(dir: &Path) -> Vec<PathBuf> {
    let list = |d: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(d)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    };
    let mut out: Vec<PathBuf> = list(&dir.join("kernels"))
        .iter()
        .filter(|p| p.is_dir())
        .flat_map(|shard| list(shard))
        .collect();
    out.sort();
    out
}

/// Runs the softmax on a fresh executor over `dir`; checks it against the interpreter.
fn run(dir: &Path) -> CpuExecutor {
    let cache = DiskCache::in_dir(dir, 64 << 20).expect("a private cache directory");
    let exec = CpuExecutor::with_disk_cache(2, cache);
    let program: Program = SOFTMAX.parse().unwrap();
    let kernel_plan = plan(&program, &FusionOptions::default()).unwrap();
    let x = Value::from_array(
        ndarray::Array2::from_shape_fn((37, 19), |(i, j)| (i * 19 + j) as f64 * 0.01 - 3.0)
            .into_dyn(),
    );
    let got = exec.run(&kernel_plan, std::slice::from_ref(&x)).unwrap();
    let want = interpret(&program, &[x]).unwrap();
    let (g, w) = (got[0].to_scalars(), want[0].to_scalars());
    for (a, b) in g.iter().zip(&w) {
        assert!((a.as_f64() - b.as_f64()).abs() < 1e-12);
    }
    exec
}

#[test]
fn a_second_executor_loads_instead_of_compiling() {
    let dir = fresh_dir("second");
    let first = run(&dir);
    let compiled = first.stats().compiles;
    assert!(compiled >= 1);
    assert_eq!(first.stats().disk_hits, 0);
    assert_eq!(entries(&dir).len() as u64, compiled);
    let second = run(&dir);
    assert_eq!(
        second.stats().compiles,
        0,
        "nothing compiled the second time"
    );
    assert_eq!(second.stats().disk_hits, compiled);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn damaged_and_foreign_entries_are_compiled_again_never_loaded() {
    let dir = fresh_dir("damaged");
    let compiled = run(&dir).stats().compiles;
    let files = entries(&dir);
    // Truncated.
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        std::fs::write(f, &bytes[..bytes.len() / 2]).unwrap();
    }
    let exec = run(&dir);
    assert_eq!(
        (exec.stats().compiles, exec.stats().disk_hits),
        (compiled, 0)
    );
    assert_eq!(
        exec.disk_cache().unwrap().counters().2,
        compiled,
        "rejected"
    );
    // Rewritten whole by that run: loaded again.
    assert_eq!(run(&dir).stats().disk_hits, compiled);
    // One flipped bit in the machine code.
    for f in &entries(&dir) {
        let mut bytes = std::fs::read(f).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x40;
        std::fs::write(f, &bytes).unwrap();
    }
    assert_eq!(run(&dir).stats().disk_hits, 0);
    // An entry of another key under this key's name (its own hash is right).
    let files = entries(&dir);
    if files.len() >= 2 {
        std::fs::copy(&files[0], &files[1]).unwrap();
        let exec = run(&dir);
        assert!(exec.stats().compiles >= 1);
        assert!(exec.disk_cache().unwrap().counters().2 >= 1);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn entries_and_directories_others_may_write_are_refused() {
    let dir = fresh_dir("perms");
    let compiled = run(&dir).stats().compiles;
    for f in entries(&dir) {
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o666)).unwrap();
    }
    let exec = run(&dir);
    assert_eq!(
        (exec.stats().compiles, exec.stats().disk_hits),
        (compiled, 0)
    );
    let kernels = dir.join("kernels");
    assert_eq!(
        std::fs::metadata(&kernels).unwrap().permissions().mode() & 0o777,
        0o700,
        "created private"
    );
    std::fs::set_permissions(&kernels, std::fs::Permissions::from_mode(0o777)).unwrap();
    assert!(
        DiskCache::in_dir(&dir, 1 << 20).is_none(),
        "a world-writable directory"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_size_bound_holds() {
    let dir = fresh_dir("bound");
    let cache = DiskCache::in_dir(&dir, 1).unwrap();
    let exec = CpuExecutor::with_disk_cache(1, cache);
    let program: Program = SOFTMAX.parse().unwrap();
    let kernel_plan = plan(&program, &FusionOptions::default()).unwrap();
    let x = Value::from_array(ndarray::Array2::<f64>::zeros((37, 19)).into_dyn());
    exec.run(&kernel_plan, &[x]).unwrap();
    assert!(exec.stats().compiles >= 1);
    assert!(entries(&dir).is_empty(), "{:?}", entries(&dir));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn entries_live_in_shards_and_the_flat_layout_drains() {
    let dir = fresh_dir("shards");
    let kernels = dir.join("kernels");
    std::fs::create_dir_all(&kernels).unwrap();
    std::fs::set_permissions(&kernels, std::fs::Permissions::from_mode(0o700)).unwrap();
    // Entries of the layout before shards, and a temporary file a writer left: files
    // directly in the directory.
    let flat = 100;
    for i in 1..flat {
        std::fs::write(kernels.join(format!("{i:032x}.kernel")), b"old").unwrap();
    }
    std::fs::write(kernels.join(".tmp-1-0"), b"half an entry").unwrap();
    let flat_left = || {
        std::fs::read_dir(&kernels)
            .unwrap()
            .flatten()
            .filter(|e| e.path().is_file())
            .count()
    };
    let compiled = run(&dir).stats().compiles;
    let files = entries(&dir);
    assert_eq!(files.len() as u64, compiled);
    for f in &files {
        let shard = f.parent().unwrap();
        assert_eq!(shard.parent().unwrap(), kernels);
        let name = shard.file_name().unwrap().to_str().unwrap();
        assert!(name.len() == 2 && name.chars().all(|c| c.is_ascii_hexdigit()));
        let mode = std::fs::metadata(shard).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "shards are private");
    }
    assert_eq!(
        flat_left(),
        flat - (64 * compiled as usize).min(flat),
        "64 flat entries removed per store"
    );
    // A later executor's stores (its entries removed, so it compiles) drain the rest.
    for f in entries(&dir) {
        std::fs::remove_file(f).unwrap();
    }
    assert_eq!(run(&dir).stats().compiles, compiled);
    assert_eq!(flat_left(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}
