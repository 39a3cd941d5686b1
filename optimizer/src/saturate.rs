//! Bounded equality saturation: apply every enabled rule to every e-node, union the
//! type-checked results, rebuild, repeat until nothing changes or a limit is reached.
//!
//! A backoff scheduler (as egg's) bans a rule for a while when it matches more than its
//! budget in one iteration, doubling budget and ban each time, so explosive rules
//! (distribution, associativity) cannot starve the rest.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use egg::Id;

use crate::analysis::LfEGraph;
use crate::rules::{Build, Rule};

/// Limits on saturation.
#[derive(Clone, Debug, PartialEq)]
pub struct Limits {
    /// At most this many iterations.
    pub iterations: usize,
    /// Stop once the e-graph has this many e-nodes.
    pub nodes: usize,
    /// Stop once this much time has passed.
    pub time: Duration,
    /// Matches a rule may have in one iteration before it is banned (doubles per ban).
    pub match_limit: usize,
    /// Iterations a first ban lasts (doubles per ban).
    pub ban_length: usize,
}

impl Default for Limits {
    /// Chosen by measurement (see the optimizer benchmark): typical programs saturate in
    /// a few iterations well inside these; blow-up seeds stop on the node limit in
    /// milliseconds.
    fn default() -> Limits {
        Limits {
            iterations: 16,
            nodes: 20_000,
            time: Duration::from_millis(100),
            match_limit: 1_000,
            ban_length: 2,
        }
    }
}

/// Why saturation stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// No rule changed the e-graph: every equivalence the rules know was found.
    Saturated,
    /// The iteration limit.
    IterationLimit(usize),
    /// The e-node limit.
    NodeLimit(usize),
    /// The time limit.
    TimeLimit(Duration),
    /// Rewriting was switched off.
    Disabled,
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StopReason::Saturated => write!(f, "saturated"),
            StopReason::IterationLimit(n) => write!(f, "iteration limit ({n})"),
            StopReason::NodeLimit(n) => write!(f, "e-node limit ({n})"),
            StopReason::TimeLimit(d) => write!(f, "time limit ({d:?})"),
            StopReason::Disabled => write!(f, "rewriting disabled"),
        }
    }
}

/// What saturation did.
#[derive(Clone, Debug, PartialEq)]
pub struct SaturationReport {
    /// Iterations run.
    pub iterations: usize,
    /// E-nodes at the end.
    pub egraph_nodes: usize,
    /// E-classes at the end.
    pub egraph_classes: usize,
    /// Why it stopped.
    pub stop_reason: StopReason,
    /// For each rule that changed the e-graph, how many of its matches did.
    pub rules_fired: BTreeMap<&'static str, usize>,
    /// Time spent.
    pub time: Duration,
}

struct Backoff {
    banned_until: usize,
    times_banned: u32,
}

/// Restores the e-graph's invariants after a round of unions. egg times each rebuild
/// with quanta, whose first use in a process calibrates the TSC against the OS clock,
/// spinning until the error is under 10 ns or 200 ms have passed: on this VM it took
/// 11 to 175 ms of a fresh process's first compile (perf: `__vdso_clock_gettime` under
/// `EGraph::rebuild`). That time is only logged, so rebuilds run under a mock clock,
/// which needs no calibration.
fn rebuild(egraph: &mut LfEGraph) {
    thread_local! {
        static UNCALIBRATED: quanta::Clock = quanta::Clock::mock().0;
    }
    UNCALIBRATED.with(|clock| quanta::with_clock(clock, || egraph.rebuild()));
}

/// Runs `rules` on `egraph` under `limits`.
pub fn saturate(egraph: &mut LfEGraph, rules: &[&Rule], limits: &Limits) -> SaturationReport {
    let start = Instant::now();
    let mut fired: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut backoff: Vec<Backoff> = rules
        .iter()
        .map(|_| Backoff {
            banned_until: 0,
            times_banned: 0,
        })
        .collect();
    let mut stop = None;
    let mut iterations = 0;
    while stop.is_none() {
        if iterations >= limits.iterations {
            stop = Some(StopReason::IterationLimit(limits.iterations));
            break;
        }
        iterations += 1;
        // Search every rule on the same e-graph, then apply.
        let mut pending: Vec<(usize, Vec<(Id, Build)>)> = Vec::new();
        let mut any_banned = false;
        for (r, rule) in rules.iter().enumerate() {
            if backoff[r].banned_until > iterations {
                any_banned = true;
                continue;
            }
            let matches = search(egraph, rule);
            let budget = limits.match_limit << backoff[r].times_banned;
            if matches.len() > budget {
                let ban = limits.ban_length << backoff[r].times_banned;
                backoff[r].times_banned += 1;
                backoff[r].banned_until = iterations + ban;
                any_banned = true;
                continue;
            }
            pending.push((r, matches));
        }
        let mut changed = false;
        'apply: for (r, matches) in pending {
            for (class, build) in matches {
                let class = egraph.find(class);
                if build.ty(egraph).as_ref() != Some(&egraph[class].data.ty) {
                    continue;
                }
                let new = build.add(egraph);
                if egraph.union_trusted(class, new, rules[r].name) {
                    *fired.entry(rules[r].name).or_default() += 1;
                    changed = true;
                }
                if egraph.total_number_of_nodes() >= limits.nodes {
                    stop = Some(StopReason::NodeLimit(limits.nodes));
                    break 'apply;
                }
            }
            if start.elapsed() >= limits.time {
                stop = Some(StopReason::TimeLimit(limits.time));
                break;
            }
        }
        rebuild(egraph);
        if stop.is_none() && !changed && !any_banned {
            stop = Some(StopReason::Saturated);
        }
        if stop.is_none() && start.elapsed() >= limits.time {
            stop = Some(StopReason::TimeLimit(limits.time));
        }
    }
    SaturationReport {
        iterations,
        egraph_nodes: egraph.total_number_of_nodes(),
        egraph_classes: egraph.number_of_classes(),
        stop_reason: stop.expect("the loop ends with a reason"),
        rules_fired: fired,
        time: start.elapsed(),
    }
}

/// Whether the class's value or one of the node's operands is complex.
fn involves_complex(egraph: &LfEGraph, id: Id, node: &crate::lang::ENode) -> bool {
    let complex = |c: Id| egraph[c].data.ty.dtype.is_complex();
    complex(id) || node.children.iter().any(|&c| complex(c))
}

/// Every candidate `rule` produces on the current e-graph, in a deterministic order.
fn search(egraph: &LfEGraph, rule: &Rule) -> Vec<(Id, Build)> {
    let mut classes: Vec<Id> = egraph.classes().map(|c| c.id).collect();
    classes.sort_unstable();
    let mut out = Vec::new();
    for id in classes {
        for node in &egraph[id].nodes {
            if !rule.complex && involves_complex(egraph, id, node) {
                continue;
            }
            for build in (rule.apply)(egraph, node) {
                out.push((id, build));
            }
        }
    }
    out
}
