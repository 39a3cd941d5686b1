// The CPU backend's float matmul calls the system OpenBLAS (`libopenblas-dev`, installed
// by scripts/setup.sh), the GEMM NumPy itself uses.
fn main() {
    println!("cargo:rustc-link-lib=openblas");
}
