//! Extraction: choose one e-node per e-class so that the program computing the outputs
//! is cheapest, counting a shared subexpression once (DAG cost).
//!
//! A greedy fixpoint: each class keeps its best e-node together with the set of classes
//! that choice needs and their costs; an e-node's cost is the sum over the union of its
//! children's sets plus its own. Sets make shared work count once, so extraction never
//! undoes common-subexpression elimination. An e-node whose children need its own class
//! would form a cycle and is skipped. For very large e-graphs the sets cost too much and
//! plain tree cost is used instead (still exact for programs without sharing).

use std::collections::BTreeMap;
use std::rc::Rc;

use egg::{Id, RecExpr};
use lazyfuse_ir::{Op, TensorType};

use crate::analysis::LfEGraph;
use crate::cost::{node_cost, stored_operand_cost};
use crate::lang::{ENode, Term};

/// Above this many e-classes extraction uses tree cost.
const DAG_CLASS_LIMIT: usize = 2_000;

#[derive(Clone)]
struct Choice {
    node: ENode,
    cost: f64,
    /// The classes this choice needs (itself included) with their own costs, sorted by
    /// class; only in DAG mode.
    needs: Option<Rc<Vec<(Id, f64)>>>,
}

/// The cheapest term computing `roots`, with the input slots first.
pub fn extract(egraph: &LfEGraph, roots: &[Id]) -> Term {
    let dag = egraph.number_of_classes() <= DAG_CLASS_LIMIT;
    let best = choose(egraph, dag);
    build_term(egraph, &best, roots)
}

fn own_cost(egraph: &LfEGraph, class: Id, node: &ENode) -> f64 {
    let args: Vec<&TensorType> = node.children.iter().map(|c| &egraph[*c].data.ty).collect();
    let mut cost = node_cost(&node.op, &egraph[class].data.ty, &args);
    if node.op == Op::Gather {
        let source = &egraph[node.children[0]];
        if !source.nodes.iter().any(|n| matches!(n.op, Op::Input(_))) {
            cost += stored_operand_cost(&source.data.ty);
        }
    }
    cost
}

/// A worklist fixpoint: a class is re-priced only when one of its children improved.
fn choose(egraph: &LfEGraph, dag: bool) -> BTreeMap<Id, Choice> {
    let mut classes: Vec<Id> = egraph.classes().map(|c| c.id).collect();
    classes.sort_unstable();
    let mut parents: BTreeMap<Id, Vec<Id>> = BTreeMap::new();
    for &class in &classes {
        for node in &egraph[class].nodes {
            for c in &node.children {
                parents.entry(egraph.find(*c)).or_default().push(class);
            }
        }
    }
    let mut best: BTreeMap<Id, Choice> = BTreeMap::new();
    let mut queued: std::collections::BTreeSet<Id> = classes.iter().copied().collect();
    let mut work: std::collections::VecDeque<Id> = classes.iter().copied().collect();
    while let Some(class) = work.pop_front() {
        queued.remove(&class);
        let mut improved = false;
        for node in &egraph[class].nodes {
            let Some(candidate) = price(egraph, &best, class, node, dag) else {
                continue;
            };
            let better = best
                .get(&class)
                .is_none_or(|c| candidate.cost < c.cost - 1e-9 * c.cost.abs());
            if better {
                best.insert(class, candidate);
                improved = true;
            }
        }
        if improved {
            for &p in parents.get(&class).map(Vec::as_slice).unwrap_or(&[]) {
                if queued.insert(p) {
                    work.push_back(p);
                }
            }
        }
    }
    best
}

/// Union of sorted (class, cost) lists.
fn merge(a: &[(Id, f64)], b: &[(Id, f64)]) -> Vec<(Id, f64)> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

fn price(
    egraph: &LfEGraph,
    best: &BTreeMap<Id, Choice>,
    class: Id,
    node: &ENode,
    dag: bool,
) -> Option<Choice> {
    let children: Vec<&Choice> = node
        .children
        .iter()
        .map(|c| best.get(&egraph.find(*c)))
        .collect::<Option<Vec<_>>>()?;
    let own = own_cost(egraph, class, node);
    if !dag {
        let cost = own + children.iter().map(|c| c.cost).sum::<f64>();
        return Some(Choice {
            node: node.clone(),
            cost,
            needs: None,
        });
    }
    let mut needs: Vec<(Id, f64)> = Vec::new();
    for child in &children {
        needs = merge(&needs, child.needs.as_ref().expect("dag mode keeps sets"));
    }
    if needs.binary_search_by(|(k, _)| k.cmp(&class)).is_ok() {
        return None; // would need itself: a cycle
    }
    needs = merge(&needs, &[(class, own)]);
    let cost = needs.iter().map(|(_, c)| c).sum();
    Some(Choice {
        node: node.clone(),
        cost,
        needs: Some(Rc::new(needs)),
    })
}

/// The chosen e-nodes reachable from `roots` in post order, inputs first.
fn build_term(egraph: &LfEGraph, best: &BTreeMap<Id, Choice>, roots: &[Id]) -> Term {
    let inputs = egraph.analysis.inputs.clone();
    let mut expr: RecExpr<ENode> = RecExpr::default();
    let mut index: BTreeMap<Id, Id> = BTreeMap::new();
    // Inputs first, in slot order, whatever class they are in.
    for slot in 0..inputs.len() {
        let id = expr.add(ENode::new(Op::Input(slot), vec![]));
        if let Some(class) = egraph.lookup(ENode::new(Op::Input(slot), vec![])) {
            index.entry(egraph.find(class)).or_insert(id);
        }
    }
    let mut stack: Vec<(Id, bool)> = roots
        .iter()
        .rev()
        .map(|r| (egraph.find(*r), false))
        .collect();
    while let Some((class, expanded)) = stack.pop() {
        if index.contains_key(&class) {
            continue;
        }
        let node = &best[&class].node;
        if expanded {
            let children = node
                .children
                .iter()
                .map(|c| index[&egraph.find(*c)])
                .collect();
            let id = expr.add(ENode::new(node.op.clone(), children));
            index.insert(class, id);
        } else {
            stack.push((class, true));
            for c in node.children.iter().rev() {
                let c = egraph.find(*c);
                if !index.contains_key(&c) {
                    stack.push((c, false));
                }
            }
        }
    }
    let outputs = roots.iter().map(|r| index[&egraph.find(*r)]).collect();
    Term {
        expr,
        outputs,
        inputs,
    }
}
