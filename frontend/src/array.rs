//! `Array`: the lazy array handle.

use lazyfuse_ir::{DType, Element, Node, Scalar, Shape, Value};
use ndarray::{ArcArray, Dimension};

use crate::error::{Error, Result};

/// A lazy array: a cheap, clonable handle to a node of an expression graph.
///
/// Operations build new nodes and compute nothing; [`Array::eval`] (or
/// [`crate::eval`] for several arrays at once) computes. An invalid operation (say,
/// adding shapes that do not broadcast) yields an `Array` holding the error, which
/// every later operation passes on and evaluation returns.
#[derive(Clone, Debug)]
pub struct Array {
    pub(crate) inner: Result<Node>,
}

impl Array {
    pub(crate) fn from_node(node: Node) -> Array {
        Array { inner: Ok(node) }
    }

    pub(crate) fn from_result(result: Result<Node, impl Into<Error>>) -> Array {
        Array {
            inner: result.map_err(Into::into),
        }
    }

    /// The graph node, or the error this array carries.
    pub fn node(&self) -> Result<&Node> {
        self.inner.as_ref().map_err(Clone::clone)
    }

    /// Wraps bound data (shared, never copied).
    pub fn from_value(value: Value) -> Array {
        Array::from_node(Node::data(value))
    }

    /// A 0-d array holding `value`, with the value's own dtype (a *strong* scalar).
    pub fn scalar(value: impl Into<Scalar>) -> Array {
        Array::from_node(Node::constant(value.into()))
    }

    /// An array of `shape` filled with `value` (no memory: a broadcast constant).
    pub fn full(shape: &[usize], value: impl Into<Scalar>) -> Array {
        Array::from_result(lazyfuse_ir::compose::full(shape, value.into()))
    }

    /// Zeros of `shape` and `dtype`.
    pub fn zeros(shape: &[usize], dtype: DType) -> Array {
        Array::full(shape, Scalar::I64(0).cast(dtype))
    }

    /// Ones of `shape` and `dtype`.
    pub fn ones(shape: &[usize], dtype: DType) -> Array {
        Array::full(shape, Scalar::I64(1).cast(dtype))
    }

    /// NumPy `arange(start, stop, step)`; the dtype is the promotion of the three.
    pub fn arange(
        start: impl Into<Scalar>,
        stop: impl Into<Scalar>,
        step: impl Into<Scalar>,
    ) -> Array {
        Array::from_result(lazyfuse_ir::compose::arange(
            start.into(),
            stop.into(),
            step.into(),
        ))
    }

    /// A placeholder for the `index`-th parameter of a traced function.
    pub fn param(index: usize, dtype: DType, shape: &[usize]) -> Array {
        Array::from_node(Node::param(
            index,
            lazyfuse_ir::TensorType::new(dtype, Shape::from(shape)),
        ))
    }

    /// The extents.
    pub fn shape(&self) -> Result<&[usize]> {
        Ok(self.node()?.shape().dims())
    }

    /// The number of dimensions.
    pub fn ndim(&self) -> Result<usize> {
        Ok(self.node()?.shape().ndim())
    }

    /// The element type.
    pub fn dtype(&self) -> Result<DType> {
        Ok(self.node()?.dtype())
    }

    /// The error this array carries, if building it failed.
    pub fn error(&self) -> Option<&Error> {
        self.inner.as_ref().err()
    }
}

impl<T: Element, D: Dimension> From<ndarray::Array<T, D>> for Array {
    /// Takes ownership of the buffer; no element is copied.
    fn from(array: ndarray::Array<T, D>) -> Array {
        Array::from_value(T::wrap(array.into_dyn().into_shared()))
    }
}

impl<T: Element, D: Dimension> From<ArcArray<T, D>> for Array {
    /// Shares the buffer (strided and reversed views stay views).
    fn from(array: ArcArray<T, D>) -> Array {
        Array::from_value(T::wrap(array.into_dyn()))
    }
}

impl From<Value> for Array {
    fn from(value: Value) -> Array {
        Array::from_value(value)
    }
}

impl From<&Array> for Array {
    fn from(array: &Array) -> Array {
        array.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_ndarray_does_not_copy() {
        let data = ndarray::Array2::<f64>::zeros((3, 4));
        let ptr = data.as_ptr();
        let a = Array::from(data);
        let Some(lazyfuse_ir::Leaf::Data(Value::F64(v))) = a.node().unwrap().leaf() else {
            panic!("expected bound f64 data");
        };
        assert_eq!(v.as_ptr(), ptr);
    }

    #[test]
    fn strided_views_stay_views() {
        let data = ndarray::Array2::<f32>::zeros((4, 6)).into_shared();
        let ptr = data.as_ptr();
        let view = data.slice_move(ndarray::s![..;2, ..;-1]);
        let a = Array::from(view);
        assert_eq!(a.shape().unwrap(), &[2, 6]);
        let Some(lazyfuse_ir::Leaf::Data(Value::F32(v))) = a.node().unwrap().leaf() else {
            panic!("expected bound f32 data");
        };
        assert_eq!(v.strides(), &[12, -1]);
        assert_eq!(v.as_ptr().wrapping_sub(5), ptr);
    }
}
