//! Graphviz DOT text of programs: one box per node (name, op, type), edges from operand
//! to user, optionally nodes grouped in clusters (kernels, in `explain`'s pictures).

use crate::program::{NodeId, Program};
use crate::text::node_name;

/// A named group of nodes drawn as one box around them.
#[derive(Clone, Debug, PartialEq)]
pub struct DotCluster {
    /// The cluster's caption.
    pub label: String,
    /// Its nodes; a node listed in several clusters is drawn in the first.
    pub nodes: Vec<NodeId>,
}

impl Program {
    /// Graphviz text of the DAG: one box per node with its name, op and type; edges from
    /// operand to user labelled with the operand position when there are several.
    pub fn to_dot(&self) -> String {
        format!(
            "digraph program {{\n  rankdir=TB;\n  node [shape=box, fontname=\"monospace\"];\n{}}}\n",
            self.dot_body("n", "out", &[])
        )
    }

    /// The DOT statements of the DAG (no `digraph` around them), node names prefixed by
    /// `prefix` so several programs can share one picture, and `clusters` drawn as
    /// boxes around their nodes.
    pub fn dot_statements(&self, prefix: &str, clusters: &[DotCluster]) -> String {
        self.dot_body(prefix, &format!("{prefix}out"), clusters)
    }

    /// The statements, nodes named `{prefix}{index}` and outputs `{outputs}{k}`.
    fn dot_body(&self, prefix: &str, outputs: &str, clusters: &[DotCluster]) -> String {
        let escape = |s: String| s.replace('\\', "\\\\").replace('"', "\\\"");
        let node = |id: NodeId| {
            let instr = self.instr(id);
            let label = format!(
                "{} = {}\\n{}",
                node_name(id.index()),
                escape(instr.op.to_string()),
                escape(instr.ty.to_string())
            );
            let style = if id.index() < self.inputs().len() {
                ", style=rounded"
            } else {
                ""
            };
            format!("  {prefix}{} [label=\"{}\"{style}];\n", id.index(), label)
        };
        let mut out = String::new();
        let mut drawn = vec![false; self.len()];
        for (k, cluster) in clusters.iter().enumerate() {
            out.push_str(&format!(
                "  subgraph cluster_{prefix}_kernel{k} {{\n  label=\"{}\"; style=dashed;\n",
                escape(cluster.label.clone())
            ));
            for &id in &cluster.nodes {
                if id.index() < self.len() && !std::mem::replace(&mut drawn[id.index()], true) {
                    out.push_str(&node(id));
                }
            }
            out.push_str("  }\n");
        }
        for id in self.ids().filter(|id| !drawn[id.index()]) {
            out.push_str(&node(id));
        }
        for id in self.ids() {
            let args = &self.instr(id).args;
            for (position, a) in args.iter().enumerate() {
                let label = if args.len() > 1 {
                    format!(" [label=\"{position}\"]")
                } else {
                    String::new()
                };
                out.push_str(&format!(
                    "  {prefix}{} -> {prefix}{}{label};\n",
                    a.index(),
                    id.index()
                ));
            }
        }
        for (k, o) in self.outputs().iter().enumerate() {
            out.push_str(&format!(
                "  {outputs}{k} [label=\"output {k}\", shape=plaintext];\n  {prefix}{} -> {outputs}{k};\n",
                o.index()
            ));
        }
        out
    }
}
