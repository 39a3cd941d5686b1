//! Views, reductions, linear algebra and joins.

use lazyfuse_ir::compose::IndexItem;
use lazyfuse_ir::{compose, Node, Op, ReduceOp};

use crate::array::Array;
use crate::error::Result;

/// A NumPy slice `start:stop:step` for one axis; `None` means the default.
pub type SliceSpec = (Option<i64>, Option<i64>, Option<i64>);

impl Array {
    fn with_node(&self, f: impl FnOnce(&Node) -> Result<Node, lazyfuse_ir::IrError>) -> Array {
        match self.node() {
            Ok(node) => Array::from_result(f(node)),
            Err(e) => Array { inner: Err(e) },
        }
    }

    /// NumPy `reshape`; one extent may be `-1`.
    pub fn reshape(&self, shape: &[i64]) -> Array {
        self.with_node(|x| compose::reshape(x, shape))
    }

    /// The array flattened to one dimension (C order).
    pub fn ravel(&self) -> Array {
        self.reshape(&[-1])
    }

    /// Reverses the axes (NumPy `.T`).
    pub fn t(&self) -> Array {
        self.with_node(|x| compose::transpose(x, None))
    }

    /// Permutes the axes: result axis `i` is axis `perm[i]` (negative counts from the end).
    pub fn permute(&self, perm: &[i64]) -> Array {
        self.with_node(|x| compose::transpose(x, Some(perm)))
    }

    /// Exchanges two axes.
    pub fn swapaxes(&self, a: i64, b: i64) -> Array {
        self.with_node(|x| compose::swapaxes(x, a, b))
    }

    /// NumPy `moveaxis`: axes `source` moved to positions `destination`.
    pub fn moveaxis(&self, source: &[i64], destination: &[i64]) -> Array {
        self.with_node(|x| compose::moveaxis(x, source, destination))
    }

    /// NumPy basic indexing, `x[items]` (integers, slices, `None`, one `...`): a view.
    pub fn index(&self, items: &[IndexItem]) -> Array {
        self.with_node(|x| compose::index(x, items))
    }

    /// NumPy `var(x, axis=axes, ddof=ddof, keepdims=keepdims)` (`None`: all axes);
    /// integers and bool are computed in float64.
    pub fn var(&self, axes: Option<&[i64]>, ddof: f64, keepdims: bool) -> Array {
        self.with_node(|x| compose::var(x, axes, ddof, keepdims))
    }

    /// NumPy `std`: the square root of [`Array::var`].
    pub fn std(&self, axes: Option<&[i64]>, ddof: f64, keepdims: bool) -> Array {
        self.with_node(|x| compose::std(x, axes, ddof, keepdims))
    }

    /// NumPy `broadcast_to` (a view).
    pub fn broadcast_to(&self, shape: &[usize]) -> Array {
        self.with_node(|x| Node::apply(Op::BroadcastTo(shape.into()), vec![x.clone()]))
    }

    /// Basic slicing, one `(start, stop, step)` per leading axis (Python semantics,
    /// negative steps included); missing trailing axes are taken whole.
    pub fn slice(&self, slices: &[SliceSpec]) -> Array {
        self.with_node(|x| compose::slice(x, slices))
    }

    /// Inserts extent-1 axes at the given positions of the result.
    pub fn expand_dims(&self, axes: &[i64]) -> Array {
        self.with_node(|x| compose::expand_dims(x, axes))
    }

    /// Removes every extent-1 axis.
    pub fn squeeze(&self) -> Array {
        self.with_node(|x| compose::squeeze(x, None))
    }

    /// Removes the given extent-1 axes (an error if one is not extent 1).
    pub fn squeeze_axes(&self, axes: &[i64]) -> Array {
        self.with_node(|x| compose::squeeze(x, Some(axes)))
    }

    /// NumPy `matmul` (the `@` operator).
    pub fn matmul(&self, other: &Array) -> Array {
        crate::elementwise::apply(Op::MatMul, &[self, other])
    }

    /// The elements at flat C-order `positions` (an int64 array, each in
    /// `0..self.size()`), in the positions' shape: NumPy's fancy and mask indexing once
    /// the index arithmetic is done (`x[idx]` is `x.gather(flat positions of idx)`).
    pub fn gather(&self, positions: &Array) -> Array {
        crate::elementwise::apply(Op::Gather, &[self, positions])
    }

    /// Attaches what `explain` says about this array when a program reads it as an
    /// input (how it was made: the evaluated positions of a mask, ...).
    pub fn set_note(&self, note: &str) {
        if let Ok(node) = self.node() {
            node.set_note(note);
        }
    }

    /// NumPy `dot`.
    pub fn dot(&self, other: &Array) -> Array {
        match (self.node(), other.node()) {
            (Ok(a), Ok(b)) => Array::from_result(compose::dot(a, b)),
            (Err(e), _) | (_, Err(e)) => Array { inner: Err(e) },
        }
    }

    pub(crate) fn reduce(&self, op: ReduceOp, axes: Option<&[i64]>, keepdims: bool) -> Array {
        self.with_node(|x| compose::reduce(op, x, axes, keepdims))
    }
}

macro_rules! reductions {
    ($($(#[$doc:meta])* $all:ident, $axes:ident => $op:ident;)*) => {
        impl Array {
            $(
                $(#[$doc])*
                #[doc = ""]
                #[doc = "Over all axes, giving a 0-d array."]
                pub fn $all(&self) -> Array {
                    self.reduce(ReduceOp::$op, None, false)
                }

                $(#[$doc])*
                #[doc = ""]
                #[doc = "Over the given axes (negative counts from the end), keeping them as extent 1 if `keepdims`."]
                pub fn $axes(&self, axes: &[i64], keepdims: bool) -> Array {
                    self.reduce(ReduceOp::$op, Some(axes), keepdims)
                }
            )*
        }
    };
}

reductions! {
    /// Sum (integers and bool accumulate in int64).
    sum, sum_axes => Sum;
    /// Product (integers and bool accumulate in int64).
    prod, prod_axes => Prod;
    /// Maximum, NaN-propagating (an error over zero elements).
    max, max_axes => Max;
    /// Minimum, NaN-propagating (an error over zero elements).
    min, min_axes => Min;
    /// Arithmetic mean (integers give float64).
    mean, mean_axes => Mean;
    /// Index of the first maximum (flattened over the reduced axes, in C order).
    argmax, argmax_axes => ArgMax;
    /// Index of the first minimum (flattened over the reduced axes, in C order).
    argmin, argmin_axes => ArgMin;
    /// Whether any element is non-zero.
    any, any_axes => Any;
    /// Whether every element is non-zero.
    all, all_axes => All;
}

fn nodes(arrays: &[Array]) -> Result<Vec<Node>> {
    arrays.iter().map(|a| a.node().cloned()).collect()
}

/// NumPy `concatenate` along `axis` (dtypes promote).
pub fn concatenate(arrays: &[Array], axis: i64) -> Array {
    match nodes(arrays) {
        Ok(n) => Array::from_result(compose::concatenate(&n, axis)),
        Err(e) => Array { inner: Err(e) },
    }
}

/// NumPy `stack`: joins equal-shaped arrays along a new axis.
pub fn stack(arrays: &[Array], axis: i64) -> Array {
    match nodes(arrays) {
        Ok(n) => Array::from_result(compose::stack(&n, axis)),
        Err(e) => Array { inner: Err(e) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_errors_name_the_op() {
        let x = Array::from(ndarray::Array2::<f64>::zeros((2, 3)));
        let err = x.sum_axes(&[2], false).error().unwrap().to_string();
        assert_eq!(
            err,
            "reduce_sum: axis 2 is out of bounds for array of dimension 2"
        );
        assert!(x.max_axes(&[0], true).error().is_none());
        assert!(Array::from(ndarray::Array1::<f64>::zeros(0))
            .max()
            .error()
            .is_some());
    }
}
