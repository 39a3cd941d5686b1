//! Batching of lazy arrays: the Rust API's `vmap` over closures of [`Array`]s, on
//! `lazyfuse_ir::batching`.

use lazyfuse_ir::{IrError, Node};

use crate::array::Array;
use crate::error::Result;

/// `f` applied to every example of `inputs` (each mapped along its axis 0, all of one
/// length), as one batched array computation: the results stacked along a new axis 0.
/// `f` is written for one example and is called once, on placeholders (it must not
/// evaluate them).
pub fn vmap(f: impl FnOnce(&[Array]) -> Array, inputs: &[&Array]) -> Result<Array> {
    let nodes: Vec<Node> = inputs
        .iter()
        .map(|a| a.node().cloned())
        .collect::<Result<_>>()?;
    let size = match nodes.first() {
        Some(n) if n.shape().ndim() > 0 => n.shape()[0],
        _ => {
            return Err(IrError::InvalidArgument {
                op: "vmap",
                message: "vmap needs at least one input with an axis to map".into(),
            }
            .into())
        }
    };
    let mut placeholders = Vec::with_capacity(nodes.len());
    for (k, n) in nodes.iter().enumerate() {
        if n.shape().ndim() == 0 || n.shape()[0] != size {
            return Err(IrError::InvalidArgument {
                op: "vmap",
                message: format!(
                    "mapped inputs must have one length along axis 0: input 0 has {size}, input {k} has shape {}",
                    n.shape()
                ),
            }
            .into());
        }
        placeholders.push(Array::param(k, n.dtype(), &n.shape().dims()[1..]));
    }
    let out = f(&placeholders);
    let subs: Vec<(Node, Node)> = placeholders
        .iter()
        .zip(&nodes)
        .map(|(p, n)| Ok((p.node()?.clone(), n.clone())))
        .collect::<Result<_>>()?;
    let batched = lazyfuse_ir::batching::vmap(&[out.node()?.clone()], &subs, size)?;
    Ok(Array::from_node(
        batched.into_iter().next().expect("one output"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vmap_of_a_matrix_vector_product_is_a_matrix_product() {
        let xs = Array::from(ndarray::arr2(&[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]));
        let w = Array::from(ndarray::arr2(&[[1.0, 0.0, 2.0], [0.0, 1.0, 1.0]]));
        let out = vmap(|x| x[0].matmul(&w).exp().sum(), &[&xs]).unwrap();
        let got = out.eval().unwrap().to_scalars();
        let rows = [[1.0f64, 2.0], [3.0, 4.0], [5.0, 6.0]];
        for (i, r) in rows.iter().enumerate() {
            let want = r[0].exp() + r[1].exp() + (2.0 * r[0] + r[1]).exp();
            assert!((got[i].as_f64() - want).abs() < 1e-9 * want);
        }
        let bad = Array::from(ndarray::arr1(&[1.0, 2.0]));
        assert!(vmap(|x| x[0].exp(), &[&xs, &bad]).is_err());
    }
}
