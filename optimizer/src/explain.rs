//! `explain`: what the optimizer did to a program, as text.

use std::fmt;

use lazyfuse_ir::kernel::KernelPlan;
use lazyfuse_ir::{DotCluster, NodeId, Program};

use crate::{optimize, plan_with_members, OptimizeError, Options, Report};

/// The program before and after optimisation, the rewrites, and the kernel plan.
#[derive(Clone, Debug)]
pub struct Explanation {
    /// The input program, as text.
    pub before: String,
    /// The optimised program, as text.
    pub after: String,
    /// The rules that fired (`name ×count`), then for each output egg's explanation of
    /// why the optimised output equals the original.
    pub rewrites: Vec<String>,
    /// Each kernel of the plan, as text.
    pub kernels: Vec<String>,
    /// The optimizer's report.
    pub report: Report,
    /// The kernel plan.
    pub plan: KernelPlan,
    /// The input program.
    pub original: Program,
    /// The optimised program.
    pub optimized: Program,
    /// For each kernel, the nodes of the optimised program it computes.
    pub kernel_nodes: Vec<Vec<NodeId>>,
    /// What some inputs are, as the frontend noted when it made them (`b: the
    /// positions of a boolean mask, evaluated first: ...`); the caller fills it in.
    pub inputs: Vec<String>,
}

impl Explanation {
    /// Graphviz DOT of the program before and after optimisation, side by side, with
    /// the kernels drawn as boxes around the nodes each computes (a value recomputed
    /// by several kernels is drawn in the first).
    pub fn to_dot(&self) -> String {
        let clusters: Vec<DotCluster> = self
            .kernel_nodes
            .iter()
            .enumerate()
            .filter(|(_, nodes)| !nodes.is_empty())
            .map(|(k, nodes)| DotCluster {
                label: format!("kernel {k}"),
                nodes: nodes.clone(),
            })
            .collect();
        format!(
            "digraph explain {{\n  rankdir=TB;\n  node [shape=box, fontname=\"monospace\"];\n\
             subgraph cluster_before {{\n  label=\"before\";\n{}  }}\n\
             subgraph cluster_after {{\n  label=\"after: {} kernel{}\";\n{}  }}\n}}\n",
            self.original.dot_statements("b", &[]),
            self.plan.kernel_count(),
            if self.plan.kernel_count() == 1 {
                ""
            } else {
                "s"
            },
            self.optimized.dot_statements("a", &clusters),
        )
    }
}

/// Optimises and plans `program` with `options`, recording explanations.
pub fn explain(program: &Program, options: &Options) -> Result<Explanation, OptimizeError> {
    let options = Options {
        explanations: true,
        ..options.clone()
    };
    let optimized = optimize(program, &options)?;
    let (plan, kernel_nodes) =
        plan_with_members(&optimized.program, &options.fusion).map_err(OptimizeError::Plan)?;
    let mut rewrites: Vec<String> = optimized
        .report
        .saturation
        .rules_fired
        .iter()
        .map(|(rule, n)| format!("{rule} ×{n}"))
        .collect();
    for (k, why) in optimized.explanations.iter().enumerate() {
        rewrites.push(format!("output {k}:\n{why}"));
    }
    Ok(Explanation {
        before: program.to_string(),
        after: optimized.program.to_string(),
        rewrites,
        kernels: plan.kernel_texts(),
        report: optimized.report,
        plan,
        original: program.clone(),
        optimized: optimized.program,
        kernel_nodes,
        inputs: Vec::new(),
    })
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "== before ==\n{}\n", self.before)?;
        if !self.inputs.is_empty() {
            writeln!(f, "== inputs ==\n{}\n", self.inputs.join("\n"))?;
        }
        writeln!(f, "== after ==\n{}\n", self.after)?;
        writeln!(f, "== rewrites ==")?;
        if self.rewrites.is_empty() {
            writeln!(f, "none")?;
        }
        for r in &self.rewrites {
            writeln!(f, "{r}")?;
        }
        writeln!(f, "\n== report ==\n{}\n", self.report)?;
        writeln!(f, "== kernels ({}) ==", self.kernels.len())?;
        for k in &self.kernels {
            write!(f, "{k}")?;
        }
        Ok(())
    }
}
