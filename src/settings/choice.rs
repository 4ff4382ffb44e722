//! "A whole number or `auto`" settings (`--k`, `--dims`): one definition of how they parse,
//! print and serialise (a number, or the string `"auto"` in JSON), shared by distinct types so
//! a k cannot be passed where dimensions are meant.

/// Defines `enum $name { Fixed(usize), Auto }` with `FromStr` (`auto` in any case, or a whole
/// number), `Display` and `Serialize`. Which numbers can work is the setting's check, in
/// [`super::defs`].
macro_rules! number_or_auto {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            fixed: $fixed:literal,
            auto: $auto:literal $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        $vis enum $name {
            #[doc = $fixed]
            Fixed(usize),
            #[doc = $auto]
            Auto,
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
                if s.eq_ignore_ascii_case("auto") {
                    return Ok($name::Auto);
                }
                match s.parse::<usize>() {
                    Ok(n) => Ok($name::Fixed(n)),
                    Err(_) => Err(format!("expected a whole number or `auto`, got `{s}`")),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self {
                    $name::Fixed(n) => write!(f, "{n}"),
                    $name::Auto => f.write_str("auto"),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> std::result::Result<S::Ok, S::Error> {
                match self {
                    $name::Fixed(n) => s.serialize_u64(*n as u64),
                    $name::Auto => s.serialize_str("auto"),
                }
            }
        }
    };
}

pub(crate) use number_or_auto;

number_or_auto! {
    /// How many worker threads to run (`--threads`).
    pub enum Threads {
        fixed: "Exactly this many.",
        auto: "One per core.",
    }
}

impl Threads {
    /// The number to ask a thread pool for: `None` for one per core.
    pub fn count(self) -> Option<usize> {
        match self {
            Threads::Fixed(n) => Some(n),
            Threads::Auto => None,
        }
    }
}
