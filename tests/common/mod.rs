//! Helpers shared by the cross-crate tests: the NumPy reference server, random data.

#![allow(dead_code)]

pub mod agree;
pub mod programs;

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use lazyfuse::ir::{DType, Program, Scalar, Value};

/// The Python with NumPy that `make test` prepares (`LAZYFUSE_PYTHON`, else `.venv`).
pub fn python() -> PathBuf {
    if let Ok(p) = std::env::var("LAZYFUSE_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(
        venv.exists(),
        "the NumPy differential tests need {} (run `make test`, which creates it, or set LAZYFUSE_PYTHON)",
        venv.display()
    );
    venv
}

/// A long-running `tests/python/numpy_reference.py` that checks programs op by op.
pub struct NumpyReference {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl NumpyReference {
    pub fn start() -> NumpyReference {
        let script =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/numpy_reference.py");
        let mut child = Command::new(python())
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the NumPy reference");
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        NumpyReference {
            child,
            stdin,
            stdout,
        }
    }

    /// Sends `program` (every node an output) with its input and output values; returns
    /// NumPy's verdict.
    pub fn check(
        &mut self,
        program: &Program,
        inputs: &[Value],
        outputs: &[Value],
    ) -> Result<(), String> {
        let text = program.to_string();
        let mut msg = Vec::new();
        write!(
            msg,
            "{}\n{text}{}\n",
            text.len(),
            inputs.len() + outputs.len()
        )
        .unwrap();
        for v in inputs.iter().chain(outputs) {
            write_value(&mut msg, v);
        }
        self.stdin
            .write_all(&msg)
            .expect("write to the NumPy reference");
        self.stdin.flush().expect("flush");
        let mut reply = String::new();
        self.stdout
            .read_line(&mut reply)
            .expect("read the NumPy reference's reply");
        match reply.trim_end() {
            "OK" => Ok(()),
            "" => Err("the NumPy reference exited".into()),
            other => Err(format!("{other}\nprogram:\n{text}")),
        }
    }
}

impl Drop for NumpyReference {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn write_value(out: &mut Vec<u8>, v: &Value) {
    let dims: Vec<String> = v.shape().iter().map(|d| d.to_string()).collect();
    writeln!(out, "{} {} {}", v.dtype(), v.shape().len(), dims.join(" ")).unwrap();
    for s in v.to_scalars() {
        // Each element's little-endian bytes (a bool is one byte).
        let bytes = match s {
            Scalar::Bool(b) => vec![b as u8],
            Scalar::F16(x) => x.to_bits().to_le_bytes().to_vec(),
            Scalar::F32(x) => x.to_le_bytes().to_vec(),
            Scalar::F64(x) => x.to_le_bytes().to_vec(),
            Scalar::C64(z) => [z.re.to_le_bytes(), z.im.to_le_bytes()].concat(),
            Scalar::C128(z) => [z.re.to_le_bytes(), z.im.to_le_bytes()].concat(),
            int => {
                let size = int.dtype().size_bytes();
                (int.as_i64() as u64).to_le_bytes()[..size].to_vec()
            }
        };
        out.extend(bytes);
    }
}

/// SplitMix64: a tiny seeded generator, so every input is reproducible from its seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A float: mostly moderate values, sometimes NaN, ±inf, ±0, huge or subnormal.
    pub fn float(&mut self) -> f64 {
        const SPECIAL: [f64; 8] = [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.0,
            -0.0,
            1e300,
            -3e-310,
            0.5,
        ];
        if self.below(16) == 0 {
            SPECIAL[self.below(8) as usize]
        } else {
            (self.unit() - 0.5) * 20.0
        }
    }

    /// An integer: mostly small, sometimes the type's extremes.
    /// An integer for `dtype` (its extremes, zero or a small value of either sign;
    /// negatives wrap for the unsigned types), as an int64 whose low bits are the value.
    pub fn int(&mut self, dtype: DType) -> i64 {
        let (min, max) = lazyfuse::ir::int_range(dtype);
        match self.below(20) {
            0 => min as i64,
            1 => max as i64,
            2 => 0,
            _ => self.below(41) as i64 - 20,
        }
    }
}
