//! PTX kept in the on-disk kernel cache (`cpu/disk_cache.rs`: the same directory, the
//! same checks on what is loaded, the same size bound), so that a second process on a
//! GPU machine runs LLVM for none of the kernels a first one compiled (each takes
//! 10-30 ms: the GPU's first-call budget is 100 ms). Machine code for the device is the
//! driver's part: it compiles PTX when a module is loaded and keeps the result in its
//! own cache (`~/.nv/ComputeCache`, `CUDA_CACHE_PATH`).

use std::sync::OnceLock;

use crate::cpu::DiskCache;
use crate::error::CodegenError;

/// What changes a kernel's PTX besides its key (structure, architecture and variant):
/// LLVM's version, lazyfuse's and its code generator's, and the libdevice linked in.
fn environment() -> String {
    let (major, minor, patch) = crate::target::llvm_version();
    let libdevice = super::toolkit::libdevice()
        .and_then(|path| {
            let meta = std::fs::metadata(&path).ok()?;
            let modified = meta.modified().ok()?;
            Some(format!("{}:{}:{modified:?}", path.display(), meta.len()))
        })
        .unwrap_or_default();
    format!(
        "nvptx|llvm={major}.{minor}.{patch}|lazyfuse={}|codegen={}|libdevice={libdevice}",
        env!("CARGO_PKG_VERSION"),
        env!("LAZYFUSE_CODEGEN_SOURCE_HASH"),
    )
}

/// The process's PTX cache, where the environment asks for one (`LAZYFUSE_CACHE_DIR`,
/// `LAZYFUSE_CACHE=0`: as for the CPU's kernels).
pub(super) fn process_cache() -> Option<&'static DiskCache> {
    static CACHE: OnceLock<Option<DiskCache>> = OnceLock::new();
    CACHE
        .get_or_init(|| DiskCache::from_environment_for(environment()))
        .as_ref()
}

/// The PTX stored in `disk` for `key`, else `compile()`'s, then stored there.
pub(super) fn cached_ptx(
    disk: Option<&DiskCache>,
    key: &str,
    compile: impl FnOnce() -> Result<String, CodegenError>,
) -> Result<String, CodegenError> {
    let stored = disk
        .and_then(|d| d.load(key))
        .and_then(|bytes| String::from_utf8(bytes).ok());
    if let Some(text) = stored {
        return Ok(text);
    }
    let text = compile()?;
    if let Some(d) = disk {
        d.store(key, text.as_bytes());
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ptx_is_compiled_once_then_loaded_and_other_toolchains_do_not_find_it() {
        let dir = std::env::temp_dir().join(format!("lazyfuse-ptx-cache-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let disk = DiskCache::open(&dir, environment(), 1 << 20).expect("cache");
        let ptx = ".version 8.0\n.target sm_80\n.address_size 64\n";
        let mut compiles = 0;
        let mut get = |cache: &DiskCache| {
            cached_ptx(Some(cache), "kernel|sm_80|Threads", || {
                compiles += 1;
                Ok(ptx.to_string())
            })
            .expect("ptx")
        };
        assert_eq!(get(&disk), ptx);
        assert_eq!(get(&disk), ptx);
        // Another LLVM or libdevice: another environment, so the entry is not found.
        let other =
            DiskCache::open(&dir, format!("{}|other", environment()), 1 << 20).expect("cache");
        assert_eq!(get(&other), ptx);
        assert_eq!(compiles, 2, "compiled once per environment");
        assert_eq!(disk.counters().0, 1, "the second call loaded the entry");
        // A failed compile stores nothing.
        let failed = cached_ptx(Some(&disk), "broken|sm_80|Threads", || {
            Err(CodegenError::Device("no libdevice".into()))
        });
        assert!(failed.is_err());
        assert!(disk.load("broken|sm_80|Threads").is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
