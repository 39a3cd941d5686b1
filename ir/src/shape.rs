//! Shapes, NumPy broadcasting and axis normalisation.

use std::fmt;
use std::ops::Deref;

use crate::dtype::DType;
use crate::error::IrError;

/// The extents of an array, outermost first. `[]` is a 0-d array (one element); any
/// extent may be 0 (no elements).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Shape(pub Vec<usize>);

impl Shape {
    /// A shape from its extents.
    pub fn new(dims: impl Into<Vec<usize>>) -> Shape {
        Shape(dims.into())
    }

    /// The 0-d shape.
    pub fn scalar() -> Shape {
        Shape(Vec::new())
    }

    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.0.len()
    }

    /// Number of elements, or `None` if it overflows `usize`.
    pub fn checked_numel(&self) -> Option<usize> {
        self.0.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d))
    }

    /// Whether an array of this shape with elements of `item_bytes` bytes could exist:
    /// the product of its non-zero extents times the item size fits in `isize` (NumPy's
    /// "array is too big" check, which looks past zero extents too).
    pub fn fits_in_memory(&self, item_bytes: usize) -> bool {
        self.0
            .iter()
            .filter(|&&d| d != 0)
            .try_fold(item_bytes, |acc, &d| acc.checked_mul(d))
            .is_some_and(|bytes| bytes <= isize::MAX as usize)
    }

    /// Number of elements (saturating; shapes are checked on construction).
    pub fn numel(&self) -> usize {
        self.checked_numel().unwrap_or(usize::MAX)
    }

    /// The extents.
    pub fn dims(&self) -> &[usize] {
        &self.0
    }
}

impl Deref for Shape {
    type Target = [usize];
    fn deref(&self) -> &[usize] {
        &self.0
    }
}

impl From<&[usize]> for Shape {
    fn from(dims: &[usize]) -> Shape {
        Shape(dims.to_vec())
    }
}

impl From<Vec<usize>> for Shape {
    fn from(dims: Vec<usize>) -> Shape {
        Shape(dims)
    }
}

/// NumPy's tuple form: `(2,3)`, `(5,)`, `()`.
impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [d] => write!(f, "({d},)"),
            dims => {
                let parts: Vec<String> = dims.iter().map(|d| d.to_string()).collect();
                write!(f, "({})", parts.join(","))
            }
        }
    }
}

/// The static type of an array: element type and shape.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TensorType {
    /// Element type.
    pub dtype: DType,
    /// Extents.
    pub shape: Shape,
}

impl TensorType {
    /// A type from its parts.
    pub fn new(dtype: DType, shape: impl Into<Shape>) -> TensorType {
        TensorType {
            dtype,
            shape: shape.into(),
        }
    }
}

/// The textual IR's form: `f64[4000,2500]`, `bool[]`.
impl fmt::Display for TensorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.shape.iter().map(|d| d.to_string()).collect();
        write!(f, "{}[{}]", self.dtype, parts.join(","))
    }
}

/// NumPy broadcasting of two shapes: align on the right; each pair of extents must be
/// equal or one of them 1.
pub fn broadcast_shapes(op: &'static str, a: &Shape, b: &Shape) -> Result<Shape, IrError> {
    let ndim = a.ndim().max(b.ndim());
    let mut out = vec![0; ndim];
    for (i, slot) in out.iter_mut().enumerate() {
        let da = dim_from_right(a, ndim - 1 - i);
        let db = dim_from_right(b, ndim - 1 - i);
        *slot = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => {
                return Err(IrError::ShapeMismatch {
                    op,
                    lhs: a.clone(),
                    rhs: b.clone(),
                })
            }
        };
    }
    Ok(Shape(out))
}

/// Whether `from` can be broadcast to exactly `to`.
pub fn can_broadcast_to(from: &Shape, to: &Shape) -> bool {
    from.ndim() <= to.ndim()
        && (0..from.ndim()).all(|k| {
            let f = dim_from_right(from, k);
            f == 1 || f == dim_from_right(to, k)
        })
}

/// The extent `k` places from the right, 1 past the left end (broadcasting's padding).
fn dim_from_right(shape: &Shape, k: usize) -> usize {
    if k < shape.ndim() {
        shape[shape.ndim() - 1 - k]
    } else {
        1
    }
}

/// Turns a possibly negative axis into an index in `0..ndim`.
pub fn normalize_axis(op: &'static str, axis: i64, ndim: usize) -> Result<usize, IrError> {
    let n = ndim as i64;
    if axis < -n || axis >= n {
        return Err(IrError::AxisOutOfRange { op, axis, ndim });
    }
    Ok(if axis < 0 {
        (axis + n) as usize
    } else {
        axis as usize
    })
}

/// Normalises a list of axes: each in range, no repeats; returned sorted.
pub fn normalize_axes(op: &'static str, axes: &[i64], ndim: usize) -> Result<Vec<usize>, IrError> {
    let mut out = Vec::with_capacity(axes.len());
    for &axis in axes {
        let a = normalize_axis(op, axis, ndim)?;
        if out.contains(&a) {
            return Err(IrError::invalid(op, format!("repeated axis {axis}")));
        }
        out.push(a);
    }
    out.sort_unstable();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(d: &[usize]) -> Shape {
        Shape::from(d)
    }

    #[test]
    fn broadcasting_follows_numpy() {
        assert_eq!(
            broadcast_shapes("add", &s(&[4, 1]), &s(&[3])).unwrap(),
            s(&[4, 3])
        );
        assert_eq!(
            broadcast_shapes("add", &s(&[]), &s(&[2, 0])).unwrap(),
            s(&[2, 0])
        );
        assert_eq!(
            broadcast_shapes("add", &s(&[1, 0]), &s(&[5, 1])).unwrap(),
            s(&[5, 0])
        );
        let err = broadcast_shapes("add", &s(&[2, 3]), &s(&[4])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "add: operands could not be broadcast together with shapes (2,3) (4,)"
        );
    }

    #[test]
    fn axes_normalise_and_reject() {
        assert_eq!(normalize_axes("sum", &[-1, 0], 3).unwrap(), vec![0, 2]);
        assert!(matches!(
            normalize_axis("sum", 3, 3),
            Err(IrError::AxisOutOfRange {
                axis: 3,
                ndim: 3,
                ..
            })
        ));
        assert!(normalize_axes("sum", &[1, -2], 3).is_err());
    }

    #[test]
    fn broadcast_to_checks() {
        assert!(can_broadcast_to(&s(&[3, 1]), &s(&[2, 3, 4])));
        assert!(!can_broadcast_to(&s(&[3, 2]), &s(&[2, 3, 4])));
        assert!(!can_broadcast_to(&s(&[2, 3, 4]), &s(&[3, 4])));
    }
}
