//! A small Nelder-Mead minimiser for the few (1 to 3) smoothing parameters
//! ETS fits; a numerics crate would be far heavier than these 60 lines.

/// Minimises `f` from `start`, stopping after `max_evals` evaluations or
/// when the simplex's values agree to a relative 1e-10.
pub fn nelder_mead(start: &[f64], mut f: impl FnMut(&[f64]) -> f64, max_evals: usize) -> Vec<f64> {
    let d = start.len();
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(d + 1);
    simplex.push((start.to_vec(), f(start)));
    for i in 0..d {
        let mut p = start.to_vec();
        p[i] += 1.0;
        let v = f(&p);
        simplex.push((p, v));
    }
    let mut evals = d + 1;
    let lerp = |a: &[f64], b: &[f64], t: f64| -> Vec<f64> {
        a.iter().zip(b).map(|(x, y)| x + t * (y - x)).collect()
    };
    while evals < max_evals {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let (best, worst) = (simplex[0].1, simplex[d].1);
        if (worst - best).abs() <= 1e-10 * (best.abs() + 1e-30) {
            break;
        }
        let mut centroid = vec![0.0; d];
        for (p, _) in &simplex[..d] {
            for (c, x) in centroid.iter_mut().zip(p) {
                *c += x / d as f64;
            }
        }
        let reflected = lerp(&centroid, &simplex[d].0, -1.0);
        let fr = f(&reflected);
        evals += 1;
        if fr < simplex[0].1 {
            let expanded = lerp(&centroid, &simplex[d].0, -2.0);
            let fe = f(&expanded);
            evals += 1;
            simplex[d] = if fe < fr {
                (expanded, fe)
            } else {
                (reflected, fr)
            };
        } else if fr < simplex[d - 1].1 {
            simplex[d] = (reflected, fr);
        } else {
            let contracted = lerp(&centroid, &simplex[d].0, 0.5);
            let fc = f(&contracted);
            evals += 1;
            if fc < simplex[d].1 {
                simplex[d] = (contracted, fc);
            } else {
                // Shrink towards the best point.
                let b = simplex[0].0.clone();
                for entry in simplex.iter_mut().skip(1) {
                    let p = lerp(&b, &entry.0, 0.5);
                    let v = f(&p);
                    *entry = (p, v);
                }
                evals += d;
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    simplex.swap_remove(0).0
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_a_quadratic_minimum() {
        let p = super::nelder_mead(
            &[0.0, 0.0],
            |u| (u[0] - 3.0).powi(2) + (u[1] + 1.0).powi(2),
            500,
        );
        assert!(
            (p[0] - 3.0).abs() < 1e-3 && (p[1] + 1.0).abs() < 1e-3,
            "{p:?}"
        );
    }
}
