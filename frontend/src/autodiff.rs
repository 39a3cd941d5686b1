//! Reverse-mode differentiation of lazy arrays: the Rust API's `vjp`, `grad` and
//! `value_and_grad` over closures of [`Array`]s, on `lazyfuse_ir::autodiff`.
//!
//! The gradient is lazy, as any array: evaluating the value and the gradient together
//! ([`crate::eval`]) runs one program holding both, optimised and fused as a whole.

use lazyfuse_ir::autodiff::{self, CustomRule, CustomRules, STOP_GRADIENT};
use lazyfuse_ir::{Node, Op, Scalar};

use crate::array::Array;
use crate::error::{Error, Result};

impl Array {
    /// The same values as a new node: a root to differentiate against that nothing
    /// else computes from (so a gradient with respect to it does not flow into other
    /// uses of this array).
    pub fn fresh(&self) -> Array {
        match self.node() {
            Ok(n) => {
                Array::from_result(Node::apply(Op::Reshape(n.shape().clone()), vec![n.clone()]))
            }
            Err(e) => Array { inner: Err(e) },
        }
    }

    /// Whether the array's graph reads a traced function's parameters (a placeholder
    /// that has no value: such an array can only be compiled, not computed now).
    pub fn is_traced(&self) -> bool {
        let Ok(node) = self.node() else { return false };
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec![node.clone()];
        while let Some(n) = stack.pop() {
            if !seen.insert(n.identity()) || n.computed().is_some() {
                continue;
            }
            if matches!(n.leaf(), Some(lazyfuse_ir::Leaf::Param(_))) {
                return true;
            }
            stack.extend(n.args());
        }
        false
    }

    /// The same values, a constant for differentiation (JAX's `stop_gradient`).
    pub fn stop_gradient(&self) -> Array {
        let out = self.fresh();
        if let Ok(n) = out.node() {
            n.set_note(STOP_GRADIENT);
        }
        out
    }
}

/// The vector-Jacobian product: the cotangents of `wrt` given those of `outputs`
/// (`cotangents[i]` has the shape of `outputs[i]`). `wrt` are treated as leaves.
pub fn vjp(outputs: &[&Array], cotangents: &[&Array], wrt: &[&Array]) -> Result<Vec<Array>> {
    vjp_custom(outputs, cotangents, wrt, Vec::new())
}

/// A user-given derivative (`custom_vjp`): `node` stands for a function of `inputs`, and
/// `rule(g)` gives the inputs' cotangents (None: none) for the node's cotangent `g`.
pub type Custom<'a> = (Array, Vec<Array>, CustomRuleFn<'a>);

/// The rule of a [`Custom`]: the inputs' cotangents for the node's cotangent.
pub type CustomRuleFn<'a> = Box<dyn Fn(&Array) -> Result<Vec<Option<Array>>> + 'a>;

fn nodes(arrays: &[&Array]) -> Result<Vec<Node>> {
    arrays.iter().map(|a| a.node().cloned()).collect()
}

fn custom_rules<'a>(customs: Vec<Custom<'a>>) -> Result<CustomRules<'a>> {
    let mut rules = CustomRules::new();
    for (node, inputs, rule) in customs {
        let inputs = inputs
            .iter()
            .map(|a| a.node().cloned())
            .collect::<Result<Vec<_>>>()?;
        let rule = move |g: &Node| -> std::result::Result<Vec<Option<Node>>, lazyfuse_ir::IrError> {
            let grads = rule(&Array::from_node(g.clone())).map_err(|e| {
                lazyfuse_ir::IrError::InvalidArgument {
                    op: "custom_vjp",
                    message: e.to_string(),
                }
            })?;
            grads
                .into_iter()
                .map(|g| g.map(|a| a.node().cloned()).transpose())
                .collect::<Result<Vec<_>>>()
                .map_err(|e| lazyfuse_ir::IrError::InvalidArgument {
                    op: "custom_vjp",
                    message: e.to_string(),
                })
        };
        rules.insert(
            node.node()?.identity(),
            CustomRule {
                inputs,
                rule: Box::new(rule),
            },
        );
    }
    Ok(rules)
}

/// [`vjp`] with user-given derivatives for some arrays of the graph.
pub fn vjp_custom(
    outputs: &[&Array],
    cotangents: &[&Array],
    wrt: &[&Array],
    customs: Vec<Custom<'_>>,
) -> Result<Vec<Array>> {
    let rules = custom_rules(customs)?;
    let grads = autodiff::vjp_with(&nodes(outputs)?, &nodes(cotangents)?, &nodes(wrt)?, &rules)?;
    Ok(grads.into_iter().map(Array::from_node).collect())
}

/// The Jacobian-vector product: the tangents of `outputs` given those of `wrt`
/// (`tangents[i]` has the shape of `wrt[i]`).
pub fn jvp(outputs: &[&Array], wrt: &[&Array], tangents: &[&Array]) -> Result<Vec<Array>> {
    jvp_custom(outputs, wrt, tangents, Vec::new())
}

/// [`jvp`] with user-given reverse derivatives for some arrays of the graph.
pub fn jvp_custom(
    outputs: &[&Array],
    wrt: &[&Array],
    tangents: &[&Array],
    customs: Vec<Custom<'_>>,
) -> Result<Vec<Array>> {
    let rules = custom_rules(customs)?;
    let out = autodiff::jvp_with(&nodes(outputs)?, &nodes(wrt)?, &nodes(tangents)?, &rules)?;
    Ok(out.into_iter().map(Array::from_node).collect())
}

/// `f(x)` and its gradient with respect to `x` (f must give a 0-d float array; x must
/// be a float or complex array), both lazy: evaluating them together runs one program.
/// For a complex x = a + ib the gradient is df/da - i df/db, as JAX's.
pub fn value_and_grad(f: impl FnOnce(&Array) -> Array, x: &Array) -> Result<(Array, Array)> {
    let x = x.fresh();
    let xn = x.node()?;
    if !xn.dtype().is_inexact() {
        return Err(Error::from(lazyfuse_ir::IrError::InvalidArgument {
            op: "grad",
            message: format!(
                "grad requires float or complex inputs, but the input has dtype {}",
                xn.dtype().numpy_name()
            ),
        }));
    }
    let value = f(&x);
    let vn = value.node()?;
    if !vn.shape().is_empty() || !vn.dtype().is_float() {
        return Err(Error::from(lazyfuse_ir::IrError::InvalidArgument {
            op: "grad",
            message: format!(
                "grad of a function whose output is not a float scalar: shape {}, dtype {}",
                vn.shape(),
                vn.dtype().numpy_name()
            ),
        }));
    }
    let one = Array::scalar(Scalar::F64(1.0).cast(vn.dtype()));
    let grad = vjp(&[&value], &[&one], &[&x])?.remove(0);
    Ok((value, grad))
}

/// The gradient of `f` (a 0-d float result) with respect to `x`, lazily.
pub fn grad(f: impl FnOnce(&Array) -> Array, x: &Array) -> Result<Array> {
    Ok(value_and_grad(f, x)?.1)
}

/// One-hot arrays of `shape` and `dtype`, one per element (as data: the transforms
/// seed one derivative pass with each).
fn basis(shape: &[usize], dtype: lazyfuse_ir::DType) -> Vec<Array> {
    let n: usize = shape.iter().product();
    (0..n)
        .map(|k| {
            let mut v = vec![0.0f64; n];
            v[k] = 1.0;
            let a = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(shape), v)
                .expect("the shape's element count");
            Array::from(a).astype(dtype)
        })
        .collect()
}

/// `rows` stacked along a new axis 0 and reshaped to `out_shape + in_shape`.
fn jacobian(
    rows: Vec<Array>,
    out_shape: &[usize],
    in_shape: &[usize],
    dtype: lazyfuse_ir::DType,
) -> Array {
    let dims: Vec<i64> = out_shape
        .iter()
        .chain(in_shape)
        .map(|&d| d as i64)
        .collect();
    if rows.is_empty() {
        let shape: Vec<usize> = out_shape.iter().chain(in_shape).copied().collect();
        return Array::zeros(&shape, dtype);
    }
    crate::stack(&rows, 0).reshape(&dims)
}

/// The Jacobian of `f` at `x` by reverse mode (one VJP per output element, one
/// program), shaped `out.shape + x.shape`.
pub fn jacrev(f: impl FnOnce(&Array) -> Array, x: &Array) -> Result<Array> {
    let x = x.fresh();
    let out = f(&x);
    let (on, xn) = (out.node()?.clone(), x.node()?.clone());
    let rows = basis(on.shape().dims(), on.dtype())
        .iter()
        .map(|e| Ok(vjp(&[&out], &[e], &[&x])?.remove(0)))
        .collect::<Result<Vec<_>>>()?;
    Ok(jacobian(
        rows,
        on.shape().dims(),
        xn.shape().dims(),
        on.dtype(),
    ))
}

/// The Jacobian of `f` at `x` by forward mode (one JVP per input element, one
/// program), shaped `out.shape + x.shape`.
pub fn jacfwd(f: impl FnOnce(&Array) -> Array, x: &Array) -> Result<Array> {
    let x = x.fresh();
    let out = f(&x);
    let (on, xn) = (out.node()?.clone(), x.node()?.clone());
    let columns = basis(xn.shape().dims(), xn.dtype())
        .iter()
        .map(|e| Ok(jvp(&[&out], &[&x], &[e])?.remove(0)))
        .collect::<Result<Vec<_>>>()?;
    // Columns stacked first, then moved behind the output axes.
    let n_in = xn.shape().ndim();
    let stacked = jacobian(columns, xn.shape().dims(), on.shape().dims(), on.dtype());
    if n_in == 0 {
        return Ok(stacked);
    }
    let flat_in: usize = xn.shape().numel();
    let cols = stacked.reshape(&[flat_in as i64, -1]).t();
    let dims: Vec<i64> = on
        .shape()
        .iter()
        .chain(xn.shape().iter())
        .map(|&d| d as i64)
        .collect();
    Ok(cols.reshape(&dims))
}

/// The Hessian of `f` (a float scalar) at `x`: the Jacobian of its gradient.
pub fn hessian(f: impl Fn(&Array) -> Array, x: &Array) -> Result<Array> {
    let x = x.fresh();
    let g = grad(&f, &x)?;
    let xn = x.node()?.clone();
    let rows = basis(xn.shape().dims(), xn.dtype())
        .iter()
        .map(|e| Ok(vjp(&[&g], &[e], &[&x])?.remove(0)))
        .collect::<Result<Vec<_>>>()?;
    Ok(jacobian(
        rows,
        xn.shape().dims(),
        xn.shape().dims(),
        xn.dtype(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grad_of_a_closure_is_lazy_and_evaluates_with_the_value() {
        let x = Array::from(ndarray::arr1(&[0.5, -1.0, 2.0]));
        // f(x) = sum(x * exp(x)); f'(x) = exp(x) * (1 + x).
        let (value, g) = value_and_grad(|x| (x * &x.exp()).sum(), &x).unwrap();
        let values = crate::eval(&[&value, &g]).unwrap();
        let xs = [0.5f64, -1.0, 2.0];
        let want: f64 = xs.iter().map(|v| v * v.exp()).sum();
        assert!((values[0].get(&[]).unwrap().as_f64() - want).abs() < 1e-12);
        for (i, v) in xs.iter().enumerate() {
            let got = values[1].get(&[i]).unwrap().as_f64();
            assert!((got - v.exp() * (1.0 + v)).abs() < 1e-12);
        }
        // Errors: a non-scalar output, an integer input.
        assert!(grad(|x| x.exp(), &x).is_err());
        let ints = Array::from(ndarray::arr1(&[1i64, 2]));
        assert!(grad(|x| x.sum(), &ints).is_err());
        // Jacobians and the Hessian of sum(x^3): diag(3x^2) and diag(6x).
        let jr = jacrev(|x| x.square(), &x)
            .unwrap()
            .eval()
            .unwrap()
            .to_scalars();
        let jf = jacfwd(|x| x.square(), &x)
            .unwrap()
            .eval()
            .unwrap()
            .to_scalars();
        let h = hessian(|x| (x * &x.square()).sum(), &x)
            .unwrap()
            .eval()
            .unwrap()
            .to_scalars();
        for i in 0..3 {
            for j in 0..3 {
                let d = if i == j { xs[i] } else { 0.0 };
                assert!((jr[i * 3 + j].as_f64() - 2.0 * d).abs() < 1e-12);
                assert!((jf[i * 3 + j].as_f64() - 2.0 * d).abs() < 1e-12);
                assert!((h[i * 3 + j].as_f64() - 6.0 * d).abs() < 1e-12);
            }
        }
        // A non-symmetric Jacobian: both modes agree, rows are outputs.
        let f = |x: &Array| &x.exp() * &x.sum();
        let jr = jacrev(f, &x).unwrap().eval().unwrap().to_scalars();
        let jf = jacfwd(f, &x).unwrap().eval().unwrap().to_scalars();
        let s: f64 = xs.iter().sum();
        for i in 0..3 {
            for j in 0..3 {
                let want = xs[i].exp() * (if i == j { s } else { 0.0 } + 1.0);
                assert!((jr[i * 3 + j].as_f64() - want).abs() < 1e-9 * want.abs().max(1.0));
                assert!((jf[i * 3 + j].as_f64() - want).abs() < 1e-9 * want.abs().max(1.0));
            }
        }
        // stop_gradient: d/dx sum(x * stop(x)) = x.
        let g = grad(|x| (x * &x.stop_gradient()).sum(), &x).unwrap();
        assert_eq!(
            g.eval().unwrap().to_scalars(),
            x.eval().unwrap().to_scalars()
        );
    }
}
