//! NumPy-style free functions for the non-elementwise operations (the elementwise ones
//! are generated next to their methods).

use lazyfuse_ir::{DType, Scalar};

use crate::array::Array;

/// NumPy `full`: an array of `shape` holding `value` everywhere.
pub fn full(shape: &[usize], value: impl Into<Scalar>) -> Array {
    Array::full(shape, value)
}

/// NumPy `zeros`.
pub fn zeros(shape: &[usize], dtype: DType) -> Array {
    Array::zeros(shape, dtype)
}

/// NumPy `ones`.
pub fn ones(shape: &[usize], dtype: DType) -> Array {
    Array::ones(shape, dtype)
}

/// NumPy `arange(start, stop, step)`.
pub fn arange(start: impl Into<Scalar>, stop: impl Into<Scalar>, step: impl Into<Scalar>) -> Array {
    Array::arange(start, stop, step)
}

/// NumPy `reshape` (one extent may be `-1`).
pub fn reshape(x: &Array, shape: &[i64]) -> Array {
    x.reshape(shape)
}

/// NumPy `transpose`: `None` reverses the axes.
pub fn transpose(x: &Array, axes: Option<&[i64]>) -> Array {
    match axes {
        Some(perm) => x.permute(perm),
        None => x.t(),
    }
}

/// NumPy `swapaxes`.
pub fn swapaxes(x: &Array, a: i64, b: i64) -> Array {
    x.swapaxes(a, b)
}

/// NumPy `moveaxis`.
pub fn moveaxis(x: &Array, source: &[i64], destination: &[i64]) -> Array {
    x.moveaxis(source, destination)
}

/// NumPy `var` (`None`: over all axes).
pub fn var(x: &Array, axes: Option<&[i64]>, ddof: f64, keepdims: bool) -> Array {
    x.var(axes, ddof, keepdims)
}

/// NumPy `std` (`None`: over all axes).
pub fn std(x: &Array, axes: Option<&[i64]>, ddof: f64, keepdims: bool) -> Array {
    x.std(axes, ddof, keepdims)
}

/// NumPy `broadcast_to`.
pub fn broadcast_to(x: &Array, shape: &[usize]) -> Array {
    x.broadcast_to(shape)
}

/// NumPy `expand_dims`.
pub fn expand_dims(x: &Array, axes: &[i64]) -> Array {
    x.expand_dims(axes)
}

/// NumPy `squeeze`: `None` removes every extent-1 axis.
pub fn squeeze(x: &Array, axes: Option<&[i64]>) -> Array {
    match axes {
        Some(axes) => x.squeeze_axes(axes),
        None => x.squeeze(),
    }
}

/// NumPy `ravel`.
pub fn ravel(x: &Array) -> Array {
    x.ravel()
}

/// NumPy `astype` as a function (`cast`).
pub fn cast(x: &Array, dtype: DType) -> Array {
    x.astype(dtype)
}

/// NumPy `matmul`.
pub fn matmul(a: &Array, b: &Array) -> Array {
    a.matmul(b)
}

/// NumPy `dot`.
pub fn dot(a: &Array, b: &Array) -> Array {
    a.dot(b)
}

macro_rules! reduction_fns {
    ($($(#[$doc:meta])* $name:ident => $all:ident, $axes:ident;)*) => {$(
        $(#[$doc])*
        ///
        /// `axes: None` reduces every axis, as NumPy's `axis=None`.
        pub fn $name(x: &Array, axes: Option<&[i64]>, keepdims: bool) -> Array {
            match axes {
                Some(axes) => x.$axes(axes, keepdims),
                None if keepdims => {
                    let all: Vec<i64> = (0..x.ndim().unwrap_or(0) as i64).collect();
                    x.$axes(&all, true)
                }
                None => x.$all(),
            }
        }
    )*};
}

reduction_fns! {
    /// NumPy `sum`.
    sum => sum, sum_axes;
    /// NumPy `prod`.
    prod => prod, prod_axes;
    /// NumPy `max` (`amax`).
    max => max, max_axes;
    /// NumPy `min` (`amin`).
    min => min, min_axes;
    /// NumPy `mean`.
    mean => mean, mean_axes;
    /// NumPy `argmax`, generalised to several axes (index in their C-order flattening).
    argmax => argmax, argmax_axes;
    /// NumPy `argmin`, generalised to several axes (index in their C-order flattening).
    argmin => argmin, argmin_axes;
    /// NumPy `any`.
    any => any, any_axes;
    /// NumPy `all`.
    all => all, all_axes;
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn free_functions_match_methods() {
        let x = Array::from(array![[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]]);
        let total = sum(&x, None, false).to_ndarray::<f64>().unwrap();
        assert_eq!(total, ndarray::arr0(21.0).into_dyn());
        let kept = sum(&x, None, true).shape().unwrap().to_vec();
        assert_eq!(kept, vec![1, 1]);
        let am = argmax(&x, Some(&[1]), false).to_ndarray::<i64>().unwrap();
        assert_eq!(am, array![1, 2].into_dyn());
        let prod = matmul(&x, &transpose(&x, None))
            .to_ndarray::<f64>()
            .unwrap();
        assert_eq!(prod, array![[35.0, 32.0], [32.0, 56.0]].into_dyn());
        assert_eq!(
            squeeze(&expand_dims(&x, &[0]), None).shape().unwrap(),
            &[2, 3]
        );
    }

    #[test]
    fn several_outputs_evaluate_as_one_program() {
        let x = Array::from(array![1.0, 2.0, 3.0]);
        let shared = x.exp();
        let (a, b) = (shared.sum(), shared.max());
        let program = crate::program(&[&a, &b]).unwrap();
        let exps = program
            .ids()
            .filter(|&id| program.instr(id).op.name() == "exp")
            .count();
        assert_eq!(exps, 1, "the shared exp is one node:\n{program}");
        let values = crate::eval(&[&a, &b]).unwrap();
        assert_eq!(values[1].get(&[]), Some(Scalar::F64(3f64.exp())));
    }
}
