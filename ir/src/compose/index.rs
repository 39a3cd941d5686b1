//! NumPy basic indexing (`x[1, ::2, None, ...]`) as views: one slice, then the new
//! axes inserted and the integer-indexed axes dropped (both reshapes).

use crate::error::IrError;
use crate::node::Node;
use crate::op::{Op, SliceAxis};

use super::{expand_dims, squeeze};

/// One entry of a basic index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexItem {
    /// An integer: selects one position and drops the axis (negative counts from the end).
    Int(i64),
    /// `start:stop:step` as Python writes it.
    Slice(Option<i64>, Option<i64>, Option<i64>),
    /// `None` / `numpy.newaxis`: a new extent-1 axis.
    NewAxis,
    /// `...`: as many full slices as the other entries leave axes.
    Ellipsis,
}

/// NumPy `x[items]` for basic indices, with NumPy's IndexErrors.
pub fn index(x: &Node, items: &[IndexItem]) -> Result<Node, IrError> {
    let shape = x.shape().clone();
    let ndim = shape.ndim();
    let ellipses = items.iter().filter(|i| **i == IndexItem::Ellipsis).count();
    if ellipses > 1 {
        return Err(IrError::index(
            "an index can only have a single ellipsis ('...')",
        ));
    }
    let consumed = items
        .iter()
        .filter(|i| !matches!(i, IndexItem::NewAxis | IndexItem::Ellipsis))
        .count();
    if consumed > ndim {
        return Err(IrError::index(format!(
            "too many indices for array: array is {ndim}-dimensional, but {consumed} were indexed"
        )));
    }
    let full = IndexItem::Slice(None, None, None);
    let mut expanded: Vec<IndexItem> = Vec::with_capacity(ndim + items.len());
    for item in items {
        if *item == IndexItem::Ellipsis {
            expanded.extend(std::iter::repeat_n(full, ndim - consumed));
        } else {
            expanded.push(*item);
        }
    }
    if ellipses == 0 {
        expanded.extend(std::iter::repeat_n(full, ndim - consumed));
    }
    let mut axes = Vec::with_capacity(ndim);
    let mut new_axes = Vec::new();
    let mut dropped = Vec::new();
    // Positions in the result before the integer-indexed axes are dropped.
    for (out_axis, item) in expanded.iter().enumerate() {
        let axis = axes.len();
        match *item {
            IndexItem::NewAxis => new_axes.push(out_axis as i64),
            IndexItem::Slice(start, stop, step) => {
                axes.push(SliceAxis::from_python(start, stop, step, shape[axis])?)
            }
            IndexItem::Int(i) => {
                let n = shape[axis] as i64;
                if i < -n || i >= n {
                    return Err(IrError::index(format!(
                        "index {i} is out of bounds for axis {axis} with size {n}"
                    )));
                }
                let start = if i < 0 { i + n } else { i } as usize;
                axes.push(SliceAxis {
                    start,
                    step: 1,
                    len: 1,
                });
                dropped.push(out_axis as i64);
            }
            IndexItem::Ellipsis => unreachable!("expanded above"),
        }
    }
    let whole = axes
        .iter()
        .zip(shape.iter())
        .all(|(a, &n)| *a == SliceAxis::full(n));
    let mut out = if whole {
        x.clone()
    } else {
        Node::apply(Op::Slice(axes), vec![x.clone()])?
    };
    if !new_axes.is_empty() {
        out = expand_dims(&out, &new_axes)?;
    }
    if !dropped.is_empty() {
        out = squeeze(&out, Some(&dropped))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;
    use ndarray::ArrayD;
    use IndexItem::*;

    fn zeros(dims: &[usize]) -> Node {
        Node::data(Value::from_array(ArrayD::<f64>::zeros(dims)))
    }

    #[test]
    fn basic_indices_give_numpys_shapes() {
        let x = zeros(&[4, 5, 6]);
        let shape = |items: &[IndexItem]| index(&x, items).unwrap().shape().dims().to_vec();
        assert_eq!(shape(&[Int(1)]), [5, 6]);
        assert_eq!(shape(&[Int(-1), Slice(None, None, Some(2))]), [3, 6]);
        assert_eq!(shape(&[Ellipsis, Int(0)]), [4, 5]);
        assert_eq!(shape(&[NewAxis, Ellipsis, NewAxis]), [1, 4, 5, 6, 1]);
        assert_eq!(shape(&[Int(0), NewAxis, Int(0)]), [1, 6]);
        assert_eq!(shape(&[Slice(None, None, Some(-1)), Ellipsis]), [4, 5, 6]);
        assert_eq!(shape(&[]), [4, 5, 6]);
        let scalar = zeros(&[]);
        assert_eq!(index(&scalar, &[NewAxis]).unwrap().shape().dims(), [1]);
        assert_eq!(
            index(&scalar, &[Ellipsis]).unwrap().shape().dims(),
            [] as [usize; 0]
        );
    }

    #[test]
    fn bad_indices_are_index_errors_with_numpys_messages() {
        let x = zeros(&[2, 3]);
        let err = |items: &[IndexItem]| index(&x, items).unwrap_err();
        assert_eq!(
            err(&[Int(2)]).to_string(),
            "index 2 is out of bounds for axis 0 with size 2"
        );
        assert_eq!(
            err(&[Int(0), Int(-4)]).to_string(),
            "index -4 is out of bounds for axis 1 with size 3"
        );
        assert_eq!(
            err(&[Int(0), Int(0), Int(0)]).to_string(),
            "too many indices for array: array is 2-dimensional, but 3 were indexed"
        );
        assert!(matches!(err(&[Ellipsis, Ellipsis]), IrError::Index { .. }));
        assert!(matches!(
            err(&[Slice(None, None, Some(0))]),
            IrError::InvalidArgument { .. }
        ));
    }
}
