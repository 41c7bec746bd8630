//! A tiny line chart of recent prices (SVG, no library).

use leptos::prelude::*;

const WIDTH: f64 = 96.0;
const HEIGHT: f64 = 24.0;

/// The SVG `points` for `values` scaled into the sparkline's box.
pub fn points(values: &[f64]) -> String {
    if values.len() < 2 {
        return String::new();
    }
    let (min, max) = values.iter().fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let span = if max > min { max - min } else { 1.0 };
    let step = WIDTH / (values.len() - 1) as f64;
    values
        .iter()
        .enumerate()
        .map(|(i, v)| format!("{:.1},{:.1}", i as f64 * step, HEIGHT - 2.0 - (v - min) / span * (HEIGHT - 4.0)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Recent prices as a line; green when rising over the window, red when
/// falling.
#[component]
pub fn Sparkline(#[prop(into)] values: Signal<Vec<f64>>) -> impl IntoView {
    let colour = move || {
        values.with(|v| match (v.first(), v.last()) {
            (Some(a), Some(b)) if b > a => "stroke-emerald-500",
            (Some(a), Some(b)) if b < a => "stroke-rose-500",
            _ => "stroke-slate-400",
        })
    };
    view! {
        <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") class="h-6 w-24" aria-hidden="true">
            <polyline
                class=move || format!("fill-none {}", colour())
                stroke-width="1.5"
                points=move || values.with(|v| points(v))
            />
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::points;

    #[test]
    fn scales_into_the_box() {
        assert_eq!(points(&[1.0]), "");
        assert_eq!(points(&[1.0, 2.0]), "0.0,22.0 96.0,2.0");
        assert_eq!(points(&[5.0, 5.0, 5.0]), "0.0,22.0 48.0,22.0 96.0,22.0");
    }
}
