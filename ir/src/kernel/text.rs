//! The plan's text form (`Display`, `explain`'s kernel blocks).

use std::fmt;

use super::{Body, BufferKind, Kernel, KernelPlan, Phase, ScalarOp, Store};

impl KernelPlan {
    /// The kernels as text, one block each (for `explain`).
    pub fn kernel_texts(&self) -> Vec<String> {
        self.kernels
            .iter()
            .enumerate()
            .map(|(i, k)| kernel_text(i, k))
            .collect()
    }
}

impl fmt::Display for KernelPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "plan {{")?;
        for (i, b) in self.buffers.iter().enumerate() {
            let kind = match &b.kind {
                BufferKind::Input(s) => format!("input {s}"),
                BufferKind::Temp => "temp".into(),
                BufferKind::Alias(of) => format!("alias of {of}"),
            };
            writeln!(f, "  %{i}: {} ({kind})", b.ty)?;
        }
        for text in self.kernel_texts() {
            for line in text.lines() {
                writeln!(f, "  {line}")?;
            }
        }
        let outs: Vec<String> = self.outputs.iter().map(|o| o.to_string()).collect();
        writeln!(f, "  return {}", outs.join(", "))?;
        f.write_str("}")
    }
}

fn body_text(body: &Body, indent: &str) -> String {
    let mut out = String::new();
    for (r, instr) in body.instrs.iter().enumerate() {
        let op = match &instr.op {
            ScalarOp::Load(b, m) => format!("load {b}{m}"),
            ScalarOp::Const(v) => format!("const {v}"),
            ScalarOp::Ramp { start, step, index } => format!("ramp {start} + {step} * ({index})"),
            ScalarOp::Reduced(p) => format!("reduced {p}"),
            ScalarOp::Gather { buffer, position } => format!("gather {buffer} r{position}"),
            ScalarOp::Apply(op, args) => {
                let args: Vec<String> = args.iter().map(|a| format!("r{a}")).collect();
                format!("{op} {}", args.join(" "))
            }
        };
        out.push_str(&format!("{indent}r{r}: {} = {op}\n", instr.dtype));
    }
    out
}

fn kernel_text(i: usize, k: &Kernel) -> String {
    match k {
        Kernel::MatMul(m) => format!(
            "kernel {i}: matmul {}{} ({}) @ {}{} ({}) -> {}\n",
            m.a.0, m.a.1, m.a_ty, m.b.0, m.b.1, m.b_ty, m.out
        ),
        Kernel::Axis(c) => {
            let second = match &c.y {
                Some(((b, map), ty)) => format!(", {b}{map} ({ty})"),
                None => String::new(),
            };
            format!(
                "kernel {i}: {} {}{} ({}){second} -> {}\n",
                c.op, c.x.0, c.x.1, c.x_ty, c.out
            )
        }
        Kernel::Loop(l) => {
            let outer: Vec<String> = l.outer.iter().map(|d| d.to_string()).collect();
            let inner: Vec<String> = l.inner.iter().map(|d| d.to_string()).collect();
            let mut s = format!(
                "kernel {i}: loop outer [{}] inner [{}]\n",
                outer.join(","),
                inner.join(",")
            );
            for (p, phase) in l.phases.iter().enumerate() {
                match phase {
                    Phase::Reduce {
                        body,
                        value,
                        combiner,
                        dtype,
                        stores,
                    } => {
                        s.push_str(&format!(
                            "  phase {p}: reduce {} r{value} ({dtype}) over inner\n",
                            combiner.name()
                        ));
                        s.push_str(&body_text(body, "    "));
                        s.push_str(&stores_text(stores, "    "));
                    }
                    Phase::Map { body, stores } | Phase::Outer { body, stores } => {
                        let what = if matches!(phase, Phase::Map { .. }) {
                            "map over inner"
                        } else {
                            "per outer point"
                        };
                        s.push_str(&format!("  phase {p}: {what}\n"));
                        s.push_str(&body_text(body, "    "));
                        s.push_str(&stores_text(stores, "    "));
                    }
                }
            }
            s
        }
    }
}

fn stores_text(stores: &[Store], indent: &str) -> String {
    stores
        .iter()
        .map(|st| format!("{indent}store {}{} = r{}\n", st.buffer, st.index, st.value))
        .collect()
}
