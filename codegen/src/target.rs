//! LLVM targets: the host CPU the JIT will compile for, and NVPTX for GPUs.
//!
//! Host features are read at run time (what this machine's CPU has, not what the
//! binary was built for), so kernels can use AVX-512 where it exists.

use inkwell::targets::{
    CodeModel, InitializationConfig, RelocMode, Target, TargetMachine, TargetTriple,
};
use inkwell::OptimizationLevel;

/// What LLVM reports about one code generation target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetInfo {
    /// LLVM target triple, e.g. `x86_64-pc-linux-gnu`.
    pub triple: String,
    /// CPU name, e.g. `znver3`, or `sm_90` for NVPTX.
    pub cpu: String,
    /// LLVM feature string, e.g. `+avx2,+fma,...` (for NVPTX, the PTX version).
    pub features: String,
}

impl TargetInfo {
    /// Whether the feature string enables `feature` (e.g. `avx512f`).
    pub fn has_feature(&self, feature: &str) -> bool {
        self.features
            .split(',')
            .any(|f| f.strip_prefix('+') == Some(feature))
    }
}

/// Errors from LLVM target set-up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// LLVM could not initialise or find the target.
    #[error("LLVM target {triple}: {message}")]
    Unavailable {
        /// The triple asked for.
        triple: String,
        /// LLVM's message.
        message: String,
    },
}

/// LLVM's version as (major, minor, patch).
pub fn llvm_version() -> (u32, u32, u32) {
    inkwell::support::get_llvm_version()
}

fn triple_name(triple: &TargetTriple) -> String {
    triple.as_str().to_string_lossy().into_owned()
}

fn machine(triple: &TargetTriple, cpu: &str, features: &str) -> Result<TargetMachine, TargetError> {
    machine_with(
        triple,
        cpu,
        features,
        RelocMode::Default,
        CodeModel::Default,
    )
}

/// A target machine for `triple`, `cpu` and `features`, generating code at LLVM's
/// highest optimisation level: the one place every backend makes its machines.
pub(crate) fn machine_with(
    triple: &TargetTriple,
    cpu: &str,
    features: &str,
    reloc: RelocMode,
    code_model: CodeModel,
) -> Result<TargetMachine, TargetError> {
    machine_at(
        triple,
        cpu,
        features,
        reloc,
        code_model,
        OptimizationLevel::Aggressive,
    )
}

/// [`machine_with`] generating code at `level`.
pub(crate) fn machine_at(
    triple: &TargetTriple,
    cpu: &str,
    features: &str,
    reloc: RelocMode,
    code_model: CodeModel,
    level: OptimizationLevel,
) -> Result<TargetMachine, TargetError> {
    let unavailable = |message: String| TargetError::Unavailable {
        triple: triple_name(triple),
        message,
    };
    let target = Target::from_triple(triple).map_err(|e| unavailable(e.to_string()))?;
    target
        .create_target_machine(triple, cpu, features, level, reloc, code_model)
        .ok_or_else(|| unavailable(format!("could not create a target machine for {cpu}")))
}

/// The host CPU as the CPU JIT sees it, with a target machine proven creatable.
pub fn host() -> Result<TargetInfo, TargetError> {
    Target::initialize_native(&InitializationConfig::default()).map_err(|message| {
        TargetError::Unavailable {
            triple: "native".into(),
            message,
        }
    })?;
    let triple = TargetMachine::get_default_triple();
    let cpu = TargetMachine::get_host_cpu_name().to_string();
    let features = TargetMachine::get_host_cpu_features().to_string();
    machine(&triple, &cpu, &features)?;
    Ok(TargetInfo {
        triple: triple_name(&triple),
        cpu,
        features,
    })
}

/// The vector width (in bits) kernels should prefer on `host`, where it differs from
/// LLVM's own choice: `LAZYFUSE_VECTOR_WIDTH` (128, 256 or 512) if set; else 512 on the
/// AVX-512 CPUs whose 512-bit instructions run without a large clock penalty, for which
/// LLVM still tunes 256-bit vectors:
/// - AMD Zen 4 and later (measured on znver4, one core: exp 640 -> 950, log 470 -> 670,
///   tanh 295 -> 425 million float64 per second);
/// - Intel Sapphire Rapids and its successors (measured on sapphirerapids, one core,
///   best of 25: log 340 -> 490-550 million float64 per second, float32 1080 -> 1300-1870;
///   the transcendental workload 119-134 -> 53-59 ms on two cores).
///
/// Skylake-SP and Cascade Lake keep LLVM's choice: their 512-bit clocks drop.
pub fn preferred_vector_width(host: &TargetInfo) -> Option<u32> {
    if let Some(w) = std::env::var("LAZYFUSE_VECTOR_WIDTH")
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|w| [128, 256, 512].contains(w))
    {
        return Some(w);
    }
    let wide_cpu = host.cpu.starts_with("znver") || WIDE_INTEL_CPUS.contains(&host.cpu.as_str());
    (wide_cpu && host.has_feature("avx512f")).then_some(512)
}

/// Intel CPUs (LLVM's names) that run 512-bit vectors at nearly their full clock.
const WIDE_INTEL_CPUS: [&str; 5] = [
    "sapphirerapids",
    "emeraldrapids",
    "graniterapids",
    "graniterapids-d",
    "diamondrapids",
];

/// The NVPTX target for a GPU architecture such as `sm_90` (Hopper); needs no GPU.
pub fn nvptx(sm: &str) -> Result<TargetInfo, TargetError> {
    nvptx_machine(sm)?;
    Ok(TargetInfo {
        triple: NVPTX_TRIPLE.into(),
        cpu: sm.to_string(),
        features: NVPTX_FEATURES.into(),
    })
}

const NVPTX_TRIPLE: &str = "nvptx64-nvidia-cuda";

/// PTX 7.8 (CUDA 11.8) is enough for sm_90 and loads on any newer driver.
const NVPTX_FEATURES: &str = "+ptx78";

/// The target machine kernels are compiled to PTX with, for architecture `sm`.
pub(crate) fn nvptx_machine(sm: &str) -> Result<TargetMachine, TargetError> {
    Target::initialize_nvptx(&InitializationConfig::default());
    machine(&TargetTriple::create(NVPTX_TRIPLE), sm, NVPTX_FEATURES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn llvm_is_19() {
        assert_eq!(llvm_version().0, 19);
    }

    #[test]
    fn wide_vectors_are_preferred_only_where_measured() {
        let zen4 = TargetInfo {
            triple: "x86_64-unknown-linux-gnu".into(),
            cpu: "znver4".into(),
            features: "+avx2,+avx512f,+fma".into(),
        };
        let skylake = TargetInfo {
            cpu: "skylake-avx512".into(),
            ..zen4.clone()
        };
        let sapphire_rapids = TargetInfo {
            cpu: "sapphirerapids".into(),
            ..zen4.clone()
        };
        let sapphire_rapids_without_avx512 = TargetInfo {
            cpu: "sapphirerapids".into(),
            features: "+avx2,-avx512f,+fma".into(),
            ..zen4.clone()
        };
        let zen3 = TargetInfo {
            cpu: "znver3".into(),
            features: "+avx2,-avx512f,+fma".into(),
            ..zen4.clone()
        };
        if std::env::var("LAZYFUSE_VECTOR_WIDTH").is_err() {
            assert_eq!(preferred_vector_width(&zen4), Some(512));
            assert_eq!(preferred_vector_width(&skylake), None);
            assert_eq!(preferred_vector_width(&sapphire_rapids), Some(512));
            assert_eq!(
                preferred_vector_width(&sapphire_rapids_without_avx512),
                None
            );
            assert_eq!(preferred_vector_width(&zen3), None);
        }
    }

    #[test]
    fn host_target_reports_its_cpu() {
        let host = host().unwrap();
        assert!(!host.cpu.is_empty());
        if cfg!(target_arch = "x86_64") {
            assert!(host.triple.starts_with("x86_64"), "{}", host.triple);
            assert!(host.has_feature("sse2"), "{}", host.features);
        }
    }

    #[test]
    fn nvptx_targets_exist_without_a_gpu() {
        for sm in ["sm_70", "sm_80", "sm_90"] {
            let info = nvptx(sm).unwrap();
            assert_eq!(info.triple, "nvptx64-nvidia-cuda");
        }
    }
}
