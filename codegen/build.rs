// The CPU backend's float matmul calls the system OpenBLAS (`libopenblas-dev`, installed
// by scripts/setup.sh), the GEMM NumPy itself uses.
//
// LAZYFUSE_CODEGEN_SOURCE_HASH: a hash of the code generator's and the IR's source, part
// of every on-disk cache key (src/cpu/disk_cache.rs): a kernel compiled by other code is
// never loaded, even while the version number stays the same.
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e == "rs" || e == "c" || e == "h")
        {
            out.push(path);
        }
    }
}

fn main() {
    println!("cargo:rustc-link-lib=openblas");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let roots = [manifest.join("src"), manifest.join("../ir/src")];
    let mut files = Vec::new();
    for root in &roots {
        println!("cargo:rerun-if-changed={}", root.display());
        sources(root, &mut files);
    }
    files.sort();
    // FNV-1a, 64 bits, over each file's path (relative) and contents.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            hash = (hash ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
    };
    for file in &files {
        eat(file
            .strip_prefix(&manifest)
            .unwrap_or(file)
            .to_string_lossy()
            .as_bytes());
        eat(&std::fs::read(file).unwrap_or_default());
    }
    println!("cargo:rustc-env=LAZYFUSE_CODEGEN_SOURCE_HASH={hash:016x}");
}
