//! The alert form's state: one text input per field any rule type has, and
//! the conversion to and from the `AlertSpec` the server checks. Numbers
//! and windows are read here, so a typo is named at its field before the
//! form is sent.

use crate::{
    error::AppError,
    model::{AlertRule, AlertSpec, FieldError, MaxAge},
};
use leptos::prelude::*;

/// The inputs of the alert form.
#[derive(Clone, Copy)]
pub struct AlertDraft {
    pub name: RwSignal<String>,
    pub feed: RwSignal<String>,
    pub enabled: RwSignal<bool>,
    /// One of [`crate::model::RULE_TYPES`].
    pub kind: RwSignal<String>,
    pub symbol: RwSignal<String>,
    /// The price level (`price_above`/`price_below`).
    pub level: RwSignal<String>,
    pub pct: RwSignal<String>,
    pub window: RwSignal<String>,
    /// The least log level counted (`log_rate`).
    pub log_level: RwSignal<String>,
    pub q: RwSignal<String>,
    pub count: RwSignal<String>,
    pub webhook_url: RwSignal<String>,
}

impl AlertDraft {
    /// The form for `spec`, or a new `price_above` rule on `feed`.
    pub fn new(spec: Option<&AlertSpec>, feed: &str) -> Self {
        let text = RwSignal::new;
        let draft = AlertDraft {
            name: text(String::new()),
            feed: text(feed.to_owned()),
            enabled: RwSignal::new(true),
            kind: text("price_above".into()),
            symbol: text(String::new()),
            level: text(String::new()),
            pct: text("2".into()),
            window: text("60s".into()),
            log_level: text("ERROR".into()),
            q: text(String::new()),
            count: text("5".into()),
            webhook_url: text(String::new()),
        };
        if let Some(spec) = spec {
            draft.fill(spec);
        }
        draft
    }

    fn fill(&self, spec: &AlertSpec) {
        self.name.set(spec.name.clone());
        self.feed.set(spec.feed.clone());
        self.enabled.set(spec.enabled);
        self.webhook_url.set(spec.webhook_url.clone().unwrap_or_default());
        self.kind.set(spec.rule.type_name().to_owned());
        match &spec.rule {
            AlertRule::PriceAbove { symbol, level } | AlertRule::PriceBelow { symbol, level } => {
                self.symbol.set(symbol.clone());
                self.level.set(level.to_string());
            }
            AlertRule::ChangePct { symbol, pct, window } => {
                self.symbol.set(symbol.clone());
                self.pct.set(pct.to_string());
                self.window.set(window.to_string());
            }
            AlertRule::NoData { window } => self.window.set(window.to_string()),
            AlertRule::LogRate { level, q, count, window } => {
                self.log_level.set(level.clone());
                self.q.set(q.clone().unwrap_or_default());
                self.count.set(count.to_string());
                self.window.set(window.to_string());
            }
        }
    }

    /// The rule as the server takes it, or the fields that do not read.
    pub fn spec(&self) -> Result<AlertSpec, AppError> {
        let mut errors = Vec::new();
        let rule = self.rule(&mut errors);
        if !errors.is_empty() {
            return Err(AppError::invalid_fields(errors));
        }
        let webhook = self.webhook_url.get().trim().to_owned();
        Ok(AlertSpec {
            name: self.name.get(),
            feed: self.feed.get(),
            enabled: self.enabled.get(),
            rule: rule.expect("every field read"),
            webhook_url: (!webhook.is_empty()).then_some(webhook),
        })
    }

    fn rule(&self, errors: &mut Vec<FieldError>) -> Option<AlertRule> {
        let mut read = |field: &str, text: String| -> Option<f64> {
            let value = text.trim().parse::<f64>().ok().filter(|v| v.is_finite());
            if value.is_none() {
                errors.push(FieldError { field: field.into(), message: "must be a number".into() });
            }
            value
        };
        let level = read("rule.level", self.level.get());
        let pct = read("rule.pct", self.pct.get());
        let count = read("rule.count", self.count.get());
        let window = self.window.get().parse::<MaxAge>();
        // Only the errors of the chosen type's fields count.
        let kind = self.kind.get();
        let (needs, rule): (&[&str], _) = match kind.as_str() {
            "price_below" => {
                (&["rule.level"], level.map(|level| AlertRule::PriceBelow { symbol: self.symbol(), level }))
            }
            "change_pct" => (
                &["rule.pct", "rule.window"],
                pct.zip(window.clone().ok()).map(|(pct, window)| AlertRule::ChangePct {
                    symbol: self.symbol(),
                    pct,
                    window,
                }),
            ),
            "no_data" => (&["rule.window"], window.clone().ok().map(|window| AlertRule::NoData { window })),
            "log_rate" => (
                &["rule.count", "rule.window"],
                count.zip(window.clone().ok()).map(|(count, window)| AlertRule::LogRate {
                    level: self.log_level.get(),
                    q: Some(self.q.get().trim().to_owned()).filter(|q| !q.is_empty()),
                    count: count.clamp(0.0, u32::MAX as f64) as u32,
                    window,
                }),
            ),
            _ => (&["rule.level"], level.map(|level| AlertRule::PriceAbove { symbol: self.symbol(), level })),
        };
        if let Err(e) = window {
            errors.push(FieldError { field: "rule.window".into(), message: e.to_string() });
        }
        errors.retain(|e| needs.contains(&e.field.as_str()));
        rule
    }

    fn symbol(&self) -> String {
        self.symbol.get().trim().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(rule: serde_json::Value) -> AlertSpec {
        serde_json::from_value(json!({"name": "n", "feed": "f", "rule": rule, "webhook_url": "http://h/x"})).unwrap()
    }

    #[test]
    fn every_rule_type_round_trips_through_the_form() {
        let owner = Owner::new();
        owner.with(|| {
            for rule in [
                json!({"type": "price_above", "symbol": "AAPL", "level": 190.5}),
                json!({"type": "price_below", "symbol": "AAPL", "level": 10}),
                json!({"type": "change_pct", "symbol": "X", "pct": 2.5, "window": "5m"}),
                json!({"type": "no_data", "window": "30s"}),
                json!({"type": "log_rate", "level": "WARN", "q": "disk", "count": 5, "window": "10s"}),
            ] {
                let original = spec(rule);
                assert_eq!(AlertDraft::new(Some(&original), "").spec(), Ok(original));
            }
        });
    }

    #[test]
    fn unreadable_inputs_are_named_only_for_the_chosen_type() {
        let owner = Owner::new();
        owner.with(|| {
            let draft = AlertDraft::new(None, "f");
            draft.level.set("high".into());
            draft.window.set("soon".into());
            let fields = |d: &AlertDraft| -> Vec<String> {
                d.spec().err().map(|e| e.fields.into_iter().map(|f| f.field).collect()).unwrap_or_default()
            };
            assert_eq!(fields(&draft), ["rule.level"], "price_above has no window");
            draft.kind.set("no_data".into());
            assert_eq!(fields(&draft), ["rule.window"]);
            draft.window.set("45s".into());
            assert!(draft.spec().is_ok());
        });
    }
}
