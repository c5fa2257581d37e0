//! One exposition in the Prometheus text format (0.0.4), written by hand:
//! the families are few, the per-SLO series change with every reload, and a
//! string builder is faster than registering and dropping thousands of gauges.

use std::fmt::Write as _;

pub struct Exposition {
    pub out: String,
}

impl Exposition {
    pub fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }

    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                self.out.push_str(k);
                self.out.push_str("=\"");
                escape_label(&mut self.out, v);
                self.out.push('"');
            }
            self.out.push('}');
        }
        self.out.push(' ');
        write_float(&mut self.out, value);
        self.out.push('\n');
    }
}

fn escape_label(out: &mut String, v: &str) {
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

fn write_float(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str("NaN");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "+Inf" } else { "-Inf" });
    } else {
        let _ = write!(out, "{v}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_floats_written_as_prometheus_reads_them() {
        let mut x = Exposition { out: String::new() };
        x.sample("m", &[("a", "q\"b\\c\nd")], 0.999);
        x.sample("m", &[], f64::NAN);
        x.sample("m", &[], f64::INFINITY);
        x.sample("m", &[], 14.4);
        assert_eq!(
            x.out,
            "m{a=\"q\\\"b\\\\c\\nd\"} 0.999\nm NaN\nm +Inf\nm 14.4\n"
        );
    }
}
