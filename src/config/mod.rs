//! Configuration: finds `ssot.toml` (or `[tool.ssot]` in `pyproject.toml`), reads it into the raw
//! [`Options`] (whose doc comments document every key), and resolves options and command-line
//! arguments into [`Settings`], the only configuration type the rest of the pipeline reads.
//! It must not know about individual rules: per-rule tables are validated by [`crate::rule`].

mod globs;
mod layers;
mod options;
mod scope;
mod settings;

pub use globs::Globs;
pub(crate) use globs::{compile_globs, glob_list};
pub use layers::{At, ConfigFile, PerFileIgnore, RuleOptions, RuleSelection};
pub use options::{Options, RuleTable, RulesOptions, ScanOptions};
pub use scope::Scope;
pub use settings::{repository_top, Overrides, Settings, StdinBuffer};

/// The default `scan.test` globs: where test files live.
pub const DEFAULT_TEST_GLOBS: [&str; 7] = [
    "tests/**",
    "**/tests/**",
    "**/test_*.py",
    "**/*_test.py",
    "**/conftest.py",
    "**/benches/**/*.rs",
    "**/examples/**/*.rs",
];

/// The default `scan.max-file-size`: 10 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// The default `scan.parse-timeout-ms`.
pub const DEFAULT_PARSE_TIMEOUT_MS: u64 = 2_000;
