//! The floating-point and division warnings an evaluation raised, given to Python as
//! NumPy gives them: under `numpy.errstate`, pointing at the user's line.

use pyo3::prelude::*;

/// The warnings the evaluation raised, as NumPy raises them under its error state
/// (`numpy.errstate`): ignored, a `RuntimeWarning`, or a `FloatingPointError`.
pub(super) fn numpy_warnings(py: Python<'_>) -> PyResult<()> {
    let warnings = crate::take_warnings();
    if warnings.is_empty() {
        return Ok(());
    }
    let modes = py.import("numpy")?.call_method0("geterr")?;
    for w in warnings {
        let mode: String = modes.get_item(w.category)?.extract()?;
        let message = std::ffi::CString::new(w.to_string()).expect("no NUL in the message");
        match mode.as_str() {
            "ignore" => {}
            "raise" => {
                return Err(pyo3::exceptions::PyFloatingPointError::new_err(
                    w.to_string(),
                ))
            }
            _ => {
                let category = py.get_type::<pyo3::exceptions::PyRuntimeWarning>();
                PyErr::warn(py, &category, &message, user_stacklevel(py))?;
            }
        }
    }
    Ok(())
}

/// The warnings stack level of the innermost frame outside the lazyfuse package (the
/// user's line that needed the values), as NumPy's warnings point at the user's line.
fn user_stacklevel(py: Python<'_>) -> i32 {
    let Ok(mut frame) = py
        .import("sys")
        .and_then(|sys| sys.call_method1("_getframe", (0,)))
    else {
        return 1;
    };
    let mut level = 1;
    while !frame.is_none() {
        let inside = frame
            .getattr("f_code")
            .and_then(|c| c.getattr("co_filename"))
            .and_then(|f| f.extract::<String>())
            .is_ok_and(|f| f.contains("/lazyfuse/"));
        if !inside {
            break;
        }
        level += 1;
        match frame.getattr("f_back") {
            Ok(back) => frame = back,
            Err(_) => break,
        }
    }
    level
}
