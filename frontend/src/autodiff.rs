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
/// be a float array), both lazy: evaluating them together runs one program.
pub fn value_and_grad(f: impl FnOnce(&Array) -> Array, x: &Array) -> Result<(Array, Array)> {
    let x = x.fresh();
    let xn = x.node()?;
    if !xn.dtype().is_float() {
        return Err(Error::from(lazyfuse_ir::IrError::InvalidArgument {
            op: "grad",
            message: format!(
                "grad requires float inputs, but the input has dtype {}",
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
        // stop_gradient: d/dx sum(x * stop(x)) = x.
        let g = grad(|x| (x * &x.stop_gradient()).sum(), &x).unwrap();
        assert_eq!(
            g.eval().unwrap().to_scalars(),
            x.eval().unwrap().to_scalars()
        );
    }
}
