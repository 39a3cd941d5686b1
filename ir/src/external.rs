//! Data lazyfuse does not own: memory borrowed from another library (a NumPy array),
//! kept alive by an owner handle, and read in place by the compiled backend.
//!
//! The memory is read when the program runs, not when the leaf is made: like a NumPy
//! view, writing to the owner's data before evaluation changes the result.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use crate::error::IrError;
use crate::shape::TensorType;
use crate::value::Value;

/// A borrowed strided buffer and the handle that keeps it alive.
#[derive(Clone)]
pub struct External {
    ty: TensorType,
    /// Address of element 0 (kept as an integer so the type is Send and Sync).
    address: usize,
    strides: Vec<isize>,
    _owner: Arc<dyn Any + Send + Sync>,
}

impl External {
    /// A leaf's data at `ptr` (element 0) with `strides` in elements.
    ///
    /// # Safety
    /// While `owner` lives, `ptr` must stay aligned for `ty`'s dtype and every element
    /// `ptr + Σ i_k strides[k]` (`i_k < shape[k]`) readable and initialised (bool: a
    /// byte of 0 or 1); nobody may write it while a program reading it runs.
    pub unsafe fn new(
        ty: TensorType,
        ptr: *const u8,
        strides: Vec<isize>,
        owner: Arc<dyn Any + Send + Sync>,
    ) -> Result<External, IrError> {
        if strides.len() != ty.shape.ndim() {
            return Err(IrError::invalid(
                "external",
                format!(
                    "{} strides for a {}-d array",
                    strides.len(),
                    ty.shape.ndim()
                ),
            ));
        }
        Ok(External {
            ty,
            address: ptr as usize,
            strides,
            _owner: owner,
        })
    }

    /// dtype and shape.
    pub fn ty(&self) -> &TensorType {
        &self.ty
    }

    /// Element 0.
    pub fn ptr(&self) -> *const u8 {
        self.address as *const u8
    }

    /// Strides in elements.
    pub fn strides(&self) -> &[isize] {
        &self.strides
    }

    /// A copy of the elements as an owned value (for backends that need one).
    pub fn to_value(&self) -> Value {
        // SAFETY: `new`'s contract holds while self (and so the owner) lives.
        unsafe {
            Value::gather(
                self.ptr(),
                self.ty.dtype,
                0,
                &self.strides,
                self.ty.shape.dims(),
            )
        }
    }
}

impl fmt::Debug for External {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "External({} at {:#x}, strides {:?})",
            self.ty, self.address, self.strides
        )
    }
}
