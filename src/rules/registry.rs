//! The one registry of engines: each built-in engine's [`Registration`] (its name as rule files
//! write it, the message variables it provides, how to build it; defined in the engine's own
//! file), one row per engine in [`REGISTRY`]. The rule loader validates rule files against [`signatures`]; the rule set
//! builds engines with [`build`]. Adding an engine is one file under `src/rules/` that defines
//! its `REGISTRATION`, and one row here.

use super::api::{Engine, Registration};
use super::{
    direct_env_access, duplicate_manager_class, duplicate_string_constant, magic_none, missing_mock_import,
    mock_in_real_test, relative_import, scattered_event_literal,
};
use crate::config::Settings;
use crate::rule::{EngineSignature, Rule};
use crate::UserError;

/// Every built-in engine, sorted by name.
const REGISTRY: &[Registration] = &[
    direct_env_access::REGISTRATION,
    duplicate_manager_class::REGISTRATION,
    duplicate_string_constant::REGISTRATION,
    magic_none::REGISTRATION,
    missing_mock_import::REGISTRATION,
    mock_in_real_test::REGISTRATION,
    relative_import::REGISTRATION,
    scattered_event_literal::REGISTRATION,
];

/// What the rule loader must know of every engine.
pub(crate) fn signatures() -> Vec<EngineSignature> {
    REGISTRY.iter().map(|registration| registration.signature).collect()
}

/// Builds engine `name` for `rule`.
pub(crate) fn build(name: &str, rule: &Rule, settings: &Settings) -> Result<Engine, UserError> {
    match REGISTRY.iter().find(|registration| registration.signature.name == name) {
        Some(registration) => (registration.build)(rule, settings),
        None => Err(UserError::new(format!("rule `{}`: engine `{name}` cannot be built", rule.id))),
    }
}

#[cfg(test)]
mod tests {
    use super::REGISTRY;

    #[test]
    fn engine_names_are_sorted_and_unique() {
        let names: Vec<&str> = REGISTRY.iter().map(|r| r.signature.name).collect();
        assert!(names.windows(2).all(|pair| pair[0] < pair[1]), "{names:?}");
    }
}
