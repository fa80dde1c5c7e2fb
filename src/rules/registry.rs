//! The one registry of engines: each built-in engine's [`Registration`] (its name as rule files
//! write it, the message variables it provides, how to build it; defined in the engine's own
//! file), one row per engine in [`REGISTRY`]. The rule loader validates rule files against [`signatures`]; the rule set
//! builds engines with [`build`]. Adding an engine is one file under `src/rules/` that defines
//! its `REGISTRATION`, and one row here.

use super::api::{Engine, Registration};
use super::{
    direct_env_access, duplicate_manager_class, duplicate_string_constant, import_contract, import_cycle, magic_none,
    missing_mock_import, mock_in_real_test, moved_import, reexport_import, relative_import, scattered_event_literal,
    unresolved_import,
};
use crate::config::Settings;
use crate::rule::{EngineSignature, Rule};
use crate::UserError;

/// Every built-in engine, sorted by name.
const REGISTRY: &[Registration] = &[
    direct_env_access::REGISTRATION,
    duplicate_manager_class::REGISTRATION,
    duplicate_string_constant::REGISTRATION,
    import_contract::REGISTRATION,
    import_cycle::REGISTRATION,
    magic_none::REGISTRATION,
    missing_mock_import::REGISTRATION,
    mock_in_real_test::REGISTRATION,
    moved_import::REGISTRATION,
    reexport_import::REGISTRATION,
    relative_import::REGISTRATION,
    scattered_event_literal::REGISTRATION,
    unresolved_import::REGISTRATION,
];

/// What the rule loader must know of every engine.
pub(crate) fn signatures() -> Vec<EngineSignature> {
    REGISTRY.iter().map(|registration| registration.signature).collect()
}

/// Whether engine `name` is a project rule (unknown names are not).
pub(crate) fn project_wide(name: &str) -> bool {
    REGISTRY.iter().any(|registration| registration.signature.name == name && registration.project_wide)
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
    use crate::rules::api::Engine;

    /// `project_wide` says what `build` makes, for every bundled rule of an engine.
    #[test]
    fn project_wide_matches_the_engine_built() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let settings =
            crate::config::Settings::resolve(&root, std::slice::from_ref(&root), &crate::config::Overrides::default())
                .unwrap();
        let catalog = crate::rules::bundled_catalog().unwrap();
        let mut seen = 0;
        for rule in catalog.select(&settings).unwrap() {
            let crate::rule::RuleKind::Engine(name) = &rule.kind else { continue };
            let built = super::build(name, &rule, &settings).unwrap();
            assert_eq!(matches!(built, Engine::Project(_)), super::project_wide(name), "{name}");
            seen += 1;
        }
        assert_eq!(seen, REGISTRY.len());
    }

    #[test]
    fn engine_names_are_sorted_and_unique() {
        let names: Vec<&str> = REGISTRY.iter().map(|r| r.signature.name).collect();
        assert!(names.windows(2).all(|pair| pair[0] < pair[1]), "{names:?}");
    }
}
