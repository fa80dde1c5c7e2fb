//! The languages ssot reads, and what each owns that the rest of the pipeline asks about by
//! name: its file extensions and the name rule files and `scan.languages` use for it. The front
//! ends themselves are [`crate::python`] and [`crate::rust`]; the analyzer
//! (`scan::analyze`) picks one by [`Language::of`].

use std::path::Path;

/// A language whose source files ssot scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Python,
    Rust,
}

impl Language {
    /// Every language, in the order reports list them.
    pub const ALL: [Language; 2] = [Language::Python, Language::Rust];

    /// The language of a file, by its extension (`.py`, `.pyi`; `.rs`).
    pub fn of(path: &Path) -> Option<Language> {
        let ext = path.extension()?;
        Self::ALL.into_iter().find(|language| language.extensions().iter().any(|e| ext == *e))
    }

    /// The language a scanned file is read as: by its extension, and Python for a file named
    /// on the command line whatever its name (as ssot always read such files).
    pub fn of_scanned(path: &Path) -> Language {
        Self::of(path).unwrap_or(Language::Python)
    }

    /// Its name in rule files, `scan.languages` and reports.
    pub fn name(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::Rust => "rust",
        }
    }

    /// The language called `name` in rule files and the configuration.
    pub fn from_name(name: &str) -> Option<Language> {
        Self::ALL.into_iter().find(|language| language.name() == name)
    }

    /// The file extensions that make a file this language's, without the dot.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Language::Python => &["py", "pyi"],
            Language::Rust => &["rs"],
        }
    }

    /// How reports name it ("Python", "Rust").
    pub fn title(self) -> &'static str {
        match self {
            Language::Python => "Python",
            Language::Rust => "Rust",
        }
    }
}

/// "`python`, `rust`": the names a rule file or the configuration may use, for error messages.
pub(crate) fn known_names() -> String {
    Language::ALL.iter().map(|language| format!("`{}`", language.name())).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_belongs_to_the_language_of_its_extension() {
        assert_eq!(Language::of(Path::new("a/b.py")), Some(Language::Python));
        assert_eq!(Language::of(Path::new("b.pyi")), Some(Language::Python));
        assert_eq!(Language::of(Path::new("src/lib.rs")), Some(Language::Rust));
        assert_eq!(Language::of(Path::new("README.md")), None);
        assert_eq!(Language::of(Path::new("rs")), None);
        for language in Language::ALL {
            assert_eq!(Language::from_name(language.name()), Some(language));
        }
    }
}
