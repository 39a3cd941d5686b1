//! `matmul` with NumPy's 1-d promotion and batch broadcasting.

use ndarray::{Array2, ArrayD, ArrayView2, Ix3, IxDyn};

use super::internal;
use crate::error::IrError;
use crate::shape::{broadcast_shapes, Shape, TensorType};
use crate::value::{Element, Value};

/// Element types with a 2-d matrix product.
trait MatMulElement: Element {
    fn matmul2(a: ArrayView2<Self>, b: ArrayView2<Self>) -> Array2<Self>;
}

impl MatMulElement for f32 {
    fn matmul2(a: ArrayView2<f32>, b: ArrayView2<f32>) -> Array2<f32> {
        a.dot(&b)
    }
}

impl MatMulElement for f64 {
    fn matmul2(a: ArrayView2<f64>, b: ArrayView2<f64>) -> Array2<f64> {
        a.dot(&b)
    }
}

/// float16 products accumulate in float32, rounded once per element.
impl MatMulElement for half::f16 {
    fn matmul2(a: ArrayView2<half::f16>, b: ArrayView2<half::f16>) -> Array2<half::f16> {
        let wide = |m: ArrayView2<half::f16>| m.mapv(|v| v.to_f32());
        wide(a).dot(&wide(b)).mapv(half::f16::from_f32)
    }
}

impl MatMulElement for num_complex::Complex32 {
    fn matmul2(a: ArrayView2<Self>, b: ArrayView2<Self>) -> Array2<Self> {
        a.dot(&b)
    }
}

impl MatMulElement for num_complex::Complex64 {
    fn matmul2(a: ArrayView2<Self>, b: ArrayView2<Self>) -> Array2<Self> {
        a.dot(&b)
    }
}

/// Integer products wrap, as NumPy's do.
fn int_matmul<T: Element>(
    a: ArrayView2<T>,
    b: ArrayView2<T>,
    zero: T,
    mul_add: impl Fn(T, T, T) -> T,
) -> Array2<T> {
    let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
    Array2::from_shape_fn((m, n), |(i, j)| {
        (0..k).fold(zero, |acc, p| mul_add(acc, a[(i, p)], b[(p, j)]))
    })
}

macro_rules! int_matmul_element {
    ($($t:ty),*) => {$(
        impl MatMulElement for $t {
            fn matmul2(a: ArrayView2<$t>, b: ArrayView2<$t>) -> Array2<$t> {
                int_matmul(a, b, 0, |acc, x, y| acc.wrapping_add(x.wrapping_mul(y)))
            }
        }
    )*};
}

int_matmul_element!(i8, i16, i32, i64, u8, u16, u32, u64);

/// Boolean matmul is "any (a and b)", as in NumPy.
impl MatMulElement for bool {
    fn matmul2(a: ArrayView2<bool>, b: ArrayView2<bool>) -> Array2<bool> {
        int_matmul(a, b, false, |acc, x, y| acc || (x && y))
    }
}

pub(super) fn matmul(a: &Value, b: &Value, ty: &TensorType) -> Result<Value, IrError> {
    let (a, b) = (a.cast(ty.dtype), b.cast(ty.dtype));
    crate::with_dtype!(ty.dtype, T => batched::<T>(&a, &b, ty))
}

fn batched<T: MatMulElement>(a: &Value, b: &Value, ty: &TensorType) -> Result<Value, IrError> {
    let (a, b) = (a.as_array::<T>()?, b.as_array::<T>()?);
    // 1-d operands become a row (left) or a column (right) matrix.
    let a_dims: Vec<usize> = if a.ndim() == 1 {
        vec![1, a.len()]
    } else {
        a.shape().to_vec()
    };
    let b_dims: Vec<usize> = if b.ndim() == 1 {
        vec![b.len(), 1]
    } else {
        b.shape().to_vec()
    };
    let (m, k) = (a_dims[a_dims.len() - 2], a_dims[a_dims.len() - 1]);
    let n = b_dims[b_dims.len() - 1];
    let batch = broadcast_shapes(
        "matmul",
        &Shape::from(&a_dims[..a_dims.len() - 2]),
        &Shape::from(&b_dims[..b_dims.len() - 2]),
    )?;
    let stack = |x: &ndarray::ArcArray<T, IxDyn>, dims: &[usize], rows: usize, cols: usize| {
        let full: Vec<usize> = batch.iter().copied().chain([rows, cols]).collect();
        let x = x
            .view()
            .into_shape_with_order(IxDyn(dims))
            .map_err(|_| internal("matmul reshape"))?;
        let x = x
            .broadcast(IxDyn(&full))
            .ok_or_else(|| internal("matmul broadcast"))?;
        let data: Vec<T> = x.iter().copied().collect();
        ndarray::Array::from_shape_vec((batch.numel(), rows, cols), data)
            .map_err(|_| internal("matmul stack"))
    };
    // A 1-d view reshaped to 2-d needs standard layout first.
    let a_std = a.as_standard_layout().into_owned().into_shared();
    let b_std = b.as_standard_layout().into_owned().into_shared();
    let a3: ndarray::Array<T, Ix3> = stack(&a_std, &a_dims, m, k)?;
    let b3: ndarray::Array<T, Ix3> = stack(&b_std, &b_dims, k, n)?;
    let mut out = Vec::with_capacity(batch.numel() * m * n);
    for i in 0..batch.numel() {
        let product = T::matmul2(
            a3.index_axis(ndarray::Axis(0), i),
            b3.index_axis(ndarray::Axis(0), i),
        );
        out.extend(product.iter().copied());
    }
    // Removing the promoted 1-d axes does not change the C-order element sequence.
    let result =
        ArrayD::from_shape_vec(IxDyn(&ty.shape), out).map_err(|_| internal("matmul result"))?;
    Ok(Value::from_array(result))
}
