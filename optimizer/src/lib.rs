//! lazyfuse's optimizer: Program → egg e-graph → rewrites under budgets → cost-model
//! extraction → fusion planning into a `KernelPlan`; `explain` shows every stage.
//!
//! ```
//! use lazyfuse_ir::Program;
//! use lazyfuse_optimizer::{optimize, Options};
//!
//! let program: Program = "program(a: f64[100]) {
//!   b: f64[]    = const[2.0]
//!   c: f64[100] = pow a b
//!   d: f64[100] = exp a
//!   e: f64[100] = exp c
//!   f: f64[100] = mul d e
//!   return f
//! }".parse().map_err(lazyfuse_optimizer::OptimizeError::from)?;
//! let optimized = optimize(&program, &Options::default())?;
//! // exp(a) * exp(a**2) became one exp of a + a*a.
//! assert_eq!(optimized.program.ids().filter(|&i| optimized.program.instr(i).op.name() == "exp").count(), 1);
//! assert!(optimized.report.cost_after < optimized.report.cost_before);
//! # Ok::<(), lazyfuse_optimizer::OptimizeError>(())
//! ```
#![warn(missing_docs)]

mod analysis;
mod cost;
mod explain;
mod extract;
mod fusion;
mod lang;
mod rules;
mod saturate;

use std::time::{Duration, Instant};

use egg::{Id, RecExpr};
use lazyfuse_ir::{IrError, Program};

pub use cost::{node_cost, program_cost};
pub use explain::{explain, Explanation};
pub use fusion::{plan, plan_with_members, FusionOptions};
pub use rules::Tier;
pub use saturate::{Limits, SaturationReport, StopReason};

use analysis::{LfAnalysis, LfEGraph};
use lang::{ENode, Term};

/// Which rewrites may run (the design's float semantics).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FloatMode {
    /// Only rewrites whose results are bitwise identical.
    Strict,
    /// Also identities of real arithmetic (the default).
    #[default]
    Algebraic,
}

/// Optimizer options: each stage can be switched off, as a control for tests and users.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// Which tiers of rules run.
    pub float_mode: FloatMode,
    /// Run equality saturation at all (`false`: the program is returned as it is).
    pub rewrite: bool,
    /// Rules (by name) or whole families (by family name) to leave out.
    pub disabled_rules: Vec<String>,
    /// Saturation budgets.
    pub limits: Limits,
    /// Record why each output equals the original (slower; `explain` turns it on).
    pub explanations: bool,
    /// Fusion planning options.
    pub fusion: FusionOptions,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            float_mode: FloatMode::Algebraic,
            rewrite: true,
            disabled_rules: Vec::new(),
            limits: Limits::default(),
            explanations: false,
            fusion: FusionOptions::default(),
        }
    }
}

/// The result of optimisation.
#[derive(Clone, Debug)]
pub struct Optimized {
    /// The optimised program (the original when nothing cheaper was found).
    pub program: Program,
    /// What happened.
    pub report: Report,
    /// For each output, egg's explanation of why it equals the original output
    /// (empty unless [`Options::explanations`]).
    pub explanations: Vec<String>,
}

/// What the optimizer did.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// Saturation's report.
    pub saturation: SaturationReport,
    /// Estimated cost of the input program.
    pub cost_before: f64,
    /// Estimated cost of the returned program (never above `cost_before`).
    pub cost_after: f64,
    /// Whether the extracted program replaced the input.
    pub changed: bool,
    /// Total time, extraction included.
    pub time: Duration,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &self.saturation;
        writeln!(
            f,
            "saturation: {} after {} iteration(s), {} e-nodes in {} e-classes, {:.2?}",
            s.stop_reason, s.iterations, s.egraph_nodes, s.egraph_classes, s.time
        )?;
        let fired: Vec<String> = s
            .rules_fired
            .iter()
            .map(|(r, n)| format!("{r} ×{n}"))
            .collect();
        writeln!(
            f,
            "rules fired: {}",
            if fired.is_empty() {
                "none".into()
            } else {
                fired.join(", ")
            }
        )?;
        write!(
            f,
            "estimated cost: {:.0} → {:.0}{}; total {:.2?}",
            self.cost_before,
            self.cost_after,
            if self.changed { "" } else { " (input kept)" },
            self.time
        )
    }
}

/// Errors of the optimizer: an invalid input program, or an internal invariant broken
/// (a bug, reported with the program).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OptimizeError {
    /// The input program is invalid.
    #[error(transparent)]
    Ir(#[from] IrError),
    /// Planning failed (an invalid program).
    #[error("planning: {0}")]
    Plan(IrError),
    /// Optimisation produced an invalid program: a bug.
    #[error(
        "internal error: optimisation produced an invalid program ({error})\ninput:\n{program}"
    )]
    Internal {
        /// What verification said.
        error: IrError,
        /// The input program.
        program: String,
    },
}

/// The rules `options` enable.
fn enabled_rules(options: &Options) -> Vec<rules::Rule> {
    rules::all_rules()
        .into_iter()
        .filter(|r| options.float_mode == FloatMode::Algebraic || r.tier == Tier::Strict)
        .filter(|r| {
            !options
                .disabled_rules
                .iter()
                .any(|d| d == r.name || d == r.family)
        })
        .collect()
}

/// Names and tiers of every rule, by family (for documentation and tests).
pub fn rule_catalog() -> Vec<(&'static str, &'static str, Tier)> {
    rules::all_rules()
        .into_iter()
        .map(|r| (r.family, r.name, r.tier))
        .collect()
}

/// Optimises `program`: saturates an e-graph with the enabled rules within the limits,
/// then extracts the cheapest equivalent program; returns the input when that is not
/// estimated cheaper.
pub fn optimize(program: &Program, options: &Options) -> Result<Optimized, OptimizeError> {
    let start = Instant::now();
    program.verify()?;
    let cost_before = program_cost(program);
    if !options.rewrite {
        let saturation = SaturationReport {
            iterations: 0,
            egraph_nodes: 0,
            egraph_classes: 0,
            stop_reason: StopReason::Disabled,
            rules_fired: Default::default(),
            time: Duration::ZERO,
        };
        let report = Report {
            saturation,
            cost_before,
            cost_after: cost_before,
            changed: false,
            time: start.elapsed(),
        };
        return Ok(Optimized {
            program: program.clone(),
            report,
            explanations: Vec::new(),
        });
    }
    let term = Term::from_program(program);
    let mut egraph = LfEGraph::new(LfAnalysis {
        inputs: program.inputs().to_vec(),
    });
    if options.explanations {
        egraph = egraph.with_explanations_enabled();
    }
    let roots = add_term(&mut egraph, &term);
    let rules = enabled_rules(options);
    let rule_refs: Vec<&rules::Rule> = rules.iter().collect();
    let saturation = saturate::saturate(&mut egraph, &rule_refs, &options.limits);

    let extracted = extract::extract(&egraph, &roots);
    let candidate = extracted
        .to_program()
        .map_err(|error| OptimizeError::Internal {
            error,
            program: program.to_string(),
        })?;
    candidate
        .verify()
        .map_err(|error| OptimizeError::Internal {
            error,
            program: program.to_string(),
        })?;
    if candidate.inputs() != program.inputs()
        || candidate
            .outputs()
            .iter()
            .zip(program.outputs())
            .any(|(a, b)| candidate.instr(*a).ty != program.instr(*b).ty)
    {
        return Err(OptimizeError::Internal {
            error: IrError::InvalidArgument {
                op: "optimize",
                message: "output types changed".into(),
            },
            program: program.to_string(),
        });
    }
    let cost_candidate = program_cost(&candidate);
    let changed = cost_candidate < cost_before;
    let explanations = if options.explanations && changed {
        explain_outputs(&mut egraph, &term, &extracted)
    } else {
        Vec::new()
    };
    let (program, cost_after) = if changed {
        (candidate, cost_candidate)
    } else {
        (program.clone(), cost_before)
    };
    let report = Report {
        saturation,
        cost_before,
        cost_after,
        changed,
        time: start.elapsed(),
    };
    Ok(Optimized {
        program,
        report,
        explanations,
    })
}

/// Converts a Program to its egg term and back (the conversion is lossless: the result
/// equals the input). For tests of that property; egg types stay private.
#[doc(hidden)]
pub fn term_round_trip(program: &Program) -> Result<Program, IrError> {
    Term::from_program(program).to_program()
}

/// Adds every node of `term`; returns the output classes.
fn add_term(egraph: &mut LfEGraph, term: &Term) -> Vec<Id> {
    let mut ids: Vec<Id> = Vec::with_capacity(term.expr.len());
    for node in term.expr.as_ref() {
        let children = node.children.iter().map(|c| ids[usize::from(*c)]).collect();
        ids.push(egraph.add(ENode::new(node.op.clone(), children)));
    }
    term.outputs.iter().map(|o| ids[usize::from(*o)]).collect()
}

/// The sub-expression of `term` rooted at `root`, as its own RecExpr.
fn subterm(term: &Term, root: Id) -> RecExpr<ENode> {
    let nodes = term.expr.as_ref();
    let mut needed = vec![false; nodes.len()];
    needed[usize::from(root)] = true;
    for i in (0..nodes.len()).rev() {
        if needed[i] {
            for c in &nodes[i].children {
                needed[usize::from(*c)] = true;
            }
        }
    }
    let mut expr = RecExpr::default();
    let mut map = vec![Id::from(0usize); nodes.len()];
    for i in 0..nodes.len() {
        if needed[i] {
            let children = nodes[i]
                .children
                .iter()
                .map(|c| map[usize::from(*c)])
                .collect();
            map[i] = expr.add(ENode::new(nodes[i].op.clone(), children));
        }
    }
    expr
}

fn explain_outputs(egraph: &mut LfEGraph, before: &Term, after: &Term) -> Vec<String> {
    before
        .outputs
        .iter()
        .zip(&after.outputs)
        .map(|(&b, &a)| {
            let (from, to) = (subterm(before, b), subterm(after, a));
            egraph.explain_equivalence(&from, &to).get_flat_string()
        })
        .collect()
}
